// GET /v1/status, GET /metrics and GET /healthz of the miner (docs/api.md, "Miner API").
//
// /v1/status: {"miner_id","address","public_key","version","backend","simulated",
//   "backend_healthy","backend_error"?,"models":[...],"slots","free_slots",
//   "running_jobs":[{"job_id","model","started_at","started_at_ms"}],"registered",
//   "coordinator","outbox_pending","price":{"per_second","per_1k_tokens"},
//   "gpu":{"name","memory_mb","utilization"?} (absent without a GPU)}
// /healthz: 200 {"status":"ok","backend_healthy","registered"} while the process serves.
// Contract: read-only views of the context; thread-safe. No authentication: nothing secret.
#pragma once

#include <nlohmann/json.hpp>

#include "miner/context.h"
#include "net/router.h"

namespace aitbc::miner {

nlohmann::json StatusJson(MinerContext& context);
void AddStatusRoutes(net::Router& router, MinerContext& context);

}  // namespace aitbc::miner
