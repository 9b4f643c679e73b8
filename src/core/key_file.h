// Key files: an Ed25519 key on disk, encrypted with a passphrase (Argon2id to derive a key,
// XChaCha20-Poly1305 to seal the seed), or, for devnets only, unencrypted and marked so.
//
// File format (JSON, documented in docs/encoding.md):
//   {"version":1,"type":"ed25519","address":"aitbc1...","public_key":"<hex>",
//    "encryption":"argon2id-xchacha20poly1305","kdf":{"opslimit":N,"memlimit":N,"salt":"<hex>"},
//    "nonce":"<hex>","ciphertext":"<hex>"}
//   or "encryption":"none" with "seed":"<hex>" (devnet).
// The address and public key are authenticated data of the encryption, so editing either is
// detected. Format details and the associated data: docs/encoding.md ("Key files").
//
// Contract: a wrong passphrase or a tampered file is an error, never a different key:
//   - wrong passphrase, tampered ciphertext/nonce/salt/cost/address/public key:
//     kUnauthenticated "wrong passphrase or corrupted key file" (when not caught earlier as
//     kCorruption by the consistency checks below);
//   - encrypted file read with an empty passphrase: kUnauthenticated
//     "key file is encrypted: passphrase required";
//   - malformed JSON, missing or mistyped fields, unsupported version/type/encryption,
//     address not derived from the public key, public key not derived from the seed:
//     kCorruption with a message naming the problem.
// Files are written atomically (temp file + fsync + rename/link) with mode 0600 and, unless
// options.overwrite, never replace an existing file (kAlreadyExists). Thread-safe.
#pragma once

#include <string>

#include "core/keys.h"

namespace aitbc::core {

struct KeyFileOptions {
  // Argon2id cost. The defaults are libsodium's "interactive" limits; tests may lower them.
  // Accepted: opslimit 1..16, memlimit 8 KiB..1 GiB (also checked when reading, so a hostile
  // file cannot make a reader allocate without bound).
  uint64_t opslimit = 2;
  size_t memlimit = 64 * 1024 * 1024;
  // WriteKeyFile only: replace an existing file. Off by default, because replacing a key file
  // can lose the only copy of a key that holds funds (kAlreadyExists instead).
  bool overwrite = false;
};

// passphrase empty => unencrypted (devnet) file.
Status WriteKeyFile(const std::string& path, const PrivateKey& key, std::string_view passphrase,
                    Random& random, const KeyFileOptions& options = {});
Result<PrivateKey> ReadKeyFile(const std::string& path, std::string_view passphrase);
// Same, on the JSON text rather than a path.
Result<std::string> EncodeKeyFile(const PrivateKey& key, std::string_view passphrase,
                                  Random& random, const KeyFileOptions& options = {});
Result<PrivateKey> DecodeKeyFile(std::string_view json, std::string_view passphrase);
// True when the file at path is unencrypted.
Result<bool> KeyFileIsPlaintext(const std::string& path);

// Authenticated symmetric encryption with a passphrase (same scheme as key files), for other
// secrets at rest such as custodial account keys. Output is a self-describing JSON string.
Result<std::string> SealWithPassphrase(ByteView plaintext, std::string_view passphrase,
                                       Random& random, const KeyFileOptions& options = {});
Result<Bytes> OpenWithPassphrase(std::string_view sealed, std::string_view passphrase);

}  // namespace aitbc::core
