#include "core/passphrase_box.h"

#include <sodium.h>

#include <array>

#include "core/encoding.h"
#include "core/json_fields.h"
#include "core/sodium_init.h"

namespace aitbc::core {
namespace {

constexpr uint64_t kMaxOpsLimit = 16;
constexpr uint64_t kMaxMemLimit = uint64_t{1} << 30;
constexpr size_t kKeySize = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr size_t kSaltSize = crypto_pwhash_SALTBYTES;
constexpr size_t kNonceSize = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagSize = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::string_view kSealedWhat = "sealed data";
constexpr uint64_t kSealedVersion = 1;

static_assert(crypto_pwhash_argon2id_BYTES_MIN <= kKeySize);

// A derived key, wiped on scope exit.
struct DerivedKey {
  std::array<uint8_t, kKeySize> bytes{};
  ~DerivedKey() { sodium_memzero(bytes.data(), bytes.size()); }
};

Status DeriveKey(std::string_view passphrase, ByteView salt, uint64_t opslimit, uint64_t memlimit,
                 DerivedKey& key) {
  EnsureSodium();
  if (crypto_pwhash(key.bytes.data(), key.bytes.size(), passphrase.data(), passphrase.size(),
                    salt.data(), opslimit, static_cast<size_t>(memlimit),
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error::ResourceExhausted("Argon2id key derivation failed (out of memory for " +
                                    std::to_string(memlimit) + " bytes?)");
  }
  return Ok();
}

// Domain separation: a sealed secret cannot be passed off as a key file or the other way round.
Bytes SealedAssociatedData() {
  Writer w;
  w.String("aitbc sealed data v1");
  return w.Take();
}

}  // namespace

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  Wipe();
  bytes_ = std::move(other.bytes_);
  return *this;
}

SecretBytes::~SecretBytes() { Wipe(); }

void SecretBytes::Resize(size_t size) {
  if (size >= bytes_.size()) return;
  sodium_memzero(bytes_.data() + size, bytes_.size() - size);
  bytes_.resize(size);
}

void SecretBytes::Wipe() {
  if (!bytes_.empty()) sodium_memzero(bytes_.data(), bytes_.size());
}

Status CheckKdfCost(uint64_t opslimit, uint64_t memlimit) {
  if (opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN || opslimit > kMaxOpsLimit) {
    return Error::InvalidArgument("Argon2id opslimit " + std::to_string(opslimit) + " outside [" +
                                  std::to_string(crypto_pwhash_argon2id_OPSLIMIT_MIN) + ", " +
                                  std::to_string(kMaxOpsLimit) + "]");
  }
  if (memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN || memlimit > kMaxMemLimit) {
    return Error::InvalidArgument("Argon2id memlimit " + std::to_string(memlimit) + " outside [" +
                                  std::to_string(crypto_pwhash_argon2id_MEMLIMIT_MIN) + ", " +
                                  std::to_string(kMaxMemLimit) + "]");
  }
  return Ok();
}

Status SealToJson(ByteView plaintext, std::string_view passphrase, ByteView associated_data,
                  Random& random, const KeyFileOptions& options, nlohmann::ordered_json& obj) {
  if (passphrase.empty()) return Error::InvalidArgument("passphrase must not be empty");
  AITBC_TRY(CheckKdfCost(options.opslimit, options.memlimit));
  std::array<uint8_t, kSaltSize> salt{};
  std::array<uint8_t, kNonceSize> nonce{};
  random.Fill(salt);
  random.Fill(nonce);
  DerivedKey key;
  AITBC_TRY(DeriveKey(passphrase, salt, options.opslimit, options.memlimit, key));
  Bytes ciphertext(plaintext.size() + kTagSize);
  unsigned long long ciphertext_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      ciphertext.data(), &ciphertext_len, plaintext.data(), plaintext.size(),
      associated_data.data(), associated_data.size(), nullptr, nonce.data(), key.bytes.data());
  ciphertext.resize(ciphertext_len);
  obj["encryption"] = kPassphraseEncryption;
  obj["kdf"] = {{"opslimit", options.opslimit},
                {"memlimit", static_cast<uint64_t>(options.memlimit)},
                {"salt", HexEncode(salt)}};
  obj["nonce"] = HexEncode(nonce);
  obj["ciphertext"] = HexEncode(ciphertext);
  return Ok();
}

