// The source of time, injectable so tests control it (LevelDB's Env habit).
//
// Contract: implementations are thread-safe. NowMs() is wall-clock time in milliseconds since
// the Unix epoch (for timestamps people read); SteadyMs() is monotonic (for deadlines and
// durations) and unrelated to the wall clock.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace aitbc::core {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
  virtual int64_t SteadyMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
  int64_t SteadyMs() const override;
  static SystemClock& Instance();
};

// Starts at the given times and moves only when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_ms = 1'700'000'000'000, int64_t steady_ms = 0)
      : now_ms_(now_ms), steady_ms_(steady_ms) {}
  int64_t NowMs() const override { return now_ms_.load(); }
  int64_t SteadyMs() const override { return steady_ms_.load(); }
  void Advance(int64_t ms) {
    now_ms_ += ms;
    steady_ms_ += ms;
  }

 private:
  std::atomic<int64_t> now_ms_;
  std::atomic<int64_t> steady_ms_;
};

// RFC 3339 UTC with seconds precision, as in the seed: "2025-01-29T14:50:00Z".
std::string FormatRfc3339(int64_t unix_ms);

}  // namespace aitbc::core
