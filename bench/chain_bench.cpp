// chain_bench: committed transfers per second through one real aitbc-node, and the time from
// submission to commit (docs/performance.md, "Chain").
//
// It measures first how many Ed25519 verifications one core does (the ceiling to compare
// with), then starts aitbc-node in a temporary directory with a genesis funding many senders,
// signs every transfer before timing, submits them as JSON-RPC batches of broadcast_tx_sync over
// a few keep-alive connections (each sender's transactions on one connection, in nonce order),
// and follows the chain through the p2p long-poll (GET /p2p/blocks) to time each commit.
// The last line of output is one JSON object.
//
// Usage: chain_bench [--node PATH] [--txs N] [--senders N] [--connections N] [--batch N]
//                    [--block-time-ms N] [--verify-threads N] [--keep]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench_util.h"
#include "core/bytes.h"
#include "core/encoding.h"
#include "core/file_util.h"
#include "core/key_file.h"
#include "core/keys.h"
#include "core/random.h"
#include "net/event_loop.h"
#include "net/http_client.h"
#include "protocol/block.h"
#include "protocol/genesis.h"
#include "protocol/limits.h"
#include "protocol/transaction.h"

namespace {

using namespace aitbc;
using namespace aitbc::bench;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

core::PrivateKey KeyFor(uint32_t i) {
  core::Bytes seed(32, 0);
  for (int b = 0; b < 4; ++b) seed[b] = static_cast<uint8_t>(i >> (8 * b));
  seed[31] = 0xb5;
  return core::PrivateKey::FromSeed(seed).value();
}

// Ed25519 verifications of one signature per second on this thread, for about a second.
double MeasureVerifyPerSecond() {
  core::PrivateKey key = KeyFor(0xffffff);
  core::Bytes message(120, 0x42);
  core::Signature signature = key.Sign(message);
  size_t n = 0;
  auto start = Clock::now();
  auto deadline = start + std::chrono::seconds(1);
  while (Clock::now() < deadline) {
    for (int i = 0; i < 200; ++i) {
      if (!core::Verify(key.public_key(), message, signature)) Die("verification failed");
    }
    n += 200;
  }
  return static_cast<double>(n) / Seconds(Clock::now() - start);
}

struct Options {
  std::string node;
  size_t txs = 100'000;
  uint32_t senders = 1000;
  size_t connections = 4;
  size_t batch = 500;
  int64_t block_time_ms = 1000;
  int verify_threads = 2;
  bool keep = false;
};

struct SignedTx {
  std::string request;  // the JSON-RPC request object text
  core::Hash256 hash;
  size_t connection = 0;
};

std::vector<SignedTx> SignAll(const Options& o, const std::vector<core::PrivateKey>& keys,
                              const std::string& chain_id, core::Amount fee) {
  std::vector<SignedTx> txs(o.txs);
  auto sign_range = [&](size_t begin, size_t end) {
    for (size_t k = begin; k < end; ++k) {
      uint32_t sender = static_cast<uint32_t>(k % o.senders);
      protocol::Transaction tx;
      tx.chain_id = chain_id;
      tx.nonce = k / o.senders;
      tx.fee = fee;
      tx.payload = protocol::Transfer{
          core::Address::FromPublicKey(keys[(sender + 1) % o.senders].public_key()),
          core::Amount::FromMicro(1)};
      tx.Sign(keys[sender]);
      auto env = protocol::TxEnvelope::FromTx(std::move(tx));
      txs[k].hash = env.hash;
      txs[k].connection = sender % o.connections;
      txs[k].request = R"({"jsonrpc":"2.0","id":)" + std::to_string(k) +
                       R"(,"method":"broadcast_tx_sync","params":{"tx":")" +
                       core::Base64Encode(env.bytes) + "\"}}";
    }
  };
  size_t threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back(sign_range, o.txs * t / threads, o.txs * (t + 1) / threads);
  }
  for (auto& w : workers) w.join();
  return txs;
}

