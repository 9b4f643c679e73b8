// Byte containers and text encodings of bytes (hex, base64).
//
// Contract: decoders never throw and never accept malformed input; they return an error that
// says what is wrong. Encoders are total. All functions are thread-safe (no shared state).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace aitbc::core {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsString(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Lower-case hex, two characters per byte.
std::string HexEncode(ByteView data);
// Accepts upper or lower case; rejects odd length and non-hex characters.
Result<Bytes> HexDecode(std::string_view hex);
// Decodes exactly N bytes (2N hex characters) into a fixed array.
template <size_t N>
Result<std::array<uint8_t, N>> HexDecodeFixed(std::string_view hex) {
  if (hex.size() != 2 * N) {
    return Error::InvalidArgument("expected " + std::to_string(2 * N) + " hex characters, got " +
                                  std::to_string(hex.size()));
  }
  auto bytes = HexDecode(hex);
  if (!bytes.ok()) return bytes.error();
  std::array<uint8_t, N> out{};
  for (size_t i = 0; i < N; ++i) out[i] = (*bytes)[i];
  return out;
}

// Standard base64 (RFC 4648, with padding), as CometBFT's RPC uses for transactions.
std::string Base64Encode(ByteView data);
// Strict: requires canonical padding, rejects whitespace and characters outside the alphabet.
Result<Bytes> Base64Decode(std::string_view text);

// Compares two equal-length buffers in time independent of their contents.
bool ConstantTimeEqual(ByteView a, ByteView b);

}  // namespace aitbc::core
