// Node: wiring of the parts, start-up and ordered shutdown; RunNode and CheckDatadir.
#include "node/node.h"

#include <unistd.h>

#include <cstdlib>
#include <future>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "core/key_file.h"
#include "core/log.h"
#include "node/init.h"
#include "node/node_metrics.h"
#include "node/rpc.h"
#include "protocol/json_codec.h"

namespace aitbc::node {
namespace {

std::string ReadyPath(const std::string& datadir) { return datadir + "/ready.json"; }

core::Result<std::unique_ptr<net::HttpServer>> StartServer(NodeContext& ctx,
                                                           std::shared_ptr<net::Router> router,
                                                           const std::string& listen,
                                                           std::string_view what) {
  auto address = net::ParseListenAddress(listen);
  if (!address.ok()) return address.error().WithContext(std::string(what));
  net::ServerOptions options;
  options.host = address->first;
  options.port = address->second;
  options.max_body_bytes = 32 << 20;  // JSON-RPC batches, forwarded transactions
  options.drain_timeout_ms = 5'000;
  options.metrics = ctx.metrics.get();
  // Thousands of RPC calls per second: logged only with --log-level debug.
  options.access_log = net::AccessLog::kDebug;
  options.server_name = "aitbc-node";
  auto server = std::make_unique<net::HttpServer>(*ctx.loop, std::move(router), options);
  auto port = server->Start();
  if (!port.ok()) return port.error().WithContext(std::string(what) + " on " + listen);
  return server;
}

// Sets up the role-specific parts: mempool and producer, or follower and forwarder; returns
// where verified transactions go.
TxPipeline::Sink SetUpRole(NodeContext& ctx) {
  NodeContext* c = &ctx;
  if (ctx.proposer) {
    MempoolOptions options;
    options.max_txs = ctx.config.mempool_max_txs;
    options.max_bytes = ctx.config.mempool_max_bytes;
    options.journaled = true;
    ctx.mempool = std::make_unique<Mempool>(*ctx.machine, *ctx.store, options);
    ctx.journal =
        std::make_unique<MempoolJournal>(*ctx.store, *ctx.mempool, JournalMetrics(*ctx.metrics));
    ctx.ledger->SetMempool(ctx.mempool.get());
    ProducerOptions producer;
    producer.block_time_ms = ctx.config.block_time_ms;
    producer.idle_block_time_ms = ctx.config.idle_block_time_ms;
    ctx.producer = std::make_unique<Producer>(*ctx.ledger, *ctx.mempool, *ctx.key, producer,
                                              *ctx.clock, ProducerMetrics(*ctx.metrics));
    ctx.mempool->SetOnNonEmpty([c] { c->producer->Wake(); });
    // Answered once the accepted transactions are on disk (the journal's group commit).
    return [c](std::vector<protocol::TxEnvelope> txs, std::vector<TxPipeline::Done> done) {
      c->journal->Admit(std::move(txs), std::move(done));
    };
  }
  FollowerOptions follower;
  follower.peers = ctx.config.peers;
  follower.verify_threads = ctx.config.verify_threads;
  ctx.follower = std::make_unique<Follower>(*ctx.ledger, follower);
  ctx.http = std::make_unique<net::HttpClient>(*ctx.loop);
  ctx.forwarder = std::make_unique<TxForwarder>(*ctx.http, [c] { return c->follower->peer_url(); });
  return [c](std::vector<protocol::TxEnvelope> txs, std::vector<TxPipeline::Done> done) {
    c->forwarder->Forward(std::move(txs), std::move(done));
  };
}

core::Status Build(NodeContext& ctx, protocol::Genesis genesis) {
  const NodeConfig& config = ctx.config;
  ctx.machine = std::make_unique<chain::StateMachine>(std::move(genesis));
  StoreOptions store_options;
  store_options.sync = config.fsync;
  AITBC_ASSIGN_OR_RETURN(ctx.store,
                         Store::Open(ChainDbPath(config.datadir), *ctx.machine, store_options));
  // The database is locked now, so no other node runs here: a ready file is a crashed run's.
  ::unlink(ReadyPath(config.datadir).c_str());
  if (config.verify_state_on_start) {
    auto check = ctx.store->VerifyState();
    if (!check.ok()) return check.error().WithContext("state check at start-up");
    spdlog::info("state at height {} verified: {} accounts, {} escrows, state hash {}",
                 check->height, check->accounts, check->escrows, check->state_hash.ToHex());
  }
  ctx.metrics = std::make_unique<net::MetricsRegistry>();
  ctx.loop = std::make_unique<net::EventLoop>(config.rpc_threads);
  ctx.ledger = std::make_unique<Ledger>(*ctx.machine, *ctx.store, *ctx.loop);
  ctx.proposer = ctx.key->public_key() == ctx.machine->genesis().validators.at(0);

  TxPipeline::Options pipeline;
  pipeline.threads = config.verify_threads;
  ctx.pipeline = std::make_unique<TxPipeline>(pipeline, SetUpRole(ctx));
  if (ctx.journal) {
    // Transactions accepted before a crash or a stop come back before anything is served.
    auto restored = ctx.journal->Restore(config.verify_threads);
    if (!restored.ok()) return restored.error().WithContext("restoring the mempool");
    spdlog::info("mempool restored: {} pending transactions re-admitted, {} dropped ({} stored)",
                 restored->restored, restored->dropped, restored->loaded);
  }
  ctx.p2p = std::make_unique<P2pService>(*ctx.ledger, *ctx.pipeline, *ctx.loop);

  RpcServices services;
  services.ledger = ctx.ledger.get();
  services.pipeline = ctx.pipeline.get();
  services.mempool = ctx.mempool.get();
  services.follower = ctx.follower.get();
  services.node_key = ctx.key->public_key();
  services.moniker = config.moniker;
  services.commit_timeout_ms = config.commit_timeout_ms;
  services.metrics = ctx.metrics.get();
  RegisterRpcMethods(ctx.rpc, services);

  ctx.rpc_router = std::make_shared<net::Router>();
  MountRpc(*ctx.rpc_router, ctx.rpc);
  NodeContext* c = &ctx;
  net::AddObservabilityRoutes(*ctx.rpc_router, *ctx.metrics, [c]() -> core::Result<nlohmann::json> {
    return nlohmann::json{{"status", "ok"},
                          {"height", c->store->height()},
                          {"role", c->proposer ? "proposer" : "follower"}};
  });
  ctx.p2p_router = std::make_shared<net::Router>();
  ctx.p2p->AddRoutes(*ctx.p2p_router);
  InstallNodeMetrics(ctx);

  AITBC_ASSIGN_OR_RETURN(ctx.rpc_server, StartServer(ctx, ctx.rpc_router, config.listen, "RPC"));
  AITBC_ASSIGN_OR_RETURN(ctx.p2p_server,
                         StartServer(ctx, ctx.p2p_router, config.p2p_listen, "p2p"));
  ctx.loop->RunInBackground();
  if (ctx.producer) ctx.producer->Start();
  if (ctx.follower) {
    if (config.peers.empty()) spdlog::warn("follower without --peer: it will not sync");
    ctx.follower->Start();
  }
  spdlog::info("node {} started as {} at height {}: RPC port {}, p2p port {}",
               core::Address::FromPublicKey(ctx.key->public_key()).ToString(),
               ctx.proposer ? "proposer" : "follower", ctx.store->height(), ctx.rpc_server->port(),
               ctx.p2p_server->port());
  return core::Ok();
}

}  // namespace

core::Result<std::unique_ptr<Node>> Node::Start(NodeConfig config, core::PrivateKey key,
                                                protocol::Genesis genesis) {
  AITBC_TRY(config.Validate());
  auto ctx = std::make_unique<NodeContext>();
  ctx->config = std::move(config);
  ctx->key = std::move(key);
  std::unique_ptr<Node> node(new Node(std::move(ctx)));
  auto status = Build(*node->ctx_, std::move(genesis));
  if (!status.ok()) {
    node->Stop();
    return status.error();
  }
  return node;
}

Node::~Node() { Stop(); }

void Node::Stop() {
  if (stopped_) return;
  stopped_ = true;
  NodeContext& c = *ctx_;
  if (c.producer) c.producer->Stop();
  if (c.follower) c.follower->Stop();
  if (c.ledger) c.ledger->Shutdown();
  if (c.pipeline) c.pipeline->Stop();
  if (c.journal) c.journal->Stop();
  if (c.rpc_server) c.rpc_server->Stop();
  if (c.p2p_server) c.p2p_server->Stop();
  if (c.loop) c.loop->Stop();
}

uint16_t Node::rpc_port() const { return ctx_->rpc_server ? ctx_->rpc_server->port() : 0; }
uint16_t Node::p2p_port() const { return ctx_->p2p_server ? ctx_->p2p_server->port() : 0; }

nlohmann::json Node::ReadyInfo() const {
  auto address = net::ParseListenAddress(ctx_->config.listen);
  std::string host = address.ok() ? address->first : "127.0.0.1";
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  return {{"rpc", "http://" + host + ":" + std::to_string(rpc_port())},
          {"rpc_port", rpc_port()},
          {"p2p_port", p2p_port()},
          {"pid", static_cast<int64_t>(getpid())},
          {"chain_id", ctx_->machine->genesis().chain_id},
          {"height", ctx_->store->height()},
          {"role", ctx_->proposer ? "proposer" : "follower"},
          {"address", core::Address::FromPublicKey(ctx_->key->public_key()).ToString()}};
}

core::Status RunNode(const NodeConfig& config) {
  AITBC_TRY(config.Validate());
  core::LogOptions log;
  log.component = "node";
  log.file = config.log_file.empty() ? config.datadir + "/node.log" : config.log_file;
  log.level = config.log_level;
  AITBC_TRY(core::InitLogging(log));

  const std::string ready = ReadyPath(config.datadir);
  const char* passphrase = std::getenv("AITBC_NODE_PASSPHRASE");
  AITBC_ASSIGN_OR_RETURN(
      core::PrivateKey key,
      core::ReadKeyFile(NodeKeyPath(config.datadir), passphrase != nullptr ? passphrase : ""));
  AITBC_ASSIGN_OR_RETURN(protocol::Genesis genesis, ReadGenesisFile(GenesisPath(config.datadir)));
  AITBC_ASSIGN_OR_RETURN(auto node, Node::Start(config, std::move(key), std::move(genesis)));

  std::promise<void> stop;
  auto stopped = stop.get_future();
  auto once = std::make_shared<std::once_flag>();
  node->context().loop->OnShutdownSignal(
      [&stop, once] { std::call_once(*once, [&stop] { stop.set_value(); }); });
  AITBC_TRY(core::WriteFileAtomic(ready, node->ReadyInfo().dump() + "\n"));
  stopped.wait();
  spdlog::info("shutting down at height {}", node->context().store->height());
  node->Stop();
  ::unlink(ready.c_str());
  spdlog::info("stopped");
  return core::Ok();
}

core::Result<nlohmann::json> CheckDatadir(const std::string& datadir) {
  AITBC_ASSIGN_OR_RETURN(protocol::Genesis genesis, ReadGenesisFile(GenesisPath(datadir)));
  if (!core::FileExists(ChainDbPath(datadir))) {
    return core::Error::NotFound("no chain database in " + datadir + " (start the node first)");
  }
  chain::StateMachine machine(std::move(genesis));
  AITBC_ASSIGN_OR_RETURN(auto store, Store::Open(ChainDbPath(datadir), machine));
  AITBC_ASSIGN_OR_RETURN(StateCheck check, store->VerifyState());
  auto total = check.supply.Total();
  return nlohmann::json{{"ok", true},
                        {"height", check.height},
                        {"state_hash", check.state_hash.ToHex()},
                        {"accounts", check.accounts},
                        {"escrows", check.escrows},
                        {"unbonding_heights", check.unbonding_heights},
                        {"total_supply", total.ok() ? protocol::AmountToJson(*total) : ""}};
}

}  // namespace aitbc::node
