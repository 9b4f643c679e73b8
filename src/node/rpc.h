// The node's JSON-RPC 2.0 methods (docs/node.md, "RPC reference"): CometBFT's broadcast_tx_sync
// / broadcast_tx_async / broadcast_tx_commit, status, block, blockchain, tx, and AITBC's
// account, escrow, receipt, validators, genesis, supply, num_unconfirmed_txs, health.
//
// Contract: RegisterRpcMethods adds every method to the dispatcher; the services must outlive
// it. Methods never block an EventLoop thread: broadcasts answer through the TxPipeline and the
// Ledger's waiters, queries read the store. Invalid params answer -32602 with a message naming
// the field; a rejected transaction is a result with code != 0 (CometBFT's CheckTx), not an
// error. MountRpc serves the dispatcher at POST / and also answers requests that carry no "id"
// (the seed's broadcast_tx_sync call has none) as if their id were null.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/keys.h"
#include "net/json_rpc.h"
#include "net/metrics.h"
#include "net/router.h"

namespace aitbc::node {

class Ledger;
class Mempool;
class Follower;
class TxPipeline;

struct RpcServices {
  Ledger* ledger = nullptr;
  TxPipeline* pipeline = nullptr;
  Mempool* mempool = nullptr;    // the proposer's; null on followers
  Follower* follower = nullptr;  // null on the proposer
  core::PublicKey node_key;
  std::string moniker;
  int64_t commit_timeout_ms = 30'000;       // broadcast_tx_commit
  net::MetricsRegistry* metrics = nullptr;  // may be null
};

inline constexpr char kNodeVersion[] = "0.1.0";

void RegisterRpcMethods(net::jsonrpc::Dispatcher& dispatcher, const RpcServices& services);
void MountRpc(net::Router& router, const net::jsonrpc::Dispatcher& dispatcher,
              size_t max_batch = 2000);
// What MountRpc hands to the dispatcher: body with "id": null added to every request object
// that has no "id", or nullopt when body needs no change (or is not JSON).
std::optional<std::string> AnswerableBody(std::string_view body);

}  // namespace aitbc::node
