// Local, non-custodial wallets: Ed25519 key files in a wallet directory (default
// ~/.aitbc/wallets/<name>.json, core/key_file.h format), and building signed transfers.
//
// Contract: a wallet file is never replaced (kAlreadyExists); reading a wallet's address does
// not need its passphrase (the address is stored in clear next to the encrypted seed);
// signing needs it (kUnauthenticated on a wrong one). Wallet names are 1..64 characters of
// [A-Za-z0-9_-] (kInvalidArgument otherwise), so a name can never escape the directory.
// Pure functions apart from the file access; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "core/amount.h"
#include "core/key_file.h"
#include "core/keys.h"
#include "core/random.h"
#include "core/result.h"
#include "protocol/transaction.h"

namespace aitbc::client {

inline constexpr std::string_view kDefaultWalletName = "default";

// $HOME/.aitbc/wallets (or ./.aitbc/wallets without HOME).
std::string DefaultWalletDir();
core::Status ValidateWalletName(std::string_view name);
// dir/name.json
std::string WalletPath(const std::string& dir, std::string_view name);

struct WalletInfo {
  std::string name;
  std::string path;
  core::Address address;
  bool encrypted = true;
};

// Generates a key and writes dir/name.json (the directory is created, mode 0700). An empty
// passphrase writes an unencrypted (devnet) file.
core::Result<WalletInfo> CreateWallet(const std::string& dir, std::string_view name,
                                      std::string_view passphrase, core::Random& random,
                                      const core::KeyFileOptions& options = {});
// The address and encryption of a wallet file, without decrypting it.
core::Result<WalletInfo> ReadWalletInfo(const std::string& path);
// Every *.json wallet in dir, by name (files that are not wallets are skipped).
core::Result<std::vector<WalletInfo>> ListWallets(const std::string& dir);
// The private key (decrypts with passphrase; empty for an unencrypted file).
core::Result<core::PrivateKey> LoadWalletKey(const std::string& path, std::string_view passphrase);

// A signed transfer of `amount` to `to`, with the sender's next nonce and the fee.
protocol::Transaction BuildTransfer(const std::string& chain_id, const core::PrivateKey& key,
                                    const core::Address& to, core::Amount amount, core::Amount fee,
                                    uint64_t nonce);

}  // namespace aitbc::client
