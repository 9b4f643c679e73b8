// A test server that speaks the OpenAI API the way llama.cpp's server and vLLM do:
// POST /v1/chat/completions and /v1/completions, streamed as Server-Sent Events
// ("data: {chunk}\n\n" ... "data: [DONE]\n\n") with a final usage chunk when the request asks
// for stream_options.include_usage, one JSON object without "stream": true; GET /v1/models.
// A model it does not have answers 404 with OpenAI's error body (code "model_not_found").
// With an api_key set, a request without "Authorization: Bearer <key>" answers 401.
//
// Replies: the configured pieces (at most max_tokens of them), each event written in two halves
// chunk_delay_ms apart. usage.prompt_tokens is the number of words of the prompt (all messages);
// completion_tokens the number of pieces sent. Modes make it misbehave. Thread-safe.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "fake_server.h"

namespace aitbc::miner::testing {

enum class OpenAiMode {
  kNormal,
  kNoUsage,         // ignores stream_options (as older servers do): no usage chunk
  kFail,            // HTTP 500 {"error":{"message":"...","type":"server_error"}}
  kStall,           // never answers
  kStallMidStream,  // two content events, then nothing, never ending the body
  kGarbage,         // one content event, then "data: {not json"
  kTruncated,       // the content events, no [DONE]
  kErrorEvent,      // two content events, then data: {"error":{...}}
  kNonStreamed,     // one chat.completion / text_completion object even when asked to stream
  kModelsFail,      // GET /v1/models answers 503
};

struct FakeOpenAiOptions {
  std::vector<std::string> models = {"qwen2.5-0.5b-instruct"};
  std::vector<std::string> pieces = {"Hello", ",", " world", "!"};
  std::string api_key;  // required when not empty
  int64_t chunk_delay_ms = 3;
};

class FakeOpenAiServer final : public FakeServer {
 public:
  explicit FakeOpenAiServer(FakeOpenAiOptions options = {});
  void set_mode(OpenAiMode mode) { mode_.store(mode); }
  std::string FullText(size_t max_pieces = SIZE_MAX) const;

 private:
  void OnCompletion(net::Request& request, net::Responder responder, bool chat);
  bool Authorized(const net::Request& request) const;

  const FakeOpenAiOptions options_;
  std::atomic<OpenAiMode> mode_{OpenAiMode::kNormal};
};

}  // namespace aitbc::miner::testing
