#include "coordinator/job.h"

#include <nlohmann/json.hpp>

#include "protocol/limits.h"

namespace aitbc::coordinator {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kMaxTextBytes = 64 << 10;  // ids, errors, names
constexpr size_t kMaxFailedMiners = 1'000;

void PutAddress(core::Writer& w, const core::Address& a) { w.Fixed(a.view()); }

core::Result<core::Address> GetAddress(core::Reader& r) {
  std::array<uint8_t, 20> bytes{};
  AITBC_TRY(r.Fixed(bytes));
  return core::Address(bytes);
}

core::Result<int64_t> GetTime(core::Reader& r) {
  AITBC_ASSIGN_OR_RETURN(uint64_t v, r.U64());
  return static_cast<int64_t>(v);
}

core::Result<core::Amount> GetAmount(core::Reader& r) {
  AITBC_ASSIGN_OR_RETURN(uint64_t v, r.U64());
  return core::Amount::FromMicro(v);
}

void PutTx(core::Writer& w, const ChainTx& tx) {
  w.U8(static_cast<uint8_t>(tx.status));
  w.Var(tx.bytes);
  w.Fixed(tx.hash.view());
  w.U64(tx.height);
}

core::Result<ChainTx> GetTx(core::Reader& r) {
  ChainTx tx;
  AITBC_ASSIGN_OR_RETURN(uint8_t status, r.U8());
  if (status > static_cast<uint8_t>(TxStatus::kRejected)) {
    return core::Error::Corruption("unknown transaction status " + std::to_string(status));
  }
  tx.status = static_cast<TxStatus>(status);
  AITBC_ASSIGN_OR_RETURN(tx.bytes, r.Var(protocol::kMaxTxBytes));
  AITBC_TRY(r.Fixed(tx.hash.bytes));
  AITBC_ASSIGN_OR_RETURN(tx.height, r.U64());
  return tx;
}

core::Result<Job> DecodeJob(core::Reader& r) {
  Job job;
  AITBC_ASSIGN_OR_RETURN(uint8_t version, r.U8());
  if (version != kVersion) {
    return core::Error::Corruption("unsupported job record version " + std::to_string(version));
  }
  AITBC_ASSIGN_OR_RETURN(job.job_id, r.String(protocol::kMaxJobIdBytes));
  AITBC_ASSIGN_OR_RETURN(job.seq, r.U64());
  AITBC_ASSIGN_OR_RETURN(job.client_key_id, r.String(kMaxTextBytes));
  AITBC_ASSIGN_OR_RETURN(job.client, GetAddress(r));
  AITBC_ASSIGN_OR_RETURN(job.spec.type, r.String(kMaxTextBytes));
  AITBC_ASSIGN_OR_RETURN(job.spec.model, r.String(protocol::kMaxModelNameBytes));
  AITBC_ASSIGN_OR_RETURN(job.spec.prompt, r.String(protocol::kMaxPromptBytes));
  AITBC_ASSIGN_OR_RETURN(job.spec.system, r.String(protocol::kMaxPromptBytes));
  AITBC_ASSIGN_OR_RETURN(std::string options, r.String(kMaxTextBytes));
  if (!options.empty()) {
    auto json = nlohmann::json::parse(options, nullptr, false);
    auto parsed = protocol::InferenceOptions::FromJson(json);
    if (json.is_discarded() || !parsed.ok()) {
      return core::Error::Corruption("stored job options are invalid: " + options);
    }
    job.spec.options = std::move(parsed).value();
  }
  AITBC_ASSIGN_OR_RETURN(job.max_price, GetAmount(r));
  AITBC_ASSIGN_OR_RETURN(job.idempotency_key, r.String(kMaxTextBytes));
  AITBC_TRY(r.Fixed(job.request_hash.bytes));
  AITBC_ASSIGN_OR_RETURN(job.expiry_height, r.U64());
  AITBC_ASSIGN_OR_RETURN(uint8_t state, r.U8());
  if (state > static_cast<uint8_t>(JobState::kCancelled)) {
    return core::Error::Corruption("unknown job state " + std::to_string(state));
  }
  job.state = static_cast<JobState>(state);
  AITBC_ASSIGN_OR_RETURN(job.submitted_ms, GetTime(r));
  AITBC_ASSIGN_OR_RETURN(job.assigned_ms, GetTime(r));
  AITBC_ASSIGN_OR_RETURN(job.started_ms, GetTime(r));
  AITBC_ASSIGN_OR_RETURN(job.ended_ms, GetTime(r));
  AITBC_ASSIGN_OR_RETURN(job.attempts, r.U32());
  AITBC_ASSIGN_OR_RETURN(uint32_t failed, r.U32());
  if (failed > kMaxFailedMiners) return core::Error::Corruption("too many failed miners");
  for (uint32_t i = 0; i < failed; ++i) {
    AITBC_ASSIGN_OR_RETURN(std::string id, r.String(kMaxTextBytes));
    job.failed_miners.push_back(std::move(id));
  }
  AITBC_ASSIGN_OR_RETURN(job.error, r.String(kMaxTextBytes));
  AITBC_ASSIGN_OR_RETURN(job.miner_id, r.String(kMaxTextBytes));
  AITBC_ASSIGN_OR_RETURN(job.miner_address, GetAddress(r));
  AITBC_TRY(r.Fixed(job.miner_key.bytes));
  AITBC_ASSIGN_OR_RETURN(job.price, protocol::Price::DecodeFrom(r));
  AITBC_ASSIGN_OR_RETURN(job.deadline_ms, GetTime(r));
  AITBC_ASSIGN_OR_RETURN(job.result, r.String(protocol::kMaxResultBytes));
  AITBC_ASSIGN_OR_RETURN(job.metrics, protocol::Metrics::DecodeFrom(r));
  AITBC_TRY(r.Fixed(job.result_hash.bytes));
  AITBC_TRY(r.Fixed(job.miner_signature.bytes));
  AITBC_ASSIGN_OR_RETURN(job.amount_paid, GetAmount(r));
  AITBC_ASSIGN_OR_RETURN(job.receipt_ms, GetTime(r));
  AITBC_ASSIGN_OR_RETURN(job.escrow, GetTx(r));
  AITBC_ASSIGN_OR_RETURN(job.closing, GetTx(r));
  AITBC_ASSIGN_OR_RETURN(uint8_t closed_by, r.U8());
  if (closed_by > static_cast<uint8_t>(Closing::kRefund)) {
    return core::Error::Corruption("unknown closing kind " + std::to_string(closed_by));
  }
  job.closed_by = static_cast<Closing>(closed_by);
  AITBC_TRY(r.ExpectEnd());
  return job;
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

core::Bytes Job::Encode() const {
  core::Writer w(512 + spec.prompt.size() + result.size() + escrow.bytes.size() +
                 closing.bytes.size());
  w.U8(kVersion);
  w.String(job_id);
  w.U64(seq);
  w.String(client_key_id);
  PutAddress(w, client);
  w.String(spec.type);
  w.String(spec.model);
  w.String(spec.prompt);
  w.String(spec.system);
  nlohmann::json options = spec.options.ToJson();
  w.String(options.empty() ? std::string() : options.dump());
  w.U64(max_price.micro());
  w.String(idempotency_key);
  w.Fixed(request_hash.view());
  w.U64(expiry_height);
  w.U8(static_cast<uint8_t>(state));
  for (int64_t t : {submitted_ms, assigned_ms, started_ms, ended_ms}) {
    w.U64(static_cast<uint64_t>(t));
  }
  w.U32(attempts);
  w.U32(static_cast<uint32_t>(failed_miners.size()));
  for (const std::string& m : failed_miners) w.String(m);
  w.String(error);
  w.String(miner_id);
  PutAddress(w, miner_address);
  w.Fixed(miner_key.view());
  price.EncodeTo(w);
  w.U64(static_cast<uint64_t>(deadline_ms));
  w.String(result);
  metrics.EncodeTo(w);
  w.Fixed(result_hash.view());
  w.Fixed(miner_signature.view());
  w.U64(amount_paid.micro());
  w.U64(static_cast<uint64_t>(receipt_ms));
  PutTx(w, escrow);
  PutTx(w, closing);
  w.U8(static_cast<uint8_t>(closed_by));
  return w.Take();
}

core::Result<Job> Job::Decode(core::ByteView bytes) {
  core::Reader r(bytes);
  auto job = DecodeJob(r);
  if (!job.ok()) {
    return core::Error::Corruption("stored job record: " + job.error().message());
  }
  return job;
}

}  // namespace aitbc::coordinator
