// A real system for the coordinator's end-to-end tests: an aitbc-node process (fast blocks, a
// genesis funding the test accounts), an aitbc-coordinator process (keys made with its own
// `keys create`), in-process simulated miners speaking the real HTTP protocol, and helpers for
// HTTP calls and chain checks.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "coordinator/sim_miner.h"
#include "net/chain_client.h"
#include "net/event_loop.h"
#include "net/http_client.h"
#include "process.h"

namespace aitbc::coordinator::testing {

struct KeyInfo {
  std::string api_key;
  std::string id;
  std::string address;   // clients: the custodial account
  std::string miner_id;  // miners
};

struct ClusterOptions {
  int clients = 2;       // funded with client_funds each
  int poor_clients = 1;  // funded with poor_funds each
  int miners = 8;        // miner keys
  std::string client_funds = "100aitbc";
  std::string poor_funds = "0.5aitbc";
  std::string min_fee = "0.001aitbc";
  std::string coordinator_funds = "10aitbc";  // pays the settle and refund fees and rebates
  std::vector<std::string> extra_funds;       // more genesis accounts: "ADDRESS=AMOUNT"
  std::vector<std::string> coordinator_flags = {"--allow-sim-miners",
                                                "--queue-timeout-ms",
                                                "4000",
                                                "--start-timeout-ms",
                                                "1500",
                                                "--heartbeat-interval-ms",
                                                "300",
                                                "--max-attempts",
                                                "3",
                                                "--restart-grace-ms",
                                                "1500",
                                                "--rate-limit-per-s",
                                                "0"};
  std::string db;  // empty: SQLite in the data directory
};

struct HttpResult {
  int status = 0;
  nlohmann::json body;
  net::Response response;
};

class Cluster {
 public:
  static core::Result<std::unique_ptr<Cluster>> Start(ClusterOptions options = {});
  ~Cluster();

  // The coordinator process (restartable).
  core::Status StartCoordinator(std::vector<std::string> extra_flags = {});
  void KillCoordinator();  // SIGKILL
  int StopCoordinator();   // SIGTERM; the exit status

  HttpResult Call(net::Method method, const std::string& target, const std::string& api_key,
                  const nlohmann::json& body = nullptr, net::Headers headers = {},
                  const std::string& key_header = "X-Api-Key");
  HttpResult Raw(net::ClientRequest request);
  HttpResult Submit(const KeyInfo& client, const std::string& model,
                    const std::string& max_price = "1aitbc", net::Headers headers = {});
  // Long-polls until the job is terminal and its settlement (or refund) committed.
  nlohmann::json WaitSettled(const KeyInfo& client, const std::string& job_id,
                             int64_t timeout_ms = 30'000);

  // An in-process miner using miner key `index`, serving `models`.
  SimMiner& AddMiner(size_t index, std::vector<std::string> models,
                     SimMinerOptions::Mode mode = SimMinerOptions::Mode::kComplete,
                     uint64_t price_per_second_micro = 20'000, int64_t work_ms = 0);
  void RemoveMiners();
  core::PrivateKey MinerSigningKey(size_t index) const;

  net::BlockingChainClient& chain() { return *chain_; }
  const std::string& dir() const { return dir_.path(); }
  core::Amount Balance(const std::string& address);
  std::string Describe();  // log tails for failure messages

  std::string coordinator_url;
  std::string node_url;
  std::string coordinator_address;
  std::string coordinator_dir;
  std::string node_dir;
  KeyInfo admin;
  std::vector<KeyInfo> clients;  // funded
  std::vector<KeyInfo> poor;     // funded with little
  std::vector<KeyInfo> miners;   // miner keys (not yet registered)
  KeyInfo revoked;               // a client key revoked before start
  core::Amount genesis_supply;
  ClusterOptions options;

 private:
  Cluster() = default;
  aitbc::testing::TempDir dir_;
  std::optional<aitbc::testing::Process> node_;
  std::optional<aitbc::testing::Process> coordinator_;
  uint16_t coordinator_port_ = 0;
  std::unique_ptr<net::BlockingChainClient> chain_;
  std::unique_ptr<net::BlockingHttpClient> http_;
  std::unique_ptr<net::EventLoop> miner_loop_;
  std::vector<std::unique_ptr<SimMiner>> sim_miners_;
};

}  // namespace aitbc::coordinator::testing
