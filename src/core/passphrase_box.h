// Passphrase-based authenticated encryption shared by key files and sealed secrets (an internal
// header of core; other libraries use key_file.h).
//
// Scheme: Argon2id (libsodium crypto_pwhash, ALG_ARGON2ID13) derives a 32-byte key from the
// passphrase and a random 16-byte salt with the cost stored next to it; XChaCha20-Poly1305
// (IETF) seals the plaintext under a random 24-byte nonce, authenticating caller-chosen
// associated data too. In JSON: "encryption":"argon2id-xchacha20poly1305",
// "kdf":{"opslimit":N,"memlimit":N,"salt":"<hex>"}, "nonce":"<hex>", "ciphertext":"<hex>".
//
// Contract: a wrong passphrase or any change to the ciphertext, nonce, salt, cost or associated
// data is kUnauthenticated, never different plaintext. Derived keys are wiped after use.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

#include "core/bytes.h"
#include "core/key_file.h"
#include "core/random.h"

namespace aitbc::core {

inline constexpr std::string_view kPassphraseEncryption = "argon2id-xchacha20poly1305";

// Bytes that are wiped when destroyed, for decrypted secrets. Move-only.
class SecretBytes {
 public:
  explicit SecretBytes(size_t size) : bytes_(size) {}
  SecretBytes(SecretBytes&& other) noexcept = default;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes();

  uint8_t* data() { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  ByteView view() const { return {bytes_.data(), bytes_.size()}; }
  void Resize(size_t size);  // shrinks only

 private:
  void Wipe();
  Bytes bytes_;
};

// The Argon2id cost accepted when writing (kInvalidArgument) and reading (kCorruption): from
// libsodium's minimum up to 16 passes and 1 GiB, so a hostile file cannot make a reader
// allocate without bound.
Status CheckKdfCost(uint64_t opslimit, uint64_t memlimit);

// Seals plaintext and adds the fields above to obj.
Status SealToJson(ByteView plaintext, std::string_view passphrase, ByteView associated_data,
                  Random& random, const KeyFileOptions& options, nlohmann::ordered_json& obj);

// Reads the fields above from obj and opens them. `what` names the container in errors
// ("key file"). Malformed fields are kCorruption; a failed authentication is kUnauthenticated
// "wrong passphrase or corrupted <what>".
Result<SecretBytes> OpenFromJson(const nlohmann::json& obj, std::string_view passphrase,
                                 ByteView associated_data, std::string_view what);

}  // namespace aitbc::core
