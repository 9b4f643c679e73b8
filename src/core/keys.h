// Ed25519 keys and signatures (libsodium).
//
// Contract: PrivateKey never prints or serialises its secret except through the explicit
// Seed() accessor used by key files; its memory is wiped on destruction. Verify() is pure and
// thread-safe. Signing is deterministic (Ed25519), so the same key and message give the same
// signature on every machine.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/random.h"

namespace aitbc::core {

struct PublicKey {
  std::array<uint8_t, 32> bytes{};

  std::string ToHex() const;
  static Result<PublicKey> FromHex(std::string_view hex);
  ByteView view() const { return {bytes.data(), bytes.size()}; }
  auto operator<=>(const PublicKey&) const = default;
};

struct Signature {
  std::array<uint8_t, 64> bytes{};

  std::string ToHex() const;
  static Result<Signature> FromHex(std::string_view hex);
  ByteView view() const { return {bytes.data(), bytes.size()}; }
  auto operator<=>(const Signature&) const = default;
};

// True when signature is a valid Ed25519 signature of message by key.
bool Verify(const PublicKey& key, ByteView message, const Signature& signature);

class PrivateKey {
 public:
  static constexpr size_t kSeedSize = 32;

  static PrivateKey Generate(Random& random);
  // The key whose 32-byte seed is given (RFC 8032 test vectors, key files).
  static Result<PrivateKey> FromSeed(ByteView seed);

  PrivateKey(const PrivateKey& other);
  PrivateKey& operator=(const PrivateKey& other);
  PrivateKey(PrivateKey&& other) noexcept;
  PrivateKey& operator=(PrivateKey&& other) noexcept;
  ~PrivateKey();

  const PublicKey& public_key() const { return public_key_; }
  Signature Sign(ByteView message) const;
  // The 32-byte seed: secret. Only key files should need it.
  ByteView Seed() const { return {secret_.data(), kSeedSize}; }

 private:
  PrivateKey() = default;
  void Wipe();
  std::array<uint8_t, 64> secret_{};  // libsodium's seed || public key
  PublicKey public_key_;
};

}  // namespace aitbc::core
