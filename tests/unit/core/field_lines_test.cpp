#include "core/field_lines.h"

#include <gtest/gtest.h>

namespace aitbc::core {
namespace {

TEST(FieldLinesTest, NameValueLinesAndNothingElse) {
  auto fields = ParseFieldLines(
      "initialised /tmp/x\ncoordinator address: aitbc1abc\napi_key: k: with colon\n"
      "WARNING unencrypted\nempty: \nid: 1\nid: 2");
  EXPECT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields["coordinator address"], "aitbc1abc");
  EXPECT_EQ(fields["api_key"], "k: with colon");  // split at the first ": "
  EXPECT_EQ(fields["empty"], "");
  EXPECT_EQ(fields["id"], "2");  // the last value wins
  EXPECT_TRUE(ParseFieldLines("").empty());
  EXPECT_TRUE(ParseFieldLines("\n\nno colon here\n").empty());
}

}  // namespace
}  // namespace aitbc::core
