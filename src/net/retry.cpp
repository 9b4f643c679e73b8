#include "net/retry.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

namespace aitbc::net {

bool IsRetryable(const core::Error& error) {
  switch (error.code()) {
    case core::ErrorCode::kUnavailable:
    case core::ErrorCode::kTimeout:
    case core::ErrorCode::kResourceExhausted:
      return true;
    default:
      return false;
  }
}

int64_t BackoffDelayMs(const RetryPolicy& policy, int retry, core::Random& random) {
  int64_t cap = std::max<int64_t>(policy.initial_backoff_ms, 0);
  int64_t max_backoff = std::max<int64_t>(policy.max_backoff_ms, 0);
  // Double without overflowing: stop as soon as the cap reaches the maximum.
  for (int i = 0; i < retry && cap < max_backoff; ++i) cap *= 2;
  cap = std::min(cap, max_backoff);
  if (cap <= 0) return 0;
  return static_cast<int64_t>(random.Uniform(static_cast<uint64_t>(cap) + 1));
}

void SleepMs(int64_t ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

namespace {

struct RetryState : std::enable_shared_from_this<RetryState> {
  EventLoop& loop;
  RetryPolicy policy;
  core::Random& random;
  std::function<void(std::function<void(core::Status)>)> attempt;
  std::function<void(core::Status)> done;
  OnRetry on_retry;
  int retry = 0;

  RetryState(EventLoop& l, const RetryPolicy& p, core::Random& r,
             std::function<void(std::function<void(core::Status)>)> a,
             std::function<void(core::Status)> d, OnRetry o)
      : loop(l),
        policy(p),
        random(r),
        attempt(std::move(a)),
        done(std::move(d)),
        on_retry(std::move(o)) {}

  void Start() {
    auto self = shared_from_this();
    attempt([self](core::Status status) { self->OnResult(std::move(status)); });
  }

  void OnResult(core::Status status) {
    bool exhausted = policy.max_retries >= 0 && retry >= policy.max_retries;
    if (status.ok() || !IsRetryable(status.error()) || exhausted) {
      auto finish = std::move(done);
      if (finish) finish(std::move(status));
      return;
    }
    int64_t delay = BackoffDelayMs(policy, retry, random);
    ++retry;
    if (on_retry) on_retry(retry, status.error(), delay);
    auto self = shared_from_this();
    loop.RunAfter(delay, [self] { self->Start(); });
  }
};

}  // namespace

void RetryAsync(EventLoop& loop, const RetryPolicy& policy, core::Random& random,
                std::function<void(std::function<void(core::Status)>)> attempt,
                std::function<void(core::Status)> done, OnRetry on_retry) {
  auto state = std::make_shared<RetryState>(loop, policy, random, std::move(attempt),
                                            std::move(done), std::move(on_retry));
  state->Start();
}

}  // namespace aitbc::net
