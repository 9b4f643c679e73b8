// Typed values of the coordinator's REST answers (docs/api.md) and their JSON parsers, for the
// client library and the `aitbc` command.
//
// Contract: the *FromJson functions are pure and never throw; they accept the documented answer
// (unknown fields are ignored, optional fields may be absent or null) and return
// kCorruption naming the field when the coordinator's answer is malformed. Every value keeps the
// JSON it was parsed from (`raw`) so `--json` output shows exactly what the coordinator said.
// Thread-safe (values).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/address.h"
#include "core/amount.h"
#include "core/hash.h"
#include "core/keys.h"
#include "core/result.h"
#include "protocol/job_messages.h"
#include "protocol/receipt.h"

namespace aitbc::client {

// Parses RFC 3339 UTC timestamps as the coordinator writes them: "2025-01-29T14:50:01Z", with
// optional fractional seconds ("...:01.250Z") and a numeric offset ("+01:00") accepted too.
// Returns Unix milliseconds; kInvalidArgument for anything else.
core::Result<int64_t> ParseRfc3339(std::string_view text);

// What a client submits: POST /v1/jobs.
struct SubmitRequest {
  protocol::JobSpec spec;
  std::optional<core::Amount> max_price;  // absent: the coordinator's default
  // Sent as the Idempotency-Key header; the client library generates one when empty.
  std::string idempotency_key;

  nlohmann::json ToJson() const;
};

// The escrow of a job as the coordinator reports it (every field optional: it depends on how
// far the job got).
struct EscrowView {
  std::string status;  // e.g. "pending", "signed", "committed", "rejected"
  std::optional<core::Amount> amount;
  // The network fee the escrow transaction paid (from the client's account); a failed job's
  // refund returns it.
  std::optional<core::Amount> fee;
  std::string tx_hash;
  uint64_t block_height = 0;
  uint64_t expiry_height = 0;
};

// The settlement (job_settle or job_refund) as the coordinator reports it.
struct SettlementView {
  std::string type;    // "settle" or "refund" (empty when there is none yet)
  std::string status;  // "pending" or "committed" (empty when there is none yet)
  std::string tx_hash;
  uint64_t block_height = 0;
  // The job's payment is final: a settlement (not a refund) in a block.
  bool committed() const { return status == "committed" && block_height > 0 && type != "refund"; }
};

// GET /v1/jobs/{id} (and the 201 answer of POST /v1/jobs, which fills fewer fields).
struct JobView {
  std::string job_id;
  std::string status;  // pending, assigned, running, completed, failed, cancelled
  std::string result;
  std::string receipt_id;
  std::optional<int64_t> submitted_at_ms;
  std::optional<int64_t> assigned_at_ms;
  std::optional<int64_t> started_at_ms;
  std::optional<int64_t> completed_at_ms;
  std::optional<int64_t> ended_at_ms;  // completed, failed or cancelled
  std::string model;
  std::string miner;
  std::optional<core::Amount> cost;
  std::string error;
  uint32_t attempts = 0;
  EscrowView escrow;
  SettlementView settlement;
  nlohmann::json raw;

  // completed, failed or cancelled.
  bool terminal() const;
  // From submission to completion (or to the end of a failed job), when both are known.
  std::optional<int64_t> DurationMs() const;
  // True when the timestamps DurationMs uses carry no sub-second part (RFC 3339 in whole
  // seconds): the duration is then only accurate to a second.
  bool WholeSecondTimes() const;
};

core::Result<JobView> JobViewFromJson(const nlohmann::json& json);

// GET /v1/jobs?limit=&cursor=: newest first.
struct JobPage {
  std::vector<JobView> jobs;
  std::string next_cursor;  // empty on the last page
  nlohmann::json raw;
};

core::Result<JobPage> JobPageFromJson(const nlohmann::json& json);

// GET /v1/receipts/{id}: the receipt the settlement carries, plus where it is on the chain.
struct ReceiptView {
  protocol::Receipt receipt;
  uint64_t block_height = 0;  // 0 while the settlement is not yet in a block
  std::string settle_tx;      // hex hash of the job_settle transaction (may be empty)
  std::string coordinator;    // the coordinator's chain address (may be empty)
  std::optional<core::PublicKey> miner_key;
  std::optional<core::Signature> miner_signature;
  std::string status;  // the settlement's status
  nlohmann::json raw;
};

core::Result<ReceiptView> ReceiptViewFromJson(const nlohmann::json& json);

// One entry of GET /v1/miners (admin). Only the common fields are typed; the rest is in raw.
struct MinerView {
  std::string miner_id;
  std::string address;
  std::string url;
  std::string status;
  std::vector<std::string> models;
  std::optional<protocol::Price> price;
  uint32_t slots = 0;
  uint32_t free_slots = 0;
  std::optional<core::Amount> stake;
  nlohmann::json raw;
};

core::Result<std::vector<MinerView>> MinersFromJson(const nlohmann::json& json);

}  // namespace aitbc::client
