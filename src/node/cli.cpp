#include "node/cli.h"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/log.h"
#include "core/random.h"
#include "node/init.h"
#include "node/node.h"

namespace aitbc::node {
namespace {

int Fail(const core::Error& error) {
  std::cerr << "aitbc-node: " << error.ToString() << "\n";
  return 1;
}

std::string Passphrase() {
  const char* value = std::getenv("AITBC_NODE_PASSPHRASE");
  return value != nullptr ? value : "";
}

void AddInit(CLI::App& app, InitOptions& options) {
  app.add_option("--datadir", options.datadir, "Data directory to create")->required();
  app.add_option("--genesis", options.genesis_file, "Use this genesis file instead of a new one");
  app.add_option("--chain-id", options.chain_id, "Chain id of a new devnet genesis");
  app.add_option("--fund", options.fund, "ADDRESS=AMOUNT to fund in a new genesis (repeatable)");
  app.add_option("--stake", options.stake, "ADDRESS=AMOUNT to stake in a new genesis (repeatable)");
  app.add_option("--min-fee", options.min_fee, "Minimum fee per transaction (e.g. 0.0001aitbc)");
  app.add_option("--unbonding-delay", options.unbonding_delay, "Unbonding delay in blocks");
  app.add_option("--validator-key", options.validator_key_file,
                 "Use this key file as the node's key instead of a new key");
}

// Flags of `start`; each overrides the TOML file when given.
struct StartFlags {
  std::string config_file;
  NodeConfig values;
};

void AddStart(CLI::App& app, StartFlags& flags) {
  NodeConfig& c = flags.values;
  // A flag given twice: the last one wins (scripts append overrides).
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--datadir", c.datadir, "Data directory (made by init)")->required();
  app.add_option("--config", flags.config_file, "TOML configuration file (flags override it)");
  app.add_option("--listen", c.listen, "JSON-RPC HOST:PORT (port 0: any free port)");
  app.add_option("--p2p-listen", c.p2p_listen, "p2p HOST:PORT");
  app.add_option("--peer", c.peers, "A peer's p2p HOST:PORT to sync from (repeatable)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--log-file", c.log_file, "Log file (default <datadir>/node.log)");
  app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error");
  app.add_option("--moniker", c.moniker, "A name for this node in status");
  app.add_option("--block-time-ms", c.block_time_ms, "Block interval while transactions wait");
  app.add_option("--idle-block-time-ms", c.idle_block_time_ms, "Empty block interval");
  app.add_option("--mempool-max-txs", c.mempool_max_txs, "Mempool limit in transactions");
  app.add_option("--mempool-max-bytes", c.mempool_max_bytes, "Mempool limit in bytes");
  app.add_option("--rpc-threads", c.rpc_threads, "HTTP threads");
  app.add_option("--verify-threads", c.verify_threads, "Signature verification threads");
  app.add_option("--commit-timeout-ms", c.commit_timeout_ms, "broadcast_tx_commit timeout");
  app.add_option("--verify-state-on-start", c.verify_state_on_start,
                 "Recompute the state commitment at start-up (true/false)");
  app.add_option("--fsync", c.fsync, "fsync every block (true/false)");
}

// The file's values, then every flag that was given on the command line.
core::Result<NodeConfig> ResolveConfig(const CLI::App& app, const StartFlags& flags) {
  NodeConfig config;
  if (!flags.config_file.empty()) AITBC_TRY(LoadConfigFile(flags.config_file, config));
  const NodeConfig& f = flags.values;
  auto given = [&app](const char* name) { return app.count(name) > 0; };
  config.datadir = f.datadir;
  if (given("--listen")) config.listen = f.listen;
  if (given("--p2p-listen")) config.p2p_listen = f.p2p_listen;
  if (given("--peer")) config.peers = f.peers;
  if (given("--log-file")) config.log_file = f.log_file;
  if (given("--log-level")) config.log_level = f.log_level;
  if (given("--moniker")) config.moniker = f.moniker;
  if (given("--block-time-ms")) config.block_time_ms = f.block_time_ms;
  if (given("--idle-block-time-ms")) config.idle_block_time_ms = f.idle_block_time_ms;
  if (given("--mempool-max-txs")) config.mempool_max_txs = f.mempool_max_txs;
  if (given("--mempool-max-bytes")) config.mempool_max_bytes = f.mempool_max_bytes;
  if (given("--rpc-threads")) config.rpc_threads = f.rpc_threads;
  if (given("--verify-threads")) config.verify_threads = f.verify_threads;
  if (given("--commit-timeout-ms")) config.commit_timeout_ms = f.commit_timeout_ms;
  if (given("--verify-state-on-start")) config.verify_state_on_start = f.verify_state_on_start;
  if (given("--fsync")) config.fsync = f.fsync;
  return config;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"aitbc-node: the AITBC blockchain node"};
  app.require_subcommand(1);

  InitOptions init;
  CLI::App* init_cmd = app.add_subcommand("init", "Create a data directory: key and genesis");
  AddInit(*init_cmd, init);

  StartFlags start;
  CLI::App* start_cmd = app.add_subcommand("start", "Run the node");
  AddStart(*start_cmd, start);

  std::string check_datadir;
  CLI::App* check_cmd =
      app.add_subcommand("check", "Recompute the state commitment from storage and compare");
  check_cmd->add_option("--datadir", check_datadir, "Data directory")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (init_cmd->parsed()) {
    core::LogOptions log;
    log.component = "node";
    (void)core::InitLogging(log);  // stderr
    init.passphrase = Passphrase();
    auto result = InitDatadir(init, core::SystemRandom::Instance(), core::SystemClock::Instance());
    if (!result.ok()) return Fail(result.error());
    std::cout << nlohmann::json{{"datadir", init.datadir},
                                {"address", result->address},
                                {"public_key", result->public_key},
                                {"chain_id", result->genesis.chain_id},
                                {"genesis_hash", result->genesis.Hash().ToHex()}}
                     .dump()
              << "\n";
    return 0;
  }
  if (start_cmd->parsed()) {
    auto config = ResolveConfig(*start_cmd, start);
    if (!config.ok()) return Fail(config.error());
    auto status = RunNode(*config);
    if (!status.ok()) return Fail(status.error());
    return 0;
  }
  auto check = CheckDatadir(check_datadir);
  if (!check.ok()) return Fail(check.error());
  std::cout << check->dump() << "\n";
  return 0;
}

}  // namespace aitbc::node
