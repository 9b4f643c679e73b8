// The coordinator's REST API (docs/api.md): routes for jobs, miners, receipts and service
// information, on top of JobService and Auth.
//
// Contract: handlers are asynchronous and answer exactly once; every error is our JSON error
// body with the status of its core::ErrorCode. The context must outlive the router.
#pragma once

#include <string>

#include "coordinator/auth.h"
#include "coordinator/config.h"
#include "coordinator/job_service.h"
#include "core/address.h"
#include "net/router.h"

namespace aitbc::coordinator {

struct ApiContext {
  JobService* jobs = nullptr;
  Auth* auth = nullptr;
  const Config* config = nullptr;
  core::Address coordinator_address;
  std::string chain_id;
  std::string version;
};

void AddJobRoutes(net::Router& router, ApiContext& api);
void AddMinerRoutes(net::Router& router, ApiContext& api);
// GET /v1/info and GET /v1/receipts/{id}.
void AddInfoRoutes(net::Router& router, ApiContext& api);

inline constexpr size_t kMaxIdempotencyKeyBytes = 128;
inline constexpr int64_t kMaxWaitSeconds = 60;
inline constexpr size_t kMaxPageSize = 100;

}  // namespace aitbc::coordinator
