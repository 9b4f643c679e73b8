// Custodial client accounts: the Ed25519 keys of the on-chain accounts that pay for jobs
// submitted with client API keys (the seed's flow, where a client holds only an API key).
//
// Each key is stored sealed with the coordinator's passphrase (core::SealWithPassphrase:
// Argon2id + XChaCha20-Poly1305). A devnet may run with an empty passphrase, explicitly
// (--insecure-no-passphrase): keys are then stored unencrypted, marked "encryption":"none".
//
// Contract: thread-safe. Key() opens a sealed key once (Argon2id is deliberately slow) and keeps
// it in memory. Errors: kNotFound for an unknown account; kUnauthenticated for a wrong
// passphrase, or an encrypted key read without one; kCorruption when the stored key does not
// belong to the account's address.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "coordinator/store.h"
#include "core/address.h"
#include "core/key_file.h"
#include "core/keys.h"

namespace aitbc::coordinator {

// Sealing alone, for the offline key commands and tests.
core::Result<std::string> SealAccountKey(const core::PrivateKey& key, std::string_view passphrase,
                                         core::Random& random,
                                         const core::KeyFileOptions& options = {});
core::Result<core::PrivateKey> OpenAccountKey(const AccountRow& row, std::string_view passphrase);

class Custody {
 public:
  Custody(Store& store, std::string passphrase)
      : store_(store), passphrase_(std::move(passphrase)) {}

  core::Result<core::PrivateKey> Key(const core::Address& address);

 private:
  Store& store_;
  std::string passphrase_;
  std::mutex mu_;
  std::unordered_map<core::Address, core::PrivateKey> cache_;
};

}  // namespace aitbc::coordinator
