#include "coordinator/config.h"

#include <gtest/gtest.h>

#include <tuple>

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
                    "miner_rate_limit_per_s = 40\n"
                    "miner_rate_limit_burst = 80\n"
                    "admin_rate_limit_per_s = 7\n"
                    "admin_rate_limit_burst = 9\n"
                    "weight_capacity = 0.5\n",
                    c)
                  .ok());
  EXPECT_EQ(c.listen, "127.0.0.1:9000");
  EXPECT_TRUE(c.allow_sim_miners);
  EXPECT_EQ(c.queue_timeout_ms, 5000);
  EXPECT_EQ(c.max_attempts, 5u);
  EXPECT_EQ(c.default_max_price, core::Amount::FromMicro(500'000));
  EXPECT_DOUBLE_EQ(c.rate_limit_per_s, 2.5);
  EXPECT_DOUBLE_EQ(c.rate_limit_burst, 200);  // untouched default
  EXPECT_DOUBLE_EQ(c.miner_rate_limit_per_s, 40);
  EXPECT_DOUBLE_EQ(c.miner_rate_limit_burst, 80);
  EXPECT_DOUBLE_EQ(c.admin_rate_limit_per_s, 7);
  EXPECT_DOUBLE_EQ(c.admin_rate_limit_burst, 9);
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
  EXPECT_FALSE(Apply("miner_rate_limit_per_s = -1\n", c).ok());
  EXPECT_FALSE(Apply("admin_rate_limit_burst = \"lots\"\n", c).ok());
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

TEST_F(ConfigTest, RateLimitsPerRole) {
  Config c;
  c.datadir = "/tmp/x";
  // Miners get ten times a client's limit by default; admins none.
  EXPECT_DOUBLE_EQ(c.miner_rate_limit_per_s, 10 * c.rate_limit_per_s);
  EXPECT_DOUBLE_EQ(c.miner_rate_limit_burst, 10 * c.rate_limit_burst);
  EXPECT_DOUBLE_EQ(c.admin_rate_limit_per_s, 0);
  // A burst below one request would refuse everything: rejected while the rate is on.
  for (auto [rate, burst, prefix] :
       {std::tuple{&Config::rate_limit_per_s, &Config::rate_limit_burst, ""},
        std::tuple{&Config::miner_rate_limit_per_s, &Config::miner_rate_limit_burst, "miner_"},
        std::tuple{&Config::admin_rate_limit_per_s, &Config::admin_rate_limit_burst, "admin_"}}) {
    Config bad = c;
    bad.*rate = 5;
    bad.*burst = 0.5;
    auto s = Validate(bad);
    ASSERT_FALSE(s.ok()) << prefix;
    EXPECT_EQ(s.error().message(), std::string(prefix) +
                                       "rate_limit_burst must be at least 1 when " + prefix +
                                       "rate_limit_per_s is above 0");
    bad.*rate = 0;  // unlimited: the burst does not matter
    EXPECT_TRUE(Validate(bad).ok()) << prefix;
  }
}

}  // namespace
}  // namespace aitbc::coordinator
