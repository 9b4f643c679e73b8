#include "core/hash.h"

#include <sodium.h>

#include <cstdlib>

namespace aitbc::core {

std::string Hash256::ToHex() const { return HexEncode(view()); }

Result<Hash256> Hash256::FromHex(std::string_view hex) {
  auto bytes = HexDecodeFixed<32>(hex);
  if (!bytes.ok()) return bytes.error().WithContext("hash");
  return Hash256{*bytes};
}

bool Hash256::IsZero() const {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

Hash256 Sha256(ByteView data) {
  Hash256 out;
  crypto_hash_sha256(out.bytes.data(), data.data(), data.size());
  return out;
}

struct Sha256Hasher::State {
  crypto_hash_sha256_state state;
};

Sha256Hasher::Sha256Hasher() : state_(std::make_unique<State>()) {
  crypto_hash_sha256_init(&state_->state);
}

Sha256Hasher::~Sha256Hasher() = default;

void Sha256Hasher::Update(ByteView data) {
  crypto_hash_sha256_update(&state_->state, data.data(), data.size());
}

Hash256 Sha256Hasher::Finish() {
  Hash256 out;
  crypto_hash_sha256_final(&state_->state, out.bytes.data());
  return out;
}

Bytes Blake2b(ByteView data, size_t out_len, ByteView key) {
  if (out_len < crypto_generichash_BYTES_MIN || out_len > crypto_generichash_BYTES_MAX ||
      (!key.empty() && (key.size() < crypto_generichash_KEYBYTES_MIN ||
                        key.size() > crypto_generichash_KEYBYTES_MAX))) {
    std::abort();  // programmer error: sizes are compile-time choices of the caller
  }
  Bytes out(out_len);
  crypto_generichash(out.data(), out_len, data.data(), data.size(),
                     key.empty() ? nullptr : key.data(), key.size());
  return out;
}

}  // namespace aitbc::core
