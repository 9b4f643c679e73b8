// Miner proofs, receipts and the price formula (docs/protocol.md, "Receipts and proofs").
//
// Contract: pure values and functions, thread-safe. A Proof is what the miner signs; a Receipt
// is what the coordinator puts on the chain inside a job_settle transaction (whose signature is
// the coordinator's signature of the receipt). Cost() is the one price formula used by the
// coordinator to charge and by the chain to check the charge.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/address.h"
#include "core/amount.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "core/keys.h"

namespace aitbc::protocol {

struct Metrics {
  uint64_t compute_ms = 0;
  uint64_t prompt_tokens = 0;
  uint64_t completion_tokens = 0;
  std::optional<uint16_t> gpu_utilization_bp;  // basis points 0..10000; absent without a GPU

  void EncodeTo(core::Writer& w) const;
  static core::Result<Metrics> DecodeFrom(core::Reader& r);
  bool operator==(const Metrics&) const = default;
};

struct Price {
  core::Amount per_second;     // per second of compute
  core::Amount per_1k_tokens;  // per 1,000 generated tokens (0: not charged)

  void EncodeTo(core::Writer& w) const;
  static core::Result<Price> DecodeFrom(core::Reader& r);
  bool operator==(const Price&) const = default;
};

// floor(compute_ms * per_second / 1000) + floor(completion_tokens * per_1k_tokens / 1000);
// error only if the sum exceeds uint64 micro-AITBC.
core::Result<core::Amount> Cost(const Metrics& metrics, const Price& price);
// min(Cost, escrow): what a settlement pays the miner.
core::Result<core::Amount> Payment(const Metrics& metrics, const Price& price, core::Amount escrow);

// What a miner signs when it returns a result.
struct Proof {
  std::string job_id;
  core::Hash256 result_hash;  // SHA-256 of the result text
  Metrics metrics;
  Price price;

  core::Bytes SigningMessage() const;  // "aitbc/proof/v1\0" || encoding
  core::Signature Sign(const core::PrivateKey& miner_key) const;
  bool Verify(const core::PublicKey& miner_key, const core::Signature& signature) const;
};

// The deterministic receipt id of a job: "rcpt_" + 32 hex characters.
std::string ReceiptIdFor(std::string_view job_id);
// SHA-256 of the result text.
core::Hash256 ResultHash(std::string_view result);

struct Receipt {
  std::string receipt_id;
  std::string job_id;
  core::Address client;
  core::Address miner;
  core::Amount amount_paid;
  core::Hash256 result_hash;
  uint64_t completed_at_ms = 0;
  Metrics metrics;
  Price price;

  // The proof the miner must have signed for this receipt to be valid.
  Proof ToProof() const { return Proof{job_id, result_hash, metrics, price}; }
  void EncodeTo(core::Writer& w) const;
  static core::Result<Receipt> DecodeFrom(core::Reader& r);
  bool operator==(const Receipt&) const = default;
};

// Job ids: 1..64 characters of [A-Za-z0-9_-].
core::Status ValidateJobId(std::string_view job_id);

}  // namespace aitbc::protocol
