#include "core/keys.h"

#include <sodium.h>

#include "core/sodium_init.h"

namespace aitbc::core {

static_assert(crypto_sign_PUBLICKEYBYTES == 32);
static_assert(crypto_sign_SECRETKEYBYTES == 64);
static_assert(crypto_sign_SEEDBYTES == PrivateKey::kSeedSize);
static_assert(crypto_sign_BYTES == 64);

std::string PublicKey::ToHex() const { return HexEncode(view()); }

Result<PublicKey> PublicKey::FromHex(std::string_view hex) {
  auto bytes = HexDecodeFixed<32>(hex);
  if (!bytes.ok()) return bytes.error().WithContext("public key");
  return PublicKey{*bytes};
}

std::string Signature::ToHex() const { return HexEncode(view()); }

Result<Signature> Signature::FromHex(std::string_view hex) {
  auto bytes = HexDecodeFixed<64>(hex);
  if (!bytes.ok()) return bytes.error().WithContext("signature");
  return Signature{*bytes};
}

bool Verify(const PublicKey& key, ByteView message, const Signature& signature) {
  EnsureSodium();
  return crypto_sign_verify_detached(signature.bytes.data(), message.data(), message.size(),
                                     key.bytes.data()) == 0;
}

PrivateKey PrivateKey::Generate(Random& random) {
  std::array<uint8_t, kSeedSize> seed{};
  random.Fill(seed);
  auto key = FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return std::move(key).value();  // cannot fail: the seed has the right size
}

Result<PrivateKey> PrivateKey::FromSeed(ByteView seed) {
  if (seed.size() != kSeedSize) {
    return Error::InvalidArgument("Ed25519 seed must be " + std::to_string(kSeedSize) +
                                  " bytes, got " + std::to_string(seed.size()));
  }
  EnsureSodium();
  PrivateKey key;
  crypto_sign_seed_keypair(key.public_key_.bytes.data(), key.secret_.data(), seed.data());
  return key;
}

PrivateKey::PrivateKey(const PrivateKey& other)
    : secret_(other.secret_), public_key_(other.public_key_) {}

PrivateKey& PrivateKey::operator=(const PrivateKey& other) {
  secret_ = other.secret_;
  public_key_ = other.public_key_;
  return *this;
}

// A moved-from key is wiped: it keeps neither the secret nor the public key.
PrivateKey::PrivateKey(PrivateKey&& other) noexcept
    : secret_(other.secret_), public_key_(other.public_key_) {
  other.Wipe();
}

PrivateKey& PrivateKey::operator=(PrivateKey&& other) noexcept {
  if (this == &other) return *this;
  secret_ = other.secret_;
  public_key_ = other.public_key_;
  other.Wipe();
  return *this;
}

PrivateKey::~PrivateKey() { Wipe(); }

void PrivateKey::Wipe() {
  sodium_memzero(secret_.data(), secret_.size());
  public_key_ = PublicKey{};
}

Signature PrivateKey::Sign(ByteView message) const {
  EnsureSodium();
  Signature signature;
  crypto_sign_detached(signature.bytes.data(), nullptr, message.data(), message.size(),
                       secret_.data());
  return signature;
}

}  // namespace aitbc::core
