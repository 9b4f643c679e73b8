#include "protocol/receipt.h"

#include <string_view>

#include "protocol/limits.h"

namespace aitbc::protocol {
namespace {

constexpr std::string_view kProofDomain{"aitbc/proof/v1\0", 15};
constexpr std::string_view kReceiptDomain{"aitbc/receipt/v1\0", 17};
constexpr uint16_t kMaxBasisPoints = 10'000;

}  // namespace

void Metrics::EncodeTo(core::Writer& w) const {
  w.U64(compute_ms);
  w.U64(prompt_tokens);
  w.U64(completion_tokens);
  w.Bool(gpu_utilization_bp.has_value());
  if (gpu_utilization_bp) w.U16(*gpu_utilization_bp);
}

core::Result<Metrics> Metrics::DecodeFrom(core::Reader& r) {
  Metrics m;
  AITBC_ASSIGN_OR_RETURN(m.compute_ms, r.U64());
  AITBC_ASSIGN_OR_RETURN(m.prompt_tokens, r.U64());
  AITBC_ASSIGN_OR_RETURN(m.completion_tokens, r.U64());
  AITBC_ASSIGN_OR_RETURN(bool has_gpu, r.Bool());
  if (has_gpu) {
    AITBC_ASSIGN_OR_RETURN(uint16_t bp, r.U16());
    if (bp > kMaxBasisPoints) {
      return core::Error::InvalidArgument("gpu utilization above 10000 basis points");
    }
    m.gpu_utilization_bp = bp;
  }
  return m;
}

void Price::EncodeTo(core::Writer& w) const {
  w.U64(per_second.micro());
  w.U64(per_1k_tokens.micro());
}

core::Result<Price> Price::DecodeFrom(core::Reader& r) {
  AITBC_ASSIGN_OR_RETURN(uint64_t per_second, r.U64());
  AITBC_ASSIGN_OR_RETURN(uint64_t per_1k, r.U64());
  return Price{core::Amount::FromMicro(per_second), core::Amount::FromMicro(per_1k)};
}

core::Result<core::Amount> Cost(const Metrics& metrics, const Price& price) {
  AITBC_ASSIGN_OR_RETURN(core::Amount time_part, price.per_second.MulDiv(metrics.compute_ms, 1000));
  AITBC_ASSIGN_OR_RETURN(core::Amount token_part,
                         price.per_1k_tokens.MulDiv(metrics.completion_tokens, 1000));
  return time_part.Add(token_part);
}

core::Result<core::Amount> Payment(const Metrics& metrics, const Price& price,
                                   core::Amount escrow) {
  AITBC_ASSIGN_OR_RETURN(core::Amount cost, Cost(metrics, price));
  return cost < escrow ? cost : escrow;
}

core::Bytes Proof::SigningMessage() const {
  core::Writer w(128);
  w.Fixed(core::AsBytes(kProofDomain));
  w.String(job_id);
  w.Fixed(result_hash.view());
  metrics.EncodeTo(w);
  price.EncodeTo(w);
  return w.Take();
}

core::Signature Proof::Sign(const core::PrivateKey& miner_key) const {
  return miner_key.Sign(SigningMessage());
}

bool Proof::Verify(const core::PublicKey& miner_key, const core::Signature& signature) const {
  return core::Verify(miner_key, SigningMessage(), signature);
}

std::string ReceiptIdFor(std::string_view job_id) {
  core::Sha256Hasher h;
  h.Update(core::AsBytes(kReceiptDomain));
  h.Update(core::AsBytes(job_id));
  core::Hash256 digest = h.Finish();
  return "rcpt_" + core::HexEncode(core::ByteView(digest.bytes.data(), 16));
}

core::Hash256 ResultHash(std::string_view result) { return core::Sha256(result); }

void Receipt::EncodeTo(core::Writer& w) const {
  w.String(receipt_id);
  w.String(job_id);
  w.Fixed(client.view());
  w.Fixed(miner.view());
  w.U64(amount_paid.micro());
  w.Fixed(result_hash.view());
  w.U64(completed_at_ms);
  metrics.EncodeTo(w);
  price.EncodeTo(w);
}

core::Result<Receipt> Receipt::DecodeFrom(core::Reader& r) {
  Receipt out;
  AITBC_ASSIGN_OR_RETURN(out.receipt_id, r.String(kMaxReceiptIdBytes));
  AITBC_ASSIGN_OR_RETURN(out.job_id, r.String(kMaxJobIdBytes));
  std::array<uint8_t, 20> client{}, miner{};
  AITBC_TRY(r.Fixed(client));
  AITBC_TRY(r.Fixed(miner));
  out.client = core::Address(client);
  out.miner = core::Address(miner);
  AITBC_ASSIGN_OR_RETURN(uint64_t paid, r.U64());
  out.amount_paid = core::Amount::FromMicro(paid);
  AITBC_TRY(r.Fixed(out.result_hash.bytes));
  AITBC_ASSIGN_OR_RETURN(out.completed_at_ms, r.U64());
  AITBC_ASSIGN_OR_RETURN(out.metrics, Metrics::DecodeFrom(r));
  AITBC_ASSIGN_OR_RETURN(out.price, Price::DecodeFrom(r));
  return out;
}

core::Status ValidateJobId(std::string_view job_id) {
  if (job_id.empty() || job_id.size() > kMaxJobIdBytes) {
    return core::Error::InvalidArgument("job id must be 1 to 64 characters");
  }
  for (char c : job_id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return core::Error::InvalidArgument("job id may contain only [A-Za-z0-9_-]");
  }
  return core::Ok();
}

}  // namespace aitbc::protocol
