// JobService: the coordinator's engine. It owns the live jobs, the queue, the miner registry and
// the chain follower, and drives every job through its state machine (job_state.h):
//
//   submit ── escrow signed + job row durable ── escrow accepted by the node ──▶ 201, queued
//   queued ── miner chosen (scheduler.h) ── "assigned" durable ──▶ pushed to the miner
//   miner: running / complete (proof checked, receipt + job_settle signed, durable) / fail
//   failures, deadlines, silent miners ──▶ requeued (bounded attempts) or failed (+ job_refund)
//   chain follower ──▶ escrow / settle / refund committed at height H (durable)
//
// Every transition is persisted (group commit) before it is acknowledged, and every chain
// transaction is signed once and stored before it is broadcast, so after a crash Start()
// resumes each unfinished job from the store: requeues, re-broadcasts the same bytes, and
// reconciles with the chain's view of each escrow (GetEscrow). See docs/coordinator.md.
//
// Contract: thread-safe (one mutex; no call out to the store, the node or a miner is ever
// answered synchronously, so callbacks never re-enter it). Every callback (`done`) runs exactly
// once, on an EventLoop thread, never inside the call. Errors are core::Error values whose codes
// map to the HTTP statuses of docs/api.md.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "coordinator/broadcaster.h"
#include "coordinator/chain_follower.h"
#include "coordinator/config.h"
#include "coordinator/custody.h"
#include "coordinator/job.h"
#include "coordinator/miner_push.h"
#include "coordinator/miner_registry.h"
#include "coordinator/scheduler.h"
#include "coordinator/settlement.h"
#include "coordinator/store.h"
#include "core/clock.h"
#include "core/random.h"
#include "net/api_keys.h"
#include "net/chain_client.h"
#include "net/event_loop.h"
#include "net/http_client.h"
#include "net/metrics.h"

namespace aitbc::coordinator {

// Who is calling: from the verified API key.
struct Caller {
  net::Role role = net::Role::kClient;
  std::string key_id;
  std::string owner;  // client: account address; miner: miner id; admin: "admin"
};

struct SubmitRequest {
  protocol::JobSpec spec;
  std::optional<core::Amount> max_price;  // nullopt: the configured default
  std::string idempotency_key;
  core::Hash256 request_hash;  // of the body: a reused key must come with the same body
};

struct JobServiceDeps {
  const Config* config = nullptr;
  const core::Clock* clock = nullptr;
  core::Random* random = nullptr;
  net::EventLoop* loop = nullptr;
  Store* store = nullptr;
  net::ChainClient* chain = nullptr;
  net::HttpClient* http = nullptr;
  net::MetricsRegistry* metrics = nullptr;
  Custody* custody = nullptr;
  const core::PrivateKey* coordinator_key = nullptr;
  TxParams tx_params;
  uint64_t max_escrow_blocks = 100'000;  // the chain's limit on expiry_height - height
  uint64_t initial_height = 0;           // the chain's height when the coordinator started
};

class JobService {
 public:
  using JobDone = std::function<void(core::Result<Job>)>;
  using JsonDone = std::function<void(core::Result<nlohmann::json>)>;

  explicit JobService(JobServiceDeps deps);
  ~JobService();
  JobService(const JobService&) = delete;
  JobService& operator=(const JobService&) = delete;

  // Loads miners and unfinished jobs from the store, re-arms them and starts the chain follower
  // and the periodic sweeps. Errors: the store's.
  core::Status Start();
  // Stops timers and the follower; in-flight callbacks are dropped with the loop.
  void Stop();

  // Clients (and admin where noted).
  void Submit(const Caller& caller, SubmitRequest request, JobDone done);
  // wait_ms > 0: long-poll until the job is terminal or the time passes.
  void Get(const Caller& caller, const std::string& job_id, int64_t wait_ms, JobDone done);
  core::Result<JobPage> List(const Caller& caller, uint64_t cursor, size_t limit);
  void Cancel(const Caller& caller, const std::string& job_id, JobDone done);
  // By receipt id or job id.
  void GetReceipt(const Caller& caller, const std::string& id, JobDone done);

  // Miners.
  void ReportRunning(const Caller& caller, const std::string& job_id,
                     const protocol::StatusReport& report, JobDone done);
  void Complete(const Caller& caller, const std::string& job_id, protocol::CompleteRequest request,
                std::optional<protocol::Price> claimed_price, JobDone done);
  void ReportFailure(const Caller& caller, const std::string& job_id,
                     const protocol::FailReport& report, JobDone done);
  void RegisterMiner(const Caller& caller, const protocol::MinerRegistration& registration,
                     JsonDone done);
  core::Result<nlohmann::json> Heartbeat(const Caller& caller,
                                         const protocol::MinerHeartbeat& heartbeat);
  void RemoveMiner(const Caller& caller, const std::string& miner_id, JsonDone done);
  nlohmann::json ListMiners();

