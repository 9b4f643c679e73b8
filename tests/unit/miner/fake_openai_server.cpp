#include "fake_openai_server.h"

#include <algorithm>

namespace aitbc::miner::testing {
namespace {

constexpr int64_t kCreated = 1'738'162'205;

nlohmann::json OpenAiError(const std::string& message, const std::string& type,
                           const nlohmann::json& code) {
  return {{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}};
}

std::string Event(const nlohmann::json& data) { return "data: " + data.dump() + "\n\n"; }

}  // namespace

FakeOpenAiServer::FakeOpenAiServer(FakeOpenAiOptions options) : options_(std::move(options)) {
  Route(net::Method::kPost, "/v1/chat/completions",
        [this](net::Request& request, net::Responder r) {
          OnCompletion(request, std::move(r), true);
        });
  Route(net::Method::kPost, "/v1/completions", [this](net::Request& request, net::Responder r) {
    OnCompletion(request, std::move(r), false);
  });
  Route(net::Method::kGet, "/v1/models", [this](net::Request& request, net::Responder r) {
    if (!Authorized(request)) {
      r.Send(net::Response::Json(401, OpenAiError("Incorrect API key provided",
                                                  "invalid_request_error", "invalid_api_key")));
      return;
    }
    if (mode_.load() == OpenAiMode::kModelsFail) {
      r.Send(net::Response::Json(503, OpenAiError("Loading model", "unavailable_error", 503)));
      return;
    }
    nlohmann::json data = nlohmann::json::array();
    for (const auto& id : options_.models) {
      data.push_back(
          {{"id", id}, {"object", "model"}, {"created", kCreated}, {"owned_by", "llamacpp"}});
    }
    r.Send(net::Response::Json(200, {{"object", "list"}, {"data", data}}));
  });
}

bool FakeOpenAiServer::Authorized(const net::Request& request) const {
  if (options_.api_key.empty()) return true;
  auto header = request.Header("Authorization");
  return header && *header == "Bearer " + options_.api_key;
}

std::string FakeOpenAiServer::FullText(size_t max_pieces) const {
  std::string text;
  for (size_t i = 0; i < options_.pieces.size() && i < max_pieces; ++i) text += options_.pieces[i];
  return text;
}

void FakeOpenAiServer::OnCompletion(net::Request& request, net::Responder responder, bool chat) {
  OpenAiMode mode = mode_.load();
  if (!Authorized(request)) {
    responder.Send(net::Response::Json(
        401,
        OpenAiError("Incorrect API key provided", "invalid_request_error", "invalid_api_key")));
    return;
  }
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (!body.is_object() || !body.contains("model") || !body["model"].is_string()) {
    responder.Send(net::Response::Json(
        400, OpenAiError("'model' is required", "invalid_request_error", nullptr)));
    return;
  }
  std::string model = body["model"].get<std::string>();
  if (std::find(options_.models.begin(), options_.models.end(), model) == options_.models.end()) {
    responder.Send(
        net::Response::Json(404, OpenAiError("The model `" + model + "` does not exist.",
                                             "invalid_request_error", "model_not_found")));
    return;
  }
  if (mode == OpenAiMode::kFail) {
    responder.Send(net::Response::Json(
        500, OpenAiError("CUDA error: out of memory", "server_error", nullptr)));
    return;
  }
  if (mode == OpenAiMode::kStall) {
    Hold(std::move(responder));
    return;
  }
  uint64_t prompt_words = PromptWords(body);
  size_t count = options_.pieces.size();
  if (body.contains("max_tokens"))
    count = std::min<size_t>(count, body["max_tokens"].get<size_t>());
  nlohmann::json usage = {{"prompt_tokens", prompt_words},
                          {"completion_tokens", count},
                          {"total_tokens", prompt_words + count}};
  const std::string object = chat ? "chat.completion.chunk" : "text_completion";
  const std::string id = chat ? "chatcmpl-fake1" : "cmpl-fake1";
  auto chunk = [&](nlohmann::json choice) {
    return nlohmann::json{{"id", id},
                          {"object", object},
                          {"created", kCreated},
                          {"model", model},
                          {"choices", nlohmann::json::array({std::move(choice)})}};
  };

  bool stream = body.value("stream", false);
  if (!stream || mode == OpenAiMode::kNonStreamed) {
    nlohmann::json choice = {{"index", 0}, {"finish_reason", "stop"}};
    if (chat) {
      choice["message"] = {{"role", "assistant"}, {"content", FullText(count)}};
    } else {
      choice["text"] = FullText(count);
    }
    nlohmann::json whole = chunk(choice);
    whole["object"] = chat ? "chat.completion" : "text_completion";
    whole["usage"] = usage;
    responder.Send(net::Response::Json(200, whole));
    return;
  }

  std::vector<std::string> events;
  if (chat) {
    events.push_back(Event(chunk({{"index", 0},
                                  {"delta", {{"role", "assistant"}, {"content", ""}}},
                                  {"finish_reason", nullptr}})));
  }
  size_t sent = mode == OpenAiMode::kStallMidStream || mode == OpenAiMode::kErrorEvent ? 2
                : mode == OpenAiMode::kGarbage                                         ? 1
                                                                                       : count;
  for (size_t i = 0; i < sent && i < count; ++i) {
    nlohmann::json choice = {{"index", 0}, {"finish_reason", nullptr}};
    if (chat) {
      choice["delta"] = {{"content", options_.pieces[i]}};
    } else {
      choice["text"] = options_.pieces[i];
      choice["logprobs"] = nullptr;
    }
    events.push_back(Event(chunk(choice)));
  }
  bool end = true;
  switch (mode) {
    case OpenAiMode::kGarbage:
      events.push_back("data: {not json\n\n");
      break;
    case OpenAiMode::kErrorEvent:
      events.push_back(Event(OpenAiError("the model crashed", "server_error", nullptr)));
      break;
    case OpenAiMode::kStallMidStream:
      end = false;
      break;
    case OpenAiMode::kTruncated:
      break;
    default: {
      nlohmann::json last = {{"index", 0}, {"finish_reason", "stop"}};
      if (chat) {
        last["delta"] = nlohmann::json::object();
      } else {
        last["text"] = "";
      }
      events.push_back(Event(chunk(last)));
      bool include_usage =
          body.contains("stream_options") && body["stream_options"].value("include_usage", false);
      if (include_usage && mode != OpenAiMode::kNoUsage) {
        nlohmann::json usage_chunk = chunk(nullptr);
        usage_chunk["choices"] = nlohmann::json::array();
        usage_chunk["usage"] = usage;
        events.push_back(Event(usage_chunk));
      }
      events.push_back("data: [DONE]\n\n");
    }
  }
  Stream(std::move(responder), 200, "text/event-stream", SplitInHalves(events),
         options_.chunk_delay_ms, end);
}

}  // namespace aitbc::miner::testing
