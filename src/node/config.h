// NodeConfig: everything `aitbc-node start` can be told, from flags and/or a TOML file
// (--config FILE.toml; flags override the file). TOML keys are the flag names with '_' for '-':
//   listen = "127.0.0.1:8006"      p2p_listen = "127.0.0.1:8007"     peers = ["h:8007"]
//   log_file = "..."  log_level = "info"  moniker = "..."  block_time_ms = 1000
//   idle_block_time_ms = 10000  mempool_max_txs = 100000  mempool_max_bytes = 67108864
//   rpc_threads = 1  verify_threads = 2  commit_timeout_ms = 30000
//   verify_state_on_start = true  fsync = true
//
// Contract: LoadConfigFile reports an unreadable file, a TOML syntax error, an unknown key or a
// value of the wrong type as kInvalidArgument naming the key; Validate() checks ranges.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace aitbc::node {

struct NodeConfig {
  std::string datadir;
  std::string listen = "127.0.0.1:8006";
  std::string p2p_listen = "127.0.0.1:8007";
  std::vector<std::string> peers;
  std::string log_file;  // empty: <datadir>/node.log
  std::string log_level = "info";
  std::string moniker = "aitbc-node";
  int64_t block_time_ms = 1000;
  int64_t idle_block_time_ms = 10'000;
  uint64_t mempool_max_txs = 100'000;
  uint64_t mempool_max_bytes = 64 << 20;
  uint64_t rpc_threads = 1;
  uint64_t verify_threads = 2;
  int64_t commit_timeout_ms = 30'000;
  bool verify_state_on_start = true;
  bool fsync = true;

  core::Status Validate() const;
};

// Sets the fields the file names; leaves the others as they are.
core::Status LoadConfigFile(const std::string& path, NodeConfig& config);

}  // namespace aitbc::node