  uint64_t chain_height() const { return follower_ ? follower_->tip() : 0; }
  bool node_reachable() const;
  size_t queue_length();

 private:
  struct Entry;
  struct Counters;

  // Persistence (mu_ held): writes the job row (plus `extra`), then runs `then` under mu_.
  void Persist(Entry& e, std::vector<Mutation> extra, std::function<void(core::Status)> then);
  void OnWritten(Entry* e, core::Status status, const std::function<void(core::Status)>& then);
  void WhenDurable(Entry& e, std::function<void()> fn);
  void SetState(Entry& e, JobState to);
  void Answer(JobDone done, core::Result<Job> result);
  Entry* FindLive(const std::string& job_id);
  // A job from memory or the store (for reads of finished jobs).
  core::Result<std::optional<Job>> Lookup(const std::string& job_id);
  // Lookup, then kNotFound when missing and kPermissionDenied when not the caller's.
  core::Result<Job> LookupOwned(const Caller& caller, const std::string& job_id);
  void Retire(Entry& e);
  void Remember(const Job& job);
  core::Status CheckOwner(const Caller& caller, const Job& job) const;

  // Submission.
  core::Status CheckServable(const protocol::JobSpec& spec, core::Amount max_price);
  void OnEscrowBroadcast(Entry& e, core::Result<core::Hash256> result);
  void FinishSubmission(Entry& e, core::Result<Job> answer);
  // A submission that was never acknowledged: its idempotency key and count go.
  void ForgetSubmission(const Job& job);

  // Scheduling and miners.
  // Queues the job; the queue timeout runs from now when new_deadline (or the first time).
  void Enqueue(Entry& e, bool front, bool new_deadline = true);
  void Dispatch();
  void Assign(Entry& e, MinerInfo& miner, const MinerChoice& choice);
  void Push(Entry& e, uint32_t attempt);
  void OnPushed(const std::string& job_id, uint32_t attempt, PushResult result);
  void ArmTimer(Entry& e, int64_t delay_ms, std::function<void(Entry&)> fn);
  void CancelTimer(Entry& e);
  // The current attempt ended without a result: requeue, or fail after max_attempts.
  void AttemptFailed(Entry& e, const std::string& reason, bool counts);
  void ReleaseMiner(Entry& e, std::optional<bool> success);
  // Asks the job's miner to stop it (best effort) when the job is assigned or running.
  void StopOnMiner(const Entry& e, const std::string& reason);
  void Fail(Entry& e, JobState to, const std::string& reason);
  core::Result<Entry*> MinerJob(const Caller& caller, const std::string& job_id);
  void SweepMiners();
  void RefreshStakes();
  void RefreshStakesLocked();  // mu_ held

  // Chain.
  void BroadcastClosing(Entry& e);
  void LogUnfundedClosing(Entry& e, const core::Error& error);
  void OnBlock(protocol::Block block, std::function<void()> resume);
  void ApplyChainTx(Entry& e, const protocol::TxEnvelope& tx, uint64_t height, bool& changed);
  void SweepChain();
  void Reconcile(const std::string& job_id);
  void OnEscrowState(const std::string& job_id, core::Result<std::optional<net::EscrowInfo>> r);
  void OnJobFinishedOnChain(Entry& e);

  void Every(int64_t period_ms, std::function<void()> fn);
  uint64_t ExpiryHeight() const;
  std::string NewJobId();

  JobServiceDeps d_;
  const Config& config_;
  std::mutex mu_;
  bool stopped_ = false;
  std::unordered_map<std::string, std::unique_ptr<Entry>> live_;
  // Finished jobs kept for fast reads (bounded, oldest evicted).
  std::unordered_map<std::string, Job> recent_;
  std::deque<std::string> recent_order_;
  size_t recent_bytes_ = 0;
  std::unordered_map<std::string, std::string> idempotency_;  // client|key -> job id (live)
  std::unordered_map<std::string, std::string> receipts_;     // receipt id -> job id (live)
  JobQueue queue_;
  MinerRegistry registry_;
  uint64_t next_seq_ = 1;
  uint64_t initial_height_ = 0;
  uint64_t poller_seq_ = 0;
  std::array<uint64_t, 6> state_counts_{};
  std::unique_ptr<Counters> counters_;
  std::unique_ptr<TxBroadcaster> broadcaster_;
  std::unique_ptr<ChainFollower> follower_;
  std::vector<net::EventLoop::TimerId> periodic_;
  std::shared_ptr<bool> alive_;
};

}  // namespace aitbc::coordinator
