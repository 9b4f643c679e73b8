// Pushing a job to a miner, and telling it to stop one: POST {miner url}/v1/jobs/assign with the
// AssignRequest, presenting the miner's push key in X-Api-Key (the credential the miner received at
// registration).
//
// Contract: `done` runs exactly once, on the HTTP client's threads. Outcomes: 2xx accepted;
// 401/409/429/503 busy (try another miner, not the miner's fault: 401 is a miner that has not
// yet stored the push key of its latest registration); connection errors and timeouts
// unreachable; any other status rejected (counts as a failed attempt).
#pragma once

#include <functional>
#include <string>

#include "net/http_client.h"
#include "protocol/job_messages.h"

namespace aitbc::coordinator {

enum class PushOutcome { kAccepted, kBusy, kUnreachable, kRejected };

struct PushResult {
  PushOutcome outcome = PushOutcome::kAccepted;
  std::string detail;  // why it was not accepted
};

void PushAssignment(net::HttpClient& http, const std::string& miner_url,
                    const std::string& push_key, const protocol::AssignRequest& request,
                    int64_t timeout_ms, std::function<void(PushResult)> done);

// Tells a miner to stop a job the coordinator no longer wants it to run (cancelled, past its
// deadline, escrow gone): POST {miner url}/v1/jobs/{id}/cancel {"reason"} with the push key.
// Best effort, so the job's state never waits on it: the outcome is only logged. A miner that
// does not hear it finishes the job, and its report is answered 409.
void CancelOnMiner(net::HttpClient& http, const std::string& miner_url, const std::string& push_key,
                   const std::string& job_id, const std::string& reason, int64_t timeout_ms);

}  // namespace aitbc::coordinator
