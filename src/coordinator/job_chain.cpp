// JobService and the chain: broadcasting settlements and refunds, following blocks, and
// reconciling unfinished jobs with the chain's view of their escrows after a restart or a lost
// transaction.
//
// The money rules (docs/coordinator.md): each job's closing transaction (job_settle when it
// completed, job_refund when it failed or was cancelled) is signed once, stored, and only ever
// re-broadcast as the same bytes; the chain closes an escrow once, so no job is paid twice, and
// a job is finished only when the chain says its escrow is closed (or that it never existed).
#include <spdlog/spdlog.h>

#include "coordinator/job_service.h"
#include "coordinator/job_service_internal.h"

namespace aitbc::coordinator {
namespace {

// How many GetEscrow checks one sweep may start.
constexpr size_t kMaxReconcilesPerSweep = 256;
// A closing transaction refused for want of funds is retried every sweep; the error is logged
// at most this often per job (debug in between).
constexpr int64_t kUnfundedLogIntervalMs = 60'000;

const std::string* JobIdOf(const protocol::Transaction& tx) {
  if (const auto* e = std::get_if<protocol::JobEscrow>(&tx.payload)) return &e->job_id;
  if (const auto* s = std::get_if<protocol::JobSettle>(&tx.payload)) return &s->receipt.job_id;
  if (const auto* r = std::get_if<protocol::JobRefund>(&tx.payload)) return &r->job_id;
  return nullptr;
}

}  // namespace

void JobService::BroadcastClosing(Entry& e) {
  if (e.job.closing.status != TxStatus::kSigned || e.closing_sent) return;
  // The node accepts a settle or refund once it knows the escrow: committed, or accepted into
  // its mempool by this process (its pending state has it). Otherwise the follower or the
  // chain sweep sends it once the escrow is known.
  if (e.job.escrow.status != TxStatus::kCommitted && !e.escrow_in_mempool) return;
  e.closing_sent = true;
  e.chain_checked_steady_ms = d_.clock->SteadyMs();
  std::weak_ptr<bool> alive = alive_;
  broadcaster_->Broadcast(e.job.closing.bytes, [this, alive, id = e.job.job_id](
                                                   core::Result<core::Hash256> result) {
    if (alive.expired() || result.ok()) return;
    std::lock_guard lock(mu_);
    Entry* e = FindLive(id);
    // Retried by the chain sweep (after reconciling with GetEscrow). Expected while the
    // node is unreachable or does not know the escrow yet; our account short of funds is
    // an error; anything else is a warning.
    core::ErrorCode code = result.error().code();
    if (code == core::ErrorCode::kInsufficientFunds && e != nullptr) {
      LogUnfundedClosing(*e, result.error());
    } else if (code == core::ErrorCode::kUnavailable || code == core::ErrorCode::kTimeout ||
               code == core::ErrorCode::kResourceExhausted || code == core::ErrorCode::kNotFound) {
      spdlog::debug("job {}: closing broadcast failed: {}", id, result.error().ToString());
    } else {
      spdlog::warn("job {}: the node refused its closing transaction: {}", id,
                   result.error().ToString());
    }
    if (e != nullptr) e->closing_sent = false;
  });
}

// The coordinator's account cannot pay the job's closing transaction: the fee, and for a refund
// also the client's escrow-fee rebate. Nothing is lost: the job stays failed (or completed)
// with its closing transaction pending, the chain sweep sends it again every few seconds, and
// it goes through once the account is funded. Until then the client's funds stay locked in
// escrow (at worst until the escrow expires and the client refunds itself).
void JobService::LogUnfundedClosing(Entry& e, const core::Error& error) {
  int64_t now = d_.clock->SteadyMs();
  if (e.unfunded_logged_steady_ms && now - *e.unfunded_logged_steady_ms < kUnfundedLogIntervalMs) {
    spdlog::debug("job {}: closing transaction still unfunded: {}", e.job.job_id, error.message());
    return;
  }
  e.unfunded_logged_steady_ms = now;
  const Job& job = e.job;
  bool refund = job.state != JobState::kCompleted;
  core::Amount fee = d_.tx_params.fee;
  core::Amount rebate = refund ? EscrowFee(job) : core::Amount();
  std::string account = core::Address::FromPublicKey(d_.coordinator_key->public_key()).ToString();
  std::string needs = refund
                          ? "its fee " + fee.ToString() + " + the client's escrow-fee rebate " +
                                rebate.ToString() + " = " + fee.Add(rebate).value_or(fee).ToString()
                          : "its fee " + fee.ToString();
  std::string locked = refund
                           ? "the client's " + job.max_price.ToString() + " stays locked in escrow"
                           : "the miner is not paid and the client's " + job.max_price.ToString() +
                                 " stays locked in escrow";
  spdlog::error(
      "job {}: the node refused its {} for insufficient funds: the coordinator's account {} "
      "must pay {} ({}). Fund {}: until then {} (at most until the escrow expires at height {} "
      "and the client refunds itself). Retrying every {} ms.",
      job.job_id, refund ? "refund" : "settlement", account, needs, error.message(), account,
      locked, job.expiry_height, config_.reconcile_after_ms);
}

void JobService::OnBlock(protocol::Block block, std::function<void()> resume) {
  std::lock_guard lock(mu_);
  uint64_t height = block.header.height;
  for (const protocol::TxEnvelope& tx : block.txs) {
    const std::string* job_id = JobIdOf(tx.tx);
    if (job_id == nullptr) continue;
    Entry* e = FindLive(*job_id);
    if (e == nullptr) continue;
    bool changed = false;
    ApplyChainTx(*e, tx, height, changed);
    if (changed) Persist(*e, {}, nullptr);
  }
  // The height is stored after (group commit keeps the order) the job updates it implies.
  std::weak_ptr<bool> alive = alive_;
  d_.store->Write({PutMeta{kFollowerHeightKey, std::to_string(height)}},
                  [alive, height, resume = std::move(resume)](core::Status status) {
                    if (alive.expired()) return;
                    if (!status.ok()) {
                      spdlog::error("store: recording block {} failed: {}", height,
                                    status.error().ToString());
                    }
                    resume();
                  });
}

void JobService::ApplyChainTx(Entry& e, const protocol::TxEnvelope& tx, uint64_t height,
                              bool& changed) {
  Job& job = e.job;
  protocol::TxType type = tx.tx.type();
  if (type == protocol::TxType::kJobEscrow) {
    // Kept in memory only: stored with the job's next write, and after a restart the
    // reconciliation reads it back from the chain (GetEscrow). One write less per job.
    if (job.escrow.status == TxStatus::kCommitted) return;
    job.escrow.status = TxStatus::kCommitted;
    job.escrow.height = height;
    BroadcastClosing(e);  // a job that ended before its escrow committed
    return;
  }
  if (job.closing.status == TxStatus::kCommitted) return;
  bool ours = tx.hash == job.closing.hash;
  job.closed_by = type == protocol::TxType::kJobSettle ? Closing::kSettle : Closing::kRefund;
  job.closing.status = TxStatus::kCommitted;
  job.closing.height = height;
  if (job.escrow.status != TxStatus::kCommitted) job.escrow.status = TxStatus::kCommitted;
  changed = true;
  if (!ours) {
    // Not the transaction we signed: the client refunded itself after the escrow expired.
    spdlog::warn("job {}: escrow closed on the chain by another transaction ({}) at height {}",
                 job.job_id, tx.hash.ToHex(), height);
    job.closing.hash = tx.hash;
    job.closing.bytes = tx.bytes;
    OnJobFinishedOnChain(e);
    return;
  }
  if (job.closed_by == Closing::kSettle && e.completed_steady_ms != 0) {
    counters_->settle_latency->Observe(
        static_cast<double>(d_.clock->SteadyMs() - e.completed_steady_ms) / 1000.0);
  }
}

// The escrow was closed (or can never be created) while the job was not finished here: the job
// ends as failed, with nothing left to sign.
void JobService::OnJobFinishedOnChain(Entry& e) {
  if (IsTerminal(e.job.state)) {
    if (e.job.state == JobState::kCompleted && e.job.closed_by != Closing::kSettle) {
      spdlog::error(
          "job {} completed but its escrow was not settled by our receipt: the miner "
          "was not paid",
          e.job.job_id);
    }
    return;
  }
  queue_.Remove(e.job.job_id);
  CancelTimer(e);
  if (e.job.state == JobState::kAssigned || e.job.state == JobState::kRunning) {
    StopOnMiner(e, "its escrow is no longer on the chain");
    ReleaseMiner(e, std::nullopt);
  }
  ++e.assign_gen;
  SetState(e, JobState::kFailed);
  e.job.ended_ms = d_.clock->NowMs();
  e.job.error = e.job.escrow.status == TxStatus::kRejected
                    ? "the chain rejected the escrow: " + e.job.error
                    : "the escrow was closed on the chain (refunded after it expired)";
}

void JobService::SweepChain() {
  std::vector<std::string> due;
  {
    std::lock_guard lock(mu_);
    int64_t now = d_.clock->SteadyMs();
    for (auto& [id, e] : live_) {
      if (due.size() >= kMaxReconcilesPerSweep) break;
      if (e->submitting || e->reconciling || e->writes_in_flight != 0) continue;
      const Job& job = e->job;
      bool escrow_open = job.escrow.status == TxStatus::kSigned;
      bool closing_open = IsTerminal(job.state) && job.closing.status == TxStatus::kSigned;
      if (!escrow_open && !closing_open) continue;
      if (now - e->chain_checked_steady_ms < config_.reconcile_after_ms) continue;
      e->reconciling = true;
      due.push_back(id);
    }
  }
  for (const std::string& id : due) Reconcile(id);
}

void JobService::Reconcile(const std::string& job_id) {
  std::weak_ptr<bool> alive = alive_;
  d_.chain->GetEscrow(job_id,
                      [this, alive, job_id](core::Result<std::optional<net::EscrowInfo>> result) {
                        if (alive.expired()) return;
                        std::lock_guard lock(mu_);
                        OnEscrowState(job_id, std::move(result));
                      });
}

void JobService::OnEscrowState(const std::string& job_id,
                               core::Result<std::optional<net::EscrowInfo>> result) {
  auto it = live_.find(job_id);
  if (it == live_.end()) return;
  Entry& e = *it->second;
  e.reconciling = false;
  e.chain_checked_steady_ms = d_.clock->SteadyMs();
  if (!result.ok()) {
    spdlog::debug("job {}: escrow lookup failed: {}", job_id, result.error().ToString());
    return;
  }
  Job& job = e.job;
  uint64_t tip = std::max(follower_ ? follower_->tip() : 0, initial_height_);
  if (!result->has_value()) {
    if (IsTerminal(job.state) && job.state != JobState::kCompleted) {
      // Failed or cancelled before its escrow committed. Once past its expiry the escrow can no
      // longer be created: nothing was locked, nothing to refund.
      if (job.expiry_height != 0 && tip >= job.expiry_height) {
        job.escrow.status = TxStatus::kRejected;
        job.closing.status = TxStatus::kNone;
        Persist(e, {}, nullptr);
      }
      return;
    }
    // The node lost it (or never saw it): the same signed escrow again.
    std::weak_ptr<bool> alive = alive_;
    broadcaster_->Broadcast(job.escrow.bytes, [this, alive, job_id](core::Result<core::Hash256> r) {
      if (alive.expired()) return;
      std::lock_guard lock(mu_);
      Entry* e = FindLive(job_id);
      if (e == nullptr) return;
      if (r.ok()) {
        e->escrow_in_mempool = true;
        e->closing_sent = false;
        BroadcastClosing(*e);
        return;
      }
      core::ErrorCode code = r.error().code();
      if (code == core::ErrorCode::kUnavailable || code == core::ErrorCode::kTimeout ||
          code == core::ErrorCode::kAlreadyExists || code == core::ErrorCode::kResourceExhausted) {
        return;  // try again at the next sweep
      }
      spdlog::warn("job {}: the node rejects its escrow: {}", job_id, r.error().ToString());
      e->job.escrow.status = TxStatus::kRejected;
      e->job.closing.status = TxStatus::kNone;
      e->job.error = r.error().message();
      OnJobFinishedOnChain(*e);
      Persist(*e, {}, nullptr);
    });
    return;
  }
  const net::EscrowInfo& escrow = **result;
  bool changed = false;
  if (job.escrow.status != TxStatus::kCommitted) {
    job.escrow.status = TxStatus::kCommitted;
    job.escrow.height = escrow.created_height;
    changed = true;
  }
  if (escrow.status == "open") {
    if (IsTerminal(job.state) && job.closing.status == TxStatus::kSigned) {
      e.closing_sent = false;
      BroadcastClosing(e);  // the same signed settle/refund again
    }
  } else if (job.closing.status != TxStatus::kCommitted) {
    bool ours = escrow.closing_tx == job.closing.hash;
    job.closed_by = escrow.status == "settled" ? Closing::kSettle : Closing::kRefund;
    job.closing.status = TxStatus::kCommitted;
    job.closing.height = escrow.closed_height;
    if (!ours) {
      job.closing.hash = escrow.closing_tx;
      job.closing.bytes.clear();
      spdlog::warn("job {}: escrow {} at height {} by another transaction ({})", job_id,
                   escrow.status, escrow.closed_height, escrow.closing_tx.ToHex());
      OnJobFinishedOnChain(e);
    }
    changed = true;
  }
  if (changed) Persist(e, {}, nullptr);
}

}  // namespace aitbc::coordinator
