// The job record: everything the coordinator knows about one job, as kept in memory and stored
// (one row per job; the store keeps a few fields as indexed columns and the whole record in a
// compact binary form, see store.h).
//
// Contract: plain values; Encode/Decode round-trip every field (the deterministic encoding of
// core/encoding.h, versioned), and Decode reports stored data that fails its checks as
// kCorruption. Binary rather than JSON because a job is written about five times in its life:
// encoding it is a few microseconds, against tens for JSON. Thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/job_state.h"
#include "core/address.h"
#include "core/amount.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "core/keys.h"
#include "protocol/job_messages.h"
#include "protocol/receipt.h"

namespace aitbc::coordinator {

// One of the job's chain transactions, signed once and stored before it is broadcast
// (write-ahead), so a restart re-broadcasts exactly the same bytes.
struct ChainTx {
  TxStatus status = TxStatus::kNone;
  core::Bytes bytes;    // the signed transaction
  core::Hash256 hash;   // SHA-256 of bytes (or of the committed closing tx, see closed_by)
  uint64_t height = 0;  // block height once committed
  bool operator==(const ChainTx&) const = default;
};

// What closed the escrow on the chain, when known.
enum class Closing : uint8_t { kNone, kSettle, kRefund };

struct Job {
  std::string job_id;
  uint64_t seq = 0;  // submission order, for paging (newest first)
  std::string client_key_id;
  core::Address client;  // the paying account (custodial, bound to the client's API key)
  protocol::JobSpec spec;
  core::Amount max_price;  // the escrowed amount
  std::string idempotency_key;
  core::Hash256 request_hash;  // of the submission body (a reused Idempotency-Key must match)
  uint64_t expiry_height = 0;

  JobState state = JobState::kPending;
  int64_t submitted_ms = 0;
  int64_t assigned_ms = 0;
  int64_t started_ms = 0;
  int64_t ended_ms = 0;                    // completed, failed or cancelled
  uint32_t attempts = 0;                   // assignments made so far
  std::vector<std::string> failed_miners;  // miners that failed this job: not asked again
  std::string error;                       // why it failed or was cancelled

  // The current (or last) assignment.
  std::string miner_id;
  core::Address miner_address;
  core::PublicKey miner_key;
  protocol::Price price;
  int64_t deadline_ms = 0;

  // The completion (state completed).
  std::string result;
  protocol::Metrics metrics;
  core::Hash256 result_hash;
  core::Signature miner_signature;
  core::Amount amount_paid;
  int64_t receipt_ms = 0;  // when the receipt was signed: the receipt's timestamp

  ChainTx escrow;
  ChainTx closing;  // job_settle when completed, job_refund when failed or cancelled
  Closing closed_by = Closing::kNone;  // what the chain recorded (may be the client's refund)

  std::string receipt_id() const;  // protocol::ReceiptIdFor(job_id) once completed, else ""
  // The receipt this job's settlement carries (valid once completed).
  protocol::Receipt ToReceipt() const;
  // Terminal and nothing left to do on the chain: the escrow is closed (or never existed).
  bool Finished() const;

  core::Bytes Encode() const;
  static core::Result<Job> Decode(core::ByteView bytes);
  bool operator==(const Job&) const = default;
};

}  // namespace aitbc::coordinator
