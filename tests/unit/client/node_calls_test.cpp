#include "client/node_calls.h"

#include <gtest/gtest.h>

namespace aitbc::client {
namespace {

NodeRetry FastRetry(core::Random& random, std::vector<int>* notices) {
  NodeRetry retry;
  retry.policy.initial_backoff_ms = 1;
  retry.policy.max_backoff_ms = 2;
  retry.random = &random;
  retry.on_retry = [notices](int n, const core::Error&, int64_t) { notices->push_back(n); };
  return retry;
}

TEST(CallNode, RetriesRetryableErrorsAndCountsAttempts) {
  core::DeterministicRandom random(1);
  std::vector<int> notices;
  int calls = 0;
  int attempts = 0;
  auto result = CallNode<int>(
      FastRetry(random, &notices),
      [&]() -> core::Result<int> {
        if (++calls < 3) return core::Error::Unavailable("connection refused");
        return 42;
      },
      &attempts);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 42);
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(notices, (std::vector<int>{1, 2}));
}

TEST(CallNode, GivesUpAfterThreeRetries) {
  core::DeterministicRandom random(2);
  std::vector<int> notices;
  int attempts = 0;
  auto result = CallNode<int>(
      FastRetry(random, &notices), [] { return core::Result<int>(core::Error::Timeout("slow")); },
      &attempts);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), core::ErrorCode::kTimeout);
  EXPECT_EQ(attempts, 4);
  EXPECT_EQ(notices.size(), 3u);
}

TEST(CallNode, RejectionsAreNotRetried) {
  core::DeterministicRandom random(3);
  std::vector<int> notices;
  int attempts = 0;
  auto result = CallNode<int>(
      FastRetry(random, &notices),
      [] { return core::Result<int>(core::Error::InsufficientFunds("balance too low")); },
      &attempts);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), core::ErrorCode::kInsufficientFunds);
  EXPECT_EQ(attempts, 1);
  EXPECT_TRUE(notices.empty());
}

}  // namespace
}  // namespace aitbc::client
