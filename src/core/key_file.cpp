#include "core/key_file.h"

#include <sodium.h>

#include <algorithm>

#include "core/address.h"
#include "core/encoding.h"
#include "core/file_util.h"
#include "core/json_fields.h"
#include "core/passphrase_box.h"

namespace aitbc::core {
namespace {

constexpr uint64_t kVersion = 1;
constexpr std::string_view kType = "ed25519";
constexpr std::string_view kNoEncryption = "none";
constexpr std::string_view kWhat = "key file";

// The address and public key are authenticated with the sealed seed, so editing them (to make
// a wallet show someone else's address) fails decryption.
Bytes AssociatedData(const std::string& address, const PublicKey& public_key) {
  Writer w;
  w.String("aitbc key file v1");
  w.String(address);
  w.Fixed(public_key.view());
  return w.Take();
}

// The key whose seed is given, which must match the public key the file states.
Result<PrivateKey> KeyFromSeed(ByteView seed, const PublicKey& stated) {
  auto key = PrivateKey::FromSeed(seed);
  if (!key.ok()) return Error::Corruption("key file: " + key.error().message());
  if (key->public_key() != stated) {
    return Error::Corruption("key file: public key does not match the seed");
  }
  return key;
}

Error WithPath(const Error& error, const std::string& path) { return error.WithContext(path); }

}  // namespace

Result<std::string> EncodeKeyFile(const PrivateKey& key, std::string_view passphrase,
                                  Random& random, const KeyFileOptions& options) {
  const PublicKey& public_key = key.public_key();
  std::string address = Address::FromPublicKey(public_key).ToString();
  nlohmann::ordered_json obj;
  obj["version"] = kVersion;
  obj["type"] = kType;
  obj["address"] = address;
  obj["public_key"] = public_key.ToHex();
  if (passphrase.empty()) {
    obj["encryption"] = kNoEncryption;
    obj["seed"] = HexEncode(key.Seed());
  } else {
    AITBC_TRY(SealToJson(key.Seed(), passphrase, AssociatedData(address, public_key), random,
                         options, obj));
  }
  return obj.dump(2) + "\n";
}

Result<PrivateKey> DecodeKeyFile(std::string_view json, std::string_view passphrase) {
  AITBC_ASSIGN_OR_RETURN(nlohmann::json obj, ParseJsonObject(json, kWhat));
  AITBC_ASSIGN_OR_RETURN(uint64_t version, JsonUintField(obj, "version", kWhat));
  if (version != kVersion) {
    return Error::Corruption("key file: unsupported version " + std::to_string(version));
  }
  AITBC_ASSIGN_OR_RETURN(std::string type, JsonStringField(obj, "type", kWhat));
  if (type != kType) return Error::Corruption("key file: unsupported key type \"" + type + "\"");
  AITBC_ASSIGN_OR_RETURN(Bytes public_bytes, JsonHexField(obj, "public_key", 32, kWhat));
  PublicKey public_key;
  std::copy(public_bytes.begin(), public_bytes.end(), public_key.bytes.begin());
  AITBC_ASSIGN_OR_RETURN(std::string address_text, JsonStringField(obj, "address", kWhat));
  auto address = Address::Parse(address_text);
  if (!address.ok()) return Error::Corruption("key file: " + address.error().message());
  if (*address != Address::FromPublicKey(public_key)) {
    return Error::Corruption("key file: address does not match the public key");
  }
  AITBC_ASSIGN_OR_RETURN(std::string encryption, JsonStringField(obj, "encryption", kWhat));
  if (encryption == kNoEncryption) {
    AITBC_ASSIGN_OR_RETURN(Bytes seed, JsonHexField(obj, "seed", PrivateKey::kSeedSize, kWhat));
    auto key = KeyFromSeed(seed, public_key);
    sodium_memzero(seed.data(), seed.size());
    return key;
  }
  AITBC_ASSIGN_OR_RETURN(
      SecretBytes seed,
      OpenFromJson(obj, passphrase, AssociatedData(address->ToString(), public_key), kWhat));
  return KeyFromSeed(seed.view(), public_key);
}

Status WriteKeyFile(const std::string& path, const PrivateKey& key, std::string_view passphrase,
                    Random& random, const KeyFileOptions& options) {
  AITBC_ASSIGN_OR_RETURN(std::string json, EncodeKeyFile(key, passphrase, random, options));
  Status written = options.overwrite ? WriteFileAtomic(path, json, 0600)
                                     : WriteFileAtomicNoReplace(path, json, 0600);
  if (!written.ok()) return written.error().WithContext("writing key file");
  return Ok();
}

Result<PrivateKey> ReadKeyFile(const std::string& path, std::string_view passphrase) {
  AITBC_ASSIGN_OR_RETURN(std::string json, ReadFile(path));
  auto key = DecodeKeyFile(json, passphrase);
  if (!key.ok()) return WithPath(key.error(), path);
  return key;
}

Result<bool> KeyFileIsPlaintext(const std::string& path) {
  AITBC_ASSIGN_OR_RETURN(std::string json, ReadFile(path));
  auto obj = ParseJsonObject(json, kWhat);
  if (!obj.ok()) return WithPath(obj.error(), path);
  auto encryption = JsonStringField(*obj, "encryption", kWhat);
  if (!encryption.ok()) return WithPath(encryption.error(), path);
  if (*encryption == kNoEncryption) return true;
  if (*encryption == kPassphraseEncryption) return false;
  return Error::Corruption(path + ": key file: unsupported encryption \"" + *encryption + "\"");
}

}  // namespace aitbc::core
