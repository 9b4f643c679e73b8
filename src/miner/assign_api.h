// POST /v1/jobs/assign: the coordinator pushes a job (docs/api.md, "Miner API").
//
//   X-Api-Key: <push key>   the key the coordinator issued at registration; anything else: 401
//   body: protocol::AssignRequest {"job_id","job_data":{type,prompt,model,system?,options?},
//         "reward","price":{"per_second","per_1k_tokens"},"deadline_ms"}
//   202 {"job_id","status":"accepted","miner_id"}   started; reports follow to the coordinator
//   400 malformed body (the message names the field), a price below the miner's ask, or a
//       deadline already past
//   401 missing or wrong push key      409 job id already known      503 every slot busy, or
//       the miner is shutting down (with Retry-After: 1)
//
// POST /v1/jobs/{id}/cancel: the coordinator no longer wants the job (the client cancelled it,
// its deadline passed, its escrow is gone). Same push key.
//   body (optional): {"reason": "..."}
//   200 {"job_id","status":"cancelled"}  it was running: the backend call is abandoned, the slot
//                                        is free, and no report is sent for it
//   200 {"job_id","status":"finished"}   it had already finished (its report, if still pending,
//                                        is delivered and answered 409)
//   401 missing or wrong push key      404 the miner never had the job
// Contract: the handlers only read the context; thread-safe.
#pragma once

#include "miner/context.h"
#include "net/router.h"

namespace aitbc::miner {

// Adds POST /v1/jobs/assign and POST /v1/jobs/{id}/cancel.
void AddAssignRoute(net::Router& router, MinerContext& context);

// Checks an assignment against the miner's ask: every component of the offered price must be at
// least the ask (the miner signs exactly the offered price). kInvalidArgument says which one.
core::Status CheckPrice(const protocol::Price& offered, const protocol::Price& ask);

}  // namespace aitbc::miner
