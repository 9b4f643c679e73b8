#include <unistd.h>

#include <iostream>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/context.h"
#include "cli/terminal.h"

namespace aitbc::cli {

int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
           Environment env) {
  CliContext ctx(out, err, std::move(env));
  ctx.tty = &err == &std::cerr && IsTerminal(STDERR_FILENO);

  CLI::App app{
      "aitbc: submit AI inference jobs, check receipts, manage wallets, query the chain, and run "
      "a local devnet.\n\nConfiguration: flags > environment (AITBC_URL, CLIENT_API_KEY, "
      "ADMIN_API_KEY, AITBC_NODE_URL, AITBC_WALLET_DIR) > ~/.aitbc/config.toml > defaults.\n"
      "Exit codes: 0 ok, 1 usage or local error, 2 rejected by the coordinator or node, "
      "3 unreachable, 4 job failed, 5 receipt verification failed.",
      "aitbc"};
  app.require_subcommand(1);
  app.fallthrough(true);
  app.set_version_flag("--version", "aitbc 0.1.0");
  auto add_setting = [&app](const char* name, std::optional<std::string>& target,
                            const char* help) {
    app.add_option_function<std::string>(
        name, [&target](const std::string& value) { target = value; }, help);
  };
  add_setting("--url", ctx.flags.url, "Coordinator URL (AITBC_URL, http://127.0.0.1:8000)");
  add_setting("--api-key", ctx.flags.api_key, "Client API key (CLIENT_API_KEY)");
  add_setting("--admin-key", ctx.flags.admin_key, "Admin API key (ADMIN_API_KEY)");
  add_setting("--node", ctx.flags.node_url, "Node RPC URL (AITBC_NODE_URL, http://127.0.0.1:8006)");
  add_setting("--wallet-dir", ctx.flags.wallet_dir, "Wallet directory (~/.aitbc/wallets)");
  add_setting("--config", ctx.flags.config_file, "Config file (~/.aitbc/config.toml)");
  app.add_flag("-q,--quiet", ctx.quiet, "No progress or retry lines");

  AddJobCommands(app, ctx);
  AddWalletCommands(app, ctx);
  AddNodeCommands(app, ctx);
  AddMinerCommands(app, ctx);
  AddDevnetCommands(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);
    return code == 0 ? kExitOk : kExitUsage;
  }
  return ctx.exit_code;
}

}  // namespace aitbc::cli
