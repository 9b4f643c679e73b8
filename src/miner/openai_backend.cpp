#include "miner/openai_backend.h"

#include <nlohmann/json.hpp>

#include "miner/streaming_call.h"

namespace aitbc::miner {
namespace {

std::string_view TrimLeft(std::string_view text) {
  size_t start = text.find_first_not_of(" \t");
  return start == std::string_view::npos ? std::string_view() : text.substr(start);
}

// Reads a Server-Sent Events stream of chat.completion.chunk / text_completion objects (or one
// non-streamed JSON object).
class OpenAiStream final : public LineProtocol {
 public:
  OpenAiStream(bool chat, std::string model)
      : LineProtocol("the OpenAI-compatible server", std::move(model)), chat_(chat) {}

  std::optional<JobFailure> OnLine(std::string_view raw) override {
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (TrimLeft(line).empty() || line.front() == ':') return std::nullopt;  // comment
    if (done_) return std::nullopt;
    if (line.front() == '{') return OnObject(line, /*streamed=*/false);
    if (line.starts_with("data:")) {
      std::string_view data = TrimLeft(line.substr(5));
      if (data == "[DONE]") {
        done_ = true;
        return std::nullopt;
      }
      return OnObject(data, /*streamed=*/true);
    }
    if (line.starts_with("event:") || line.starts_with("id:") || line.starts_with("retry:")) {
      return std::nullopt;
    }
    return Invalid("the server sent a line that is not Server-Sent Events: " +
                   std::string(line.substr(0, 80)));
  }

  InferenceOutcome Finish() override {
    if (!done_) {
      return InferenceOutcome::Fail(kFailInvalidOutput,
                                    "the stream ended without \"data: [DONE]\"");
    }
    InferenceOutput output;
    output.text = std::move(text_);
    if (completion_tokens_) {
      output.completion_tokens = *completion_tokens_;
      output.prompt_tokens = prompt_tokens_.value_or(0);
    } else {
      output.completion_tokens = pieces_;
      output.tokens_estimated = true;
    }
    return InferenceOutcome::Ok(std::move(output));
  }

 private:
  std::optional<JobFailure> OnObject(std::string_view text, bool streamed) {
    nlohmann::json object = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (object.is_discarded() || !object.is_object()) {
      return Invalid("the server sent data that is not a JSON object: " +
                     std::string(text.substr(0, 80)));
    }
    bool is_error =
        object.contains("error") || (object.contains("object") && object["object"] == "error");
    if (is_error) {
      std::string message = ErrorTextFromBody(text);
      const nlohmann::json* code = nullptr;
      if (object.contains("error") && object["error"].is_object() &&
          object["error"].contains("code")) {
        code = &object["error"]["code"];
      }
      return ReportedError(message, code && code->is_string() && *code == "model_not_found");
    }
    auto choices = object.find("choices");
    if (choices != object.end() && !choices->is_array())
      return Invalid("\"choices\" is not a list");
    if (choices != object.end() && !choices->empty()) {
      const nlohmann::json& choice = (*choices)[0];
      if (!choice.is_object()) return Invalid("a choice is not an object");
      const nlohmann::json* piece = nullptr;
      if (!chat_) {
        if (choice.contains("text")) piece = &choice["text"];
      } else {
        const char* holder = streamed ? "delta" : "message";
        if (choice.contains(holder) && choice[holder].is_object() &&
            choice[holder].contains("content")) {
          piece = &choice[holder]["content"];
        }
      }
      if (auto failure = AppendPiece(piece)) return failure;
    }
    auto usage = object.find("usage");
    if (usage != object.end() && usage->is_object()) {
      prompt_tokens_ = JsonCount(*usage, "prompt_tokens");
      completion_tokens_ = JsonCount(*usage, "completion_tokens");
    }
    if (!streamed) done_ = true;  // a non-streamed reply is complete in itself
    return std::nullopt;
  }

  const bool chat_;
  std::optional<uint64_t> prompt_tokens_;
  std::optional<uint64_t> completion_tokens_;
  bool done_ = false;
};

}  // namespace

OpenAiBackend::OpenAiBackend(net::HttpClient& client, OpenAiOptions options)
    : client_(client), options_(std::move(options)) {}

void OpenAiBackend::Authorize(net::ClientRequest& request) const {
  if (!options_.api_key.empty()) {
    request.headers.Set("Authorization", "Bearer " + options_.api_key);
  }
}

void OpenAiBackend::ListModels(ModelsDone done) {
  net::ClientRequest request;
  request.method = net::Method::kGet;
  request.url = options_.url.WithTarget("/v1/models");
  request.connect_timeout_ms = options_.connect_timeout_ms;
  request.read_timeout_ms = options_.list_timeout_ms;
  Authorize(request);
  FetchModels(
      client_, std::move(request), "the OpenAI-compatible server",
      [](const nlohmann::json& body) -> core::Result<std::vector<std::string>> {
        auto data = body.find("data");
        if (!body.is_object() || data == body.end() || !data->is_array()) {
          return core::Error::Corruption("expected {\"data\": [...]}");
        }
        std::vector<std::string> names;
        for (const auto& model : *data) {
          if (!model.is_object() || !model.contains("id") || !model["id"].is_string()) {
            return core::Error::Corruption("a model without an \"id\"");
          }
          names.push_back(model["id"].get<std::string>());
        }
        return names;
      },
      std::move(done));
}

nlohmann::json OpenAiBackend::BuildBody(const protocol::JobSpec& spec) const {
  nlohmann::json body = {
      {"model", spec.model}, {"stream", true}, {"stream_options", {{"include_usage", true}}}};
  if (options_.api == OpenAiApi::kChat) {
    nlohmann::json messages = nlohmann::json::array();
    if (!spec.system.empty()) messages.push_back({{"role", "system"}, {"content", spec.system}});
    messages.push_back({{"role", "user"}, {"content", spec.prompt}});
    body["messages"] = std::move(messages);
  } else {
    body["prompt"] = spec.system.empty() ? spec.prompt : spec.system + "\n\n" + spec.prompt;
  }
  const protocol::InferenceOptions& o = spec.options;
  if (o.num_predict) body["max_tokens"] = *o.num_predict;
  if (o.temperature) body["temperature"] = *o.temperature;
  if (o.top_p) body["top_p"] = *o.top_p;
  if (o.top_k) body["top_k"] = *o.top_k;  // not OpenAI's, but llama.cpp and vLLM take it
  if (o.seed) body["seed"] = *o.seed;
  if (!o.stop.empty()) body["stop"] = o.stop;
  return body;
}

std::shared_ptr<InferenceCall> OpenAiBackend::Run(InferenceRequest request, InferenceDone done) {
  bool chat = options_.api == OpenAiApi::kChat;
  net::ClientRequest http;
  http.method = net::Method::kPost;
  http.url = options_.url.WithTarget(chat ? "/v1/chat/completions" : "/v1/completions");
  http.headers.Set("Content-Type", "application/json");
  http.headers.Set("Accept", "text/event-stream");
  Authorize(http);
  http.body =
      BuildBody(request.spec).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  StreamingCallOptions call_options{"the OpenAI-compatible server", options_.connect_timeout_ms,
                                    options_.idle_timeout_ms};
  return StartStreamingCall(client_, std::move(http),
                            std::make_unique<OpenAiStream>(chat, request.spec.model), call_options,
                            std::move(done));
}

}  // namespace aitbc::miner
