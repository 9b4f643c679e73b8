// The `aitbc` command's shared state: global flags, resolved settings, output streams, and
// helpers that every command group uses (clients with retry notices, error reporting).
//
// Contract: one CliContext per process run, used from one thread. Commands report failures
// through Fail*(), which print "error: <sentence>" on err and return the exit code
// (cli/output.h).
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "cli/config.h"
#include "cli/output.h"
#include "client/coordinator_client.h"
#include "client/node_calls.h"
#include "core/random.h"
#include "net/chain_client.h"
#include "net/retry.h"

namespace CLI {
class App;
}

namespace aitbc::cli {

struct CliContext {
  CliContext(std::ostream& out_stream, std::ostream& err_stream, Environment environment)
      : out(out_stream), err(err_stream), env(std::move(environment)) {}

  std::ostream& out;
  std::ostream& err;
  Environment env;
  SettingFlags flags;
  bool json = false;
  bool quiet = false;  // no retry notices or progress lines
  bool tty = false;    // err is a terminal: progress lines are rewritten in place
  int exit_code = kExitOk;
  core::Random& random = core::SystemRandom::Instance();

  // The settings (flags > env > file > defaults); resolved once.
  core::Result<Settings> GetSettings();

  // A coordinator client with the client key (or the admin key when admin), printing retry
  // notices on err unless quiet.
  core::Result<std::unique_ptr<client::CoordinatorClient>> Coordinator(bool admin = false);
  // The node's RPC at settings.node_url.
  core::Result<std::unique_ptr<net::BlockingChainClient>> Node();
  // Runs a node call with the retry policy (every node call the CLI makes is idempotent:
  // queries, and broadcasts of signed transactions, which the node accepts again), printing
  // retry notices. `attempts` receives the number of attempts made.
  template <typename T>
  core::Result<T> NodeCall(const std::function<core::Result<T>()>& call, int* attempts);

  // Prints "error: <sentence>" and returns the exit code.
  int Fail(const core::Error& error, const client::CallInfo& call, const CallContext& context);
  // For a coordinator call made with `client`.
  int FailCoordinator(const core::Error& error, const client::CoordinatorClient& client,
                      std::string action);
  // For a node call (attempts as NodeCall reported).
  int FailNode(const core::Error& error, int attempts, std::string action);
  // A local error: prints it and returns kExitUsage.
  int FailLocal(const std::string& message);

  void PrintRetryNotice(int attempt, int max_attempts, const core::Error& error, int64_t delay_ms);
  // The retry policy for node calls, printing retry notices.
  client::NodeRetry NodeRetry();

 private:
  std::optional<Settings> settings_;
};

template <typename T>
core::Result<T> CliContext::NodeCall(const std::function<core::Result<T>()>& call, int* attempts) {
  return client::CallNode<T>(NodeRetry(), call, attempts);
}

// Command groups (one file each) add their subcommands to the app.
void AddJobCommands(CLI::App& app, CliContext& ctx);
void AddWalletCommands(CLI::App& app, CliContext& ctx);
void AddNodeCommands(CLI::App& app, CliContext& ctx);
void AddMinerCommands(CLI::App& app, CliContext& ctx);
void AddDevnetCommands(CLI::App& app, CliContext& ctx);

// The whole command: parses argv, runs the command, returns the exit code.
int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
           Environment env);

}  // namespace aitbc::cli
