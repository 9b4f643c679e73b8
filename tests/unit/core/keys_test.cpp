#include "core/keys.h"

#include <gtest/gtest.h>

#include <utility>

namespace aitbc::core {
namespace {

// RFC 8032 section 7.1, tests 1 to 3.
struct Rfc8032Vector {
  const char* seed;
  const char* public_key;
  const char* message;
  const char* signature;
};

constexpr Rfc8032Vector kVectors[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
     "b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f1"
     "1d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984d"
     "c6594a7c15e9716ed28dc027beceea1ec40a"},
};

PrivateKey KeyFromHex(const char* seed_hex) { return *PrivateKey::FromSeed(*HexDecode(seed_hex)); }

TEST(KeysTest, Rfc8032Vectors) {
  for (const auto& v : kVectors) {
    SCOPED_TRACE(v.seed);
    PrivateKey key = KeyFromHex(v.seed);
    EXPECT_EQ(key.public_key().ToHex(), v.public_key);
    EXPECT_EQ(HexEncode(key.Seed()), v.seed);
    Bytes message = *HexDecode(v.message);
    Signature signature = key.Sign(message);
    EXPECT_EQ(signature.ToHex(), v.signature);
    EXPECT_TRUE(
        Verify(*PublicKey::FromHex(v.public_key), message, *Signature::FromHex(v.signature)));
  }
}

TEST(KeysTest, TamperedMessageFailsVerification) {
  for (const auto& v : kVectors) {
    SCOPED_TRACE(v.seed);
    PublicKey key = *PublicKey::FromHex(v.public_key);
    Signature signature = *Signature::FromHex(v.signature);
    Bytes message = *HexDecode(v.message);
    Bytes longer = message;
    longer.push_back(0);
    EXPECT_FALSE(Verify(key, longer, signature));
    if (!message.empty()) {
      Bytes flipped = message;
      flipped[0] ^= 1;
      EXPECT_FALSE(Verify(key, flipped, signature));
      EXPECT_FALSE(Verify(key, ByteView(message).first(message.size() - 1), signature));
    }
  }
}

TEST(KeysTest, TamperedSignatureFailsVerificationAtEveryByte) {
  const auto& v = kVectors[2];
  PublicKey key = *PublicKey::FromHex(v.public_key);
  Bytes message = *HexDecode(v.message);
  Signature good = *Signature::FromHex(v.signature);
  for (size_t i = 0; i < good.bytes.size(); ++i) {
    Signature bad = good;
    bad.bytes[i] ^= 0x01;
    EXPECT_FALSE(Verify(key, message, bad)) << "byte " << i;
  }
  EXPECT_FALSE(Verify(key, message, Signature{}));
}

TEST(KeysTest, WrongKeyFailsVerification) {
  PublicKey other = *PublicKey::FromHex(kVectors[1].public_key);
  EXPECT_FALSE(Verify(other, Bytes{}, *Signature::FromHex(kVectors[0].signature)));
  EXPECT_FALSE(Verify(PublicKey{}, Bytes{}, *Signature::FromHex(kVectors[0].signature)));
}

TEST(KeysTest, SigningIsDeterministic) {
  PrivateKey key = KeyFromHex(kVectors[1].seed);
  Bytes message = {1, 2, 3};
  EXPECT_EQ(key.Sign(message), key.Sign(message));
  EXPECT_NE(key.Sign(message), key.Sign(Bytes{1, 2, 4}));
}

TEST(KeysTest, GenerateUsesTheRandomSource) {
  DeterministicRandom r1(7), r2(7), r3(8);
  PrivateKey a = PrivateKey::Generate(r1);
  PrivateKey b = PrivateKey::Generate(r2);
  PrivateKey c = PrivateKey::Generate(r3);
  EXPECT_EQ(a.public_key(), b.public_key());
  EXPECT_NE(a.public_key(), c.public_key());
  Bytes message = {42};
  EXPECT_TRUE(Verify(a.public_key(), message, a.Sign(message)));
  EXPECT_FALSE(Verify(c.public_key(), message, a.Sign(message)));
}

TEST(KeysTest, FromSeedRejectsWrongSize) {
  for (size_t size : {0, 31, 33, 64}) {
    Bytes seed(size, 1);
    auto key = PrivateKey::FromSeed(seed);
    ASSERT_FALSE(key.ok()) << size;
    EXPECT_EQ(key.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(key.error().message().find("32 bytes"), std::string::npos);
  }
}

TEST(KeysTest, HexParsingRejectsWrongLengthAndJunk) {
  EXPECT_FALSE(PublicKey::FromHex("").ok());
  EXPECT_FALSE(PublicKey::FromHex(std::string(62, 'a')).ok());
  EXPECT_FALSE(PublicKey::FromHex(std::string(66, 'a')).ok());
  auto junk = PublicKey::FromHex(std::string(63, 'a') + "g");
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(junk.error().message().find("public key"), std::string::npos);
  auto sig = Signature::FromHex(std::string(126, '0'));
  ASSERT_FALSE(sig.ok());
  EXPECT_NE(sig.error().message().find("signature"), std::string::npos);
  EXPECT_TRUE(Signature::FromHex(std::string(128, '0')).ok());
}

TEST(KeysTest, CopyKeepsAndMoveWipesTheSource) {
  PrivateKey key = KeyFromHex(kVectors[0].seed);
  PrivateKey copy = key;
  EXPECT_EQ(copy.public_key(), key.public_key());
  EXPECT_EQ(HexEncode(copy.Seed()), kVectors[0].seed);

  PrivateKey moved = std::move(copy);
  EXPECT_EQ(HexEncode(moved.Seed()), kVectors[0].seed);
  // The moved-from key holds no secret any more.
  EXPECT_EQ(HexEncode(copy.Seed()), std::string(64, '0'));  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(copy.public_key(), PublicKey{});                // NOLINT(bugprone-use-after-move)

  PrivateKey other = KeyFromHex(kVectors[1].seed);
  other = std::move(moved);
  EXPECT_EQ(other.public_key(), key.public_key());
  EXPECT_EQ(HexEncode(moved.Seed()), std::string(64, '0'));  // NOLINT(bugprone-use-after-move)

  PrivateKey assigned = KeyFromHex(kVectors[1].seed);
  assigned = key;
  EXPECT_EQ(assigned.public_key(), key.public_key());
  PrivateKey& same = assigned;
  assigned = std::move(same);  // self-move leaves the key intact
  EXPECT_EQ(assigned.public_key(), key.public_key());
}

}  // namespace
}  // namespace aitbc::core
