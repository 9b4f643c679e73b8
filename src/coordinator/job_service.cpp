// JobService: construction, start-up recovery, persistence helpers, submission and queries.
// Scheduling and miners: job_lifecycle.cpp. Chain events and reconciliation: job_chain.cpp.
#include "coordinator/job_service.h"

#include <spdlog/spdlog.h>

#include "coordinator/job_service_internal.h"
#include "protocol/json_codec.h"

namespace aitbc::coordinator {
namespace {

// Finished jobs kept in memory for fast reads: at most this many, and this many bytes of
// prompts and results (a result may be up to 1 MiB).
constexpr size_t kRecentJobs = 10'000;
constexpr size_t kRecentBytes = 64 << 20;

size_t TextBytes(const Job& job) { return job.spec.prompt.size() + job.result.size(); }
// Beyond this many missed blocks the follower jumps to the tip; reconciliation through
// GetEscrow covers every unfinished job anyway.
constexpr uint64_t kMaxCatchUpBlocks = 10'000;

std::string IdempotencyIndex(const core::Address& client, const std::string& key) {
  return client.ToString() + "|" + key;
}

}  // namespace

JobService::JobService(JobServiceDeps deps)
    : d_(deps),
      config_(*deps.config),
      registry_(*deps.random, deps.config->heartbeat_interval_ms),
      initial_height_(deps.initial_height),
      counters_(std::make_unique<Counters>()),
      alive_(std::make_shared<bool>(true)) {
  net::MetricsRegistry& m = *d_.metrics;
  for (JobState s : kAllJobStates) {
    counters_->jobs[static_cast<size_t>(s)] =
        &m.GetGauge("aitbc_jobs", "Jobs by state", {{"state", std::string(JobStateName(s))}});
  }
  counters_->queue_wait =
      &m.GetHistogram("aitbc_queue_wait_seconds", "Time a job waited in the queue for a miner");
  counters_->assign_latency = &m.GetHistogram(
      "aitbc_assign_latency_seconds", "From entering the queue to the miner accepting the job");
  counters_->settle_latency = &m.GetHistogram(
      "aitbc_settle_latency_seconds", "From the receipt being signed to job_settle committing");
  counters_->receipts = &m.GetCounter("aitbc_receipts_total", "Receipts signed");
  counters_->reassigned =
      &m.GetCounter("aitbc_jobs_requeued_total", "Jobs sent back to the queue after an attempt");
  net::Gauge& queue_length = m.GetGauge("aitbc_queue_length", "Jobs waiting for a miner");
  net::Gauge& online = m.GetGauge("aitbc_miners_online", "Registered miners heartbeating");
  std::weak_ptr<bool> alive = alive_;
  m.AddCollector([this, alive, &queue_length, &online] {
    if (alive.expired()) return;
    std::lock_guard lock(mu_);
    queue_length.Set(static_cast<double>(queue_.size()));
    online.Set(static_cast<double>(registry_.online_count()));
  });
  broadcaster_ = std::make_unique<TxBroadcaster>(*d_.chain);
}

JobService::~JobService() {
  Stop();
  alive_.reset();
}

core::Status JobService::Start() {
  AITBC_ASSIGN_OR_RETURN(std::vector<MinerRow> miners, d_.store->ListMiners());
  AITBC_ASSIGN_OR_RETURN(uint64_t max_seq, d_.store->MaxJobSeq());
  AITBC_ASSIGN_OR_RETURN(std::vector<uint64_t> counts, d_.store->CountJobsByState());
  AITBC_ASSIGN_OR_RETURN(std::vector<Job> active, d_.store->LoadActiveJobs());
  AITBC_ASSIGN_OR_RETURN(std::optional<std::string> height, d_.store->GetMeta(kFollowerHeightKey));

  std::lock_guard lock(mu_);
  AITBC_TRY(registry_.Load(miners));
  next_seq_ = max_seq + 1;
  for (size_t i = 0; i < counts.size() && i < state_counts_.size(); ++i) {
    state_counts_[i] = counts[i];
    counters_->jobs[i]->Set(static_cast<double>(counts[i]));
  }
  size_t requeued = 0, held = 0, settling = 0;
  for (Job& job : active) {
    auto entry = std::make_unique<Entry>();
    entry->job = std::move(job);
    entry->submitting = false;
    Entry& e = *entry;
    live_[e.job.job_id] = std::move(entry);
    if (!e.job.idempotency_key.empty()) {
      idempotency_[IdempotencyIndex(e.job.client, e.job.idempotency_key)] = e.job.job_id;
    }
    if (e.job.state == JobState::kCompleted) receipts_[e.job.receipt_id()] = e.job.job_id;
    switch (e.job.state) {
      case JobState::kPending:
        Enqueue(e, false);
        ++requeued;
        break;
      case JobState::kAssigned:
      case JobState::kRunning: {
        // The miner may still be working on it: give it time to register again.
        if (MinerInfo* m = registry_.Find(e.job.miner_id)) ++m->active;
        ArmTimer(e, config_.effective_restart_grace_ms(), [this](Entry& e) {
          MinerInfo* m = registry_.Find(e.job.miner_id);
          if (m == nullptr || !m->registered || !m->online) {
            AttemptFailed(e, "miner did not come back after the coordinator restarted", false);
            return;
          }
          int64_t left = e.job.deadline_ms - d_.clock->NowMs();
          ArmTimer(e, std::max<int64_t>(left, 1), [this](Entry& e) {
            StopOnMiner(e, "its deadline passed");
            AttemptFailed(e, "miner did not finish the job by its deadline", true);
          });
        });
        ++held;
        break;
      }
      default:
        ++settling;
        break;
    }
  }
  spdlog::info(
      "coordinator: resumed {} unfinished jobs ({} queued, {} held for their miners, {} "
      "settling), {} known miners",
      live_.size(), requeued, held, settling, miners.size());

  uint64_t next = 0;
  uint64_t tip = initial_height_;
  if (height) {
    next = std::strtoull(height->c_str(), nullptr, 10) + 1;
    if (tip > next + kMaxCatchUpBlocks) next = tip + 1;
  } else {
    next = tip + 1;
  }
  follower_ =
      std::make_unique<ChainFollower>(*d_.loop, *d_.chain, *d_.clock, config_.follower_poll_ms,
                                      [this](protocol::Block block, std::function<void()> resume) {
                                        OnBlock(std::move(block), std::move(resume));
                                      });
  follower_->Start(next);
  Every(std::min<int64_t>(config_.reconcile_after_ms, 1'000), [this] { SweepChain(); });
  Every(std::max<int64_t>(config_.heartbeat_interval_ms / 2, 10), [this] { SweepMiners(); });
  Every(std::max<int64_t>(config_.stake_refresh_ms / 4, 100), [this] { RefreshStakes(); });
  Dispatch();
  return core::Ok();
}

void JobService::Stop() {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  stopped_ = true;
  if (follower_) follower_->Stop();
  for (auto id : periodic_) d_.loop->Cancel(id);
  for (auto& [id, e] : live_) {
    if (e->timer != 0) d_.loop->Cancel(e->timer);
    for (auto& p : e->pollers) d_.loop->Cancel(p.timer);
  }
}

void JobService::Every(int64_t period_ms, std::function<void()> fn) {
  // Re-arms itself after each run; Stop() cancels the pending timer of each slot.
  size_t slot = periodic_.size();
  periodic_.push_back(0);
  auto tick = std::make_shared<std::function<void()>>();
  std::weak_ptr<bool> alive = alive_;
  *tick = [this, period_ms, slot, alive, fn = std::move(fn), weak = std::weak_ptr(tick)] {
    if (alive.expired()) return;
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
    }
    fn();
    auto self = weak.lock();
    if (!self) return;
    std::lock_guard lock(mu_);
    if (!stopped_) periodic_[slot] = d_.loop->RunAfter(period_ms, [self] { (*self)(); });
  };
  periodic_[slot] = d_.loop->RunAfter(period_ms, [tick] { (*tick)(); });
}

// --- persistence -------------------------------------------------------------------------

void JobService::Persist(Entry& e, std::vector<Mutation> extra,
                         std::function<void(core::Status)> then) {
  ++e.writes_in_flight;
  std::vector<Mutation> mutations;
  mutations.reserve(1 + extra.size());
  mutations.push_back(PutJob{e.job});
  for (Mutation& m : extra) mutations.push_back(std::move(m));
  Entry* ep = &e;
  std::weak_ptr<bool> alive = alive_;
  d_.store->Write(std::move(mutations), [this, ep, alive,
                                         then = std::move(then)](core::Status status) mutable {
    if (alive.expired()) return;
    d_.loop->Post([this, ep, alive, status = std::move(status), then = std::move(then)]() mutable {
      if (alive.expired()) return;
      std::lock_guard lock(mu_);
      OnWritten(ep, std::move(status), then);
    });
  });
}

void JobService::OnWritten(Entry* e, core::Status status,
                           const std::function<void(core::Status)>& then) {
  --e->writes_in_flight;
  if (!status.ok()) {
    spdlog::error("store: writing {} failed: {}", JobText(e->job.job_id),
                  status.error().ToString());
  }
  if (then) then(status);
  if (e->writes_in_flight != 0) return;
  auto waiting = std::move(e->after_durable);
  e->after_durable.clear();
  for (auto& fn : waiting) fn();
  if (IsTerminal(e->job.state) && !e->pollers.empty()) {
    for (auto& p : e->pollers) {
      d_.loop->Cancel(p.timer);
      Answer(std::move(p.done), e->job);
    }
    e->pollers.clear();
  }
  if (e->writes_in_flight == 0 && !e->submitting && e->job.Finished()) Retire(*e);
}

void JobService::WhenDurable(Entry& e, std::function<void()> fn) {
  if (e.writes_in_flight == 0) {
    fn();
  } else {
    e.after_durable.push_back(std::move(fn));
  }
}

void JobService::Answer(JobDone done, core::Result<Job> result) {
  d_.loop->Post(
      [done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
}

void JobService::SetState(Entry& e, JobState to) {
  size_t from = static_cast<size_t>(e.job.state);
  if (state_counts_[from] > 0) --state_counts_[from];
  ++state_counts_[static_cast<size_t>(to)];
  counters_->jobs[from]->Set(static_cast<double>(state_counts_[from]));
  counters_->jobs[static_cast<size_t>(to)]->Set(
      static_cast<double>(state_counts_[static_cast<size_t>(to)]));
  e.job.state = to;
}

JobService::Entry* JobService::FindLive(const std::string& job_id) {
  auto it = live_.find(job_id);
  if (it == live_.end() || it->second->submitting) return nullptr;
  return it->second.get();
}

void JobService::Retire(Entry& e) {
  if (e.timer != 0) d_.loop->Cancel(e.timer);
  if (!e.job.idempotency_key.empty()) {
    idempotency_.erase(IdempotencyIndex(e.job.client, e.job.idempotency_key));
  }
  Remember(e.job);
  std::string id = e.job.job_id;
  live_.erase(id);  // e is gone
}

void JobService::Remember(const Job& job) {
  if (recent_.emplace(job.job_id, job).second) {
    recent_order_.push_back(job.job_id);
    recent_bytes_ += TextBytes(job);
  }
  while (recent_order_.size() > kRecentJobs || recent_bytes_ > kRecentBytes) {
    auto it = recent_.find(recent_order_.front());
    if (it != recent_.end()) {
      if (it->second.state == JobState::kCompleted) receipts_.erase(it->second.receipt_id());
      recent_bytes_ -= std::min(recent_bytes_, TextBytes(it->second));
      recent_.erase(it);
    }
    recent_order_.pop_front();
  }
}

core::Result<std::optional<Job>> JobService::Lookup(const std::string& job_id) {
  {
    std::lock_guard lock(mu_);
    if (Entry* e = FindLive(job_id)) return std::optional<Job>(e->job);
    auto it = recent_.find(job_id);
    if (it != recent_.end()) return std::optional<Job>(it->second);
    auto live = live_.find(job_id);
    if (live != live_.end()) return std::optional<Job>();  // still being submitted
  }
  return d_.store->GetJob(job_id);
}

core::Result<Job> JobService::LookupOwned(const Caller& caller, const std::string& job_id) {
  AITBC_ASSIGN_OR_RETURN(std::optional<Job> job, Lookup(job_id));
  if (!job) return core::Error::NotFound("no " + JobText(job_id));
  AITBC_TRY(CheckOwner(caller, *job));
  return std::move(*job);
}

core::Status JobService::CheckOwner(const Caller& caller, const Job& job) const {
  if (caller.role == net::Role::kAdmin) return core::Ok();
  if (caller.role == net::Role::kClient && job.client.ToString() == caller.owner) {
    return core::Ok();
  }
  return core::Error::PermissionDenied(JobText(job.job_id) + " belongs to another client");
}

uint64_t JobService::ExpiryHeight() const {
  uint64_t tip = std::max(follower_ ? follower_->tip() : 0, initial_height_);
  uint64_t blocks = std::min(config_.escrow_expiry_blocks, d_.max_escrow_blocks);
  return tip + blocks;
}

std::string JobService::NewJobId() { return "job_" + core::HexEncode(d_.random->RandomBytes(12)); }

bool JobService::node_reachable() const {
  if (!follower_) return false;
  int64_t last = follower_->last_ok_steady_ms();
  return last != 0 && d_.clock->SteadyMs() - last < 5'000;
}

size_t JobService::queue_length() {
  std::lock_guard lock(mu_);
  return queue_.size();
}

// --- submission --------------------------------------------------------------------------

core::Status JobService::CheckServable(const protocol::JobSpec& spec, core::Amount max_price) {
  std::vector<const MinerInfo*> serving = registry_.Serving(spec.model);
  if (serving.empty()) {
    return core::Error::InvalidArgument("no registered miner serves model '" + spec.model + "'");
  }
  core::Amount cheapest = serving.front()->registration.price.per_second;
  for (const MinerInfo* m : serving) {
    cheapest = std::min(cheapest, m->registration.price.per_second);
  }
  if (max_price < cheapest) {
    return core::Error::InvalidArgument(
        "max_price " + max_price.ToString() + " is below what any miner serving '" + spec.model +
        "' asks: the cheapest charges " + cheapest.ToString() + " per second of compute");
  }
  return core::Ok();
}

void JobService::Submit(const Caller& caller, SubmitRequest request, JobDone done) {
  auto client = core::Address::Parse(caller.owner);
  if (caller.role != net::Role::kClient || !client.ok()) {
    Answer(std::move(done), core::Error::PermissionDenied(
                                "only client API keys bound to an account can submit jobs"));
    return;
  }
  core::Amount max_price = request.max_price.value_or(config_.default_max_price);
  if (max_price.micro() == 0) {
    Answer(std::move(done), core::Error::InvalidArgument("max_price must be above zero"));
    return;
  }
  const std::string& idem = request.idempotency_key;
  if (!idem.empty()) {
    // A finished job submitted with this key (live ones are checked under the lock below).
    auto previous = d_.store->FindIdempotent(*client, idem);
    if (!previous.ok()) {
      Answer(std::move(done), previous.error());
      return;
    }
    if (*previous && !(**previous).Finished()) previous->reset();  // live: see below
    if (*previous) {
      if ((**previous).request_hash != request.request_hash) {
        Answer(std::move(done),
               core::Error::AlreadyExists("Idempotency-Key '" + idem +
                                          "' was already used for a different request"));
      } else {
        Answer(std::move(done), std::move(**previous));
      }
      return;
    }
  }
  // The custodial key (opened once, then cached) pays the escrow.
  auto client_key = d_.custody->Key(*client);
  if (!client_key.ok()) {
    Answer(std::move(done), client_key.error().WithContext("the client's account key"));
    return;
  }

  std::lock_guard lock(mu_);
  if (stopped_) {
    Answer(std::move(done), core::Error::Unavailable("the coordinator is shutting down"));
    return;
  }
  if (!idem.empty()) {
    auto it = idempotency_.find(IdempotencyIndex(*client, idem));
    if (it != idempotency_.end()) {
      auto live = live_.find(it->second);
      if (live != live_.end()) {
        Entry& e = *live->second;
        if (e.job.request_hash != request.request_hash) {
          Answer(std::move(done),
                 core::Error::AlreadyExists("Idempotency-Key '" + idem +
                                            "' was already used for a different request"));
        } else if (e.submitting) {
          e.submit_waiters.push_back(std::move(done));
        } else {
          WhenDurable(
              e, [this, &e, done = std::move(done)]() mutable { Answer(std::move(done), e.job); });
        }
        return;
      }
    }
  }
  if (auto servable = CheckServable(request.spec, max_price); !servable.ok()) {
    Answer(std::move(done), servable.error());
    return;
  }

  auto entry = std::make_unique<Entry>();
  Entry& e = *entry;
  Job& job = e.job;
  job.job_id = NewJobId();
  job.seq = next_seq_++;
  job.client_key_id = caller.key_id;
  job.client = *client;
  job.spec = std::move(request.spec);
  job.max_price = max_price;
  job.idempotency_key = idem;
  job.request_hash = request.request_hash;
  job.expiry_height = ExpiryHeight();
  job.submitted_ms = d_.clock->NowMs();
  job.state = JobState::kPending;
  protocol::TxEnvelope escrow =
      SignEscrow(d_.tx_params, *client_key, job.job_id, max_price,
                 core::Address::FromPublicKey(d_.coordinator_key->public_key()), job.expiry_height);
  job.escrow.status = TxStatus::kSigned;
  job.escrow.bytes = std::move(escrow.bytes);
  job.escrow.hash = escrow.hash;
  e.submit_waiters.push_back(std::move(done));
  ++state_counts_[static_cast<size_t>(JobState::kPending)];
  counters_->jobs[0]->Set(static_cast<double>(state_counts_[0]));
  if (!idem.empty()) idempotency_[IdempotencyIndex(job.client, idem)] = job.job_id;
  live_[job.job_id] = std::move(entry);

  // Write-ahead: the signed escrow is durable before the node sees it.
  Persist(e, {}, [this, &e](core::Status status) {
    if (!status.ok()) {
      // Not stored, never acknowledged: forget it (after OnWritten is done with the entry).
      FinishSubmission(e, status.error().WithContext("storing the job"));
      d_.loop->Post([this, id = e.job.job_id, alive = std::weak_ptr(alive_)] {
        if (alive.expired()) return;
        std::lock_guard lock(mu_);
        auto it = live_.find(id);
        if (it == live_.end() || !it->second->submitting) return;
        ForgetSubmission(it->second->job);
        live_.erase(it);
      });
      return;
    }
    broadcaster_->Broadcast(e.job.escrow.bytes,
                            [this, id = e.job.job_id,
                             alive = std::weak_ptr(alive_)](core::Result<core::Hash256> result) {
                              if (alive.expired()) return;
                              std::lock_guard lock(mu_);
                              auto it = live_.find(id);
                              if (it != live_.end())
                                OnEscrowBroadcast(*it->second, std::move(result));
                            });
  });
}

void JobService::OnEscrowBroadcast(Entry& e, core::Result<core::Hash256> result) {
  Job& job = e.job;
  if (result.ok()) {
    e.escrow_in_mempool = true;
    e.chain_checked_steady_ms = d_.clock->SteadyMs();
    e.submitting = false;
    FinishSubmission(e, job);
    spdlog::debug("job {} accepted: escrow {} of {}", job.job_id, job.escrow.hash.ToHex(),
                  job.max_price.ToString());
    Enqueue(e, false);
    Dispatch();
    return;
  }
  const core::Error& error = result.error();
  if (error.code() == core::ErrorCode::kTimeout) {
    // Ambiguous: the node may have accepted it. Fail the job with its refund signed; the
    // chain sweep refunds the escrow if it ever commits.
    e.submitting = false;
    spdlog::warn("job {}: the node did not answer the escrow broadcast in time: {}", job.job_id,
                 error.message());
    auto waiters = std::move(e.submit_waiters);
    e.submit_waiters.clear();
    Fail(e, JobState::kFailed, "the node did not answer in time; any escrow is refunded");
    for (auto& w : waiters) {
      Answer(std::move(w), core::Error::Unavailable(
                               "the node did not confirm the escrow in time: the job was not "
                               "accepted (any escrow that commits is refunded)"));
    }
    return;
  }
  core::Error answer = error;
  switch (error.code()) {
    case core::ErrorCode::kInsufficientFunds:
      answer = core::Error::InsufficientFunds("account " + job.client.ToString() +
                                              " cannot cover the escrow of " +
                                              job.max_price.ToString() + " plus the fee of " +
                                              d_.tx_params.fee.ToString() + ": " + error.message());
      break;
    case core::ErrorCode::kUnavailable:
      answer = core::Error::Unavailable("the node at " + config_.node_url +
                                        " is unreachable: the escrow was not broadcast and the "
                                        "job was not accepted (" +
                                        error.message() + ")");
      break;
    default:
      answer =
          core::Error::Internal("the node rejected the escrow transaction: " + error.ToString());
      break;
  }
  // Never acknowledged: remove the job, durably, before answering.
  std::string id = job.job_id;
  ForgetSubmission(job);
  auto node = live_.extract(id);
  std::shared_ptr<Entry> gone(std::move(node.mapped()));
  std::weak_ptr<bool> alive = alive_;
  d_.store->Write({DeleteJob{id}}, [this, gone, answer, alive](core::Status) {
    if (alive.expired()) return;
    d_.loop->Post([this, gone, answer, alive] {
      if (alive.expired()) return;
      std::lock_guard lock(mu_);
      FinishSubmission(*gone, answer);
    });
  });
}

void JobService::ForgetSubmission(const Job& job) {
  if (!job.idempotency_key.empty()) {
    idempotency_.erase(IdempotencyIndex(job.client, job.idempotency_key));
  }
  size_t pending = static_cast<size_t>(JobState::kPending);
  if (state_counts_[pending] > 0) --state_counts_[pending];
  counters_->jobs[pending]->Set(static_cast<double>(state_counts_[pending]));
}

void JobService::FinishSubmission(Entry& e, core::Result<Job> answer) {
  auto waiters = std::move(e.submit_waiters);
  e.submit_waiters.clear();
  for (auto& w : waiters) Answer(std::move(w), answer);
}

// --- queries -----------------------------------------------------------------------------

void JobService::Get(const Caller& caller, const std::string& job_id, int64_t wait_ms,
                     JobDone done) {
  {
    std::lock_guard lock(mu_);
    if (Entry* e = FindLive(job_id)) {
      if (auto owner = CheckOwner(caller, e->job); !owner.ok()) {
        Answer(std::move(done), owner.error());
        return;
      }
      if (wait_ms > 0 && !IsTerminal(e->job.state)) {
        uint64_t poller = ++poller_seq_;
        auto timer =
            d_.loop->RunAfter(wait_ms, [this, job_id, poller, alive = std::weak_ptr(alive_)] {
              if (alive.expired()) return;
              std::lock_guard lock(mu_);
              Entry* e = FindLive(job_id);
              if (e == nullptr) return;
              for (auto it = e->pollers.begin(); it != e->pollers.end(); ++it) {
                if (it->id != poller) continue;
                JobDone d = std::move(it->done);
                e->pollers.erase(it);
                WhenDurable(
                    *e, [this, e, d = std::move(d)]() mutable { Answer(std::move(d), e->job); });
                return;
              }
            });
        e->pollers.push_back(Entry::Poller{poller, std::move(done), timer});
        return;
      }
      WhenDurable(*e,
                  [this, e, done = std::move(done)]() mutable { Answer(std::move(done), e->job); });
      return;
    }
  }
  Answer(std::move(done), LookupOwned(caller, job_id));
}

core::Result<JobPage> JobService::List(const Caller& caller, uint64_t cursor, size_t limit) {
  std::optional<core::Address> client;
  if (caller.role != net::Role::kAdmin) {
    auto parsed = core::Address::Parse(caller.owner);
    if (caller.role != net::Role::kClient || !parsed.ok()) {
      return core::Error::PermissionDenied("only clients and admins list jobs");
    }
    client = *parsed;
  }
  AITBC_ASSIGN_OR_RETURN(JobPage page, d_.store->ListJobs(client, cursor, limit));
  std::lock_guard lock(mu_);
  for (Job& job : page.jobs) {
    if (Entry* e = FindLive(job.job_id)) job = e->job;  // memory may be a write ahead
  }
  return page;
}

void JobService::GetReceipt(const Caller& caller, const std::string& id, JobDone done) {
  std::string job_id = id;
  core::Result<std::optional<Job>> job = std::optional<Job>();
  if (id.rfind("rcpt_", 0) == 0) {
    {
      std::lock_guard lock(mu_);
      auto it = receipts_.find(id);
      if (it != receipts_.end()) job_id = it->second;
    }
    if (job_id == id) {
      job = d_.store->GetJobByReceipt(id);
    } else {
      job = Lookup(job_id);
    }
  } else {
    job = Lookup(job_id);
  }
  if (!job.ok()) {
    Answer(std::move(done), job.error());
    return;
  }
  if (!*job || (**job).state != JobState::kCompleted) {
    Answer(std::move(done),
           core::Error::NotFound(*job ? JobText(job_id) + " has no receipt (it is " +
                                            std::string(JobStateName((**job).state)) + ")"
                                      : "no receipt '" + id + "'"));
    return;
  }
  const Job& j = **job;
  bool allowed = caller.role == net::Role::kAdmin ||
                 (caller.role == net::Role::kClient && j.client.ToString() == caller.owner) ||
                 (caller.role == net::Role::kMiner && j.miner_id == caller.owner);
  if (!allowed) {
    Answer(std::move(done), core::Error::PermissionDenied("the receipt of " + JobText(j.job_id) +
                                                          " belongs to another client"));
    return;
  }
  Answer(std::move(done), std::move(**job));
}

void JobService::Cancel(const Caller& caller, const std::string& job_id, JobDone done) {
  {
    std::lock_guard lock(mu_);
    if (Entry* e = FindLive(job_id)) {
      if (auto owner = CheckOwner(caller, e->job); !owner.ok()) {
        Answer(std::move(done), owner.error());
        return;
      }
      if (auto ok = CheckTransition(e->job.state, JobState::kCancelled); !ok.ok()) {
        Answer(std::move(done), ok.error());
        return;
      }
      std::string reason =
          caller.role == net::Role::kAdmin ? "cancelled by an operator" : "cancelled by the client";
      StopOnMiner(*e, reason);
      Fail(*e, JobState::kCancelled, reason);
      WhenDurable(*e,
                  [this, e, done = std::move(done)]() mutable { Answer(std::move(done), e->job); });
      return;
    }
  }
  auto job = LookupOwned(caller, job_id);
  if (!job.ok()) {
    Answer(std::move(done), job.error());
    return;
  }
  // Not live: finished, so it cannot be cancelled any more.
  Answer(std::move(done), CheckTransition(job->state, JobState::kCancelled).error());
}

}  // namespace aitbc::coordinator
