// The OpenAI-compatible backend (llama.cpp's server, vLLM, ...): POST /v1/chat/completions or
// /v1/completions with "stream": true, Server-Sent Events read incrementally until
// "data: [DONE]", usage from the final chunk (asked for with stream_options.include_usage),
// models from GET /v1/models (docs/miner.md, "OpenAI-compatible servers").
//
// Token counts: when the server sends no usage, completion tokens are the number of content
// chunks (one token per chunk is what these servers stream) and the output says they were
// estimated; prompt tokens are then 0.
// Error mapping: as the Ollama backend; HTTP 404, or an error whose code or message says the
// model is missing -> model_not_found; a stream without "data: [DONE]" -> invalid_output.
// Contract: thread-safe; the HttpClient must outlive the backend and its calls.
#pragma once

#include <string>

#include "miner/backend.h"
#include "net/http_client.h"

namespace aitbc::miner {

enum class OpenAiApi { kChat, kCompletions };

struct OpenAiOptions {
  net::Url url;  // http://127.0.0.1:8080 (the /v1/... paths are added)
  OpenAiApi api = OpenAiApi::kChat;
  std::string api_key;  // sent as "Authorization: Bearer <key>" when not empty
  int64_t connect_timeout_ms = 2'000;
  int64_t idle_timeout_ms = 120'000;
  int64_t list_timeout_ms = 5'000;
};

class OpenAiBackend final : public Backend {
 public:
  OpenAiBackend(net::HttpClient& client, OpenAiOptions options);

  std::string_view name() const override { return "openai"; }
  void ListModels(ModelsDone done) override;
  std::shared_ptr<InferenceCall> Run(InferenceRequest request, InferenceDone done) override;

  // The request body Run() sends (for tests and docs).
  nlohmann::json BuildBody(const protocol::JobSpec& spec) const;

 private:
  void Authorize(net::ClientRequest& request) const;

  net::HttpClient& client_;
  const OpenAiOptions options_;
};

}  // namespace aitbc::miner
