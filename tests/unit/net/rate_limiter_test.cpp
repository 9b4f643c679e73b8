#include "net/rate_limiter.h"

#include <gtest/gtest.h>

namespace aitbc::net {
namespace {

TEST(RateLimiterTest, BurstThenRefusesWithRetryAfter) {
  core::FakeClock clock;
  RateLimiter limiter(clock, /*rate_per_s=*/2, /*burst=*/3);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.Take("k").has_value()) << i;
  auto wait = limiter.Take("k");
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, 500);  // one token at 2 per second
  clock.Advance(200);
  EXPECT_EQ(limiter.Take("k"), 300);  // refused takes nothing
  clock.Advance(300);
  EXPECT_FALSE(limiter.Take("k").has_value());
  EXPECT_TRUE(limiter.Take("k").has_value());
}

TEST(RateLimiterTest, RefillsUpToTheBurstOnly) {
  core::FakeClock clock;
  RateLimiter limiter(clock, 10, 2);
  EXPECT_FALSE(limiter.Take("k", 2).has_value());
  clock.Advance(60'000);  // long idle: still only two tokens
  EXPECT_FALSE(limiter.Take("k").has_value());
  EXPECT_FALSE(limiter.Take("k").has_value());
  EXPECT_EQ(limiter.Take("k"), 100);
}

TEST(RateLimiterTest, KeysAreIsolated) {
  core::FakeClock clock;
  RateLimiter limiter(clock, 1, 1);
  EXPECT_FALSE(limiter.Take("alice").has_value());
  EXPECT_TRUE(limiter.Take("alice").has_value());
  EXPECT_FALSE(limiter.Take("bob").has_value());
  EXPECT_TRUE(limiter.Take("bob").has_value());
}

TEST(RateLimiterTest, CostsAndFractionalWaits) {
  core::FakeClock clock;
  RateLimiter limiter(clock, 3, 5);
  EXPECT_FALSE(limiter.Take("k", 4).has_value());
  EXPECT_EQ(limiter.Take("k", 2), 334);           // 1 token missing at 3/s: 333.3 ms, rounded up
  EXPECT_TRUE(limiter.Take("k", 6).has_value());  // above the burst: never
  clock.Advance(10'000);
  EXPECT_TRUE(limiter.Take("k", 6).has_value());
}

TEST(RateLimiterTest, SetLimitsAndUnlimited) {
  core::FakeClock clock;
  RateLimiter limiter(clock, 1, 10);
  EXPECT_FALSE(limiter.Take("k", 8).has_value());
  limiter.set_limits(1, 1);  // existing buckets are capped at the new burst
  EXPECT_TRUE(limiter.Take("k", 2).has_value());
  limiter.set_limits(0, 0);
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(limiter.Take("k").has_value());
}

TEST(RateLimiterTest, ForgetsIdleBuckets) {
  core::FakeClock clock;
  RateLimiter limiter(clock, 10, 10);
  for (int i = 0; i < 100; ++i) limiter.Take("key" + std::to_string(i));
  EXPECT_EQ(limiter.size(), 100u);
  clock.Advance(61'000);
  limiter.Take("fresh");
  EXPECT_EQ(limiter.size(), 1u);
}

}  // namespace
}  // namespace aitbc::net
