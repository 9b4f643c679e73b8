#include "miner/ollama_backend.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "miner/streaming_call.h"

namespace aitbc::miner {
namespace {

// Reads Ollama's NDJSON stream (or its single non-streamed object).
class OllamaStream final : public LineProtocol {
 public:
  OllamaStream(bool chat, std::string model)
      : LineProtocol("Ollama", std::move(model)), chat_(chat) {}

  std::optional<JobFailure> OnLine(std::string_view line) override {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return std::nullopt;
    if (done_) return std::nullopt;  // nothing follows the final message
    nlohmann::json message = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (message.is_discarded() || !message.is_object()) {
      return Invalid("Ollama sent a line that is not a JSON object: " +
                     std::string(line.substr(0, 80)));
    }
    if (auto error = message.find("error"); error != message.end()) {
      return ReportedError(error->is_string() ? error->get<std::string>() : error->dump());
    }
    const nlohmann::json* piece = nullptr;
    if (chat_) {
      auto msg = message.find("message");
      if (msg != message.end() && !msg->is_null()) {
        if (!msg->is_object()) return Invalid("Ollama's \"message\" is not an object");
        auto content = msg->find("content");
        if (content != msg->end()) piece = &*content;
      }
    } else {
      auto response = message.find("response");
      if (response != message.end()) piece = &*response;
    }
    if (auto failure = AppendPiece(piece)) return failure;
    auto done = message.find("done");
    if (done != message.end() && done->is_boolean() && done->get<bool>()) {
      done_ = true;
      output_.prompt_tokens = JsonCount(message, "prompt_eval_count").value_or(0);
      std::optional<uint64_t> eval_count = JsonCount(message, "eval_count");
      output_.completion_tokens = eval_count.value_or(pieces_);
      output_.tokens_estimated = !eval_count.has_value();
      output_.total_duration_ns = JsonCount(message, "total_duration");
      output_.load_duration_ns = JsonCount(message, "load_duration");
      output_.eval_duration_ns = JsonCount(message, "eval_duration");
    }
    return std::nullopt;
  }

  InferenceOutcome Finish() override {
    if (!done_) {
      return InferenceOutcome::Fail(kFailInvalidOutput,
                                    "Ollama's stream ended before its final message (done: true)");
    }
    output_.text = std::move(text_);
    return InferenceOutcome::Ok(std::move(output_));
  }

 private:
  const bool chat_;
  bool done_ = false;
  InferenceOutput output_;
};

}  // namespace

OllamaBackend::OllamaBackend(net::HttpClient& client, OllamaOptions options)
    : client_(client), options_(std::move(options)) {}

void OllamaBackend::ListModels(ModelsDone done) {
  net::ClientRequest request;
  request.method = net::Method::kGet;
  request.url = options_.url.WithTarget("/api/tags");
  request.connect_timeout_ms = options_.connect_timeout_ms;
  request.read_timeout_ms = options_.list_timeout_ms;
  FetchModels(
      client_, std::move(request), "Ollama",
      [](const nlohmann::json& body) -> core::Result<std::vector<std::string>> {
        auto models = body.find("models");
        if (!body.is_object() || models == body.end() || !models->is_array()) {
          return core::Error::Corruption("expected {\"models\": [...]}");
        }
        std::vector<std::string> names;
        for (const auto& model : *models) {
          // "name" is the documented field; newer servers also send "model".
          const char* field = model.contains("name") ? "name" : "model";
          if (!model.is_object() || !model.contains(field) || !model[field].is_string()) {
            return core::Error::Corruption("a model without a \"name\"");
          }
          names.push_back(model[field].get<std::string>());
        }
        return names;
      },
      std::move(done));
}

bool OllamaBackend::HasModel(const std::vector<std::string>& models, std::string_view model) const {
  std::string wanted = OllamaCanonicalModel(model);
  return std::any_of(models.begin(), models.end(), [&wanted](const std::string& name) {
    return OllamaCanonicalModel(name) == wanted;
  });
}

OllamaBackend::Body OllamaBackend::BuildBody(const protocol::JobSpec& spec) const {
  Body body;
  body.chat = options_.api == OllamaApi::kChat ||
              (options_.api == OllamaApi::kAuto && !spec.system.empty());
  body.json = {{"model", spec.model}, {"stream", true}};
  if (body.chat) {
    nlohmann::json messages = nlohmann::json::array();
    if (!spec.system.empty()) messages.push_back({{"role", "system"}, {"content", spec.system}});
    messages.push_back({{"role", "user"}, {"content", spec.prompt}});
    body.json["messages"] = std::move(messages);
  } else {
    body.json["prompt"] = spec.prompt;
    if (!spec.system.empty()) body.json["system"] = spec.system;
  }
  nlohmann::json options = spec.options.ToJson();  // already Ollama's option names
  if (!options.empty()) body.json["options"] = std::move(options);
  return body;
}

std::shared_ptr<InferenceCall> OllamaBackend::Run(InferenceRequest request, InferenceDone done) {
  Body body = BuildBody(request.spec);
  net::ClientRequest http;
  http.method = net::Method::kPost;
  http.url = options_.url.WithTarget(body.chat ? "/api/chat" : "/api/generate");
  http.headers.Set("Content-Type", "application/json");
  http.headers.Set("Accept", "application/x-ndjson");
  http.body = body.json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  StreamingCallOptions call_options{"Ollama", options_.connect_timeout_ms,
                                    options_.idle_timeout_ms};
  return StartStreamingCall(client_, std::move(http),
                            std::make_unique<OllamaStream>(body.chat, request.spec.model),
                            call_options, std::move(done));
}

std::string OllamaCanonicalModel(std::string_view model) {
  // A tag follows the last ':' after the last '/' (a registry host may carry a port).
  size_t slash = model.rfind('/');
  size_t colon = model.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    return std::string(model);
  }
  return std::string(model) + ":latest";
}

}  // namespace aitbc::miner
