// Test harness for tests that run real aitbc-node processes: data directories made with
// `aitbc-node init`, started nodes with their ready files, and JSON-RPC calls.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/keys.h"
#include "net/http_client.h"
#include "process.h"
#include "protocol/genesis.h"

namespace aitbc::node::testing {

// Runs `aitbc-node init --datadir <datadir> --genesis <file> --validator-key <file>` so that the
// node uses `key` and `genesis`.
core::Status InitNodeDir(const std::string& datadir, const protocol::Genesis& genesis,
                         const core::PrivateKey& key);

class NodeProcess {
 public:
  // Starts `aitbc-node start` on free ports with fast blocks and waits for its ready file.
  static core::Result<std::unique_ptr<NodeProcess>> Start(const std::string& datadir,
                                                          std::vector<std::string> extra = {});

  // A JSON-RPC call; the result, or the error rebuilt from the JSON-RPC error object.
  core::Result<nlohmann::json> Call(const std::string& method,
                                    const nlohmann::json& params = nlohmann::json::object());
  // The whole JSON-RPC answer object ({"jsonrpc","id","result"|"error"}).
  nlohmann::json Raw(const std::string& body);
  core::Result<net::Response> Get(const std::string& target);

  uint64_t Height();
  // Waits until the node's height is at least `height`.
  bool WaitForHeight(uint64_t height, int64_t timeout_ms = 30'000);
  // Waits until tx_hash (hex) is committed; its height.
  core::Result<uint64_t> WaitForTx(const std::string& tx_hash, int64_t timeout_ms = 30'000);

  std::string Describe() const;  // process log and node.log tails
  std::string p2p_address() const { return "127.0.0.1:" + std::to_string(p2p_port); }

  std::string datadir;
  uint16_t rpc_port = 0;
  uint16_t p2p_port = 0;
  aitbc::testing::Process process;

 private:
  NodeProcess(std::string dir, aitbc::testing::Process p)
      : datadir(std::move(dir)), process(std::move(p)) {}
  net::BlockingHttpClient http_;
};

// base64 of a transaction's bytes, as broadcast_tx_* take it.
std::string TxParam(const core::Bytes& bytes);

}  // namespace aitbc::node::testing
