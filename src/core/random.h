// The source of randomness, injectable so tests are reproducible (LevelDB's Env habit).
//
// Contract: implementations are thread-safe. SystemRandom uses libsodium's CSPRNG and is the
// only one production code may use for keys. DeterministicRandom is for tests only.
#pragma once

#include <cstdint>
#include <mutex>

#include "core/bytes.h"

namespace aitbc::core {

class Random {
 public:
  virtual ~Random() = default;
  virtual void Fill(std::span<uint8_t> out) = 0;
  uint64_t NextU64();
  // Uniform in [0, bound); bound must be > 0.
  uint64_t Uniform(uint64_t bound);
  Bytes RandomBytes(size_t n);
};

class SystemRandom final : public Random {
 public:
  void Fill(std::span<uint8_t> out) override;
  // A process-wide instance.
  static SystemRandom& Instance();
};

// A seeded stream (ChaCha20 keyed by the seed): the same seed gives the same bytes.
class DeterministicRandom final : public Random {
 public:
  explicit DeterministicRandom(uint64_t seed);
  void Fill(std::span<uint8_t> out) override;

 private:
  std::mutex mu_;
  std::array<uint8_t, 32> key_{};
  uint64_t counter_ = 0;
};

}  // namespace aitbc::core
