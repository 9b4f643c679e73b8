// The one-command local network (`aitbc devnet up|down|status|env`): a node with a funded
// genesis, a coordinator, N miners and a client key, each in its own data directory under D.
//
// Layout (docs: README.md, "Devnet"):
//   D/devnet.json      every service's URL, pid, data directory and log; the client, admin and
//                      miner API keys; the funded account addresses (for scripts)
//   D/node/            aitbc-node data directory   (node.log, stdout.log)
//   D/coordinator/     aitbc-coordinator           (coordinator.log, stdout.log)
//   D/miner-1..N/      aitbc-miner                 (miner.log, stdout.log)
//   D/client/          wallets: faucet.json, an unencrypted wallet funded in the genesis
//
// Every key in a devnet is stored unencrypted (devnets only; the tools say so).
//
// InitDevnet creates the data directories and keys and the genesis (offline, by running the
// tools' init commands); ServiceArgv gives the command line that starts one service; Up/Down/
// Status drive the whole network with detached daemons. The e2e tests use InitDevnet and
// ServiceArgv with their own process management, so the devnet and the tests run the same
// configuration.
// Contract: not thread-safe; errors are values naming the step that failed and quoting the
// tool's output.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/amount.h"
#include "core/result.h"

namespace aitbc::cli {

struct DevnetOptions {
  std::string dir = ".devnet";
  int miners = 1;
  std::string backend;  // "ollama", "sim", or empty: ollama when one answers, else sim
  std::string ollama_url = "http://127.0.0.1:11434";
  int base_port = 8000;  // coordinator B, miner-1 B+5, node B+6 (p2p B+7), miner-k B+8+(k-2)
  std::string bin_dir;   // where aitbc-node etc. are; default: next to aitbc, then PATH
  int64_t block_time_ms = 200;
  core::Amount client_funds = core::Amount::FromMicro(1'000 * 1'000'000);
  core::Amount faucet_funds = core::Amount::FromMicro(1'000 * 1'000'000);
  core::Amount coordinator_funds = core::Amount::FromMicro(10 * 1'000'000);
  core::Amount miner_stake = core::Amount::FromMicro(100 * 1'000'000);
  core::Amount miner_funds = core::Amount::FromMicro(10 * 1'000'000);
  // Extra flags for each service's `start` (e.g. "--queue-timeout-ms=2000").
  std::vector<std::string> node_args;
  std::vector<std::string> coordinator_args;
  std::vector<std::string> miner_args;
  int64_t ready_timeout_ms = 60'000;
};

struct ServiceInfo {
  std::string name;     // "node", "coordinator", "miner-1", ...
  std::string program;  // "aitbc-node", ...
  std::string datadir;
  std::string log;  // the daemon's own log file
  std::string stdout_log;
  uint16_t port = 0;      // the port asked for (0: any)
  uint16_t p2p_port = 0;  // node only
  std::string url;        // once ready
  std::string address;    // its chain address
  pid_t pid = 0;
  std::string api_key;   // miners: their X-Miner-Key
  std::string miner_id;  // miners
};

struct DevnetState {
  std::string dir;  // absolute
  std::string backend;
  std::string chain_id;
  std::string ollama_url;
  std::string bin_dir;
  std::string client_api_key;
  std::string client_address;  // the custodial account that pays for the client's jobs
  std::string admin_api_key;
  std::string faucet_address;
  std::string faucet_wallet;  // path of its key file
  core::Amount genesis_supply;
  std::vector<std::string> node_args, coordinator_args, miner_args;
  ServiceInfo node;
  ServiceInfo coordinator;
  std::vector<ServiceInfo> miners;

  nlohmann::json ToJson() const;
  static core::Result<DevnetState> FromJson(const nlohmann::json& json);
  std::string Path() const { return dir + "/devnet.json"; }
  core::Status Save() const;
  static core::Result<DevnetState> Load(const std::string& dir);
  // node, coordinator, miners in start order.
  std::vector<ServiceInfo*> Services();
};

// True when an Ollama server answers GET <url>/api/tags within a second.
bool OllamaAnswers(const std::string& url);

// Creates D and every data directory, key, API key and the genesis. The backend must already be
// decided ("ollama" or "sim"). kAlreadyExists when D already holds a devnet.
core::Result<DevnetState> InitDevnet(const DevnetOptions& options);

// The command line that starts a service (its `start` with the devnet's flags). `port` 0 lets
// the service choose; the coordinator needs the node's URL and the miners the coordinator's.
std::vector<std::string> ServiceArgv(const DevnetState& state, const ServiceInfo& service);

// Environment variables a service starts with (the miners' API key, empty passphrases).
std::map<std::string, std::string> ServiceEnv(const ServiceInfo& service);

// Reads a service's ready.json into service.url (and the node's p2p port).
core::Status ApplyReady(ServiceInfo& service, const nlohmann::json& ready);

// `devnet up`: InitDevnet when D has no devnet yet, then starts every service that is not
// running (so `up` after `down` restarts the same network), waits until all are ready and the
// coordinator lists every miner, and writes D/devnet.json. Progress lines go to `log`.
core::Result<DevnetState> DevnetUp(const DevnetOptions& options, std::ostream& log);
// `devnet down`: SIGTERM to every service (miners first), SIGKILL after timeout_ms. Returns one
// line per service.
core::Result<std::vector<std::string>> DevnetDown(const std::string& dir, bool purge,
                                                  int64_t timeout_ms = 10'000);

struct ServiceStatus {
  std::string name;
  std::string url;
  pid_t pid = 0;
  bool running = false;
  bool healthy = false;
  std::string detail;  // the health answer or error
};
core::Result<std::vector<ServiceStatus>> DevnetStatus(const DevnetState& state);

// Shell lines that export the devnet's settings without overriding variables already set:
//   export AITBC_URL="${AITBC_URL:-http://127.0.0.1:8000}"
std::string DevnetEnvLines(const DevnetState& state);

}  // namespace aitbc::cli
