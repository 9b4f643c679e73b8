// Inference backends: the interface through which the miner runs a job on Ollama, an
// OpenAI-compatible server or the built-in simulator (docs/miner.md, "Backends").
//
// Contract: a backend is asynchronous. Run() returns at once; `done` runs later on an EventLoop
// thread, exactly once, unless the call was cancelled (then at most once, and the caller must
// ignore it). Every failure is a JobFailure whose code is one of the coordinator's failure codes
// (protocol::FailReport): model_not_found, backend_unavailable, backend_error, timeout,
// invalid_output, cancelled, internal. A backend never substitutes another model for the one a
// job names. Implementations are thread-safe; the backend must outlive every call it started.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "protocol/job_messages.h"

namespace aitbc::miner {

// Failure codes (protocol::FailReport).
inline constexpr std::string_view kFailModelNotFound = "model_not_found";
inline constexpr std::string_view kFailBackendUnavailable = "backend_unavailable";
inline constexpr std::string_view kFailBackendError = "backend_error";
inline constexpr std::string_view kFailTimeout = "timeout";
inline constexpr std::string_view kFailInvalidOutput = "invalid_output";
inline constexpr std::string_view kFailCancelled = "cancelled";
inline constexpr std::string_view kFailInternal = "internal";

struct JobFailure {
  std::string code;    // one of the kFail* codes
  std::string reason;  // for people: what went wrong, with the backend's own words
};

struct InferenceOutput {
  std::string text;
  uint64_t prompt_tokens = 0;
  uint64_t completion_tokens = 0;
  // True when the backend did not report token counts and the miner counted streamed pieces.
  bool tokens_estimated = false;
  // Ollama's own timings from its final message (nanoseconds), when it sent them.
  std::optional<uint64_t> total_duration_ns;
  std::optional<uint64_t> load_duration_ns;
  std::optional<uint64_t> eval_duration_ns;
};

struct InferenceOutcome {
  std::optional<JobFailure> failure;  // set when the job failed
  InferenceOutput output;             // meaningful only without a failure

  bool ok() const { return !failure.has_value(); }
  static InferenceOutcome Ok(InferenceOutput output) { return {std::nullopt, std::move(output)}; }
  static InferenceOutcome Fail(std::string_view code, std::string reason) {
    return {JobFailure{std::string(code), std::move(reason)}, {}};
  }
};

using InferenceDone = std::function<void(InferenceOutcome)>;
using ModelsDone = std::function<void(core::Result<std::vector<std::string>>)>;

struct InferenceRequest {
  std::string job_id;
  protocol::JobSpec spec;
};

// A running inference. Cancel() stops reading from the backend and drops the result.
class InferenceCall {
 public:
  virtual ~InferenceCall() = default;
  virtual void Cancel() = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // "ollama", "openai" or "sim" (the registration's backend field).
  virtual std::string_view name() const = 0;
  virtual bool simulated() const { return false; }
  // The models the backend serves now.
  virtual void ListModels(ModelsDone done) = 0;
  // True when `model` is one of `models` as this backend names them (Ollama: a name without a
  // tag means ":latest").
  virtual bool HasModel(const std::vector<std::string>& models, std::string_view model) const;
  virtual std::shared_ptr<InferenceCall> Run(InferenceRequest request, InferenceDone done) = 0;
};

}  // namespace aitbc::miner
