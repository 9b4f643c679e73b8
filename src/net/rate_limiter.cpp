#include "net/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace aitbc::net {
namespace {

// How often idle buckets are swept out.
constexpr int64_t kSweepIntervalMs = 60'000;

}  // namespace

RateLimiter::RateLimiter(const core::Clock& clock, double rate_per_s, double burst)
    : clock_(clock), rate_per_s_(rate_per_s), burst_(burst) {
  last_sweep_ms_ = clock_.SteadyMs();
}

void RateLimiter::set_limits(double rate_per_s, double burst) {
  std::lock_guard lock(mu_);
  rate_per_s_ = rate_per_s;
  burst_ = burst;
  for (auto& [key, bucket] : buckets_) bucket.tokens = std::min(bucket.tokens, burst_);
}

std::optional<int64_t> RateLimiter::Take(const std::string& key, double cost) {
  std::lock_guard lock(mu_);
  if (rate_per_s_ <= 0) return std::nullopt;  // unlimited
  const int64_t now = clock_.SteadyMs();

  if (now - last_sweep_ms_ >= kSweepIntervalMs) {
    last_sweep_ms_ = now;
    // A bucket that has refilled completely is the same as a new one: forget it.
    const double full_after_ms = burst_ / rate_per_s_ * 1000.0;
    std::erase_if(buckets_, [&](const auto& entry) {
      return static_cast<double>(now - entry.second.last_ms) >= full_after_ms;
    });
  }

  auto it = buckets_.find(key);
  if (it == buckets_.end()) it = buckets_.emplace(key, Bucket{burst_, now}).first;
  Bucket& bucket = it->second;
  if (now > bucket.last_ms) {
    double refill = static_cast<double>(now - bucket.last_ms) * rate_per_s_ / 1000.0;
    bucket.tokens = std::min(burst_, bucket.tokens + refill);
    bucket.last_ms = now;
  }
  if (bucket.tokens >= cost) {
    bucket.tokens -= cost;
    return std::nullopt;
  }
  double missing = cost - bucket.tokens;
  auto wait_ms = static_cast<int64_t>(std::ceil(missing / rate_per_s_ * 1000.0));
  return std::max<int64_t>(1, wait_ms);
}

size_t RateLimiter::size() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace aitbc::net
