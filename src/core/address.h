// Account addresses: bech32 (BIP-173) with human-readable part "aitbc" over the first 20 bytes
// of SHA-256 of an Ed25519 public key, e.g. "aitbc1qxy...". The checksum catches typos.
//
// Contract: Parse() accepts only a well-formed bech32 string of all-lower or all-upper case with
// the "aitbc" prefix and a 20-byte payload, and says which check failed otherwise.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/keys.h"

namespace aitbc::core {

class Address {
 public:
  static constexpr std::string_view kHumanPart = "aitbc";

  Address() = default;
  explicit Address(const std::array<uint8_t, 20>& bytes) : bytes_(bytes) {}
  static Address FromPublicKey(const PublicKey& key);
  static Result<Address> Parse(std::string_view text);

  const std::array<uint8_t, 20>& bytes() const { return bytes_; }
  ByteView view() const { return {bytes_.data(), bytes_.size()}; }
  bool IsZero() const;
  std::string ToString() const;

  auto operator<=>(const Address&) const = default;

 private:
  std::array<uint8_t, 20> bytes_{};
};

// Generic bech32 (BIP-173, checksum constant 1), exposed for tests and tools. Encode writes
// the hrp in lower case and pads the last 5-bit group with zeros; Decode lower-cases the hrp
// and requires zero padding of fewer than 5 bits. Errors are kInvalidArgument.
std::string Bech32Encode(std::string_view hrp, ByteView data8);
struct Bech32Decoded {
  std::string hrp;
  Bytes data;  // 8-bit bytes after conversion from 5-bit groups
};
Result<Bech32Decoded> Bech32Decode(std::string_view text);

}  // namespace aitbc::core

template <>
struct std::hash<aitbc::core::Address> {
  size_t operator()(const aitbc::core::Address& a) const noexcept {
    size_t out = 0;
    for (size_t i = 0; i < sizeof(size_t); ++i) out = (out << 8) | a.bytes()[i];
    return out;
  }
};
