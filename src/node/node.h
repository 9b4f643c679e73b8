// Node: one running aitbc-node built from a NodeConfig, a key and a genesis — the store, the
// mempool (proposer) or the follower, the transaction pipeline, the block producer, the RPC
// server (POST / JSON-RPC, GET /metrics, GET /healthz) and the p2p server. NodeContext holds
// every part (no globals); main() builds one through RunNode().
//
// Roles: the node whose key is genesis.validators[0] is the proposer (mempool, made durable by
// its journal and reloaded at start, + producer); every other node is a follower (syncs from
// --peer, forwards transactions to it, keeps no mempool).
// Contract: Start() returns once both servers are bound and serving; Stop() shuts down in
// order (production/sync, waiters, pipeline, servers, loop) and is idempotent. Not copyable.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "chain/state_machine.h"
#include "core/clock.h"
#include "core/keys.h"
#include "net/event_loop.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/json_rpc.h"
#include "net/metrics.h"
#include "net/router.h"
#include "node/config.h"
#include "node/follower.h"
#include "node/ledger.h"
#include "node/mempool.h"
#include "node/mempool_journal.h"
#include "node/p2p_service.h"
#include "node/producer.h"
#include "node/store.h"
#include "node/tx_forwarder.h"
#include "node/tx_pipeline.h"

namespace aitbc::node {

struct NodeContext {
  NodeConfig config;
  const core::Clock* clock = &core::SystemClock::Instance();
  std::optional<core::PrivateKey> key;
  std::unique_ptr<chain::StateMachine> machine;
  std::unique_ptr<Store> store;
  std::unique_ptr<net::MetricsRegistry> metrics;
  std::unique_ptr<net::EventLoop> loop;
  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<Mempool> mempool;         // proposer
  std::unique_ptr<MempoolJournal> journal;  // proposer: makes the mempool durable
  std::unique_ptr<net::HttpClient> http;    // follower: forwarding
  std::unique_ptr<TxForwarder> forwarder;   // follower
  std::unique_ptr<Follower> follower;       // follower
  std::unique_ptr<TxPipeline> pipeline;
  std::unique_ptr<Producer> producer;  // proposer
  std::unique_ptr<P2pService> p2p;
  net::jsonrpc::Dispatcher rpc;
  std::shared_ptr<net::Router> rpc_router;
  std::shared_ptr<net::Router> p2p_router;
  std::unique_ptr<net::HttpServer> rpc_server;
  std::unique_ptr<net::HttpServer> p2p_server;
  bool proposer = false;
};

class Node {
 public:
  static core::Result<std::unique_ptr<Node>> Start(NodeConfig config, core::PrivateKey key,
                                                   protocol::Genesis genesis);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  void Stop();
  uint16_t rpc_port() const;
  uint16_t p2p_port() const;
  NodeContext& context() { return *ctx_; }
  // The ready file's content: {"rpc","rpc_port","p2p_port","pid","chain_id","height","role"}.
  nlohmann::json ReadyInfo() const;

 private:
  explicit Node(std::unique_ptr<NodeContext> ctx) : ctx_(std::move(ctx)) {}
  std::unique_ptr<NodeContext> ctx_;
  bool stopped_ = false;
};

// `aitbc-node start`: reads the key (passphrase from $AITBC_NODE_PASSPHRASE) and the genesis
// from the data directory, sets up logging, starts the node, writes <datadir>/ready.json and
// runs until SIGTERM/SIGINT.
core::Status RunNode(const NodeConfig& config);

// `aitbc-node check`: recomputes the state commitment from storage and compares it with the
// stored one; the summary on success.
core::Result<nlohmann::json> CheckDatadir(const std::string& datadir);

}  // namespace aitbc::node
