#include "coordinator/config.h"

#include <gtest/gtest.h>

#include "core/file_util.h"
#include "process.h"

namespace aitbc::coordinator {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  core::Status Apply(const std::string& toml, Config& config) {
    std::string path = dir_.path() + "/coordinator.toml";
    EXPECT_TRUE(core::WriteFileAtomic(path, toml).ok());
    return ApplyToml(path, config);
  }
  aitbc::testing::TempDir dir_;
};

TEST_F(ConfigTest, ReadsEveryKindOfKey) {
  Config c;
  ASSERT_TRUE(Apply("listen = \"127.0.0.1:9000\"\n"
                    "allow_sim_miners = true\n"
                    "queue_timeout_ms = 5000\n"
                    "max_attempts = 5\n"
                    "default_max_price = \"0.5aitbc\"\n"
                    "rate_limit_per_s = 2.5\n"
                    "weight_capacity = 0.5\n",
                    c)
                  .ok());
  EXPECT_EQ(c.listen, "127.0.0.1:9000");
  EXPECT_TRUE(c.allow_sim_miners);
  EXPECT_EQ(c.queue_timeout_ms, 5000);
  EXPECT_EQ(c.max_attempts, 5u);
  EXPECT_EQ(c.default_max_price, core::Amount::FromMicro(500'000));
  EXPECT_DOUBLE_EQ(c.rate_limit_per_s, 2.5);
  EXPECT_DOUBLE_EQ(c.weights.capacity, 0.5);
  EXPECT_EQ(c.node_url, "http://127.0.0.1:8006");  // untouched default
}

TEST_F(ConfigTest, RejectsUnknownKeysWrongTypesAndBadFiles) {
  Config c;
  auto unknown = Apply("queue_timeout = 5\n", c);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("unknown key 'queue_timeout'"), std::string::npos);
  auto wrong_type = Apply("max_attempts = \"three\"\n", c);
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_NE(wrong_type.error().message().find("'max_attempts' must be a non-negative integer"),
            std::string::npos);
  EXPECT_FALSE(Apply("default_max_price = \"a lot\"\n", c).ok());
  EXPECT_FALSE(Apply("allow_sim_miners = 1\n", c).ok());
  EXPECT_FALSE(Apply("rate_limit_per_s = -1.0\n", c).ok());
  EXPECT_FALSE(Apply("this is not toml", c).ok());
  EXPECT_FALSE(ApplyToml(dir_.path() + "/missing.toml", c).ok());
}

TEST_F(ConfigTest, ValidateChecksRanges) {
  Config c;
  EXPECT_FALSE(Validate(c).ok());  // no datadir
  c.datadir = "/tmp/x";
  EXPECT_TRUE(Validate(c).ok());
  EXPECT_EQ(c.database_url(), "/tmp/x/coordinator.db");
  c.db = "postgresql://u@h/db";
  EXPECT_EQ(c.database_url(), "postgresql://u@h/db");
  Config bad = c;
  bad.max_attempts = 0;
  EXPECT_FALSE(Validate(bad).ok());
  bad = c;
  bad.queue_timeout_ms = 0;
  EXPECT_FALSE(Validate(bad).ok());
  bad = c;
  bad.default_max_price = core::Amount();
  EXPECT_FALSE(Validate(bad).ok());
  bad = c;
  bad.threads = 0;
  EXPECT_FALSE(Validate(bad).ok());
  bad = c;
  bad.max_body_bytes = 1000;
  EXPECT_FALSE(Validate(bad).ok());
  EXPECT_EQ(c.effective_restart_grace_ms(), 3 * c.heartbeat_interval_ms);
}

}  // namespace
}  // namespace aitbc::coordinator
