#include "core/key_file.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "core/address.h"
#include "core/file_util.h"
#include "test_util.h"

namespace aitbc::core {
namespace {

using nlohmann::json;
using testing::TempDir;

constexpr std::string_view kPass = "correct horse battery staple";
constexpr std::string_view kSeedHex =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

// The cheapest Argon2id cost libsodium allows, so the ASan build stays fast.
KeyFileOptions Cheap() {
  KeyFileOptions options;
  options.opslimit = crypto_pwhash_OPSLIMIT_MIN;
  options.memlimit = crypto_pwhash_MEMLIMIT_MIN;
  return options;
}

PrivateKey TestKey() { return *PrivateKey::FromSeed(*HexDecode(kSeedHex)); }

std::string Encrypted(const PrivateKey& key = TestKey(), uint64_t seed = 1) {
  DeterministicRandom random(seed);
  auto text = EncodeKeyFile(key, kPass, random, Cheap());
  EXPECT_TRUE(text.ok()) << text.error().ToString();
  return *text;
}

std::string Plain() {
  DeterministicRandom random(1);
  return *EncodeKeyFile(TestKey(), "", random);
}

// Flips the lowest bit of the hex digit at position i of a hex string.
std::string FlipHexDigit(std::string hex, size_t i) {
  hex[i] = hex[i] == '0' ? '1' : '0';
  return hex;
}

void ExpectError(const Result<PrivateKey>& key, ErrorCode code, std::string_view part) {
  ASSERT_FALSE(key.ok()) << "expected an error mentioning " << part;
  EXPECT_EQ(key.error().code(), code) << key.error().ToString();
  EXPECT_NE(key.error().message().find(part), std::string::npos) << key.error().message();
}

TEST(KeyFileTest, EncryptedRoundTrip) {
  std::string text = Encrypted();
  auto key = DecodeKeyFile(text, kPass);
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(key->public_key(), TestKey().public_key());
  EXPECT_EQ(HexEncode(key->Seed()), kSeedHex);
}

TEST(KeyFileTest, EncryptedFormat) {
  json file = json::parse(Encrypted());
  EXPECT_EQ(file["version"], 1);
  EXPECT_EQ(file["type"], "ed25519");
  EXPECT_EQ(file["address"], Address::FromPublicKey(TestKey().public_key()).ToString());
  EXPECT_EQ(file["public_key"], TestKey().public_key().ToHex());
  EXPECT_EQ(file["encryption"], "argon2id-xchacha20poly1305");
  EXPECT_EQ(file["kdf"]["opslimit"], crypto_pwhash_OPSLIMIT_MIN);
  EXPECT_EQ(file["kdf"]["memlimit"], crypto_pwhash_MEMLIMIT_MIN);
  EXPECT_EQ(file["kdf"]["salt"].get<std::string>().size(), 32u);
  EXPECT_EQ(file["nonce"].get<std::string>().size(), 48u);
  EXPECT_EQ(file["ciphertext"].get<std::string>().size(), 96u);  // 32-byte seed + 16-byte tag
  EXPECT_FALSE(file.contains("seed"));
  EXPECT_EQ(Encrypted().find(kSeedHex), std::string::npos);  // the secret is not in the file
}

TEST(KeyFileTest, SaltAndNonceComeFromTheRandomSource) {
  EXPECT_EQ(Encrypted(TestKey(), 5), Encrypted(TestKey(), 5));
  json a = json::parse(Encrypted(TestKey(), 5));
  json b = json::parse(Encrypted(TestKey(), 6));
  EXPECT_NE(a["kdf"]["salt"], b["kdf"]["salt"]);
  EXPECT_NE(a["nonce"], b["nonce"]);
  EXPECT_NE(a["ciphertext"], b["ciphertext"]);
}

TEST(KeyFileTest, WrongPassphraseIsUnauthenticated) {
  std::string text = Encrypted();
  for (std::string_view wrong : {"wrong", "correct horse battery stapl", "x"}) {
    ExpectError(DecodeKeyFile(text, wrong), ErrorCode::kUnauthenticated,
                "wrong passphrase or corrupted key file");
  }
}

TEST(KeyFileTest, EmptyPassphraseOnEncryptedFile) {
  ExpectError(DecodeKeyFile(Encrypted(), ""), ErrorCode::kUnauthenticated,
              "key file is encrypted: passphrase required");
}

TEST(KeyFileTest, TamperedCiphertextNonceSaltOrCostIsDetected) {
  json file = json::parse(Encrypted());
  auto check = [&](json tampered) {
    ExpectError(DecodeKeyFile(tampered.dump(), kPass), ErrorCode::kUnauthenticated,
                "wrong passphrase or corrupted key file");
  };
  std::string ciphertext = file["ciphertext"];
  for (size_t i = 0; i < ciphertext.size(); i += 7) {
    json t = file;
    t["ciphertext"] = FlipHexDigit(ciphertext, i);
    check(t);
  }
  json t = file;
  t["nonce"] = FlipHexDigit(file["nonce"], 0);
  check(t);
  t = file;
  t["kdf"]["salt"] = FlipHexDigit(file["kdf"]["salt"], 31);
  check(t);
  t = file;
  t["kdf"]["opslimit"] = 2;
  check(t);
  t = file;
  t["kdf"]["memlimit"] = 16384;
  check(t);
}

TEST(KeyFileTest, TamperedAddressOrPublicKeyIsDetected) {
  json file = json::parse(Encrypted());
  PrivateKey other = PrivateKey::Generate(SystemRandom::Instance());
  std::string other_address = Address::FromPublicKey(other.public_key()).ToString();

  // Another valid address that does not belong to the public key.
  json t = file;
  t["address"] = other_address;
  ExpectError(DecodeKeyFile(t.dump(), kPass), ErrorCode::kCorruption,
              "address does not match the public key");

  // Both replaced consistently: only the authenticated data catches it.
  t["public_key"] = other.public_key().ToHex();
  ExpectError(DecodeKeyFile(t.dump(), kPass), ErrorCode::kUnauthenticated,
              "wrong passphrase or corrupted key file");

  // A typo in the address.
  t = file;
  std::string address = file["address"];
  address[10] = address[10] == 'q' ? 'p' : 'q';
  t["address"] = address;
  ExpectError(DecodeKeyFile(t.dump(), kPass), ErrorCode::kCorruption, "checksum");
}

TEST(KeyFileTest, TruncatedFileIsCorruption) {
  std::string text = Encrypted();
  ASSERT_EQ(text.back(), '\n');
  // Every proper prefix (except the one that only drops the final newline) is malformed JSON.
  for (size_t len = 0; len + 1 < text.size(); ++len) {
    auto key = DecodeKeyFile(text.substr(0, len), kPass);
    ASSERT_FALSE(key.ok()) << len;
    ASSERT_EQ(key.error().code(), ErrorCode::kCorruption) << len << ": " << key.error().ToString();
  }
  ExpectError(DecodeKeyFile("", kPass), ErrorCode::kCorruption, "not valid JSON");
}

TEST(KeyFileTest, MalformedFilesAreCorruption) {
  ExpectError(DecodeKeyFile("not json", kPass), ErrorCode::kCorruption, "not valid JSON");
  ExpectError(DecodeKeyFile("[1,2]", kPass), ErrorCode::kCorruption, "not a JSON object");
  ExpectError(DecodeKeyFile("\"str\"", kPass), ErrorCode::kCorruption, "not a JSON object");

  json file = json::parse(Encrypted());
  for (const char* field :
       {"version", "type", "address", "public_key", "encryption", "kdf", "nonce", "ciphertext"}) {
    json t = file;
    t.erase(field);
    ExpectError(DecodeKeyFile(t.dump(), kPass), ErrorCode::kCorruption,
                std::string("field \"") + field + "\" is missing");
  }
  for (const char* field : {"opslimit", "memlimit", "salt"}) {
    json t = file;
    t["kdf"].erase(field);
    ExpectError(DecodeKeyFile(t.dump(), kPass), ErrorCode::kCorruption,
                std::string("field \"") + field + "\" is missing");
  }

  auto with = [&](const std::string& field, json value) {
    json t = file;
    t[field] = std::move(value);
    return DecodeKeyFile(t.dump(), kPass);
  };
  ExpectError(with("version", "1"), ErrorCode::kCorruption, "\"version\" is not a non-negative");
  ExpectError(with("version", -1), ErrorCode::kCorruption, "\"version\" is not a non-negative");
  ExpectError(with("version", 1.5), ErrorCode::kCorruption, "\"version\" is not a non-negative");
  ExpectError(with("version", 2), ErrorCode::kCorruption, "unsupported version 2");
  ExpectError(with("type", "secp256k1"), ErrorCode::kCorruption, "unsupported key type");
  ExpectError(with("type", 5), ErrorCode::kCorruption, "\"type\" is not a string");
  ExpectError(with("encryption", "rot13"), ErrorCode::kCorruption, "unsupported encryption");
  ExpectError(with("kdf", "argon2"), ErrorCode::kCorruption, "\"kdf\" is not an object");
  ExpectError(with("public_key", "abcd"), ErrorCode::kCorruption, "must be 32 bytes, got 2");
  ExpectError(with("public_key", std::string(64, 'z')), ErrorCode::kCorruption, "is not hex");
  ExpectError(with("address", "aitbc1"), ErrorCode::kCorruption, "address");
  ExpectError(with("nonce", "00"), ErrorCode::kCorruption, "\"nonce\" must be 24 bytes");
  ExpectError(with("ciphertext", "00"), ErrorCode::kCorruption, "shorter than its 16-byte tag");
  ExpectError(with("ciphertext", "zz"), ErrorCode::kCorruption, "\"ciphertext\" is not hex");
}

TEST(KeyFileTest, HostileKdfCostIsRejectedBeforeDerivation) {
  json file = json::parse(Encrypted());
  json t = file;
  t["kdf"]["memlimit"] = uint64_t{1} << 40;  // 1 TiB: must not be attempted
  ExpectError(DecodeKeyFile(t.dump(), kPass), ErrorCode::kCorruption, "memlimit");
  t = file;
  t["kdf"]["memlimit"] = 1024;
  ExpectError(DecodeKeyFile(t.dump(), kPass), ErrorCode::kCorruption, "memlimit");
  t = file;
  t["kdf"]["opslimit"] = 0;
  ExpectError(DecodeKeyFile(t.dump(), kPass), ErrorCode::kCorruption, "opslimit");
  t = file;
  t["kdf"]["opslimit"] = 1000000;
  ExpectError(DecodeKeyFile(t.dump(), kPass), ErrorCode::kCorruption, "opslimit");
}

TEST(KeyFileTest, EncodeRejectsBadCost) {
  DeterministicRandom random(1);
  KeyFileOptions options = Cheap();
  options.opslimit = 0;
  auto text = EncodeKeyFile(TestKey(), kPass, random, options);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code(), ErrorCode::kInvalidArgument);
  options = Cheap();
  options.memlimit = size_t{4} << 30;
  EXPECT_EQ(EncodeKeyFile(TestKey(), kPass, random, options).error().code(),
            ErrorCode::kInvalidArgument);
}

TEST(KeyFileTest, PlaintextMode) {
  std::string text = Plain();
  json file = json::parse(text);
  EXPECT_EQ(file["encryption"], "none");
  EXPECT_EQ(file["seed"], kSeedHex);
  EXPECT_FALSE(file.contains("ciphertext"));
  auto key = DecodeKeyFile(text, "");
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(key->public_key(), TestKey().public_key());
  // A passphrase given for a plaintext file is not needed, and not an error.
  EXPECT_TRUE(DecodeKeyFile(text, kPass).ok());
}

TEST(KeyFileTest, PlaintextConsistencyChecks) {
  json file = json::parse(Plain());
  json t = file;
  t["seed"] = FlipHexDigit(file["seed"], 0);
  ExpectError(DecodeKeyFile(t.dump(), ""), ErrorCode::kCorruption,
              "public key does not match the seed");
  // A different public key with its matching address still does not match the seed.
  PrivateKey other = PrivateKey::Generate(SystemRandom::Instance());
  t = file;
  t["public_key"] = other.public_key().ToHex();
  t["address"] = Address::FromPublicKey(other.public_key()).ToString();
  ExpectError(DecodeKeyFile(t.dump(), ""), ErrorCode::kCorruption,
              "public key does not match the seed");
  t = file;
  t["seed"] = "abcd";
  ExpectError(DecodeKeyFile(t.dump(), ""), ErrorCode::kCorruption, "\"seed\" must be 32 bytes");
  t = file;
  t.erase("seed");
  ExpectError(DecodeKeyFile(t.dump(), ""), ErrorCode::kCorruption, "\"seed\" is missing");
}

TEST(KeyFileTest, WriteAndReadFiles) {
  TempDir dir;
  std::string path = dir.path() + "/wallet.json";
  DeterministicRandom random(9);
  ASSERT_TRUE(WriteKeyFile(path, TestKey(), kPass, random, Cheap()).ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto key = ReadKeyFile(path, kPass);
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ(key->public_key(), TestKey().public_key());
  EXPECT_FALSE(*KeyFileIsPlaintext(path));

  auto wrong = ReadKeyFile(path, "nope");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(wrong.error().message().find(path), std::string::npos);

  std::string plain = dir.path() + "/devnet.json";
  ASSERT_TRUE(WriteKeyFile(plain, TestKey(), "", random).ok());
  EXPECT_TRUE(*KeyFileIsPlaintext(plain));
  EXPECT_TRUE(ReadKeyFile(plain, "").ok());
}

TEST(KeyFileTest, WriteRefusesToReplaceUnlessAsked) {
  TempDir dir;
  std::string path = dir.path() + "/wallet.json";
  DeterministicRandom random(9);
  ASSERT_TRUE(WriteKeyFile(path, TestKey(), "", random).ok());
  PrivateKey other = PrivateKey::Generate(random);
  Status again = WriteKeyFile(path, other, "", random);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(ReadKeyFile(path, "")->public_key(), TestKey().public_key());

  KeyFileOptions replace = Cheap();
  replace.overwrite = true;
  ASSERT_TRUE(WriteKeyFile(path, other, kPass, random, replace).ok());
  EXPECT_EQ(ReadKeyFile(path, kPass)->public_key(), other.public_key());
}

TEST(KeyFileTest, FileErrors) {
  TempDir dir;
  auto missing = ReadKeyFile(dir.path() + "/missing.json", kPass);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(KeyFileIsPlaintext(dir.path() + "/missing.json").error().code(), ErrorCode::kNotFound);

  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/junk.json", "{").ok());
  EXPECT_EQ(ReadKeyFile(dir.path() + "/junk.json", kPass).error().code(), ErrorCode::kCorruption);
  EXPECT_EQ(KeyFileIsPlaintext(dir.path() + "/junk.json").error().code(), ErrorCode::kCorruption);
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/odd.json", R"({"encryption":"rot13"})").ok());
  EXPECT_EQ(KeyFileIsPlaintext(dir.path() + "/odd.json").error().code(), ErrorCode::kCorruption);

  DeterministicRandom random(1);
  Status written = WriteKeyFile(dir.path() + "/no/dir/key.json", TestKey(), "", random);
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code(), ErrorCode::kNotFound);
}

TEST(SealTest, RoundTrip) {
  DeterministicRandom random(4);
  for (const Bytes& plaintext : {Bytes{}, Bytes{0}, Bytes(1000, 0xab)}) {
    auto sealed = SealWithPassphrase(plaintext, kPass, random, Cheap());
    ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();
    EXPECT_EQ(sealed->find('\n'), std::string::npos);  // one line, fit for a database column
    auto opened = OpenWithPassphrase(*sealed, kPass);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    EXPECT_EQ(*opened, plaintext);
  }
}

TEST(SealTest, Errors) {
  DeterministicRandom random(4);
  Bytes secret = {1, 2, 3, 4};
  auto empty_pass = SealWithPassphrase(secret, "", random, Cheap());
  ASSERT_FALSE(empty_pass.ok());
  EXPECT_EQ(empty_pass.error().code(), ErrorCode::kInvalidArgument);

  std::string sealed = *SealWithPassphrase(secret, kPass, random, Cheap());
  auto wrong = OpenWithPassphrase(sealed, "wrong");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(wrong.error().message(), "wrong passphrase or corrupted sealed data");
  EXPECT_EQ(OpenWithPassphrase(sealed, "").error().code(), ErrorCode::kUnauthenticated);

  json t = json::parse(sealed);
  t["ciphertext"] = FlipHexDigit(t["ciphertext"], 3);
  EXPECT_EQ(OpenWithPassphrase(t.dump(), kPass).error().code(), ErrorCode::kUnauthenticated);
  t = json::parse(sealed);
  t["version"] = 7;
  EXPECT_EQ(OpenWithPassphrase(t.dump(), kPass).error().code(), ErrorCode::kCorruption);
  t = json::parse(sealed);
  t.erase("nonce");
  EXPECT_EQ(OpenWithPassphrase(t.dump(), kPass).error().code(), ErrorCode::kCorruption);
  EXPECT_EQ(OpenWithPassphrase(sealed.substr(0, sealed.size() / 2), kPass).error().code(),
            ErrorCode::kCorruption);
  EXPECT_EQ(OpenWithPassphrase("", kPass).error().code(), ErrorCode::kCorruption);
}

TEST(SealTest, KeyFileAndSealedDataAreNotInterchangeable) {
  // A key file has every field a sealed blob has, but different associated data.
  auto opened = OpenWithPassphrase(Encrypted(), kPass);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace aitbc::core
