// aitbc miner list (admin)
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace aitbc::cli {

namespace {

int RunMinerList(CliContext& ctx) {
  auto coordinator = ctx.Coordinator(/*admin=*/true);
  if (!coordinator.ok()) return ctx.FailLocal(coordinator.error().message());
  auto miners = (*coordinator)->ListMiners();
  if (!miners.ok()) return ctx.FailCoordinator(miners.error(), **coordinator, "request");
  if (ctx.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : *miners) out.push_back(m.raw);
    ctx.out << out.dump(2) << std::endl;
    return kExitOk;
  }
  if (miners->empty()) {
    ctx.out << "No miners registered.\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : *miners) {
    std::string models;
    for (const auto& model : m.models) models += (models.empty() ? "" : ",") + model;
    rows.push_back({m.miner_id, m.status.empty() ? "-" : m.status, m.address,
                    std::to_string(m.free_slots) + "/" + std::to_string(m.slots),
                    m.price ? m.price->per_second.ToString() + "/s" : "-",
                    m.stake ? m.stake->ToString() : "-", models.empty() ? "-" : models});
  }
  ctx.out << FormatTable({"MINER", "STATUS", "ADDRESS", "FREE", "PRICE", "STAKE", "MODELS"}, rows);
  return kExitOk;
}

}  // namespace

void AddMinerCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* miner = app.add_subcommand("miner", "Miners known to the coordinator (admin)");
  miner->require_subcommand(1);
  CLI::App* list = miner->add_subcommand("list", "List the registered miners (admin key)");
  list->add_flag("--json", ctx.json, "Machine-readable output");
  list->callback([&ctx] { ctx.exit_code = RunMinerList(ctx); });
}

}  // namespace aitbc::cli
