// A whole AITBC network on loopback for end-to-end tests: the real aitbc-node,
// aitbc-coordinator and aitbc-miner executables in a temporary directory, initialised exactly as
// `aitbc devnet up` does (cli::InitDevnet, cli::ServiceArgv) but started as child processes
// (tests/support/process.h), so a test can kill -9 and restart any of them and a failing test
// never leaks daemons. Ports are chosen by the services (port 0) and read from their ready
// files; a restarted service gets its previous port back, so URLs stay valid.
//
// The `aitbc` command is run as a real process too (Aitbc()), with the cluster's URLs and keys
// in its environment. Not thread-safe: one test thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/devnet.h"
#include "client/coordinator_client.h"
#include "core/result.h"
#include "net/chain_client.h"
#include "process.h"

namespace aitbc::e2e {

struct ClusterOptions {
  int miners = 1;
  std::string backend = "sim";  // or "ollama" (with ollama_url)
  std::string ollama_url;
  int64_t block_time_ms = 100;
  std::vector<std::string> node_args;
  std::vector<std::string> coordinator_args;
  std::vector<std::string> miner_args;
};

class Cluster {
 public:
  // Initialises and starts the node, the coordinator and every miner, and waits until the
  // coordinator lists the miners.
  static core::Result<std::unique_ptr<Cluster>> Start(ClusterOptions options);
  Cluster() = default;  // empty: use Start()
  ~Cluster();

  const cli::DevnetState& state() const { return state_; }
  std::string dir() const { return state_.dir; }

  core::Status StartNode();
  // The node's extra command-line arguments (after --block-time-ms from ClusterOptions), from
  // its next start on: e.g. another block time after a restart.
  core::Status SetNodeArgs(std::vector<std::string> args);
  core::Status StartCoordinator();
  core::Status StartMiner(size_t index);
  // SIGKILL (a crash) or SIGTERM (a clean stop), waiting for the exit.
  void KillNode(int sig = 9);
  void KillCoordinator(int sig = 9);
  void KillMiner(size_t index, int sig = 9);
  bool MinerRunning(size_t index);
  // Waits until the coordinator lists `count` miners.
  core::Status WaitForMiners(size_t count, int64_t timeout_ms = 60'000);

  // A client-library client with the client's (or the admin's) key.
  std::unique_ptr<client::CoordinatorClient> Client(bool admin = false) const;
  net::BlockingChainClient& Node() { return *node_client_; }

  // Runs `aitbc args...` with AITBC_URL, CLIENT_API_KEY, ADMIN_API_KEY, AITBC_NODE_URL and a
  // wallet directory set for this cluster (plus extra_env).
  testing::CommandResult Aitbc(std::vector<std::string> args,
                               std::map<std::string, std::string> extra_env = {},
                               int64_t timeout_ms = 120'000) const;

  // The balance of an address (0 for an unknown account).
  core::Amount Balance(const std::string& address);
  // Waits until the chain has a block after the current height (so that what the mempool held
  // is committed).
  core::Status WaitForNextBlock(int64_t timeout_ms = 10'000);
  // The failure message context: the tails of every service's log.
  std::string Logs() const;

 private:
  core::Status StartService(cli::ServiceInfo& service, std::optional<testing::Process>& process);

  testing::TempDir tmp_;
  cli::DevnetState state_;
  std::optional<testing::Process> node_;
  std::optional<testing::Process> coordinator_;
  std::vector<std::optional<testing::Process>> miners_;
  std::unique_ptr<net::BlockingChainClient> node_client_;
};

// Waits until the job is terminal and, when it completed, until its settlement is committed.
core::Result<client::JobView> WaitForSettledJob(client::CoordinatorClient& coordinator,
                                                const std::string& job_id,
                                                int64_t timeout_ms = 60'000);

}  // namespace aitbc::e2e
