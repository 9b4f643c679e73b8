// JobService: the queue, assignment to miners, miner reports, deadlines and failures, and the
// miner registry's endpoints.
#include <spdlog/spdlog.h>

#include "coordinator/job_service.h"
#include "coordinator/job_service_internal.h"
#include "protocol/json_codec.h"

namespace aitbc::coordinator {
namespace {

// A miner that refused a push (busy) is skipped for this long.
constexpr int64_t kBusyBackoffMs = 1'000;
constexpr size_t kMaxSkippedPerModel = 64;

std::string Seconds(int64_t ms) {
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

// For reports on jobs that are no longer live (finished and retired): 409 for the miner that
// had it, 403 for others, 404 when unknown.
core::Error RetiredJobError(const Caller& caller, const std::string& job_id,
                            const core::Result<std::optional<Job>>& job, std::string_view action) {
  if (!job.ok()) return job.error();
  if (!*job) return core::Error::NotFound("no " + JobText(job_id));
  if ((**job).miner_id != caller.owner) {
    return core::Error::PermissionDenied(JobText(job_id) + " is not assigned to miner " +
                                         caller.owner);
  }
  return core::Error::FailedPrecondition(JobText(job_id) + " is " +
                                         std::string(JobStateName((**job).state)) + ": cannot " +
                                         std::string(action));
}

}  // namespace

// --- timers ------------------------------------------------------------------------------

void JobService::ArmTimer(Entry& e, int64_t delay_ms, std::function<void(Entry&)> fn) {
  CancelTimer(e);
  uint64_t gen = ++e.timer_gen;
  std::weak_ptr<bool> alive = alive_;
  e.timer = d_.loop->RunAfter(delay_ms, [this, alive, id = e.job.job_id, gen, fn = std::move(fn)] {
    if (alive.expired()) return;
    std::lock_guard lock(mu_);
    if (stopped_) return;
    Entry* e = FindLive(id);
    if (e == nullptr || e->timer_gen != gen) return;
    e->timer = 0;
    fn(*e);
  });
}

void JobService::CancelTimer(Entry& e) {
  if (e.timer != 0) d_.loop->Cancel(e.timer);
  e.timer = 0;
  ++e.timer_gen;
}

// --- queue and assignment ----------------------------------------------------------------

void JobService::Enqueue(Entry& e, bool front, bool new_deadline) {
  if (front) {
    queue_.PushFront(e.job.spec.model, e.job.job_id);
  } else {
    queue_.Push(e.job.spec.model, e.job.job_id);
  }
  int64_t now = d_.clock->SteadyMs();
  e.enqueued_steady_ms = now;
  // A push refused as busy keeps the deadline: the seed's "no miner within 60 s".
  if (new_deadline || e.queue_deadline_steady_ms == 0) {
    e.queue_deadline_steady_ms = now + config_.queue_timeout_ms;
  }
  ArmTimer(e, std::max<int64_t>(e.queue_deadline_steady_ms - now, 1), [this](Entry& e) {
    if (e.job.state != JobState::kPending || !queue_.Contains(e.job.job_id)) return;
    std::string reason = "no miner accepted the job within " + Seconds(config_.queue_timeout_ms);
    if (!e.job.error.empty()) reason += " (last attempt: " + e.job.error + ")";
    spdlog::info("job {}: {}", e.job.job_id, reason);
    Fail(e, JobState::kFailed, reason);
  });
}

void JobService::Dispatch() {
  if (queue_.size() == 0 || stopped_) return;
  int64_t now = d_.clock->SteadyMs();
  std::vector<MinerCandidate> candidates = registry_.Candidates(now);
  auto has_room = [](const MinerCandidate& c) {
    return c.online && c.healthy && c.active < c.slots;
  };
  if (std::none_of(candidates.begin(), candidates.end(), has_room)) return;
  std::vector<std::pair<Entry*, MinerChoice>> chosen;
  for (const auto& [model, ids] : queue_.by_model()) {
    size_t skipped = 0;
    for (const std::string& id : ids) {
      if (skipped >= kMaxSkippedPerModel) break;
      Entry* e = FindLive(id);
      if (e == nullptr) continue;
      JobNeeds needs{model, e->job.max_price, e->job.failed_miners};
      auto choice = ChooseMiner(candidates, needs, config_.weights);
      if (!choice) {
        ++skipped;
        continue;
      }
      ++candidates[choice->index].active;
      chosen.emplace_back(e, *choice);
      if (std::none_of(candidates.begin(), candidates.end(), has_room)) break;
    }
  }
  for (auto& [e, choice] : chosen) {
    MinerInfo* miner = registry_.Find(choice.miner_id);
    if (miner != nullptr) Assign(*e, *miner, choice);
  }
}

void JobService::Assign(Entry& e, MinerInfo& miner, const MinerChoice& choice) {
  Job& job = e.job;
  queue_.Remove(job.job_id);
  CancelTimer(e);
  SetState(e, JobState::kAssigned);
  ++job.attempts;
  uint32_t gen = ++e.assign_gen;
  job.miner_id = miner.miner_id;
  job.miner_address = miner.address;
  job.miner_key = miner.registration.public_key;
  job.price = miner.registration.price;
  job.assigned_ms = d_.clock->NowMs();
  job.started_ms = 0;
  job.deadline_ms = job.assigned_ms + config_.run_timeout_ms;
  ++miner.active;
  counters_->queue_wait->Observe(static_cast<double>(d_.clock->SteadyMs() - e.enqueued_steady_ms) /
                                 1000.0);
  spdlog::info(
      "job {} -> miner {} (score {:.4f} = stake {:.4f} + reputation {:.4f} + capacity {:.4f}; "
      "price {}/s; attempt {})",
      job.job_id, miner.miner_id, choice.score, choice.stake_term, choice.reputation_term,
      choice.capacity_term, job.price.per_second.ToString(), job.attempts);
  Persist(e, {}, [this, &e, gen](core::Status status) {
    if (e.assign_gen != gen || e.job.state != JobState::kAssigned) return;
    if (!status.ok()) {
      AttemptFailed(e, "the assignment could not be stored", false);
      return;
    }
    Push(e, gen);
  });
}

void JobService::Push(Entry& e, uint32_t gen) {
  MinerInfo* miner = registry_.Find(e.job.miner_id);
  if (miner == nullptr || !miner->registered) {
    AttemptFailed(e, "miner " + e.job.miner_id + " went away", false);
    return;
  }
  protocol::AssignRequest request;
  request.job_id = e.job.job_id;
  request.job_data = e.job.spec;
  request.reward = e.job.max_price;
  request.price = e.job.price;
  request.deadline_ms = e.job.deadline_ms;
  std::weak_ptr<bool> alive = alive_;
  PushAssignment(*d_.http, miner->registration.url, miner->push_key, request,
                 config_.push_timeout_ms, [this, alive, id = e.job.job_id, gen](PushResult result) {
                   if (alive.expired()) return;
                   std::lock_guard lock(mu_);
                   OnPushed(id, gen, std::move(result));
                 });
  ArmTimer(e, config_.start_timeout_ms, [this, gen](Entry& e) {
    if (e.assign_gen != gen || e.job.state != JobState::kAssigned) return;
    StopOnMiner(e, "it did not start within " + Seconds(config_.start_timeout_ms));
    AttemptFailed(e, "miner did not start the job within " + Seconds(config_.start_timeout_ms),
                  true);
  });
}

void JobService::OnPushed(const std::string& job_id, uint32_t gen, PushResult result) {
  Entry* e = FindLive(job_id);
  if (e == nullptr || e->assign_gen != gen || IsTerminal(e->job.state) ||
      e->job.state == JobState::kPending) {
    return;
  }
  MinerInfo* miner = registry_.Find(e->job.miner_id);
  switch (result.outcome) {
    case PushOutcome::kAccepted:
      counters_->assign_latency->Observe(
          static_cast<double>(d_.clock->SteadyMs() - e->enqueued_steady_ms) / 1000.0);
      return;
    case PushOutcome::kBusy:
      if (miner != nullptr) {
        miner->unavailable_until_steady_ms = d_.clock->SteadyMs() + kBusyBackoffMs;
      }
      AttemptFailed(*e, result.detail, false);
      return;
    case PushOutcome::kUnreachable:
      if (miner != nullptr) miner->online = false;  // until its next heartbeat
      AttemptFailed(*e, "miner unreachable: " + result.detail, false);
      return;
    case PushOutcome::kRejected:
      AttemptFailed(*e, result.detail, true);
      return;
  }
}

void JobService::ReleaseMiner(Entry& e, std::optional<bool> success) {
  MinerInfo* miner = registry_.Find(e.job.miner_id);
  if (miner == nullptr) return;
  if (miner->active > 0) --miner->active;
  if (success) {
    registry_.RecordOutcome(miner->miner_id, *success, d_.clock->NowMs() - e.job.assigned_ms);
  }
}

void JobService::StopOnMiner(const Entry& e, const std::string& reason) {
  if (e.job.state != JobState::kAssigned && e.job.state != JobState::kRunning) return;
  const MinerInfo* miner = registry_.Find(e.job.miner_id);
  if (d_.http == nullptr || miner == nullptr || !miner->registered || miner->push_key.empty()) {
    return;
  }
  CancelOnMiner(*d_.http, miner->registration.url, miner->push_key, e.job.job_id, reason,
                config_.push_timeout_ms);
}

void JobService::AttemptFailed(Entry& e, const std::string& reason, bool counts) {
  Job& job = e.job;
  if (job.state != JobState::kAssigned && job.state != JobState::kRunning) return;
  std::string miner_id = job.miner_id;
  CancelTimer(e);
  ReleaseMiner(e, counts ? std::optional<bool>(false) : std::nullopt);
  std::vector<Mutation> extra;
  if (counts) {
    if (std::find(job.failed_miners.begin(), job.failed_miners.end(), miner_id) ==
        job.failed_miners.end()) {
      job.failed_miners.push_back(miner_id);
    }
    if (MinerInfo* m = registry_.Find(miner_id)) extra.push_back(PutMiner{registry_.Row(*m)});
  } else if (job.attempts > 0) {
    --job.attempts;  // not the miner's fault: does not count
  }
  job.error = "miner " + miner_id + ": " + reason;
  counters_->reassigned->Inc();
  if (counts && job.attempts >= config_.max_attempts) {
    spdlog::warn("job {}: attempt {} on miner {} failed ({}); giving up", job.job_id, job.attempts,
                 miner_id, reason);
    Fail(e, JobState::kFailed,
         "failed after " + std::to_string(job.attempts) + " attempts; last: " + job.error);
    return;
  }
  spdlog::warn("job {}: attempt on miner {} failed ({}); back to the queue", job.job_id, miner_id,
               reason);
  ++e.assign_gen;
  SetState(e, JobState::kPending);
  job.miner_id.clear();
  job.miner_address = core::Address();
  job.miner_key = core::PublicKey();
  job.price = protocol::Price();
  job.assigned_ms = job.started_ms = job.deadline_ms = 0;
  Persist(e, std::move(extra), nullptr);
  Enqueue(e, /*front=*/true, /*new_deadline=*/counts);
  Dispatch();
}

void JobService::Fail(Entry& e, JobState to, const std::string& reason) {
  Job& job = e.job;
  queue_.Remove(job.job_id);
  CancelTimer(e);
  if (job.state == JobState::kAssigned || job.state == JobState::kRunning) {
    ReleaseMiner(e, std::nullopt);
  }
  ++e.assign_gen;
  SetState(e, to);
  job.error = reason;
  job.ended_ms = d_.clock->NowMs();
  // A failed or cancelled job costs the client nothing: refund the whole escrow.
  if (job.escrow.status == TxStatus::kSigned || job.escrow.status == TxStatus::kCommitted) {
    protocol::TxEnvelope refund = SignRefund(d_.tx_params, *d_.coordinator_key, job.job_id);
    job.closing.status = TxStatus::kSigned;
    job.closing.bytes = std::move(refund.bytes);
    job.closing.hash = refund.hash;
  }
  Persist(e, {}, [this, &e](core::Status status) {
    if (status.ok()) BroadcastClosing(e);
  });
  Dispatch();
}

// --- miner reports -----------------------------------------------------------------------

core::Result<JobService::Entry*> JobService::MinerJob(const Caller& caller,
                                                      const std::string& job_id) {
  Entry* e = FindLive(job_id);
  if (e == nullptr) {
    return core::Error::NotFound("no live " + JobText(job_id));
  }
  if (e->job.miner_id != caller.owner) {
    return core::Error::PermissionDenied(JobText(job_id) + " is not assigned to miner " +
                                         caller.owner);
  }
  return e;
}

void JobService::ReportRunning(const Caller& caller, const std::string& job_id,
                               const protocol::StatusReport& report, JobDone done) {
  {
    std::lock_guard lock(mu_);
    if (FindLive(job_id) != nullptr) {
      auto found = MinerJob(caller, job_id);
      if (!found.ok()) {
        Answer(std::move(done), found.error());
        return;
      }
      Entry& e = **found;
      if (e.job.state == JobState::kAssigned) {
        SetState(e, JobState::kRunning);
        int64_t now = d_.clock->NowMs();
        e.job.started_ms = report.started_at_ms > 0 ? std::min(report.started_at_ms, now) : now;
        ArmTimer(e, std::max<int64_t>(e.job.deadline_ms - now, 1), [this](Entry& e) {
          StopOnMiner(e, "its deadline passed");
          AttemptFailed(e, "miner did not finish the job by its deadline", true);
        });
        Persist(e, {}, nullptr);
      } else if (e.job.state != JobState::kRunning) {  // running again: idempotent
        Answer(std::move(done), CheckTransition(e.job.state, JobState::kRunning).error());
        return;
      }
      WhenDurable(e,
                  [this, &e, done = std::move(done)]() mutable { Answer(std::move(done), e.job); });
      return;
    }
  }
  Answer(std::move(done), RetiredJobError(caller, job_id, Lookup(job_id), "become running"));
}

void JobService::Complete(const Caller& caller, const std::string& job_id,
                          protocol::CompleteRequest request,
                          std::optional<protocol::Price> claimed_price, JobDone done) {
  auto same_completion = [&request](const Job& job) {
    return job.state == JobState::kCompleted && job.result_hash == request.proof.hash &&
           job.miner_signature == request.proof.signature;
  };
  {
    std::lock_guard lock(mu_);
    if (Entry* e = FindLive(job_id)) {
      auto found = MinerJob(caller, job_id);
      if (!found.ok()) {
        Answer(std::move(done), found.error());
        return;
      }
      Job& job = e->job;
      if (same_completion(job)) {  // a retried /complete: the same receipt
        WhenDurable(
            *e, [this, e, done = std::move(done)]() mutable { Answer(std::move(done), e->job); });
        return;
      }
      if (auto ok = CheckTransition(job.state, JobState::kCompleted); !ok.ok()) {
        Answer(std::move(done), ok.error());
        return;
      }
      int64_t now = d_.clock->NowMs();
      auto receipt = CheckCompletion(job, request, claimed_price, now);
      if (!receipt.ok()) {
        spdlog::warn("job {}: completion from miner {} rejected: {}", job_id, caller.owner,
                     receipt.error().message());
        Answer(std::move(done), receipt.error());
        return;
      }
      protocol::TxEnvelope settle = SignSettle(d_.tx_params, *d_.coordinator_key, *receipt,
                                               job.miner_key, request.proof.signature);
      CancelTimer(*e);
      ReleaseMiner(*e, true);
      SetState(*e, JobState::kCompleted);
      job.result = std::move(request.result);
      job.metrics = receipt->metrics;
      job.result_hash = receipt->result_hash;
      job.miner_signature = request.proof.signature;
      job.amount_paid = receipt->amount_paid;
      job.receipt_ms = static_cast<int64_t>(receipt->completed_at_ms);
      job.ended_ms = now;
      job.error.clear();
      job.closing.status = TxStatus::kSigned;
      job.closing.bytes = std::move(settle.bytes);
      job.closing.hash = settle.hash;
      e->completed_steady_ms = d_.clock->SteadyMs();
      receipts_[receipt->receipt_id] = job_id;
      counters_->receipts->Inc();
      std::vector<Mutation> extra;
      if (MinerInfo* m = registry_.Find(job.miner_id)) extra.push_back(PutMiner{registry_.Row(*m)});
      Persist(*e, std::move(extra), [this, e, done = std::move(done)](core::Status status) mutable {
        if (!status.ok()) {
          Answer(std::move(done), status.error().WithContext("storing the receipt"));
          return;
        }
        Answer(std::move(done), e->job);
        BroadcastClosing(*e);
      });
      Dispatch();
      return;
    }
  }
  auto job = Lookup(job_id);
  if (job.ok() && *job && (**job).miner_id == caller.owner && same_completion(**job)) {
    Answer(std::move(done), std::move(**job));
    return;
  }
  Answer(std::move(done), RetiredJobError(caller, job_id, job, "become completed"));
}

void JobService::ReportFailure(const Caller& caller, const std::string& job_id,
                               const protocol::FailReport& report, JobDone done) {
  {
    std::lock_guard lock(mu_);
    if (Entry* e = FindLive(job_id)) {
      auto found = MinerJob(caller, job_id);
      if (!found.ok()) {
        Answer(std::move(done), found.error());
        return;
      }
      if (e->job.state != JobState::kAssigned && e->job.state != JobState::kRunning) {
        Answer(std::move(done), core::Error::FailedPrecondition(
                                    JobText(job_id) + " is " +
                                    std::string(JobStateName(e->job.state)) + ": cannot fail"));
        return;
      }
      AttemptFailed(*e, "reported " + report.code + ": " + report.reason, true);
      WhenDurable(*e,
                  [this, e, done = std::move(done)]() mutable { Answer(std::move(done), e->job); });
      return;
    }
  }
  Answer(std::move(done), RetiredJobError(caller, job_id, Lookup(job_id), "fail"));
}

// --- miners ------------------------------------------------------------------------------

void JobService::RegisterMiner(const Caller& caller,
                               const protocol::MinerRegistration& registration, JsonDone done) {
  auto answer = [this](JsonDone done, core::Result<nlohmann::json> r) {
    d_.loop->Post([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
  };
  if (registration.backend == "sim" && !config_.allow_sim_miners) {
    answer(std::move(done), core::Error::PermissionDenied(
                                "simulated miners (backend \"sim\") are refused: start the "
                                "coordinator with --allow-sim-miners to accept them"));
    return;
  }
  if (registration.models.empty()) {
    answer(std::move(done), core::Error::InvalidArgument("a miner must serve at least one model"));
    return;
  }
  auto url = net::Url::Parse(registration.url);
  if (!url.ok()) {
    answer(std::move(done), url.error().WithContext("field 'url'"));
    return;
  }
  std::lock_guard lock(mu_);
  MinerInfo& miner =
      registry_.Register(caller.owner, registration, d_.clock->NowMs(), d_.clock->SteadyMs());
  nlohmann::json reply = {{"miner_id", miner.miner_id},
                          {"push_key", miner.push_key},
                          {"heartbeat_interval_ms", config_.heartbeat_interval_ms},
                          {"address", miner.address.ToString()}};
  spdlog::info("miner {} registered: {} at {}, models [{}], {} slots, {}/s, backend {}",
               miner.miner_id, miner.address.ToString(), registration.url,
               fmt::join(registration.models, ", "), registration.slots,
               registration.price.per_second.ToString(), registration.backend);
  std::weak_ptr<bool> alive = alive_;
  d_.store->Write({PutMiner{registry_.Row(miner)}},
                  [this, alive, reply, answer, done = std::move(done)](core::Status s) mutable {
                    if (alive.expired()) return;
                    if (!s.ok()) {
                      answer(std::move(done), s.error().WithContext("storing the miner"));
                      return;
                    }
                    answer(std::move(done), reply);
                    d_.loop->Post([this, alive] {
                      if (alive.expired()) return;
                      std::lock_guard lock(mu_);
                      Dispatch();
                    });
                  });
  RefreshStakesLocked();  // reads this miner's stake (refreshed_ms is 0 for a new address)
}

core::Result<nlohmann::json> JobService::Heartbeat(const Caller& caller,
                                                   const protocol::MinerHeartbeat& heartbeat) {
  std::lock_guard lock(mu_);
  AITBC_ASSIGN_OR_RETURN(MinerInfo * miner,
                         registry_.Heartbeat(caller.owner, heartbeat, d_.clock->SteadyMs()));
  nlohmann::json reply = {{"status", "ok"},
                          {"miner_id", miner->miner_id},
                          {"active_jobs", miner->active},
                          {"heartbeat_interval_ms", config_.heartbeat_interval_ms}};
  Dispatch();
  return reply;
}

void JobService::RemoveMiner(const Caller& caller, const std::string& miner_id, JsonDone done) {
  auto answer = [this](JsonDone done, core::Result<nlohmann::json> r) {
    d_.loop->Post([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
  };
  if (caller.role != net::Role::kAdmin && caller.owner != miner_id) {
    answer(std::move(done), core::Error::PermissionDenied("miners may remove only themselves"));
    return;
  }
  std::lock_guard lock(mu_);
  if (auto removed = registry_.Remove(miner_id); !removed.ok()) {
    answer(std::move(done), removed.error());
    return;
  }
  std::vector<Entry*> jobs;
  for (auto& [id, e] : live_) {
    if (e->job.miner_id == miner_id &&
        (e->job.state == JobState::kAssigned || e->job.state == JobState::kRunning)) {
      jobs.push_back(e.get());
    }
  }
  for (Entry* e : jobs) AttemptFailed(*e, "miner unregistered", false);
  spdlog::info("miner {} unregistered; {} jobs requeued", miner_id, jobs.size());
  answer(std::move(done),
         nlohmann::json{
             {"miner_id", miner_id}, {"status", "unregistered"}, {"requeued_jobs", jobs.size()}});
}

nlohmann::json JobService::ListMiners() {
  std::lock_guard lock(mu_);
  nlohmann::json out = nlohmann::json::array();
  int64_t now = d_.clock->SteadyMs();
  for (const auto& [id, m] : registry_.miners()) out.push_back(m.ToApiJson(now));
  return out;
}

void JobService::SweepMiners() {
  std::lock_guard lock(mu_);
  std::vector<std::string> silent = registry_.ExpireSilent(d_.clock->SteadyMs());
  if (silent.empty()) return;
  std::vector<Entry*> jobs;
  for (auto& [id, e] : live_) {
    if ((e->job.state == JobState::kAssigned || e->job.state == JobState::kRunning) &&
        std::find(silent.begin(), silent.end(), e->job.miner_id) != silent.end()) {
      jobs.push_back(e.get());
    }
  }
  for (const std::string& id : silent) spdlog::warn("miner {} stopped heartbeating: offline", id);
  for (Entry* e : jobs) AttemptFailed(*e, "miner stopped heartbeating", true);
}

void JobService::RefreshStakes() {
  std::lock_guard lock(mu_);
  RefreshStakesLocked();
}

void JobService::RefreshStakesLocked() {
  int64_t now = d_.clock->SteadyMs();
  std::weak_ptr<bool> alive = alive_;
  for (auto& [id, m] : registry_.miners()) {
    if (!m.registered) continue;
    if (m.stake_refreshed_steady_ms != 0 &&
        now - m.stake_refreshed_steady_ms < config_.stake_refresh_ms) {
      continue;
    }
    MinerInfo* miner = registry_.Find(id);
    miner->stake_refreshed_steady_ms = now;
    d_.chain->GetAccount(m.address, [this, alive, id = id,
                                     address = m.address](core::Result<net::AccountInfo> info) {
      if (alive.expired()) return;
      std::lock_guard lock(mu_);
      MinerInfo* miner = registry_.Find(id);
      if (miner == nullptr || miner->address != address) return;
      if (!info.ok()) {
        if (info.error().code() != core::ErrorCode::kNotFound) miner->stake_refreshed_steady_ms = 0;
        return;
      }
      miner->stake = info->stake;
    });
  }
}

}  // namespace aitbc::coordinator
