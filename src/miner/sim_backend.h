// The simulated backend, for development and tests: no model, deterministic text. Every result
// starts with "[simulated] ", and the miner says "sim" wherever it names its backend, so a
// simulated result can never pass for a real one (a coordinator may refuse sim miners).
//
// Text: num_predict words (default 32) chosen from a fixed list by SHA-256 of the prompt, the
// system prompt and the seed (0 without one): the same job gives the same text on every machine.
// A stop sequence cuts the text before it. Tokens: completion = words generated, prompt = the
// whitespace-separated words of the prompt and system prompt.
// Latency: latency_ms + ms_per_token x words, on EventLoop timers (no thread per job).
// Failures: a job fails with backend_error "simulated failure" when the first 8 bytes of
// SHA-256("aitbc/sim-fail\0" || job id), as a fraction of 2^64, are below failure_rate, so the
// same job id always fails or always succeeds. A model outside `models` fails model_not_found.
// Contract: thread-safe; the EventLoop must outlive the backend and its calls.
#pragma once

#include <string>
#include <vector>

#include "miner/backend.h"
#include "net/event_loop.h"

namespace aitbc::miner {

struct SimOptions {
  int64_t latency_ms = 200;
  int64_t ms_per_token = 0;
  double failure_rate = 0.0;  // 0..1
  std::vector<std::string> models = {"llama3.2:latest"};
  uint32_t default_tokens = 32;
};

class SimBackend final : public Backend {
 public:
  SimBackend(net::EventLoop& loop, SimOptions options);

  std::string_view name() const override { return "sim"; }
  bool simulated() const override { return true; }
  void ListModels(ModelsDone done) override;
  std::shared_ptr<InferenceCall> Run(InferenceRequest request, InferenceDone done) override;

  // The output Run() produces for a spec, without the latency (for tests).
  static InferenceOutput Generate(const protocol::JobSpec& spec, uint32_t default_tokens);
  // True when this job id is one of the simulated failures at this rate.
  static bool FailsAt(std::string_view job_id, double failure_rate);

 private:
  net::EventLoop& loop_;
  const SimOptions options_;
};

inline constexpr std::string_view kSimulatedPrefix = "[simulated] ";

}  // namespace aitbc::miner
