#include "coordinator/job_view.h"

#include "coordinator/settlement.h"
#include "core/clock.h"
#include "protocol/json_codec.h"

namespace aitbc::coordinator {
namespace {

nlohmann::json Time(int64_t ms) {
  return ms == 0 ? nlohmann::json(nullptr) : nlohmann::json(core::FormatRfc3339(ms));
}

nlohmann::json Height(const ChainTx& tx) {
  return tx.status == TxStatus::kCommitted ? nlohmann::json(tx.height) : nlohmann::json(nullptr);
}

std::string TxState(const ChainTx& tx) {
  switch (tx.status) {
    case TxStatus::kCommitted:
      return "committed";
    case TxStatus::kRejected:
      return "rejected";
    case TxStatus::kSigned:
      return "pending";
    case TxStatus::kNone:
      break;
  }
  return "none";
}

// `fee`: the escrow transaction's network fee, which the client pays on top of the job's cost
// (and which the coordinator's refund of a failed or cancelled job pays back).
nlohmann::json EscrowJson(const Job& job) {
  return {{"amount", protocol::AmountToJson(job.max_price)},
          {"fee", protocol::AmountToJson(EscrowFee(job))},
          {"tx_hash", job.escrow.hash.ToHex()},
          {"status", TxState(job.escrow)},
          {"block_height", Height(job.escrow)},
          {"expiry_height", job.expiry_height}};
}

nlohmann::json SettlementJson(const Job& job) {
  if (job.closing.status == TxStatus::kNone) return nullptr;
  std::string type = job.state == JobState::kCompleted ? "settle" : "refund";
  if (job.closed_by == Closing::kSettle) type = "settle";
  if (job.closed_by == Closing::kRefund) type = "refund";
  return {{"type", type},
          {"status", job.closing.status == TxStatus::kCommitted ? "committed" : "pending"},
          {"tx_hash", job.closing.hash.ToHex()},
          {"block_height", Height(job.closing)}};
}

}  // namespace

nlohmann::json SubmissionJson(const Job& job) {
  return {{"job_id", job.job_id},
          {"status", JobStateName(job.state)},
          {"submitted_at", core::FormatRfc3339(job.submitted_ms)},
          {"escrow",
           {{"amount", protocol::AmountToJson(job.max_price)},
            {"fee", protocol::AmountToJson(EscrowFee(job))},
            {"tx_hash", job.escrow.hash.ToHex()}}}};
}

nlohmann::json JobJson(const Job& job, bool with_result) {
  nlohmann::json out = {
      {"job_id", job.job_id},
      {"status", JobStateName(job.state)},
      {"type", job.spec.type},
      {"model", job.spec.model},
      {"submitted_at", Time(job.submitted_ms)},
      {"assigned_at", Time(job.assigned_ms)},
      {"started_at", Time(job.started_ms)},
      {"completed_at", Time(job.state == JobState::kCompleted ? job.ended_ms : 0)},
      {"ended_at", Time(IsTerminal(job.state) ? job.ended_ms : 0)},
      {"attempts", job.attempts},
      {"max_price", protocol::AmountToJson(job.max_price)},
      {"miner", job.miner_address.IsZero() ? nlohmann::json(nullptr)
                                           : nlohmann::json(job.miner_address.ToString())},
      {"miner_id", job.miner_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(job.miner_id)},
      {"escrow", EscrowJson(job)},
      {"settlement", SettlementJson(job)}};
  if (job.state == JobState::kCompleted) {
    if (with_result) out["result"] = job.result;
    out["result_hash"] = job.result_hash.ToHex();
    out["receipt_id"] = job.receipt_id();
    out["cost"] = protocol::AmountToJson(job.amount_paid);  // to the miner; escrow.fee is extra
    out["metrics"] = protocol::MetricsToJson(job.metrics);
  } else {
    out["receipt_id"] = nullptr;
  }
  if (job.state == JobState::kFailed || job.state == JobState::kCancelled) {
    out["error"] = job.error;
    out["cost"] = protocol::AmountToJson(core::Amount());
  } else if (!job.error.empty()) {
    out["last_error"] = job.error;  // an earlier attempt failed; the job was requeued
  }
  return out;
}

nlohmann::json ReceiptJson(const Job& job, const core::Address& coordinator) {
  nlohmann::json out = protocol::ReceiptToJson(job.ToReceipt());
  bool committed = job.closing.status == TxStatus::kCommitted && job.closed_by != Closing::kRefund;
  out["block_height"] = committed ? nlohmann::json(job.closing.height) : nlohmann::json(nullptr);
  out["status"] = committed ? "committed" : "pending";
  out["settle_tx"] = job.closing.hash.ToHex();
  out["coordinator"] = coordinator.ToString();
  out["miner_key"] = job.miner_key.ToHex();
  out["miner_signature"] = job.miner_signature.ToHex();
  out["result_hash"] = job.result_hash.ToHex();
  return out;
}

}  // namespace aitbc::coordinator
