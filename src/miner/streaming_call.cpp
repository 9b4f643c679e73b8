#include "miner/streaming_call.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>

#include <nlohmann/json.hpp>

namespace aitbc::miner {
namespace {

constexpr size_t kErrorBodyCap = 64 << 10;  // bytes of a body kept for error messages
constexpr size_t kMaxLineBytes = protocol::kMaxResultBytes + (64 << 10);
constexpr size_t kErrorTextCap = 300;

std::string Cut(std::string_view text, size_t cap) {
  if (text.size() <= cap) return std::string(text);
  return std::string(text.substr(0, cap)) + "...";
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

class StreamState final : public InferenceCall, public std::enable_shared_from_this<StreamState> {
 public:
  StreamState(std::unique_ptr<LineProtocol> protocol, StreamingCallOptions options, std::string url,
              InferenceDone done)
      : protocol_(std::move(protocol)),
        options_(std::move(options)),
        url_(std::move(url)),
        done_(std::move(done)),
        splitter_(kMaxLineBytes) {}

  void Cancel() override { cancelled_.store(true); }

  bool OnData(std::string_view data) {
    std::lock_guard lock(mu_);
    if (cancelled_.load() || failure_) return false;
    if (body_head_.size() < kErrorBodyCap) {
      body_head_.append(data.substr(0, kErrorBodyCap - body_head_.size()));
    }
    core::Status fed = splitter_.Feed(data, [this](std::string_view line) {
      if (!failure_) failure_ = protocol_->OnLine(line);
    });
    if (!fed.ok() && !failure_) {
      failure_ = JobFailure{std::string(kFailInvalidOutput),
                            options_.backend + " sent a line longer than " +
                                std::to_string(kMaxLineBytes) + " bytes"};
    }
    return !failure_;
  }

  void OnDone(core::Result<net::Response> result) {
    InferenceOutcome outcome;
    {
      std::lock_guard lock(mu_);
      if (finished_ || cancelled_.load()) return;
      finished_ = true;
      outcome = Decide(result);
    }
    InferenceDone done = std::move(done_);
    if (done) done(std::move(outcome));
  }

 private:
  InferenceOutcome Decide(const core::Result<net::Response>& result) {
    if (result.ok() && (result->status < 200 || result->status >= 300)) {
      std::string_view body = body_head_.empty() ? std::string_view(result->body) : body_head_;
      JobFailure failure = protocol_->OnHttpError(result->status, ErrorTextFromBody(body));
      return {std::move(failure), {}};
    }
    if (failure_) return {*failure_, {}};
    if (!result.ok()) return {TransportFailure(result.error(), options_.backend, url_), {}};
    // A last line without a newline (a non-streamed reply usually ends like that).
    std::string rest = splitter_.TakeRest();
    if (rest.find_first_not_of(" \t\r\n") != std::string::npos) {
      failure_ = protocol_->OnLine(rest);
      if (failure_) return {*failure_, {}};
    }
    return protocol_->Finish();
  }

  std::mutex mu_;
  std::unique_ptr<LineProtocol> protocol_;
  const StreamingCallOptions options_;
  const std::string url_;
  InferenceDone done_;
  net::LineSplitter splitter_;
  std::string body_head_;
  std::optional<JobFailure> failure_;
  std::atomic<bool> cancelled_{false};
  bool finished_ = false;
};

}  // namespace

JobFailure LineProtocol::OnHttpError(int status, const std::string& error_text) {
  std::string message = "HTTP " + std::to_string(status) + ": " + error_text;
  return ReportedError(message, status == 404);
}

JobFailure LineProtocol::ReportedError(const std::string& message, bool model_missing) const {
  if (model_missing || SaysModelMissing(message)) {
    return {std::string(kFailModelNotFound),
            server_ + " has no model '" + model_ + "' (" + message + ")"};
  }
  return {std::string(kFailBackendError), server_ + " reported an error (" + message + ")"};
}

std::optional<JobFailure> LineProtocol::AppendPiece(const nlohmann::json* piece) {
  if (!piece || piece->is_null()) return std::nullopt;
  if (!piece->is_string()) return Invalid(server_ + "'s reply text is not a string");
  const auto& text = piece->get_ref<const std::string&>();
  if (text_.size() + text.size() > protocol::kMaxResultBytes) {
    return Invalid("the result exceeds " + std::to_string(protocol::kMaxResultBytes) + " bytes");
  }
  if (!text.empty()) {
    text_ += text;
    ++pieces_;
  }
  return std::nullopt;
}

std::shared_ptr<InferenceCall> StartStreamingCall(net::HttpClient& client,
                                                  net::ClientRequest request,
                                                  std::unique_ptr<LineProtocol> protocol,
                                                  const StreamingCallOptions& options,
                                                  InferenceDone done) {
  request.connect_timeout_ms = options.connect_timeout_ms;
  request.read_timeout_ms = options.idle_timeout_ms;
  auto state = std::make_shared<StreamState>(std::move(protocol), options, request.url.ToString(),
                                             std::move(done));
  client.SendStreaming(
      std::move(request), [state](std::string_view data) { return state->OnData(data); },
      [state](core::Result<net::Response> result) { state->OnDone(std::move(result)); });
  return state;
}

std::string ErrorTextFromBody(std::string_view body) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    // An NDJSON error body may be followed by more lines: try the first one.
    size_t newline = body.find('\n');
    if (newline != std::string_view::npos) {
      json = nlohmann::json::parse(body.substr(0, newline), nullptr, false);
    }
  }
  if (json.is_object()) {
    auto error = json.find("error");
    if (error != json.end()) {
      if (error->is_string()) return Cut(error->get<std::string>(), kErrorTextCap);
      if (error->is_object() && error->contains("message") && (*error)["message"].is_string()) {
        return Cut((*error)["message"].get<std::string>(), kErrorTextCap);
      }
    }
    auto message = json.find("message");
    if (message != json.end() && message->is_string()) {
      return Cut(message->get<std::string>(), kErrorTextCap);
    }
  }
  std::string_view trimmed = body;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) {
    trimmed.remove_suffix(1);
  }
  return trimmed.empty() ? std::string("(empty body)") : Cut(trimmed, kErrorTextCap);
}

