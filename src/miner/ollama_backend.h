// The Ollama backend: POST /api/generate or /api/chat with "stream": true, the NDJSON reply read
// incrementally, token counts and durations from the final message (done: true), models from
// GET /api/tags (docs/miner.md, "Ollama").
//
// Error mapping: connection refused -> backend_unavailable; HTTP 404 or an {"error"} line that
// says the model is missing -> model_not_found; other HTTP errors and {"error"} lines ->
// backend_error with Ollama's message; a line that is not JSON, or a stream that ends without
// done: true -> invalid_output; no data for idle_timeout_ms -> timeout.
// Contract: thread-safe; the HttpClient must outlive the backend and its calls.
#pragma once

#include <string>

#include "miner/backend.h"
#include "net/http_client.h"

namespace aitbc::miner {

enum class OllamaApi {
  kAuto,      // /api/generate, or /api/chat when the job has a system prompt
  kGenerate,  // always /api/generate (a system prompt goes in its "system" field)
  kChat,      // always /api/chat
};

struct OllamaOptions {
  net::Url url;  // http://127.0.0.1:11434
  OllamaApi api = OllamaApi::kAuto;
  int64_t connect_timeout_ms = 2'000;
  int64_t idle_timeout_ms = 120'000;  // --backend-timeout-ms: longest silence of the stream
  int64_t list_timeout_ms = 5'000;    // GET /api/tags
};

class OllamaBackend final : public Backend {
 public:
  OllamaBackend(net::HttpClient& client, OllamaOptions options);

  std::string_view name() const override { return "ollama"; }
  void ListModels(ModelsDone done) override;
  bool HasModel(const std::vector<std::string>& models, std::string_view model) const override;
  std::shared_ptr<InferenceCall> Run(InferenceRequest request, InferenceDone done) override;

  // The request body Run() sends, and whether it goes to /api/chat (for tests and docs).
  struct Body {
    bool chat = false;
    nlohmann::json json;
  };
  Body BuildBody(const protocol::JobSpec& spec) const;

 private:
  net::HttpClient& client_;
  const OllamaOptions options_;
};

// "llama3.2" -> "llama3.2:latest"; names with a tag are unchanged.
std::string OllamaCanonicalModel(std::string_view model);

}  // namespace aitbc::miner
