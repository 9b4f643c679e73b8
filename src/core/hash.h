// Cryptographic hashes (libsodium): SHA-256 for identities and signing digests, BLAKE2b for
// keyed and expandable hashing.
//
// Contract: pure functions, thread-safe. Sha256Hasher is an incremental hasher for one thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "core/bytes.h"

namespace aitbc::core {

// A 32-byte digest. Ordered and hashable so it can key maps.
struct Hash256 {
  std::array<uint8_t, 32> bytes{};

  std::string ToHex() const;
  static Result<Hash256> FromHex(std::string_view hex);
  bool IsZero() const;
  ByteView view() const { return {bytes.data(), bytes.size()}; }
  auto operator<=>(const Hash256&) const = default;
};

Hash256 Sha256(ByteView data);
inline Hash256 Sha256(std::string_view data) { return Sha256(AsBytes(data)); }

// Incremental SHA-256: Update() any number of times, then Finish() once.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Update(ByteView data);
  Hash256 Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// BLAKE2b with an output of out_len bytes (16..64) and an optional key (0 or 16..64 bytes).
Bytes Blake2b(ByteView data, size_t out_len, ByteView key = {});

}  // namespace aitbc::core

template <>
struct std::hash<aitbc::core::Hash256> {
  size_t operator()(const aitbc::core::Hash256& h) const noexcept {
    size_t out = 0;
    for (size_t i = 0; i < sizeof(size_t); ++i) out = (out << 8) | h.bytes[i];
    return out;
  }
};
