#include "core/amount.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace aitbc::core {
namespace {

constexpr uint64_t kMax = UINT64_MAX;

uint64_t MicroOf(std::string_view text) {
  auto amount = Amount::Parse(text);
  EXPECT_TRUE(amount.ok()) << "\"" << text << "\": " << amount.error().ToString();
  return amount.ok() ? amount->micro() : 0;
}

std::string ErrorOf(std::string_view text) {
  auto amount = Amount::Parse(text);
  if (amount.ok()) {
    ADD_FAILURE() << "\"" << text << "\" parsed as " << amount->micro();
    return "";
  }
  EXPECT_EQ(amount.error().code(), ErrorCode::kInvalidArgument) << text;
  return amount.error().message();
}

void ExpectRejected(std::string_view text, std::string_view reason) {
  std::string error = ErrorOf(text);
  EXPECT_NE(error.find(reason), std::string::npos)
      << "\"" << text << "\" gave \"" << error << "\", expected it to mention \"" << reason << "\"";
}

TEST(AmountParseTest, PlainDecimalIsAitbc) {
  EXPECT_EQ(MicroOf("0"), 0u);
  EXPECT_EQ(MicroOf("1"), 1'000'000u);
  EXPECT_EQ(MicroOf("0.25"), 250'000u);
  EXPECT_EQ(MicroOf("0.000001"), 1u);
  EXPECT_EQ(MicroOf("12.5"), 12'500'000u);
  EXPECT_EQ(MicroOf("100"), 100'000'000u);
  EXPECT_EQ(MicroOf("0.100000"), 100'000u);
  EXPECT_EQ(MicroOf("007.5"), 7'500'000u);  // leading zeros are harmless
}

TEST(AmountParseTest, AitbcUnitInAnyCaseWithOptionalSpace) {
  for (const char* text : {"0.25aitbc", "0.25 aitbc", "0.25 AITBC", "0.25AITBC", "0.25 Aitbc",
                           "  0.25 aitbc\n", "\t0.25\t"}) {
    EXPECT_EQ(MicroOf(text), 250'000u) << text;
  }
  EXPECT_EQ(MicroOf("100aitbc"), 100'000'000u);
}

TEST(AmountParseTest, MicroUnitIsIntegerOnly) {
  EXPECT_EQ(MicroOf("250000uaitbc"), 250'000u);
  EXPECT_EQ(MicroOf("250000 uaitbc"), 250'000u);
  EXPECT_EQ(MicroOf("250000UAITBC"), 250'000u);
  EXPECT_EQ(MicroOf("0uaitbc"), 0u);
  EXPECT_EQ(MicroOf("18446744073709551615uaitbc"), kMax);
  ExpectRejected("2.5uaitbc", "whole numbers");
  ExpectRejected("1.0uaitbc", "whole numbers");
  ExpectRejected("18446744073709551616uaitbc", "overflows");
  ExpectRejected("99999999999999999999999uaitbc", "overflows");
}

TEST(AmountParseTest, Boundaries) {
  EXPECT_EQ(MicroOf("18446744073709.551615"), kMax);
  EXPECT_EQ(MicroOf("18446744073709.551615 AITBC"), kMax);
  EXPECT_EQ(MicroOf("18446744073709"), 18'446'744'073'709'000'000u);
  ExpectRejected("18446744073709.551616", "overflows");
  ExpectRejected("18446744073710", "overflows");
  ExpectRejected("18446744073710 aitbc", "overflows");
  ExpectRejected("99999999999999999999", "overflows");
  ExpectRejected("184467440737095516150000000", "overflows");
}

TEST(AmountParseTest, RejectsEmptyAndMissingNumber) {
  ExpectRejected("", "empty");
  ExpectRejected("   ", "empty");
  ExpectRejected("aitbc", "missing number");
  ExpectRejected("uaitbc", "missing number");
  ExpectRejected(" AITBC", "missing number");
}

TEST(AmountParseTest, RejectsSigns) {
  ExpectRejected("-1", "negative");
  ExpectRejected("-0.5 aitbc", "negative");
  ExpectRejected("-5uaitbc", "negative");
  ExpectRejected("+1", "sign");
}

TEST(AmountParseTest, RejectsMalformedDecimals) {
  ExpectRejected(".5", "digit is required before");
  ExpectRejected("5.", "digit is required after");
  ExpectRejected("5.aitbc", "digit is required after");
  ExpectRejected(".", "digit is required before");
  ExpectRejected("0.0000001", "more than 6 decimal places");
  ExpectRejected("1.1234567 aitbc", "more than 6 decimal places");
  ExpectRejected("1.2.3", "unexpected character '.' at position 3");
}

TEST(AmountParseTest, RejectsExponentsSeparatorsAndJunk) {
  ExpectRejected("1e6", "unexpected character 'e' at position 1");
  ExpectRejected("1E6", "unexpected character 'E'");
  ExpectRejected("1,000", "unexpected character ','");
  ExpectRejected("1_000", "unexpected character '_'");
  ExpectRejected("1 000", "unexpected character ' '");
  ExpectRejected("0x10", "unexpected character 'x'");
  ExpectRejected("abc", "unexpected character 'a' at position 0");
  ExpectRejected("5 btc", "unexpected character ' ' at position 1");
  ExpectRejected("  5 btc", "at position 3");              // positions count in the text as given
  ExpectRejected("5  aitbc", "unexpected character ' '");  // at most one space before the unit
  ExpectRejected("5\taitbc", "byte 0x09");
  ExpectRejected("5aitbcs", "unexpected character 'a'");
  ExpectRejected("5 aitbc aitbc", "unexpected character");
  ExpectRejected("5 naitbc", "unexpected character");
  ExpectRejected("inf", "unexpected character 'i'");
  ExpectRejected("NaN", "unexpected character 'N'");
  ExpectRejected(std::string("1\0", 2), "byte 0x00");
  ExpectRejected(
      "\xc2\xa0"
      "5",
      "byte 0xc2");                   // non-breaking space is not trimmed
  ExpectRejected("５", "byte 0xef");  // full-width digit
}

TEST(AmountParseTest, LongInputIsTruncatedInTheMessage) {
  std::string error = ErrorOf(std::string(1000, 'x'));
  EXPECT_LT(error.size(), 200u);
  EXPECT_NE(error.find("..."), std::string::npos);
}

TEST(AmountParseTest, RoundTripsThroughToDecimalAndToString) {
  for (uint64_t micro :
       {uint64_t{0}, uint64_t{1}, uint64_t{10}, uint64_t{999'999}, uint64_t{1'000'000},
        uint64_t{1'000'001}, uint64_t{250'000}, uint64_t{123'456'789}, kMax - 1, kMax}) {
    Amount amount = Amount::FromMicro(micro);
    EXPECT_EQ(MicroOf(amount.ToDecimal()), micro);
    EXPECT_EQ(MicroOf(amount.ToString()), micro);
    EXPECT_EQ(MicroOf(std::to_string(micro) + "uaitbc"), micro);
  }
}

TEST(AmountFormatTest, ToString) {
  EXPECT_EQ(Amount::FromMicro(250'000).ToString(), "0.25 AITBC");
  EXPECT_EQ(Amount::FromMicro(1'000'000).ToString(), "1 AITBC");
  EXPECT_EQ(Amount::FromMicro(1).ToString(), "0.000001 AITBC");
  EXPECT_EQ(Amount::FromMicro(0).ToString(), "0 AITBC");
  EXPECT_EQ(Amount::FromMicro(kMax).ToString(), "18446744073709.551615 AITBC");
  EXPECT_EQ(Amount::FromMicro(10'500'000).ToString(), "10.5 AITBC");
  EXPECT_EQ(Amount::FromMicro(100'000'000).ToString(), "100 AITBC");
}

TEST(AmountFormatTest, ToDecimal) {
  EXPECT_EQ(Amount::FromMicro(250'000).ToDecimal(), "0.25");
  EXPECT_EQ(Amount::FromMicro(1'000'000).ToDecimal(), "1");
  EXPECT_EQ(Amount::FromMicro(1'000'010).ToDecimal(), "1.00001");
  EXPECT_EQ(Amount::FromMicro(123'456'789).ToDecimal(), "123.456789");
  EXPECT_EQ(Amount::FromMicro(0).ToDecimal(), "0");
}

TEST(AmountTest, FromCoins) {
  EXPECT_EQ(Amount::FromCoins(0)->micro(), 0u);
  EXPECT_EQ(Amount::FromCoins(3)->micro(), 3'000'000u);
  EXPECT_EQ(Amount::FromCoins(kMax / 1'000'000)->micro(), kMax / 1'000'000 * 1'000'000);
  auto over = Amount::FromCoins(kMax / 1'000'000 + 1);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(over.error().message().find("overflows"), std::string::npos);
  EXPECT_FALSE(Amount::FromCoins(kMax).ok());
}

TEST(AmountTest, AddChecksOverflow) {
  EXPECT_EQ(Amount::FromMicro(1).Add(Amount::FromMicro(2))->micro(), 3u);
  EXPECT_EQ(Amount::FromMicro(kMax - 1).Add(Amount::FromMicro(1))->micro(), kMax);
  auto over = Amount::FromMicro(kMax).Add(Amount::FromMicro(1));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(over.error().message().find("overflows"), std::string::npos);
  EXPECT_FALSE(Amount::FromMicro(kMax).Add(Amount::FromMicro(kMax)).ok());
}

TEST(AmountTest, SubChecksUnderflow) {
  EXPECT_EQ(Amount::FromMicro(5).Sub(Amount::FromMicro(5))->micro(), 0u);
  EXPECT_EQ(Amount::FromMicro(kMax).Sub(Amount::FromMicro(kMax - 1))->micro(), 1u);
  auto under = Amount::FromMicro(1).Sub(Amount::FromMicro(2));
  ASSERT_FALSE(under.ok());
  EXPECT_EQ(under.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(under.error().message().find("underflows"), std::string::npos);
  EXPECT_FALSE(Amount().Sub(Amount::FromMicro(kMax)).ok());
}

TEST(AmountTest, MulChecksOverflow) {
  EXPECT_EQ(Amount::FromMicro(20'000).Mul(12)->micro(), 240'000u);
  EXPECT_EQ(Amount::FromMicro(kMax).Mul(1)->micro(), kMax);
  EXPECT_EQ(Amount::FromMicro(kMax).Mul(0)->micro(), 0u);
  EXPECT_EQ(Amount::FromMicro(uint64_t{1} << 32).Mul((uint64_t{1} << 32) - 1)->micro(),
            (uint64_t{1} << 32) * ((uint64_t{1} << 32) - 1));
  auto over = Amount::FromMicro(uint64_t{1} << 32).Mul(uint64_t{1} << 32);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().message().find("overflows"), std::string::npos);
  EXPECT_FALSE(Amount::FromMicro(kMax).Mul(2).ok());
}

TEST(AmountTest, MulDivUses128BitIntermediate) {
  // The seed's example: 12.5 s at 0.02 AITBC/s = 0.25 AITBC (time in ms over 1000).
  EXPECT_EQ(Amount::FromMicro(20'000).MulDiv(12'500, 1'000)->micro(), 250'000u);
  // kMax * kMax / kMax overflows 64 bits in the middle but not in the result.
  EXPECT_EQ(Amount::FromMicro(kMax).MulDiv(kMax, kMax)->micro(), kMax);
  EXPECT_EQ(Amount::FromMicro(kMax).MulDiv(3, 4)->micro(), kMax / 4 * 3 + (kMax % 4) * 3 / 4);
  // Rounds down.
  EXPECT_EQ(Amount::FromMicro(10).MulDiv(1, 3)->micro(), 3u);
  EXPECT_EQ(Amount::FromMicro(2).MulDiv(1, 3)->micro(), 0u);
  EXPECT_EQ(Amount::FromMicro(0).MulDiv(kMax, 1)->micro(), 0u);
}

TEST(AmountTest, MulDivErrors) {
  auto zero = Amount::FromMicro(10).MulDiv(1, 0);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(zero.error().message().find("division by zero"), std::string::npos);
  EXPECT_FALSE(Amount::FromMicro(0).MulDiv(0, 0).ok());
  auto over = Amount::FromMicro(kMax).MulDiv(2, 1);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().message().find("overflows"), std::string::npos);
  EXPECT_FALSE(Amount::FromMicro(kMax).MulDiv(kMax, kMax - 1).ok());
}

TEST(AmountTest, Ordering) {
  EXPECT_LT(Amount::FromMicro(1), Amount::FromMicro(2));
  EXPECT_EQ(Amount(), Amount::FromMicro(0));
  static_assert(Amount::FromMicro(7).micro() == 7);
}

TEST(CheckedArithmeticTest, RawIntegers) {
  EXPECT_EQ(*CheckedAdd(kMax - 5, 5), kMax);
  EXPECT_FALSE(CheckedAdd(kMax - 5, 6).ok());
  EXPECT_EQ(*CheckedSub(5, 5), 0u);
  EXPECT_FALSE(CheckedSub(5, 6).ok());
  EXPECT_EQ(*CheckedMul(kMax, 1), kMax);
  EXPECT_EQ(*CheckedMul(0, kMax), 0u);
  EXPECT_FALSE(CheckedMul(kMax / 2 + 1, 2).ok());
  auto error = CheckedAdd(kMax, 1).error();
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error.message(), "18446744073709551615 + 1 overflows");
  EXPECT_EQ(CheckedSub(1, 2).error().message(), "1 - 2 underflows");
  EXPECT_EQ(CheckedMul(kMax, 2).error().message(), "18446744073709551615 * 2 overflows");
}

}  // namespace
}  // namespace aitbc::core
