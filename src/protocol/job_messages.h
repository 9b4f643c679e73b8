// The JSON messages of the job flow between client, coordinator and miner (docs/api.md):
// the job a client submits, the assignment the coordinator pushes to a miner, and the miner's
// status, completion and failure reports.
//
// Contract: *FromJson validate every field (types, ranges, unknown options) and return
// kInvalidArgument naming the offending field; ToJson is total. Pure, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/amount.h"
#include "core/keys.h"
#include "protocol/receipt.h"

namespace aitbc::protocol {

inline constexpr size_t kMaxPromptBytes = 64 << 10;
inline constexpr size_t kMaxModelNameBytes = 128;
inline constexpr size_t kMaxResultBytes = 1 << 20;
inline constexpr size_t kMaxStopSequences = 8;

// Generation options, passed through to the backend (Ollama's names).
struct InferenceOptions {
  std::optional<double> temperature;    // 0..2
  std::optional<double> top_p;          // (0, 1]
  std::optional<uint32_t> top_k;        // >= 1
  std::optional<uint32_t> num_predict;  // 1..32768: most tokens to generate
  std::optional<int64_t> seed;
  std::vector<std::string> stop;  // at most 8, each 1..64 bytes

  nlohmann::json ToJson() const;  // only the options that are set
  static core::Result<InferenceOptions> FromJson(const nlohmann::json& json);
  bool operator==(const InferenceOptions&) const = default;
};

// What is to be computed. `type` is "inference" (the only type so far).
struct JobSpec {
  std::string type = "inference";
  std::string model;
  std::string prompt;
  std::string system;  // optional system prompt; empty when absent
  InferenceOptions options;

  nlohmann::json ToJson() const;
  // Validates: known type, non-empty prompt within kMaxPromptBytes, valid UTF-8, model name.
  static core::Result<JobSpec> FromJson(const nlohmann::json& json);
  bool operator==(const JobSpec&) const = default;
};

// POST /v1/jobs/assign on the miner (the seed's body, plus the agreed price and deadline).
struct AssignRequest {
  std::string job_id;
  JobSpec job_data;
  core::Amount reward;      // the most the job can pay (its escrow)
  Price price;              // what the miner will be paid at; the miner signs it in its proof
  int64_t deadline_ms = 0;  // wall-clock time (Unix ms) by which the result must be reported

  nlohmann::json ToJson() const;
  static core::Result<AssignRequest> FromJson(const nlohmann::json& json);
};

// POST /v1/jobs/{id}/status from the miner: {"status":"running","started_at":"..."}.
struct StatusReport {
  std::string status = "running";
  int64_t started_at_ms = 0;

  nlohmann::json ToJson() const;
  static core::Result<StatusReport> FromJson(const nlohmann::json& json);
};

// The miner's signed proof as sent in JSON: {"hash","signature","public_key"}.
struct ProofJson {
  core::Hash256 hash;
  core::Signature signature;
  core::PublicKey public_key;
};

// POST /v1/jobs/{id}/complete from the miner.
struct CompleteRequest {
  std::string job_id;
  std::string result;
  Metrics metrics;
  ProofJson proof;
  std::string gpu_name;  // informational, not signed; empty without a GPU

  nlohmann::json ToJson() const;
  static core::Result<CompleteRequest> FromJson(const nlohmann::json& json);
};

// Why a miner could not do a job. Codes: model_not_found, backend_unavailable, backend_error,
// timeout, invalid_output, cancelled, internal.
struct FailReport {
  std::string code;
  std::string reason;

  nlohmann::json ToJson() const;
  static core::Result<FailReport> FromJson(const nlohmann::json& json);
};

// POST /v1/miners/register.
struct MinerRegistration {
  std::string url;  // where the coordinator pushes jobs: "http://127.0.0.1:8005"
  core::PublicKey public_key;
  std::vector<std::string> models;
  uint32_t slots = 1;
  Price price;
  std::string backend;   // "ollama", "openai" or "sim"
  std::string gpu_name;  // empty without a GPU
  uint64_t gpu_memory_mb = 0;
  std::string version;

  nlohmann::json ToJson() const;
  static core::Result<MinerRegistration> FromJson(const nlohmann::json& json);
};

// POST /v1/miners/heartbeat.
struct MinerHeartbeat {
  uint32_t free_slots = 0;
  std::vector<std::string> running_jobs;
  bool backend_healthy = true;
  std::vector<std::string> models;  // refreshed model list

  nlohmann::json ToJson() const;
  static core::Result<MinerHeartbeat> FromJson(const nlohmann::json& json);
};

}  // namespace aitbc::protocol
