// `aitbc-node init`: creates a data directory with the node's key (node_key.json) and the
// genesis (genesis.json): copied (after validation) from --genesis FILE, or a new devnet genesis
// whose only validator is this node's key, with the accounts and stakes given.
//
// Contract: refuses a data directory that already holds a key, a genesis or a chain database
// (kAlreadyExists), so init never overwrites a node. The key file is encrypted with
// `passphrase`, or written unencrypted (devnet) when it is empty, with a warning in the log.
// Bad --fund/--stake/--min-fee values are kInvalidArgument naming the value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "protocol/genesis.h"

namespace aitbc::node {

struct InitOptions {
  std::string datadir;
  std::string genesis_file;  // copy this genesis instead of making one
  std::string chain_id = "aitbc-devnet";
  std::vector<std::string> fund;   // "ADDRESS=AMOUNT"
  std::vector<std::string> stake;  // "ADDRESS=AMOUNT"
  std::string min_fee = "0";       // per transaction
  uint64_t unbonding_delay = 100;  // blocks
  std::string validator_key_file;  // use this key instead of a new one
  std::string passphrase;          // for the key files; empty: unencrypted (devnet)
};

struct InitResult {
  std::string address;  // the node's address
  std::string public_key;
  protocol::Genesis genesis;
};

core::Result<InitResult> InitDatadir(const InitOptions& options, core::Random& random,
                                     const core::Clock& clock);

// Paths inside a data directory.
std::string NodeKeyPath(const std::string& datadir);
std::string GenesisPath(const std::string& datadir);
std::string ChainDbPath(const std::string& datadir);

core::Result<protocol::Genesis> ReadGenesisFile(const std::string& path);

}  // namespace aitbc::node
