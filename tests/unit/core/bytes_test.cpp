#include "core/bytes.h"

#include <gtest/gtest.h>

namespace aitbc::core {
namespace {

TEST(HexTest, RoundTrip) {
  Bytes data = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(HexEncode(data), "0001abff");
  EXPECT_EQ(*HexDecode("0001ABff"), data);
}

TEST(HexTest, RejectsOddLengthAndJunk) {
  EXPECT_EQ(HexDecode("abc").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(HexDecode("zz").error().message().find("position 0"), std::string::npos);
  EXPECT_FALSE((HexDecodeFixed<2>("00").ok()));
  EXPECT_TRUE((HexDecodeFixed<2>("0000").ok()));
}

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(AsBytes(plain)), encoded);
    auto decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(AsString(*decoded), plain);
  }
}

TEST(Base64Test, RejectsMalformed) {
  EXPECT_FALSE(Base64Decode("Zg=").ok());   // length
  EXPECT_FALSE(Base64Decode("Z===").ok());  // too much padding
  EXPECT_FALSE(Base64Decode("Zg=a").ok());  // padding in the middle
  EXPECT_FALSE(Base64Decode("Zm9v Zg==").ok());
  EXPECT_FALSE(Base64Decode("Zh==").ok());  // non-canonical trailing bits
  EXPECT_FALSE(Base64Decode("Zm9*").ok());
}

TEST(ConstantTimeEqualTest, ComparesContentAndLength) {
  Bytes a = {1, 2, 3}, b = {1, 2, 3}, c = {1, 2, 4}, d = {1, 2};
  EXPECT_TRUE(ConstantTimeEqual(a, b));
  EXPECT_FALSE(ConstantTimeEqual(a, c));
  EXPECT_FALSE(ConstantTimeEqual(a, d));
}

}  // namespace
}  // namespace aitbc::core
