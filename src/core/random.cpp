#include "core/random.h"

#include <sodium.h>

#include <cstdlib>

#include "core/sodium_init.h"

namespace aitbc::core {

uint64_t Random::NextU64() {
  uint8_t b[8];
  Fill(b);
  uint64_t v = 0;
  for (uint8_t x : b) v = (v << 8) | x;
  return v;
}

uint64_t Random::Uniform(uint64_t bound) {
  if (bound == 0) std::abort();  // programmer error
  // Rejection sampling avoids modulo bias.
  uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
  for (;;) {
    uint64_t v = NextU64();
    if (v < limit) return v % bound;
  }
}

Bytes Random::RandomBytes(size_t n) {
  Bytes out(n);
  Fill(out);
  return out;
}

void SystemRandom::Fill(std::span<uint8_t> out) {
  EnsureSodium();
  randombytes_buf(out.data(), out.size());
}

SystemRandom& SystemRandom::Instance() {
  static SystemRandom instance;
  return instance;
}

DeterministicRandom::DeterministicRandom(uint64_t seed) {
  EnsureSodium();
  for (int i = 0; i < 8; ++i) key_[i] = static_cast<uint8_t>(seed >> (8 * (7 - i)));
}

void DeterministicRandom::Fill(std::span<uint8_t> out) {
  std::lock_guard lock(mu_);
  uint8_t nonce[crypto_stream_chacha20_NONCEBYTES] = {};
  for (int i = 0; i < 8; ++i) nonce[i] = static_cast<uint8_t>(counter_ >> (8 * (7 - i)));
  ++counter_;
  crypto_stream_chacha20(out.data(), out.size(), nonce, key_.data());
}

}  // namespace aitbc::core
