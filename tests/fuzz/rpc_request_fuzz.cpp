// libFuzzer target: arbitrary bytes as the body of a POST / to the node's JSON-RPC, handled by
// the real node methods (net::jsonrpc::Dispatcher + node::RegisterRpcMethods) over a real store
// in a temporary directory, a mempool and the verification pipeline. Must never crash, hang or
// leak; every request must be answered.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>

#include "chain/state_machine.h"
#include "core/keys.h"
#include "net/event_loop.h"
#include "net/json_rpc.h"
#include "node/ledger.h"
#include "node/mempool.h"
#include "node/rpc.h"
#include "node/store.h"
#include "node/tx_pipeline.h"
#include "protocol/genesis.h"

namespace {

using namespace aitbc;

core::PrivateKey KeyFromByte(uint8_t b) {
  core::Bytes seed(32, b);
  return core::PrivateKey::FromSeed(seed).value();
}

protocol::Genesis FuzzGenesis() {
  protocol::Genesis g;
  g.chain_id = "aitbc-fuzz";
  g.genesis_time_ms = 1'700'000'000'000;
  for (uint8_t i = 1; i <= 3; ++i) {
    g.accounts.push_back({core::Address::FromPublicKey(KeyFromByte(i).public_key()),
                          core::Amount::FromMicro(1'000'000), core::Amount()});
  }
  g.validators.push_back(KeyFromByte(100).public_key());
  return g;
}

struct Harness {
  Harness() : machine(FuzzGenesis()), loop(1) {
    char tmpl[] = "/tmp/aitbc-rpc-fuzz.XXXXXX";
    dir = mkdtemp(tmpl);
    store = node::Store::Open(dir + "/chain", machine, node::StoreOptions{false, 1024}).value();
    ledger = std::make_unique<node::Ledger>(machine, *store, loop);
    mempool = std::make_unique<node::Mempool>(machine, *store, node::MempoolOptions{1000, 1 << 20});
    ledger->SetMempool(mempool.get());
    pipeline = std::make_unique<node::TxPipeline>(
        node::TxPipeline::Options{1, 10'000, 64},
        [this](std::vector<protocol::TxEnvelope> txs, std::vector<node::TxPipeline::Done> done) {
          auto results = mempool->Admit(std::move(txs));
          for (size_t i = 0; i < results.size(); ++i) done[i](std::move(results[i]));
        });
    node::RpcServices services;
    services.ledger = ledger.get();
    services.pipeline = pipeline.get();
    services.mempool = mempool.get();
    services.node_key = KeyFromByte(100).public_key();
    services.moniker = "fuzz";
    services.commit_timeout_ms = 1;  // no blocks here: broadcast_tx_commit times out at once
    node::RegisterRpcMethods(dispatcher, services);
    loop.RunInBackground();
  }
  ~Harness() {
    ledger->Shutdown();
    pipeline->Stop();
    loop.Stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  std::string dir;
  chain::StateMachine machine;
  net::EventLoop loop;
  std::unique_ptr<node::Store> store;
  std::unique_ptr<node::Ledger> ledger;
  std::unique_ptr<node::Mempool> mempool;
  std::unique_ptr<node::TxPipeline> pipeline;
  net::jsonrpc::Dispatcher dispatcher;
};

Harness& GetHarness() {
  static Harness* harness = [] {
    auto* h = new Harness();
    std::atexit([] { delete &GetHarness(); });
    return h;
  }();
  return *harness;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Harness& h = GetHarness();
  std::string body(reinterpret_cast<const char*>(data), size);
  std::string rewritten = node::AnswerableBody(body).value_or(body);
  auto answered = std::make_shared<std::promise<std::string>>();
  auto future = answered->get_future();
  h.dispatcher.HandleBody(rewritten, 64,
                          [answered](std::string out) { answered->set_value(std::move(out)); });
  // Every request is answered (async ones from the pipeline or the commit timeout).
  if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) std::abort();
  return 0;
}
