#include "miner/status_api.h"

#include "core/address.h"
#include "protocol/json_codec.h"

namespace aitbc::miner {

nlohmann::json StatusJson(MinerContext& context) {
  nlohmann::json running = nlohmann::json::array();
  for (const auto& job : context.runner->Running()) {
    running.push_back({{"job_id", job.job_id},
                       {"model", job.model},
                       {"started_at", core::FormatRfc3339(job.started_at_ms)},
                       {"started_at_ms", job.started_at_ms}});
  }
  nlohmann::json status = {
      {"miner_id", context.link->miner_id()},
      {"address", core::Address::FromPublicKey(context.key->public_key()).ToString()},
      {"public_key", context.key->public_key().ToHex()},
      {"version", kMinerVersion},
      {"backend", context.backend->name()},
      {"simulated", context.backend->simulated()},
      {"backend_healthy", context.models->healthy()},
      {"models", context.models->models()},
      {"slots", context.runner->slots()},
      {"free_slots", context.runner->free_slots()},
      {"running_jobs", std::move(running)},
      {"registered", context.link->registered()},
      {"coordinator", context.config.coordinator},
      {"outbox_pending", context.link->pending_reports()},
      {"price", protocol::PriceToJson(context.config.price)},
  };
  if (!context.models->healthy()) status["backend_error"] = context.models->last_error();
  if (std::optional<GpuInfo> gpu = context.gpu->Info()) {
    status["gpu"] = {{"name", gpu->name}, {"memory_mb", gpu->memory_mb}};
    if (auto bp = context.gpu->SampleUtilizationBp()) status["gpu"]["utilization"] = *bp / 10000.0;
  }
  return status;
}

void AddStatusRoutes(net::Router& router, MinerContext& context) {
  router.Add(net::Method::kGet, "/v1/status",
             [&context](net::Request&) { return net::Response::Json(200, StatusJson(context)); });
  net::AddObservabilityRoutes(
      router, *context.registry, [&context]() -> core::Result<nlohmann::json> {
        return nlohmann::json{{"status", "ok"},
                              {"backend", context.backend->name()},
                              {"backend_healthy", context.models->healthy()},
                              {"registered", context.link->registered()}};
      });
}

}  // namespace aitbc::miner
