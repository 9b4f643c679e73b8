// aitbc devnet up | down | status | env
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/context.h"
#include "cli/devnet.h"

namespace aitbc::cli {

namespace {

std::string DefaultDevnetDir(const CliContext& ctx) {
  auto it = ctx.env.find("AITBC_DEVNET_DIR");
  return it != ctx.env.end() && !it->second.empty() ? it->second : ".devnet";
}

void PrintUp(CliContext& ctx, const DevnetState& s) {
  std::vector<std::vector<std::string>> rows;
  for (const ServiceInfo* svc : const_cast<DevnetState&>(s).Services()) {
    std::string url = svc->url;
    if (svc->name == "node") url += " (p2p " + std::to_string(svc->p2p_port) + ")";
    rows.push_back({svc->name, url, std::to_string(svc->pid), svc->log});
  }
  ctx.out << "\nThe devnet is up (" << s.dir << ", backend " << s.backend << ", chain "
          << s.chain_id << ").\n\n"
          << FormatTable({"SERVICE", "URL", "PID", "LOG"}, rows) << "\nAccounts (genesis):\n";
  std::vector<std::vector<std::string>> accounts = {
      {"client", s.client_address, "pays for jobs submitted with the client API key"},
      {"faucet", s.faucet_address, "local wallet " + s.faucet_wallet},
      {"coordinator", s.coordinator.address, "signs settlements"}};
  for (const auto& m : s.miners) accounts.push_back({m.name, m.address, "staked miner"});
  ctx.out << FormatTable({"ACCOUNT", "ADDRESS", "ROLE"}, accounts) << "\n"
          << "Keys (also in " << s.Path() << "):\n"
          << "  CLIENT_API_KEY=" << s.client_api_key << "\n"
          << "  ADMIN_API_KEY=" << s.admin_api_key << "\n\n"
          << "Use it:\n"
          << "  eval \"$(aitbc devnet env --dir " << s.dir << ")\"\n"
          << "  aitbc submit inference --prompt \"What is machine learning?\" --model "
             "llama3.2:latest --wait\n"
          << "  aitbc receipt <job id> --verify\n"
          << "  aitbc wallet balance --name faucet\n"
          << "  aitbc node status\n"
          << "  aitbc devnet status --dir " << s.dir << "\n"
          << "Stop it with: aitbc devnet down --dir " << s.dir << "\n";
}

int RunUp(CliContext& ctx, DevnetOptions options) {
  if (options.dir.empty()) options.dir = DefaultDevnetDir(ctx);
  if (!options.backend.empty() && options.backend != "ollama" && options.backend != "sim") {
    return ctx.FailLocal("--backend must be ollama or sim");
  }
  auto state = DevnetUp(options, ctx.json ? ctx.err : ctx.out);
  if (!state.ok()) {
    ctx.err << "error: the devnet did not start: " << state.error().message() << "\n"
            << "Stop what did start with: aitbc devnet down --dir " << options.dir << std::endl;
    return kExitUnreachable;
  }
  if (ctx.json) {
    ctx.out << state->ToJson().dump(2) << std::endl;
  } else {
    PrintUp(ctx, *state);
  }
  return kExitOk;
}

int RunDown(CliContext& ctx, std::string dir, bool purge) {
  if (dir.empty()) dir = DefaultDevnetDir(ctx);
  auto lines = DevnetDown(dir, purge);
  if (!lines.ok()) return ctx.FailLocal(lines.error().message());
  for (const auto& line : *lines) ctx.out << line << "\n";
  return kExitOk;
}

int RunStatus(CliContext& ctx, std::string dir) {
  if (dir.empty()) dir = DefaultDevnetDir(ctx);
  auto state = DevnetState::Load(dir);
  if (!state.ok()) return ctx.FailLocal(state.error().message());
  auto statuses = DevnetStatus(*state);
  if (!statuses.ok()) return ctx.FailLocal(statuses.error().message());
  bool all = true;
  nlohmann::json json = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& st : *statuses) {
    all = all && st.healthy;
    rows.push_back({st.name, st.url, std::to_string(st.pid),
                    st.healthy ? "healthy" : (st.running ? "unhealthy" : "stopped"), st.detail});
    json.push_back({{"name", st.name},
                    {"url", st.url},
                    {"pid", static_cast<int64_t>(st.pid)},
                    {"running", st.running},
                    {"healthy", st.healthy},
                    {"detail", st.detail}});
  }
  if (ctx.json) {
    ctx.out << nlohmann::json{{"dir", state->dir}, {"healthy", all}, {"services", json}}.dump(2)
            << std::endl;
  } else {
    ctx.out << "Devnet in " << state->dir << " (backend " << state->backend << ")\n"
            << FormatTable({"SERVICE", "URL", "PID", "STATE", "DETAIL"}, rows);
  }
  return all ? kExitOk : kExitUnreachable;
}

int RunEnv(CliContext& ctx, std::string dir) {
  if (dir.empty()) dir = DefaultDevnetDir(ctx);
  auto state = DevnetState::Load(dir);
  if (!state.ok()) return ctx.FailLocal(state.error().message());
  ctx.out << DevnetEnvLines(*state);
  return kExitOk;
}

}  // namespace

void AddDevnetCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* devnet = app.add_subcommand("devnet", "A local network: node, coordinator, miners");
  devnet->require_subcommand(1);

  auto opts = std::make_shared<DevnetOptions>();
  opts->dir.clear();
  CLI::App* up = devnet->add_subcommand("up", "Create (or restart) and start a local devnet");
  up->add_option("--dir", opts->dir, "Its directory (AITBC_DEVNET_DIR, .devnet)");
  up->add_option("--miners", opts->miners, "How many miners (1)")->check(CLI::Range(0, 32));
  up->add_option("--backend", opts->backend,
                 "ollama or sim (default: ollama when one answers, else sim)");
  up->add_option("--ollama-url", opts->ollama_url, "Ollama's URL (http://127.0.0.1:11434)");
  up->add_option("--base-port", opts->base_port,
                 "Ports from here: coordinator +0, miner +5, node +6/+7 (8000; 0: any free ports)");
  up->add_option("--bin-dir", opts->bin_dir, "Where aitbc-node, -coordinator, -miner are");
  up->add_option("--block-time-ms", opts->block_time_ms, "The node's block time (200)");
  up->add_option("--node-arg", opts->node_args, "An extra flag for aitbc-node start")
      ->allow_extra_args(false);
  up->add_option("--coordinator-arg", opts->coordinator_args,
                 "An extra flag for aitbc-coordinator start (e.g. --coordinator-arg="
                 "--queue-timeout-ms=5000)")
      ->allow_extra_args(false);
  up->add_option("--miner-arg", opts->miner_args, "An extra flag for aitbc-miner start")
      ->allow_extra_args(false);
  up->add_flag("--json", ctx.json, "Print devnet.json instead of the summary");
  up->callback([&ctx, opts] { ctx.exit_code = RunUp(ctx, *opts); });

  auto dir = std::make_shared<std::string>();
  auto purge = std::make_shared<bool>(false);
  CLI::App* down = devnet->add_subcommand("down", "Stop the devnet (its data stays)");
  down->add_option("--dir", *dir, "Its directory (AITBC_DEVNET_DIR, .devnet)");
  down->add_flag("--purge", *purge, "Also delete its directory");
  down->callback([&ctx, dir, purge] { ctx.exit_code = RunDown(ctx, *dir, *purge); });

  CLI::App* status = devnet->add_subcommand("status", "Show the devnet's services");
  status->add_option("--dir", *dir, "Its directory (AITBC_DEVNET_DIR, .devnet)");
  status->add_flag("--json", ctx.json, "Machine-readable output");
  status->callback([&ctx, dir] { ctx.exit_code = RunStatus(ctx, *dir); });

  CLI::App* env = devnet->add_subcommand(
      "env", "Print shell exports for the devnet: eval \"$(aitbc devnet env)\"");
  env->add_option("--dir", *dir, "Its directory (AITBC_DEVNET_DIR, .devnet)");
  env->callback([&ctx, dir] { ctx.exit_code = RunEnv(ctx, *dir); });
}

}  // namespace aitbc::cli
