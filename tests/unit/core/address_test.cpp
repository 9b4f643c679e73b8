#include "core/address.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "core/hash.h"

#include "test_util.h"

namespace aitbc::core {
namespace {

std::string ErrorOf(std::string_view text) {
  auto decoded = Bech32Decode(text);
  if (decoded.ok()) return "";
  EXPECT_EQ(decoded.error().code(), ErrorCode::kInvalidArgument);
  return decoded.error().message();
}

std::string AddressErrorOf(std::string_view text) {
  auto parsed = Address::Parse(text);
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
  return parsed.error().message();
}

using testing::Contains;

// BIP-173 "valid" test vectors, with their human-readable part and data (as 8-bit bytes).
TEST(Bech32Test, Bip173ValidVectors) {
  struct Case {
    std::string text;
    std::string hrp;
    std::string data_hex;
  };
  const Case cases[] = {
      {"A12UEL5L", "a", ""},
      {"a12uel5l", "a", ""},
      {"an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
       "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio", ""},
      {"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", "abcdef",
       "00443214c74254b635cf84653a56d7c675be77df"},
      {"11" + std::string(82, 'q') + "c8247j", "1", std::string(102, '0')},
      {"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", "split",
       "c5f38b70305f519bf66d85fb6cf03058f3dde463ecd7918f2dc743918f2d"},
      {"?1ezyfcl", "?", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto decoded = Bech32Decode(c.text);
    ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
    EXPECT_EQ(decoded->hrp, c.hrp);
    EXPECT_EQ(HexEncode(decoded->data), c.data_hex);
    // Encoding gives back the (lower-case) string.
    std::string lower;
    for (char ch : c.text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_EQ(Bech32Encode(decoded->hrp, decoded->data), lower);
  }
}

// BIP-173 "invalid" test vectors, each with the reason it must give.
TEST(Bech32Test, Bip173InvalidVectors) {
  struct Case {
    std::string text;
    std::string reason;
  };
  const Case cases[] = {
      {"\x20"
       "1nwldj5",
       "invalid character"},  // HRP character out of range
      {"\x7f"
       "1axkwrx",
       "invalid character"},
      {"\x80"
       "1eym55h",
       "invalid character"},
      {"an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pv"
       "x",
       "too long"},
      {"pzry9x0s0muk", "missing separator"},
      {"1pzry9x0s0muk", "empty human-readable part"},
      {"x1b4n0q5v", "invalid character 'b'"},  // invalid data character
      {"li1dgmt3", "shorter than the 6-character checksum"},
      {"de1lg7wt\xff", "invalid character"},  // invalid character in checksum
      {"A1G7SGD8", "checksum"},               // checksum made with upper-case HRP
      {"10a06t8", "empty human-readable part"},
      {"1qzzfhee", "empty human-readable part"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    std::string error = ErrorOf(c.text);
    EXPECT_TRUE(Contains(error, c.reason)) << error;
  }
}

TEST(Bech32Test, RejectsMixedCase) {
  EXPECT_TRUE(Contains(ErrorOf("A12uEL5L"), "mixed"));
  EXPECT_TRUE(Contains(ErrorOf("a12UEL5L"), "mixed"));
}

TEST(Bech32Test, RejectsNonZeroOrExcessPadding) {
  // Valid checksums over 5-bit data that is not a whole number of bytes.
  EXPECT_TRUE(Contains(ErrorOf("a1llttal5m"), "padding"));  // 10 bits: 2 non-zero padding bits
  EXPECT_TRUE(Contains(ErrorOf("a1q3g6mn3"), "padding"));   // 5 bits: no byte at all
  auto zero = Bech32Decode("a1qqqd87cq");                   // 15 bits of zeros: one byte
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->data, Bytes{0});
}

TEST(Bech32Test, MaxLengthIsNinety) {
  std::string ninety = "11" + std::string(82, 'q') + "c8247j";
  ASSERT_EQ(ninety.size(), 90u);
  EXPECT_TRUE(Bech32Decode(ninety).ok());
  EXPECT_TRUE(Contains(ErrorOf(ninety + "q"), "too long"));
}

const std::array<uint8_t, 20> kSample = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,
                                         10, 11, 12, 13, 14, 15, 16, 17, 18, 19};

TEST(AddressTest, KnownEncodings) {
  EXPECT_EQ(Address().ToString(), "aitbc1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqytzdhp");
  EXPECT_EQ(Address(kSample).ToString(), "aitbc1qqqsyqcyq5rqwzqfpg9scrgwpugpzysn57ngp9");
  std::array<uint8_t, 20> ones;
  ones.fill(0xff);
  EXPECT_EQ(Address(ones).ToString(), "aitbc1llllllllllllllllllllllllllllllllg6rzst");
}

TEST(AddressTest, FromPublicKeyIsFirstTwentyBytesOfSha256) {
  PublicKey key =
      *PublicKey::FromHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  Address address = Address::FromPublicKey(key);
  Hash256 digest = Sha256(key.view());
  EXPECT_TRUE(std::equal(address.bytes().begin(), address.bytes().end(), digest.bytes.begin()));
  EXPECT_EQ(address.ToString(), "aitbc1y8lrrhap2j3xzcntlp2qgm7jyudhhm2t0k4yv9");
}

TEST(AddressTest, RoundTrips) {
  DeterministicRandom random(3);
  for (int i = 0; i < 50; ++i) {
    PrivateKey key = PrivateKey::Generate(random);
    Address address = Address::FromPublicKey(key.public_key());
    std::string text = address.ToString();
    EXPECT_EQ(text.size(), 44u);
    EXPECT_EQ(text.rfind("aitbc1", 0), 0u);
    auto parsed = Address::Parse(text);
    ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
    EXPECT_EQ(*parsed, address);
  }
}

TEST(AddressTest, AcceptsAllUpperCase) {
  auto parsed = Address::Parse("AITBC1QQQSYQCYQ5RQWZQFPG9SCRGWPUGPZYSN57NGP9");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(*parsed, Address(kSample));
}

TEST(AddressTest, RejectsMixedCase) {
  EXPECT_TRUE(Contains(AddressErrorOf("aitbc1qqqsyqcyq5rqwzqfpg9scrgwpugpzysn57ngP9"), "mixed"));
  EXPECT_TRUE(Contains(AddressErrorOf("AITBC1qqqsyqcyq5rqwzqfpg9scrgwpugpzysn57ngp9"), "mixed"));
}

TEST(AddressTest, DetectsEverySingleCharacterTypo) {
  const std::string good = Address(kSample).ToString();
  constexpr std::string_view kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  for (size_t i = 6; i < good.size(); ++i) {  // every data and checksum character
    for (char c : kCharset) {
      if (c == good[i]) continue;
      std::string typo = good;
      typo[i] = c;
      std::string error = AddressErrorOf(typo);
      ASSERT_TRUE(Contains(error, "checksum")) << typo << ": " << error;
    }
  }
}

TEST(AddressTest, DetectsSwappedAdjacentCharacters) {
  const std::string good = Address(kSample).ToString();
  for (size_t i = 6; i + 1 < good.size(); ++i) {
    if (good[i] == good[i + 1]) continue;
    std::string typo = good;
    std::swap(typo[i], typo[i + 1]);
    EXPECT_FALSE(Address::Parse(typo).ok()) << typo;
  }
}

TEST(AddressTest, RejectsWrongHumanPart) {
  std::string other = Bech32Encode("bc", Address(kSample).view());
  std::string error = AddressErrorOf(other);
  EXPECT_TRUE(Contains(error, "\"bc\"")) << error;
  EXPECT_TRUE(Contains(error, "expected \"aitbc\"")) << error;
  EXPECT_TRUE(Contains(AddressErrorOf(Bech32Encode("aitbd", Address(kSample).view())),
                       "expected \"aitbc\""));
}

TEST(AddressTest, RejectsWrongPayloadLength) {
  for (size_t size : {0, 1, 19, 21, 32}) {
    Bytes payload(size, 7);
    std::string error = AddressErrorOf(Bech32Encode("aitbc", payload));
    EXPECT_TRUE(Contains(error, std::to_string(size) + " bytes, expected 20")) << error;
  }
}

TEST(AddressTest, RejectsMalformedStrings) {
  const std::string good = Address(kSample).ToString();
  EXPECT_TRUE(Contains(AddressErrorOf(""), "missing separator"));
  EXPECT_TRUE(
      Contains(AddressErrorOf("aitbcqqqsyqcyq5rqwzqfpg9scrgwpugpzysn57ngp9"), "missing separator"));
  EXPECT_TRUE(Contains(AddressErrorOf(good.substr(0, 10)), "checksum"));
  EXPECT_TRUE(Contains(AddressErrorOf(good + "q"), "checksum"));
  EXPECT_TRUE(Contains(AddressErrorOf("aitbc1"), "shorter than"));
  std::string with_b = good;
  with_b[10] = 'b';  // 'b', 'i', 'o' and '1' are not in the data alphabet
  EXPECT_TRUE(Contains(AddressErrorOf(with_b), "invalid character 'b' at position 10"));
  EXPECT_TRUE(Contains(AddressErrorOf(" " + good), "invalid character"));
  EXPECT_TRUE(Contains(AddressErrorOf(good + " "), "invalid character"));
  EXPECT_TRUE(
      Contains(AddressErrorOf(std::string("aitbc1\0", 7) + good.substr(6)), "invalid character"));
  EXPECT_TRUE(Contains(AddressErrorOf("aitbc1" + std::string(90, 'q')), "too long"));
  EXPECT_TRUE(Contains(AddressErrorOf("aitbc1" + std::string(84, 'q')), "checksum"));
}

TEST(AddressTest, ErrorsArePrefixedWithAddress) {
  EXPECT_EQ(AddressErrorOf("nope").rfind("address: ", 0), 0u);
}

TEST(AddressTest, IsZeroAndOrdering) {
  EXPECT_TRUE(Address().IsZero());
  EXPECT_FALSE(Address(kSample).IsZero());
  EXPECT_LT(Address(), Address(kSample));
  EXPECT_NE(std::hash<Address>()(Address()), std::hash<Address>()(Address(kSample)));
}

}  // namespace
}  // namespace aitbc::core
