// A test server that speaks Ollama's API as its documentation describes it
// (https://github.com/ollama/ollama/blob/main/docs/api.md): POST /api/generate and /api/chat
// (streamed NDJSON by default, one JSON object with "stream": false), GET /api/tags. The final
// message carries done: true, done_reason, total_duration, load_duration, prompt_eval_count,
// prompt_eval_duration, eval_count, eval_duration (and context for /api/generate). A model it
// does not have answers 404 {"error":"model \"x\" not found, try pulling it first"}.
//
// Replies: the configured pieces (at most options.num_predict of them), each NDJSON line written
// in two halves with chunk_delay_ms between writes, so that readers see lines cut in the middle.
// prompt_eval_count is the number of words of the prompt (all messages for /api/chat);
// eval_count the number of pieces sent. Modes make it misbehave. Thread-safe.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "fake_server.h"

namespace aitbc::miner::testing {

enum class OllamaMode {
  kNormal,
  kFail,            // HTTP 500 {"error":"llama runner process has terminated: signal: killed"}
  kModelMissing,    // 404 for every model, even one /api/tags lists
  kStall,           // never answers
  kStallMidStream,  // sends two pieces, then nothing, never ending the body
  kGarbage,         // sends one piece, then a line that is not JSON
  kTruncated,       // sends the pieces and ends the body without the final message
  kErrorLine,       // sends two pieces, then {"error":"..."} (as Ollama does mid-stream)
  kNonStreamed,     // answers one JSON object even when asked to stream
  kTagsFail,        // GET /api/tags answers 500
};

struct FakeOllamaOptions {
  std::vector<std::string> models = {"llama3.2:latest", "qwen2.5:0.5b"};
  std::vector<std::string> pieces = {"Machine", " learning", " is", " a",
                                     " subset", " of",       " AI", "."};
  int64_t chunk_delay_ms = 3;
};

class FakeOllamaServer final : public FakeServer {
 public:
  static constexpr uint64_t kTotalDurationNs = 1'234'567'890;
  static constexpr uint64_t kLoadDurationNs = 101'397'084;
  static constexpr uint64_t kPromptEvalDurationNs = 13'074'791;
  static constexpr uint64_t kEvalDurationNs = 952'479'709;

  explicit FakeOllamaServer(FakeOllamaOptions options = {});

  void set_mode(OllamaMode mode) { mode_.store(mode); }
  void set_models(std::vector<std::string> models);
  // The full text the configured pieces make.
  std::string FullText(size_t max_pieces = SIZE_MAX) const;

 private:
  void OnGenerate(net::Request& request, net::Responder responder, bool chat);
  bool HasModel(const std::string& model) const;

  const FakeOllamaOptions options_;
  std::atomic<OllamaMode> mode_{OllamaMode::kNormal};
  mutable std::mutex models_mu_;
  std::vector<std::string> models_;
};

}  // namespace aitbc::miner::testing
