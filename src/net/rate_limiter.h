// Token-bucket rate limiting per key (API key id, or remote address for anonymous callers).
//
// Contract: thread-safe. Each key has a bucket of `burst` tokens refilled at `rate_per_s`;
// Take() removes `cost` tokens or, when there are not enough, takes none and returns how long
// until there will be (for Retry-After). Idle buckets are forgotten after a while so memory stays
// bounded by the number of active keys. A rate of 0 or less means no limit. A cost above the
// burst can never be paid: Take() always refuses it.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.h"

namespace aitbc::net {

class RateLimiter {
 public:
  RateLimiter(const core::Clock& clock, double rate_per_s, double burst);

  // nullopt: allowed. Otherwise the milliseconds to wait before retrying.
  std::optional<int64_t> Take(const std::string& key, double cost = 1.0);
  void set_limits(double rate_per_s, double burst);
  // The number of buckets held (for tests and metrics).
  size_t size() const;

 private:
  struct Bucket {
    double tokens;
    int64_t last_ms;
  };
  const core::Clock& clock_;
  mutable std::mutex mu_;
  double rate_per_s_;
  double burst_;
  std::unordered_map<std::string, Bucket> buckets_;
  int64_t last_sweep_ms_ = 0;
};

}  // namespace aitbc::net