JobFailure TransportFailure(const core::Error& error, std::string_view backend,
                            std::string_view url) {
  std::string where = std::string(backend) + " at " + std::string(url);
  switch (error.code()) {
    case core::ErrorCode::kUnavailable:
      return {std::string(kFailBackendUnavailable),
              "cannot reach " + where + ": " + error.message()};
    case core::ErrorCode::kTimeout:
      return {std::string(kFailTimeout), where + " timed out: " + error.message()};
    case core::ErrorCode::kCorruption:
      return {std::string(kFailInvalidOutput),
              "malformed HTTP response from " + where + ": " + error.message()};
    case core::ErrorCode::kPayloadTooLarge:
      return {std::string(kFailInvalidOutput), where + " sent too much: " + error.message()};
    default:
      return {std::string(kFailBackendError),
              "request to " + where + " failed: " + error.message()};
  }
}

void FetchModels(net::HttpClient& client, net::ClientRequest request, std::string backend,
                 ModelListExtractor extract, ModelsDone done) {
  std::string url = request.url.ToString();
  client.Send(std::move(request), [backend = std::move(backend), url = std::move(url),
                                   extract = std::move(extract),
                                   done = std::move(done)](core::Result<net::Response> result) {
    if (!result.ok()) {
      done(result.error().WithContext("listing models of " + backend + " at " + url));
      return;
    }
    if (result->status != 200) {
      done(core::Error::Unavailable("listing models of " + backend + " at " + url + ": HTTP " +
                                    std::to_string(result->status) + ": " +
                                    ErrorTextFromBody(result->body)));
      return;
    }
    nlohmann::json body = nlohmann::json::parse(result->body, nullptr, false);
    if (body.is_discarded()) {
      done(core::Error::Corruption("model list of " + backend + " at " + url + " is not JSON"));
      return;
    }
    core::Result<std::vector<std::string>> models = extract(body);
    if (!models.ok()) {
      done(models.error().WithContext("model list of " + backend + " at " + url));
      return;
    }
    done(std::move(models).value());
  });
}

std::optional<uint64_t> JsonCount(const nlohmann::json& object, const char* field) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  int64_t value = it->get<int64_t>();
  if (value < 0) return std::nullopt;
  return static_cast<uint64_t>(value);
}

bool SaysModelMissing(std::string_view text) {
  std::string lower = Lower(text);
  if (lower.find("model") == std::string::npos) return false;
  return lower.find("not found") != std::string::npos ||
         lower.find("does not exist") != std::string::npos ||
         lower.find("model_not_found") != std::string::npos;
}

}  // namespace aitbc::miner