// Submission: per connection, one batch in flight at a time, the next sent when it returns.
class Submitter {
 public:
  Submitter(net::HttpClient& http, net::Url url, const std::vector<SignedTx>& txs, const Options& o,
            std::vector<Clock::time_point>& submitted)
      : http_(http), url_(std::move(url)), txs_(txs), o_(o), submitted_(submitted) {
    queues_.resize(o.connections);
    for (size_t k = 0; k < txs.size(); ++k) queues_[txs[k].connection].push_back(k);
    next_.assign(o.connections, 0);
  }

  void Start() {
    remaining_ = o_.connections;
    for (size_t c = 0; c < o_.connections; ++c) SendNext(c);
  }

  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return remaining_ == 0; });
  }
  size_t rejected() const { return rejected_; }
  const std::string& first_error() const { return first_error_; }

 private:
  void SendNext(size_t c) {
    std::vector<size_t>& queue = queues_[c];
    size_t begin = next_[c];
    if (begin >= queue.size()) {
      std::lock_guard lock(mu_);
      if (--remaining_ == 0) cv_.notify_all();
      return;
    }
    size_t end = std::min(queue.size(), begin + o_.batch);
    next_[c] = end;
    net::ClientRequest request;
    request.method = net::Method::kPost;
    request.url = url_;
    request.headers.Set("Content-Type", "application/json");
    request.read_timeout_ms = 120'000;
    request.body.reserve((end - begin) * 330);
    request.body.push_back('[');
    for (size_t i = begin; i < end; ++i) {
      if (i > begin) request.body.push_back(',');
      request.body += txs_[queue[i]].request;
    }
    request.body.push_back(']');
    auto now = Clock::now();
    for (size_t i = begin; i < end; ++i) submitted_[queue[i]] = now;
    size_t expected = end - begin;
    http_.Send(std::move(request), [this, c, expected](core::Result<net::Response> response) {
      if (!response.ok()) Die("submission failed: " + response.error().ToString());
      // Accepted answers carry "code":0; anything else is a rejection worth reporting.
      size_t accepted = 0;
      for (size_t pos = 0; (pos = response->body.find("\"code\":0,", pos)) != std::string::npos;
           ++pos) {
        ++accepted;
      }
      if (accepted != expected) {
        std::lock_guard lock(mu_);
        rejected_ += expected - accepted;
        if (first_error_.empty()) first_error_ = response->body.substr(0, 600);
      }
      SendNext(c);
    });
  }

  net::HttpClient& http_;
  net::Url url_;
  const std::vector<SignedTx>& txs_;
  const Options& o_;
  std::vector<Clock::time_point>& submitted_;
  std::vector<std::vector<size_t>> queues_;
  std::vector<size_t> next_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t remaining_ = 0;
  size_t rejected_ = 0;
  std::string first_error_;
};

// Follows new blocks through the p2p long-poll and records when each known tx was committed.
struct CommitWatch {
  size_t committed = 0;
  size_t blocks = 0;
  size_t max_block_txs = 0;
  Clock::time_point last_commit;
};

