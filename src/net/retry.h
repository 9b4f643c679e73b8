// Retries with exponential backoff and full jitter (the seed: "exponential backoff, maximum 3
// retries").
//
// Contract: attempt n (0-based retry count) waits a random time in
// [0, min(max_backoff_ms, initial_backoff_ms * 2^n)] before retrying. Only errors for which
// IsRetryable() holds are retried: kUnavailable, kTimeout, kResourceExhausted. The
// blocking Retry sleeps on the calling thread; RetryAsync uses the EventLoop's timers.
#pragma once

#include <cstdint>
#include <functional>

#include "core/random.h"
#include "core/result.h"
#include "net/event_loop.h"

namespace aitbc::net {

struct RetryPolicy {
  int max_retries = 3;  // attempts = 1 + max_retries; negative means retry forever
  int64_t initial_backoff_ms = 200;
  int64_t max_backoff_ms = 5'000;
};

bool IsRetryable(const core::Error& error);
int64_t BackoffDelayMs(const RetryPolicy& policy, int retry, core::Random& random);

// on_retry(retry_number, error, delay_ms) is called before each wait (for progress messages).
using OnRetry = std::function<void(int, const core::Error&, int64_t)>;

template <typename T>
core::Result<T> Retry(const RetryPolicy& policy, core::Random& random,
                      const std::function<core::Result<T>()>& attempt,
                      const OnRetry& on_retry = {});

// Asynchronous form: attempt(done) starts one try and calls done with its result (from any
// thread). The first try starts on the calling thread, later ones on the loop's timers; `done`
// runs once, on the thread that reported the last result. `random` must outlive the retries.
void RetryAsync(EventLoop& loop, const RetryPolicy& policy, core::Random& random,
                std::function<void(std::function<void(core::Status)>)> attempt,
                std::function<void(core::Status)> done, OnRetry on_retry = {});

void SleepMs(int64_t ms);

template <typename T>
core::Result<T> Retry(const RetryPolicy& policy, core::Random& random,
                      const std::function<core::Result<T>()>& attempt, const OnRetry& on_retry) {
  for (int retry = 0;; ++retry) {
    core::Result<T> result = attempt();
    if (result.ok() || !IsRetryable(result.error())) return result;
    if (policy.max_retries >= 0 && retry >= policy.max_retries) return result;
    int64_t delay = BackoffDelayMs(policy, retry, random);
    if (on_retry) on_retry(retry + 1, result.error(), delay);
    SleepMs(delay);
  }
}

}  // namespace aitbc::net
