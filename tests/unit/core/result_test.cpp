#include "core/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace aitbc::core {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return Error::InvalidArgument("not positive");
  return v;
}

Result<int> Doubled(int v) {
  AITBC_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  return 2 * x;
}

Status Check(int v) {
  AITBC_TRY(ParsePositive(v));
  return Ok();
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> ok = 5;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 5);
  Result<int> bad = Error::NotFound("no such job");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(bad.error().ToString(), "not_found: no such job");
  EXPECT_EQ(bad.value_or(7), 7);
}

TEST(ResultTest, MacrosPropagate) {
  EXPECT_EQ(*Doubled(4), 8);
  EXPECT_EQ(Doubled(-1).error().message(), "not positive");
  EXPECT_TRUE(Check(1).ok());
  EXPECT_EQ(Check(0).error().code(), ErrorCode::kInvalidArgument);
}

TEST(ResultTest, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(3);
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 3);
}

TEST(ResultTest, ErrorCodeNamesRoundTrip) {
  for (ErrorCode code : {ErrorCode::kInvalidArgument, ErrorCode::kInsufficientFunds,
                         ErrorCode::kResourceExhausted, ErrorCode::kInternal}) {
    EXPECT_EQ(ErrorCodeFromName(ErrorCodeName(code)), code);
  }
  EXPECT_EQ(ErrorCodeFromName("bogus"), ErrorCode::kInternal);
}

TEST(ResultTest, WithContextPrefixesMessage) {
  Error e = Error::IOError("disk full").WithContext("writing block 5");
  EXPECT_EQ(e.message(), "writing block 5: disk full");
  EXPECT_EQ(e.code(), ErrorCode::kIOError);
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> bad = Error::Internal("x");
  EXPECT_DEATH((void)bad.value(), "");
}

}  // namespace
}  // namespace aitbc::core
