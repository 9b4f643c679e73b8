// CoordinatorClient: the coordinator's REST API (docs/api.md) as a blocking, typed C++ API, for
// the `aitbc` command and any program that submits jobs.
//
// Retries (the seed: "exponential backoff, maximum 3 retries"; net/retry.h): a call that fails
// with a retryable error (connection refused or reset, timeout, 429, 503) is retried up to
// config.retry.max_retries times with exponential backoff and full jitter — but only when it is
// idempotent: every GET, and POST /v1/jobs, which always carries an Idempotency-Key (generated
// here when the caller gives none, and the same on every retry of that submission, so the
// coordinator creates the job at most once). Other POSTs (cancel) are never retried. A 429's
// Retry-After is honoured: the client waits at least that long, and does not retry when the
// server asks for more than config.retry.max_backoff_ms.
//
// Errors: a failed call returns the coordinator's error (its JSON body's code and message, see
// net::ErrorFromResponse): kInvalidArgument (400), kUnauthenticated (401), kInsufficientFunds
// (402), kPermissionDenied (403), kNotFound (404), kFailedPrecondition/kAlreadyExists (409),
// kPayloadTooLarge (413), kResourceExhausted (429), kUnavailable (503); or, when the coordinator
// cannot be reached after the retries, kUnavailable/kTimeout from the HTTP client. last_call()
// tells the HTTP status, Retry-After and number of attempts of the most recent call, for messages.
//
// Thread safety: one call at a time per CoordinatorClient (last_call() is per client); use one
// client per thread. Every call has a connect and a read timeout (config).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "client/api_types.h"
#include "core/random.h"
#include "core/result.h"
#include "net/http_client.h"
#include "net/retry.h"

namespace aitbc::client {

struct CoordinatorConfig {
  std::string url = "http://127.0.0.1:8000";
  std::string api_key;  // sent as X-Api-Key (client or admin key)
  int64_t connect_timeout_ms = 2'000;
  int64_t read_timeout_ms = 30'000;  // long-polls add their wait to this
  net::RetryPolicy retry;
};

// What happened on the most recent call.
struct CallInfo {
  int http_status = 0;         // 0 when no answer arrived
  int64_t retry_after_ms = 0;  // from a 429's Retry-After
  int attempts = 0;            // 1 + retries made
};

// Called before each retry's wait: (attempt about to be made, counting from 1; the most
// attempts; the error that caused the retry; the wait in ms). For "retrying in 0.4 s
// (attempt 2 of 4)" lines.
using RetryNotice =
    std::function<void(int attempt, int max_attempts, const core::Error& error, int64_t delay_ms)>;

class CoordinatorClient {
 public:
  // random generates idempotency keys and jitter; it must outlive the client.
  explicit CoordinatorClient(CoordinatorConfig config,
                             core::Random& random = core::SystemRandom::Instance());
  ~CoordinatorClient();
  CoordinatorClient(const CoordinatorClient&) = delete;
  CoordinatorClient& operator=(const CoordinatorClient&) = delete;

  void set_retry_notice(RetryNotice notice) { retry_notice_ = std::move(notice); }
  const CoordinatorConfig& config() const { return config_; }
  const CallInfo& last_call() const { return last_call_; }

  // POST /v1/jobs. Fills request.idempotency_key when empty (the caller can reuse it to resubmit
  // safely later). The answer's job has status "pending".
  core::Result<JobView> SubmitJob(SubmitRequest& request);
  // GET /v1/jobs/{id}; wait_s > 0 long-polls: the coordinator answers when the job's status
  // changes or after wait_s seconds.
  core::Result<JobView> GetJob(const std::string& job_id, int wait_s = 0);
  // GET /v1/jobs?limit=&cursor=.
  core::Result<JobPage> ListJobs(int limit = 20, const std::string& cursor = "");
  // POST /v1/jobs/{id}/cancel (not retried).
  core::Result<JobView> CancelJob(const std::string& job_id);
  // GET /v1/receipts/{id}.
  core::Result<ReceiptView> GetReceipt(const std::string& receipt_id);
  // GET /v1/info.
  core::Result<nlohmann::json> Info();
  // GET /v1/miners (admin key).
  core::Result<std::vector<MinerView>> ListMiners();
  // GET /healthz (no retries: it answers whether the coordinator is up now).
  core::Result<nlohmann::json> Health();

  // Long-polls GET /v1/jobs/{id}?wait=N until the job is terminal or timeout_ms passes
  // (kTimeout, naming the last status). on_update is called with every answer (for progress).
  // Each long-poll is a separate idempotent call with its own retries.
  core::Result<JobView> WaitForJob(const std::string& job_id, int64_t timeout_ms,
                                   const std::function<void(const JobView&)>& on_update = {});

 private:
  // One HTTP exchange with retries when `retryable`. Returns the parsed JSON of a 2xx answer.
  core::Result<nlohmann::json> Call(net::Method method, const std::string& target,
                                    const std::string& body, const net::Headers& extra_headers,
                                    bool retryable, int64_t extra_read_timeout_ms = 0);

  CoordinatorConfig config_;
  core::Random& random_;
  net::Url base_;
  core::Status base_status_;
  std::unique_ptr<net::BlockingHttpClient> http_;
  RetryNotice retry_notice_;
  CallInfo last_call_;
};

// A random Idempotency-Key: "idem_" + 32 hex characters.
std::string NewIdempotencyKey(core::Random& random);

}  // namespace aitbc::client