CommitWatch WatchCommits(const net::Url& p2p, const std::vector<SignedTx>& txs,
                         std::vector<Clock::time_point>& committed_at, uint64_t start_height,
                         std::chrono::seconds timeout) {
  std::unordered_map<core::Hash256, size_t> index;
  index.reserve(txs.size() * 2);
  for (size_t k = 0; k < txs.size(); ++k) index.emplace(txs[k].hash, k);
  net::BlockingHttpClient http;
  CommitWatch watch;
  uint64_t next = start_height + 1;
  auto deadline = Clock::now() + timeout;
  while (watch.committed < txs.size() && Clock::now() < deadline) {
    net::ClientRequest request;
    request.url =
        p2p.WithTarget("/p2p/blocks?from=" + std::to_string(next) + "&max=16&wait_ms=1000");
    request.read_timeout_ms = 30'000;
    auto response = OrDie(http.Send(std::move(request)), "fetching blocks");
    auto now = Clock::now();
    core::Reader frames(core::AsBytes(response.body));
    while (frames.remaining() > 0) {
      core::Bytes block = OrDie(frames.Var(protocol::kMaxBlockBytes), "block frame");
      core::Reader r(block);
      OrDie(protocol::BlockHeader::DecodeFrom(r), "block header");
      std::array<uint8_t, 64> signature{};
      OrDie(r.Fixed(signature), "block signature");
      uint32_t count = OrDie(r.U32(), "tx count");
      for (uint32_t i = 0; i < count; ++i) {
        core::Bytes tx = OrDie(r.Var(protocol::kMaxTxBytes), "tx");
        auto it = index.find(core::Sha256(tx));
        if (it == index.end()) continue;
        committed_at[it->second] = now;
        ++watch.committed;
      }
      watch.max_block_txs = std::max<size_t>(watch.max_block_txs, count);
      ++watch.blocks;
      ++next;
      if (count > 0) watch.last_commit = now;
    }
  }
  return watch;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"chain_bench: committed transfers per second through one aitbc-node"};
  app.add_option("--node", o.node, "aitbc-node binary (default: next to this program)");
  app.add_option("--txs", o.txs, "Transfers to submit");
  app.add_option("--senders", o.senders, "Funded sender accounts");
  app.add_option("--connections", o.connections, "Keep-alive connections");
  app.add_option("--batch", o.batch, "broadcast_tx_sync calls per JSON-RPC batch");
  app.add_option("--block-time-ms", o.block_time_ms, "The node's block time");
  app.add_option("--verify-threads", o.verify_threads, "The node's verification threads");
  app.add_flag("--keep", o.keep, "Keep the node's data directory");
  CLI11_PARSE(app, argc, argv);
  if (o.node.empty()) {
    o.node = (std::filesystem::path(argv[0]).parent_path() / "aitbc-node").string();
  }
  if (o.senders == 0 || o.connections == 0 || o.batch == 0 || o.txs == 0) Die("zero option");

  double verify_per_s = MeasureVerifyPerSecond();
  std::cout << "ed25519 verifications per second on one core: "
            << static_cast<int64_t>(verify_per_s) << std::endl;

  // Keys and genesis: every sender holds 1,000 AITBC.
  std::string dir =
      std::filesystem::temp_directory_path() / ("aitbc-chain-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::vector<core::PrivateKey> keys;
  keys.reserve(o.senders);
  protocol::Genesis genesis;
  genesis.chain_id = "aitbc-bench";
  genesis.genesis_time_ms = 1'700'000'000'000;
  for (uint32_t i = 0; i < o.senders; ++i) {
    keys.push_back(KeyFor(i));
    genesis.accounts.push_back({core::Address::FromPublicKey(keys.back().public_key()),
                                OrDie(core::Amount::FromCoins(1000), "amount"), core::Amount()});
  }
  core::PrivateKey proposer = KeyFor(0xfffffe);
  genesis.validators.push_back(proposer.public_key());
  genesis.params.min_fee = core::Amount::FromMicro(1);
  OrDie(core::WriteFileAtomic(dir + "/genesis-src.json", genesis.ToJson().dump()), "genesis");
  OrDie(core::WriteKeyFile(dir + "/key-src.json", proposer, "", core::SystemRandom::Instance()),
        "key file");
  std::string datadir = dir + "/node";
  {
    ChildProcess init({o.node, "init", "--datadir", datadir, "--genesis", dir + "/genesis-src.json",
                       "--validator-key", dir + "/key-src.json"},
                      dir + "/init.log");
    while (init.Running()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ChildProcess node(
      {o.node, "start", "--datadir", datadir, "--listen", "127.0.0.1:0", "--p2p-listen",
       "127.0.0.1:0", "--block-time-ms", std::to_string(o.block_time_ms), "--mempool-max-txs",
       std::to_string(std::max<size_t>(o.txs, 100'000)), "--verify-threads",
       std::to_string(o.verify_threads), "--log-level", "warn"},
      dir + "/node-stdout.log");
  nlohmann::json ready = WaitForReady(datadir + "/ready.json", node, 60'000);
  net::Url rpc = OrDie(net::Url::Parse(ready["rpc"].get<std::string>() + "/"), "rpc url");
  net::Url p2p =
      OrDie(net::Url::Parse("http://127.0.0.1:" + std::to_string(ready["p2p_port"].get<int>())),
            "p2p url");
  uint64_t start_height = ready["height"].get<uint64_t>();

  auto sign_start = Clock::now();
  std::vector<SignedTx> txs = SignAll(o, keys, genesis.chain_id, genesis.params.min_fee);
  std::cout << "signed " << txs.size() << " transfers from " << o.senders << " senders in "
            << Seconds(Clock::now() - sign_start) << " s" << std::endl;

  std::vector<Clock::time_point> submitted(txs.size());
  std::vector<Clock::time_point> committed_at(txs.size());
  net::EventLoop loop(1);
  loop.RunInBackground();
  net::HttpClient http(loop);
  Submitter submitter(http, rpc, txs, o, submitted);

  CommitWatch watch;
  std::thread watcher([&] {
    watch = WatchCommits(p2p, txs, committed_at, start_height, std::chrono::seconds(300));
  });
  double node_cpu_before = node.CpuSeconds();
  double bench_cpu_before = SelfCpuSeconds();
  auto first_submit = Clock::now();
  submitter.Start();
  submitter.Wait();
  auto submit_done = Clock::now();
  watcher.join();
  double node_cpu = node.CpuSeconds() - node_cpu_before;
  // The producer's own timings, from the node's metrics.
  net::ClientRequest metrics_request;
  metrics_request.url = rpc.WithTarget("/metrics");
  std::string metrics =
      OrDie(net::BlockingHttpClient().Send(std::move(metrics_request)), "fetching metrics").body;
  double build_ms = HistogramMeanMs(metrics, "aitbc_block_build_seconds");
  double commit_ms = HistogramMeanMs(metrics, "aitbc_block_commit_seconds");
  double bench_cpu = SelfCpuSeconds() - bench_cpu_before;
  loop.Stop();
  node.Stop();

  std::vector<double> latencies_ms;
  latencies_ms.reserve(txs.size());
  for (size_t k = 0; k < txs.size(); ++k) {
    if (committed_at[k] == Clock::time_point{}) continue;
    latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(committed_at[k] - submitted[k]).count());
  }
  double duration = Seconds(watch.last_commit - first_submit);
  double tx_per_s = duration > 0 ? static_cast<double>(watch.committed) / duration : 0;
  double p50 = Percentile(latencies_ms, 0.50);
  double p99 = Percentile(latencies_ms, 0.99);
  std::cout << "submitted " << txs.size() << " in " << Seconds(submit_done - first_submit) << " s ("
            << submitter.rejected() << " rejected); committed " << watch.committed << " in "
            << duration << " s over " << watch.blocks << " blocks (largest " << watch.max_block_txs
            << " txs)" << std::endl;
  std::cout << "CPU during the run: node " << node_cpu << " s ("
            << (watch.committed ? node_cpu * 1e6 / watch.committed : 0)
            << " us per tx), load generator " << bench_cpu << " s" << std::endl;
  std::cout << "per block (mean over all blocks): build " << build_ms << " ms, commit " << commit_ms
            << " ms" << std::endl;
  if (submitter.rejected() > 0)
    std::cout << "first rejection: " << submitter.first_error() << std::endl;
  if (!o.keep) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  } else {
    std::cout << "kept " << dir << std::endl;
  }
  nlohmann::json result = {
      {"bench", "chain"},
      {"txs", txs.size()},
      {"committed", watch.committed},
      {"rejected", submitter.rejected()},
      {"senders", o.senders},
      {"connections", o.connections},
      {"batch", o.batch},
      {"block_time_ms", o.block_time_ms},
      {"blocks", watch.blocks},
      {"max_block_txs", watch.max_block_txs},
      {"duration_s", duration},
      {"tx_per_s", tx_per_s},
      {"p50_ms", p50},
      {"p99_ms", p99},
      {"ed25519_verify_per_s", verify_per_s},
      {"node_cpu_s", node_cpu},
      {"node_cpu_us_per_tx", watch.committed ? node_cpu * 1e6 / watch.committed : 0},
      {"loadgen_cpu_s", bench_cpu},
      {"block_build_ms_mean", build_ms},
      {"block_commit_ms_mean", commit_ms},
      {"hardware_threads", std::thread::hardware_concurrency()}};
  std::cout << result.dump() << std::endl;
  return watch.committed == txs.size() ? 0 : 1;
}