Result<SecretBytes> OpenFromJson(const nlohmann::json& obj, std::string_view passphrase,
                                 ByteView associated_data, std::string_view what) {
  AITBC_ASSIGN_OR_RETURN(std::string encryption, JsonStringField(obj, "encryption", what));
  if (encryption != kPassphraseEncryption) {
    return Error::Corruption(std::string(what) + ": unsupported encryption \"" + encryption + "\"");
  }
  AITBC_ASSIGN_OR_RETURN(const nlohmann::json* kdf, JsonObjectField(obj, "kdf", what));
  std::string kdf_what = std::string(what) + " kdf";
  AITBC_ASSIGN_OR_RETURN(uint64_t opslimit, JsonUintField(*kdf, "opslimit", kdf_what));
  AITBC_ASSIGN_OR_RETURN(uint64_t memlimit, JsonUintField(*kdf, "memlimit", kdf_what));
  AITBC_ASSIGN_OR_RETURN(Bytes salt, JsonHexField(*kdf, "salt", kSaltSize, kdf_what));
  AITBC_ASSIGN_OR_RETURN(Bytes nonce, JsonHexField(obj, "nonce", kNonceSize, what));
  AITBC_ASSIGN_OR_RETURN(Bytes ciphertext, JsonHexField(obj, "ciphertext", what));
  if (auto cost = CheckKdfCost(opslimit, memlimit); !cost.ok()) {
    return Error::Corruption(std::string(what) + ": " + cost.error().message());
  }
  if (ciphertext.size() < kTagSize) {
    return Error::Corruption(std::string(what) + ": ciphertext is shorter than its " +
                             std::to_string(kTagSize) + "-byte tag");
  }
  if (passphrase.empty()) {
    return Error::Unauthenticated(std::string(what) + " is encrypted: passphrase required");
  }
  DerivedKey key;
  AITBC_TRY(DeriveKey(passphrase, salt, opslimit, memlimit, key));
  SecretBytes plaintext(ciphertext.size() - kTagSize);
  unsigned long long plaintext_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          plaintext.data(), &plaintext_len, nullptr, ciphertext.data(), ciphertext.size(),
          associated_data.data(), associated_data.size(), nonce.data(), key.bytes.data()) != 0) {
    return Error::Unauthenticated("wrong passphrase or corrupted " + std::string(what));
  }
  plaintext.Resize(plaintext_len);
  return plaintext;
}

Result<std::string> SealWithPassphrase(ByteView plaintext, std::string_view passphrase,
                                       Random& random, const KeyFileOptions& options) {
  nlohmann::ordered_json obj;
  obj["version"] = kSealedVersion;
  AITBC_TRY(SealToJson(plaintext, passphrase, SealedAssociatedData(), random, options, obj));
  return obj.dump();
}

Result<Bytes> OpenWithPassphrase(std::string_view sealed, std::string_view passphrase) {
  AITBC_ASSIGN_OR_RETURN(nlohmann::json obj, ParseJsonObject(sealed, kSealedWhat));
  AITBC_ASSIGN_OR_RETURN(uint64_t version, JsonUintField(obj, "version", kSealedWhat));
  if (version != kSealedVersion) {
    return Error::Corruption("sealed data: unsupported version " + std::to_string(version));
  }
  AITBC_ASSIGN_OR_RETURN(SecretBytes plaintext,
                         OpenFromJson(obj, passphrase, SealedAssociatedData(), kSealedWhat));
  ByteView view = plaintext.view();
  return Bytes(view.begin(), view.end());
}

}  // namespace aitbc::core
