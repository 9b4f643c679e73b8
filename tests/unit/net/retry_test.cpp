#include "net/retry.h"

#include <gtest/gtest.h>

#include <future>
#include <set>

namespace aitbc::net {
namespace {

using core::Error;
using core::ErrorCode;

RetryPolicy FastPolicy(int max_retries) {
  RetryPolicy policy;
  policy.max_retries = max_retries;
  policy.initial_backoff_ms = 1;
  policy.max_backoff_ms = 4;
  return policy;
}

TEST(RetryTest, WhichErrorsAreRetryable) {
  EXPECT_TRUE(IsRetryable(Error::Unavailable("")));
  EXPECT_TRUE(IsRetryable(Error::Timeout("")));
  EXPECT_TRUE(IsRetryable(Error::ResourceExhausted("")));
  EXPECT_FALSE(IsRetryable(Error::InvalidArgument("")));
  EXPECT_FALSE(IsRetryable(Error::NotFound("")));
  EXPECT_FALSE(IsRetryable(Error::Internal("")));
  EXPECT_FALSE(IsRetryable(Error::Unauthenticated("")));
}

TEST(RetryTest, BackoffIsFullJitterUnderAGrowingCap) {
  core::DeterministicRandom random(7);
  RetryPolicy policy;
  policy.initial_backoff_ms = 100;
  policy.max_backoff_ms = 1000;
  const int64_t caps[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (int retry = 0; retry < 7; ++retry) {
    std::set<int64_t> seen;
    int64_t max_seen = 0;
    for (int i = 0; i < 300; ++i) {
      int64_t delay = BackoffDelayMs(policy, retry, random);
      ASSERT_GE(delay, 0);
      ASSERT_LE(delay, caps[retry]) << "retry " << retry;
      seen.insert(delay);
      max_seen = std::max(max_seen, delay);
    }
    EXPECT_GT(seen.size(), 50u) << "not jittered at retry " << retry;
    EXPECT_GT(max_seen, caps[retry] / 2);  // the whole range is used
  }
  // Huge retry counts neither overflow nor exceed the maximum.
  EXPECT_LE(BackoffDelayMs(policy, 1'000'000, random), 1000);
  policy.initial_backoff_ms = 0;
  EXPECT_EQ(BackoffDelayMs(policy, 3, random), 0);
}

TEST(RetryTest, RetriesRetryableErrorsUpToTheLimit) {
  core::DeterministicRandom random(1);
  int attempts = 0;
  std::vector<int> retry_numbers;
  auto result = Retry<int>(
      FastPolicy(3), random,
      [&]() -> core::Result<int> {
        ++attempts;
        return Error::Unavailable("down");
      },
      [&](int n, const Error& error, int64_t delay) {
        retry_numbers.push_back(n);
        EXPECT_EQ(error.code(), ErrorCode::kUnavailable);
        EXPECT_LE(delay, 4);
      });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(attempts, 4);  // 1 + max_retries
  EXPECT_EQ(retry_numbers, (std::vector<int>{1, 2, 3}));
}

TEST(RetryTest, StopsOnSuccess) {
  core::DeterministicRandom random(1);
  int attempts = 0;
  auto result = Retry<int>(FastPolicy(5), random, [&]() -> core::Result<int> {
    if (++attempts < 3) return Error::Timeout("slow");
    return 42;
  });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 42);
  EXPECT_EQ(attempts, 3);
}

TEST(RetryTest, NonRetryableErrorIsNotRetried) {
  core::DeterministicRandom random(1);
  int attempts = 0;
  auto result = Retry<int>(FastPolicy(5), random, [&]() -> core::Result<int> {
    ++attempts;
    return Error::InvalidArgument("bad");
  });
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(attempts, 1);
}

TEST(RetryTest, ZeroRetriesMeansOneAttempt) {
  core::DeterministicRandom random(1);
  int attempts = 0;
  auto result = Retry<int>(FastPolicy(0), random, [&]() -> core::Result<int> {
    ++attempts;
    return Error::Unavailable("down");
  });
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(attempts, 1);
}

TEST(RetryTest, NegativeMaxRetriesRetriesUntilSuccess) {
  core::DeterministicRandom random(1);
  int attempts = 0;
  auto result = Retry<int>(FastPolicy(-1), random, [&]() -> core::Result<int> {
    if (++attempts < 10) return Error::ResourceExhausted("busy");
    return 1;
  });
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(attempts, 10);
}

class RetryAsyncTest : public ::testing::Test {
 protected:
  void SetUp() override { loop_.RunInBackground(); }

  // Runs RetryAsync with an attempt that fails `failures` times with `error`.
  core::Status Run(const RetryPolicy& policy, int failures, const Error& error) {
    std::promise<core::Status> done;
    RetryAsync(
        loop_, policy, random_,
        [this, failures, error](std::function<void(core::Status)> finish) {
          int n = ++attempts_;
          loop_.Post([finish, n, failures, error] {
            finish(n <= failures ? core::Status(error) : core::Ok());
          });
        },
        [&done](core::Status status) { done.set_value(std::move(status)); },
        [this](int n, const Error&, int64_t) { retries_.push_back(n); });
    return done.get_future().get();
  }

  EventLoop loop_;
  core::DeterministicRandom random_{3};
  std::atomic<int> attempts_{0};
  std::vector<int> retries_;
};

TEST_F(RetryAsyncTest, RetriesUntilSuccess) {
  EXPECT_TRUE(Run(FastPolicy(3), 2, Error::Unavailable("down")).ok());
  EXPECT_EQ(attempts_.load(), 3);
  EXPECT_EQ(retries_, (std::vector<int>{1, 2}));
}

TEST_F(RetryAsyncTest, GivesUpAfterMaxRetries) {
  auto status = Run(FastPolicy(2), 100, Error::Timeout("slow"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kTimeout);
  EXPECT_EQ(attempts_.load(), 3);
}

TEST_F(RetryAsyncTest, DoesNotRetryPermanentErrors) {
  auto status = Run(FastPolicy(5), 100, Error::PermissionDenied("no"));
  EXPECT_EQ(status.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(attempts_.load(), 1);
  EXPECT_TRUE(retries_.empty());
}

}  // namespace
}  // namespace aitbc::net
