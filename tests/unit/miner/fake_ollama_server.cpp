#include "fake_ollama_server.h"

namespace aitbc::miner::testing {
namespace {

constexpr const char* kCreatedAt = "2025-01-29T14:50:05.123456Z";

std::string Canonical(const std::string& model) {
  size_t slash = model.rfind('/');
  size_t colon = model.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) return model;
  return model + ":latest";
}

nlohmann::json ErrorBody(const std::string& message) { return {{"error", message}}; }

}  // namespace

FakeOllamaServer::FakeOllamaServer(FakeOllamaOptions options)
    : options_(std::move(options)), models_(options_.models) {
  Route(net::Method::kPost, "/api/generate", [this](net::Request& request, net::Responder r) {
    OnGenerate(request, std::move(r), false);
  });
  Route(net::Method::kPost, "/api/chat", [this](net::Request& request, net::Responder r) {
    OnGenerate(request, std::move(r), true);
  });
  Route(net::Method::kGet, "/api/tags", [this](net::Request&, net::Responder r) {
    if (mode_.load() == OllamaMode::kTagsFail) {
      r.Send(net::Response::Json(500, ErrorBody("cannot read the model directory")));
      return;
    }
    nlohmann::json models = nlohmann::json::array();
    std::lock_guard lock(models_mu_);
    for (const auto& name : models_) {
      models.push_back(
          {{"name", name},
           {"model", name},
           {"modified_at", "2024-11-04T14:56:49.277302595-07:00"},
           {"size", 2019393189},
           {"digest", "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72"},
           {"details",
            {{"format", "gguf"},
             {"family", "llama"},
             {"families", nullptr},
             {"parameter_size", "3.2B"},
             {"quantization_level", "Q4_K_M"}}}});
    }
    r.Send(net::Response::Json(200, {{"models", models}}));
  });
}

void FakeOllamaServer::set_models(std::vector<std::string> models) {
  std::lock_guard lock(models_mu_);
  models_ = std::move(models);
}

bool FakeOllamaServer::HasModel(const std::string& model) const {
  std::lock_guard lock(models_mu_);
  for (const auto& name : models_) {
    if (Canonical(name) == Canonical(model)) return true;
  }
  return false;
}

std::string FakeOllamaServer::FullText(size_t max_pieces) const {
  std::string text;
  for (size_t i = 0; i < options_.pieces.size() && i < max_pieces; ++i) text += options_.pieces[i];
  return text;
}

void FakeOllamaServer::OnGenerate(net::Request& request, net::Responder responder, bool chat) {
  OllamaMode mode = mode_.load();
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (!body.is_object() || !body.contains("model") || !body["model"].is_string()) {
    responder.Send(net::Response::Json(400, ErrorBody("model is required")));
    return;
  }
  std::string model = body["model"].get<std::string>();
  if (mode == OllamaMode::kModelMissing || !HasModel(model)) {
    responder.Send(net::Response::Json(
        404, ErrorBody("model \"" + model + "\" not found, try pulling it first")));
    return;
  }
  if (mode == OllamaMode::kFail) {
    responder.Send(
        net::Response::Json(500, ErrorBody("llama runner process has terminated: signal: killed")));
    return;
  }
  if (mode == OllamaMode::kStall) {
    Hold(std::move(responder));
    return;
  }
  uint64_t prompt_words = PromptWords(body);
  size_t count = options_.pieces.size();
  if (body.contains("options") && body["options"].contains("num_predict")) {
    count = std::min<size_t>(count, body["options"]["num_predict"].get<size_t>());
  }
  auto message_for = [&](const std::string& piece, bool done) {
    nlohmann::json m = {{"model", model}, {"created_at", kCreatedAt}};
    if (chat) {
      m["message"] = {{"role", "assistant"}, {"content", piece}};
    } else {
      m["response"] = piece;
    }
    m["done"] = done;
    return m;
  };
  nlohmann::json final_message = message_for("", true);
  final_message["done_reason"] = "stop";
  if (!chat) final_message["context"] = {128006, 882, 128007, 271};
  final_message["total_duration"] = kTotalDurationNs;
  final_message["load_duration"] = kLoadDurationNs;
  final_message["prompt_eval_count"] = prompt_words;
  final_message["prompt_eval_duration"] = kPromptEvalDurationNs;
  final_message["eval_count"] = count;
  final_message["eval_duration"] = kEvalDurationNs;

  bool stream = !body.contains("stream") || body["stream"] != false;
  if (!stream || mode == OllamaMode::kNonStreamed) {
    nlohmann::json whole = final_message;
    if (chat) {
      whole["message"]["content"] = FullText(count);
    } else {
      whole["response"] = FullText(count);
    }
    responder.Send(net::Response::Json(200, whole));
    return;
  }

  std::vector<std::string> lines;
  size_t sent = mode == OllamaMode::kStallMidStream || mode == OllamaMode::kErrorLine ? 2
                : mode == OllamaMode::kGarbage                                        ? 1
                                                                                      : count;
  for (size_t i = 0; i < sent && i < count; ++i) {
    lines.push_back(message_for(options_.pieces[i], false).dump() + "\n");
  }
  bool end = true;
  switch (mode) {
    case OllamaMode::kGarbage:
      lines.push_back("this is not json {\n");
      break;
    case OllamaMode::kErrorLine:
      lines.push_back(
          ErrorBody("an error was encountered while running the model: unexpected EOF").dump() +
          "\n");
      break;
    case OllamaMode::kStallMidStream:
      end = false;
      break;
    case OllamaMode::kTruncated:
      break;
    default:
      lines.push_back(final_message.dump() + "\n");
  }
  Stream(std::move(responder), 200, "application/x-ndjson", SplitInHalves(lines),
         options_.chunk_delay_ms, end);
}

}  // namespace aitbc::miner::testing
