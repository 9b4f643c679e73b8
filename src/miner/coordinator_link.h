// CoordinatorLink: everything the miner says to the coordinator (docs/miner.md, "Coordinator").
//
//   POST   /v1/miners/register     X-Miner-Key, protocol::MinerRegistration
//            -> 200/201 {"miner_id","push_key","heartbeat_interval_ms"}
//   POST   /v1/miners/heartbeat    X-Miner-Key, protocol::MinerHeartbeat (every interval)
//   DELETE /v1/miners/{miner_id}   X-Miner-Key (graceful shutdown)
//   POST   /v1/jobs/{id}/status    protocol::StatusReport ("running")
//   POST   /v1/jobs/{id}/complete  protocol::CompleteRequest
//   POST   /v1/jobs/{id}/fail      protocol::FailReport
//
// Behaviour:
// - Registration is retried with exponential backoff and jitter until the coordinator accepts
//   it (the miner may start first). The push key it returns is the only key that may push jobs
//   to this miner (X-Api-Key on POST /v1/jobs/assign); only its SHA-256 is kept, compared in
//   constant time. A heartbeat answered 401 or 404 means the coordinator forgot the miner (a
//   restart): the link registers again and gets a new push key.
// - A "running" report is tried a few times while the job runs; it is not persisted.
// - A final report is written to the outbox first, then sent until the coordinator answers 2xx,
//   or 409 (it already has a final state for the job); 400/403/404/410/413/422 move it to the
//   outbox's rejected/ directory; anything else (no answer, 401, 408, 429, 5xx) is retried with
//   backoff, forever. Final reports are sent only after the first registration succeeded, and
//   never before the job's "running" report has had its answer, so the coordinator sees them in
//   order. Reports found in the outbox at start are re-sent the same way.
// Contract: thread-safe. Callbacks capture `this`: the owner stops the EventLoop before it
// destroys the link (MinerApp does).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/hash.h"
#include "core/random.h"
#include "miner/outbox.h"
#include "net/event_loop.h"
#include "net/http_client.h"
#include "net/retry.h"
#include "protocol/job_messages.h"

namespace aitbc::miner {

struct LinkOptions {
  net::Url coordinator;   // http://127.0.0.1:8000
  std::string miner_key;  // X-Miner-Key
  int64_t connect_timeout_ms = 2'000;
  int64_t request_timeout_ms = 10'000;
  int64_t default_heartbeat_ms = 5'000;  // when the registration answer names none
  // Registration and final reports: forever, 200 ms doubling up to 5 s, full jitter.
  net::RetryPolicy backoff{-1, 200, 5'000};
  int running_report_retries = 5;
};

// What the link asks the miner for at each registration and heartbeat.
class LinkDelegate {
 public:
  virtual ~LinkDelegate() = default;
  virtual void BuildRegistration(std::function<void(protocol::MinerRegistration)> done) = 0;
  virtual void BuildHeartbeat(std::function<void(protocol::MinerHeartbeat)> done) = 0;
};

class CoordinatorLink {
 public:
  CoordinatorLink(net::EventLoop& loop, net::HttpClient& http, core::Random& random, Outbox& outbox,
                  LinkDelegate& delegate, LinkOptions options);
  ~CoordinatorLink();
  CoordinatorLink(const CoordinatorLink&) = delete;
  CoordinatorLink& operator=(const CoordinatorLink&) = delete;

  // Starts registering; `pending` are the outbox's entries from before a restart.
  void Start(std::vector<OutboxEntry> pending);
  // Cancels every timer; reports not yet delivered stay in the outbox.
  void Stop();

  bool registered() const;
  std::string miner_id() const;
  // True when `presented` is the push key of the current registration.
  bool CheckPushKey(std::optional<std::string_view> presented) const;

  void ReportRunning(const std::string& job_id, int64_t started_at_ms);
  // Persists the report in the outbox, then sends it until the coordinator has it.
  void ReportFinal(OutboxEntry entry);
  size_t pending_reports() const;
  bool HasPendingReport(const std::string& job_id) const;
  // done runs (on a loop thread) once no final report is pending, or after timeout_ms.
  void WhenFlushed(int64_t timeout_ms, std::function<void()> done);
  // DELETE /v1/miners/{id}, one try; done runs after the answer or its timeout.
  void Deregister(std::function<void()> done);

  // Called (on a loop thread) whenever the number of pending final reports changes.
  void OnPendingChanged(std::function<void(size_t)> fn);

 private:
  struct PendingReport {
    OutboxEntry entry;
    int attempt = 0;
    bool in_flight = false;
  };
  struct RunningReport {
    bool in_flight = false;
    bool abandoned = false;      // the job finished: stop retrying
    bool final_waiting = false;  // a final report waits for this one's answer
  };
  using Answer = core::Result<net::Response>;

  void Send(net::Method method, std::string target, const nlohmann::json* body, int64_t timeout_ms,
            std::function<void(Answer)> done);
  // Runs fn after delay_ms unless the link is stopped first. Requires mu_.
  void AfterLocked(int64_t delay_ms, std::function<void()> fn);
  void Register(int attempt);
  void OnRegisterAnswer(int attempt, Answer answer);
  void Heartbeat(uint64_t generation);
  void SendRunning(const std::string& job_id, int64_t started_at_ms, int attempt);
  void SendFinal(const std::string& job_id);
  void OnFinalAnswer(const std::string& job_id, Answer answer);
  void PendingChanged();

  net::EventLoop& loop_;
  net::HttpClient& http_;
  core::Random& random_;
  Outbox& outbox_;
  LinkDelegate& delegate_;
  const LinkOptions options_;

  mutable std::mutex mu_;
  bool stopped_ = false;
  bool registering_ = false;
  bool registered_ = false;
  bool ever_registered_ = false;
  uint64_t generation_ = 0;  // one per successful registration; stale heartbeats stop
  std::string miner_id_;
  std::optional<core::Hash256> push_key_hash_;
  int64_t heartbeat_ms_ = 5'000;
  std::set<net::EventLoop::TimerId> timers_;
  std::map<std::string, PendingReport> reports_;
  std::map<std::string, RunningReport> running_;
  struct FlushWaiter {
    std::function<void()> done;
    net::EventLoop::TimerId timer = 0;
    uint64_t seq = 0;
  };
  std::vector<FlushWaiter> flush_waiters_;
  uint64_t flush_seq_ = 0;
  std::function<void(size_t)> on_pending_changed_;
};

}  // namespace aitbc::miner
