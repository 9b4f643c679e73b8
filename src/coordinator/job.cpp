#include "coordinator/job.h"

#include "core/json_fields.h"

namespace aitbc::coordinator {
namespace {

constexpr std::string_view kWhat = "stored job";

core::Error Corrupt(std::string_view field, const core::Error& error) {
  return core::Error::Corruption(std::string(kWhat) + ": field \"" + std::string(field) +
                                 "\": " + error.message());
}

// Fixed-size values stored as hex (hashes, keys, signatures).
template <typename T>
core::Result<T> HexValue(const nlohmann::json& obj, std::string_view field) {
  AITBC_ASSIGN_OR_RETURN(std::string hex, core::JsonStringField(obj, field, kWhat));
  auto value = T::FromHex(hex);
  if (!value.ok()) return Corrupt(field, value.error());
  return std::move(value).value();
}

core::Result<core::Address> AddressValue(const nlohmann::json& obj, std::string_view field) {
  AITBC_ASSIGN_OR_RETURN(std::string text, core::JsonStringField(obj, field, kWhat));
  if (text.empty()) return core::Address();
  auto address = core::Address::Parse(text);
  if (!address.ok()) return Corrupt(field, address.error());
  return *address;
}

core::Result<int64_t> TimeValue(const nlohmann::json& obj, std::string_view field) {
  AITBC_ASSIGN_OR_RETURN(uint64_t v, core::JsonUintField(obj, field, kWhat));
  return static_cast<int64_t>(v);
}

core::Result<core::Amount> AmountValue(const nlohmann::json& obj, std::string_view field) {
  AITBC_ASSIGN_OR_RETURN(uint64_t v, core::JsonUintField(obj, field, kWhat));
  return core::Amount::FromMicro(v);
}

std::string AddressText(const core::Address& a) { return a.IsZero() ? "" : a.ToString(); }

nlohmann::json TxToStored(const ChainTx& tx) {
  return {{"status", TxStatusName(tx.status)},
          {"bytes", core::HexEncode(tx.bytes)},
          {"hash", tx.hash.ToHex()},
          {"height", tx.height}};
}

core::Result<ChainTx> TxFromStored(const nlohmann::json& obj, std::string_view field) {
  AITBC_ASSIGN_OR_RETURN(const nlohmann::json* j, core::JsonObjectField(obj, field, kWhat));
  ChainTx tx;
  AITBC_ASSIGN_OR_RETURN(std::string status, core::JsonStringField(*j, "status", kWhat));
  auto parsed = TxStatusFromName(status);
  if (!parsed.ok()) return Corrupt(field, parsed.error());
  tx.status = *parsed;
  AITBC_ASSIGN_OR_RETURN(tx.bytes, core::JsonHexField(*j, "bytes", kWhat));
  AITBC_ASSIGN_OR_RETURN(tx.hash, HexValue<core::Hash256>(*j, "hash"));
  AITBC_ASSIGN_OR_RETURN(tx.height, core::JsonUintField(*j, "height", kWhat));
  return tx;
}

nlohmann::json MetricsToStored(const protocol::Metrics& m) {
  nlohmann::json out = {{"compute_ms", m.compute_ms},
                        {"prompt_tokens", m.prompt_tokens},
                        {"completion_tokens", m.completion_tokens}};
  if (m.gpu_utilization_bp) out["gpu_bp"] = *m.gpu_utilization_bp;
  return out;
}

core::Result<protocol::Metrics> MetricsFromStored(const nlohmann::json& obj) {
  AITBC_ASSIGN_OR_RETURN(const nlohmann::json* j, core::JsonObjectField(obj, "metrics", kWhat));
  protocol::Metrics m;
  AITBC_ASSIGN_OR_RETURN(m.compute_ms, core::JsonUintField(*j, "compute_ms", kWhat));
  AITBC_ASSIGN_OR_RETURN(m.prompt_tokens, core::JsonUintField(*j, "prompt_tokens", kWhat));
  AITBC_ASSIGN_OR_RETURN(m.completion_tokens, core::JsonUintField(*j, "completion_tokens", kWhat));
  if (j->contains("gpu_bp")) {
    AITBC_ASSIGN_OR_RETURN(uint64_t bp, core::JsonUintField(*j, "gpu_bp", kWhat));
    if (bp > 10'000) return core::Error::Corruption("stored job: gpu_bp above 10000");
    m.gpu_utilization_bp = static_cast<uint16_t>(bp);
  }
  return m;
}

std::string_view ClosingName(Closing c) {
  switch (c) {
    case Closing::kSettle:
      return "settle";
    case Closing::kRefund:
      return "refund";
    case Closing::kNone:
      break;
  }
  return "none";
}

}  // namespace

std::string Job::receipt_id() const {
  return state == JobState::kCompleted ? protocol::ReceiptIdFor(job_id) : std::string();
}

protocol::Receipt Job::ToReceipt() const {
  protocol::Receipt r;
  r.receipt_id = protocol::ReceiptIdFor(job_id);
  r.job_id = job_id;
  r.client = client;
  r.miner = miner_address;
  r.amount_paid = amount_paid;
  r.result_hash = result_hash;
  r.completed_at_ms = static_cast<uint64_t>(receipt_ms);
  r.metrics = metrics;
  r.price = price;
  return r;
}

bool Job::Finished() const {
  if (!IsTerminal(state)) return false;
  if (closing.status == TxStatus::kCommitted || closed_by != Closing::kNone) return true;
  // Nothing was ever locked on the chain: nothing to close.
  return escrow.status == TxStatus::kRejected || escrow.status == TxStatus::kNone;
}

nlohmann::json Job::ToStoredJson() const {
  return {
      {"job_id", job_id},
      {"seq", seq},
      {"client_key_id", client_key_id},
      {"client", AddressText(client)},
      {"spec", spec.ToJson()},
      {"max_price", max_price.micro()},
      {"idempotency_key", idempotency_key},
      {"request_hash", request_hash.ToHex()},
      {"expiry_height", expiry_height},
      {"state", JobStateName(state)},
      {"submitted_ms", submitted_ms},
      {"assigned_ms", assigned_ms},
      {"started_ms", started_ms},
      {"ended_ms", ended_ms},
      {"attempts", attempts},
      {"failed_miners", failed_miners},
      {"error", error},
      {"miner_id", miner_id},
      {"miner_address", AddressText(miner_address)},
      {"miner_key", miner_key.ToHex()},
      {"price",
       {{"per_second", price.per_second.micro()}, {"per_1k_tokens", price.per_1k_tokens.micro()}}},
      {"deadline_ms", deadline_ms},
      {"result", result},
      {"metrics", MetricsToStored(metrics)},
      {"result_hash", result_hash.ToHex()},
      {"miner_signature", miner_signature.ToHex()},
      {"amount_paid", amount_paid.micro()},
      {"receipt_ms", receipt_ms},
      {"escrow", TxToStored(escrow)},
      {"closing", TxToStored(closing)},
      {"closed_by", ClosingName(closed_by)}};
}

core::Result<Job> Job::FromStoredJson(const nlohmann::json& j) {
  if (!j.is_object()) return core::Error::Corruption("stored job is not a JSON object");
  Job job;
  AITBC_ASSIGN_OR_RETURN(job.job_id, core::JsonStringField(j, "job_id", kWhat));
  AITBC_ASSIGN_OR_RETURN(job.seq, core::JsonUintField(j, "seq", kWhat));
  AITBC_ASSIGN_OR_RETURN(job.client_key_id, core::JsonStringField(j, "client_key_id", kWhat));
  AITBC_ASSIGN_OR_RETURN(job.client, AddressValue(j, "client"));
  AITBC_ASSIGN_OR_RETURN(const nlohmann::json* spec, core::JsonObjectField(j, "spec", kWhat));
  auto parsed_spec = protocol::JobSpec::FromJson(*spec);
  if (!parsed_spec.ok()) return Corrupt("spec", parsed_spec.error());
  job.spec = std::move(parsed_spec).value();
  AITBC_ASSIGN_OR_RETURN(job.max_price, AmountValue(j, "max_price"));
  AITBC_ASSIGN_OR_RETURN(job.idempotency_key, core::JsonStringField(j, "idempotency_key", kWhat));
  AITBC_ASSIGN_OR_RETURN(job.request_hash, HexValue<core::Hash256>(j, "request_hash"));
  AITBC_ASSIGN_OR_RETURN(job.expiry_height, core::JsonUintField(j, "expiry_height", kWhat));
  AITBC_ASSIGN_OR_RETURN(std::string state, core::JsonStringField(j, "state", kWhat));
  auto parsed_state = JobStateFromName(state);
  if (!parsed_state.ok()) return Corrupt("state", parsed_state.error());
  job.state = *parsed_state;
  AITBC_ASSIGN_OR_RETURN(job.submitted_ms, TimeValue(j, "submitted_ms"));
  AITBC_ASSIGN_OR_RETURN(job.assigned_ms, TimeValue(j, "assigned_ms"));
  AITBC_ASSIGN_OR_RETURN(job.started_ms, TimeValue(j, "started_ms"));
  AITBC_ASSIGN_OR_RETURN(job.ended_ms, TimeValue(j, "ended_ms"));
  AITBC_ASSIGN_OR_RETURN(uint64_t attempts, core::JsonUintField(j, "attempts", kWhat));
  job.attempts = static_cast<uint32_t>(attempts);
  if (!j.contains("failed_miners") || !j["failed_miners"].is_array()) {
    return core::Error::Corruption("stored job: field \"failed_miners\" is not an array");
  }
  for (const auto& m : j["failed_miners"]) {
    if (!m.is_string()) return core::Error::Corruption("stored job: bad failed_miners entry");
    job.failed_miners.push_back(m.get<std::string>());
  }
  AITBC_ASSIGN_OR_RETURN(job.error, core::JsonStringField(j, "error", kWhat));
  AITBC_ASSIGN_OR_RETURN(job.miner_id, core::JsonStringField(j, "miner_id", kWhat));
  AITBC_ASSIGN_OR_RETURN(job.miner_address, AddressValue(j, "miner_address"));
  AITBC_ASSIGN_OR_RETURN(job.miner_key, HexValue<core::PublicKey>(j, "miner_key"));
  AITBC_ASSIGN_OR_RETURN(const nlohmann::json* price, core::JsonObjectField(j, "price", kWhat));
  AITBC_ASSIGN_OR_RETURN(job.price.per_second, AmountValue(*price, "per_second"));
  AITBC_ASSIGN_OR_RETURN(job.price.per_1k_tokens, AmountValue(*price, "per_1k_tokens"));
  AITBC_ASSIGN_OR_RETURN(job.deadline_ms, TimeValue(j, "deadline_ms"));
  AITBC_ASSIGN_OR_RETURN(job.result, core::JsonStringField(j, "result", kWhat));
  AITBC_ASSIGN_OR_RETURN(job.metrics, MetricsFromStored(j));
  AITBC_ASSIGN_OR_RETURN(job.result_hash, HexValue<core::Hash256>(j, "result_hash"));
  AITBC_ASSIGN_OR_RETURN(job.miner_signature, HexValue<core::Signature>(j, "miner_signature"));
  AITBC_ASSIGN_OR_RETURN(job.amount_paid, AmountValue(j, "amount_paid"));
  AITBC_ASSIGN_OR_RETURN(job.receipt_ms, TimeValue(j, "receipt_ms"));
  AITBC_ASSIGN_OR_RETURN(job.escrow, TxFromStored(j, "escrow"));
  AITBC_ASSIGN_OR_RETURN(job.closing, TxFromStored(j, "closing"));
  AITBC_ASSIGN_OR_RETURN(std::string closed_by, core::JsonStringField(j, "closed_by", kWhat));
  if (closed_by == "settle") {
    job.closed_by = Closing::kSettle;
  } else if (closed_by == "refund") {
    job.closed_by = Closing::kRefund;
  } else if (closed_by != "none") {
    return core::Error::Corruption("stored job: unknown closed_by '" + closed_by + "'");
  }
  return job;
}

}  // namespace aitbc::coordinator
