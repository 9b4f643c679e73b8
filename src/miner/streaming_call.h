// One streamed HTTP request to an inference server whose body is read line by line as it
// arrives (Ollama's NDJSON, OpenAI's Server-Sent Events), shared by the HTTP backends.
//
// Contract: StartStreamingCall sends the request at once and returns the call; `done` runs once
// on an EventLoop thread (after Cancel(), at most once; the caller ignores it then). The protocol
// object sees the lines of a 200 body in order, one thread at a time. Outcome rules, in order:
//   1. an HTTP status other than 2xx -> protocol.OnHttpError(status, the body's error text);
//   2. a failure the protocol returned for a line (the rest of the body is not read);
//   3. a transport error -> TransportFailure (refused: backend_unavailable; no data within
//      idle_timeout_ms: timeout; malformed HTTP: invalid_output);
//   4. otherwise protocol.Finish() (which fails a stream that ended too early).
// A line longer than kMaxResultBytes plus 64 KiB is invalid_output.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "miner/backend.h"
#include "net/http_client.h"

namespace aitbc::miner {

class LineProtocol {
 public:
  // server names the backend in failure reasons ("Ollama"); model is the job's model.
  LineProtocol(std::string server, std::string model)
      : server_(std::move(server)), model_(std::move(model)) {}
  virtual ~LineProtocol() = default;
  // One complete line of a 2xx body (without the newline). A failure stops the call.
  virtual std::optional<JobFailure> OnLine(std::string_view line) = 0;
  // The 2xx body ended: the result, or why it cannot be used.
  virtual InferenceOutcome Finish() = 0;
  // The server answered with an HTTP error status: 404, or a message saying the model is
  // missing, is model_not_found; anything else backend_error.
  virtual JobFailure OnHttpError(int status, const std::string& error_text);

 protected:
  // An error the server reported inside the body: model_not_found when it says the model is
  // missing (or `model_missing` is set), backend_error otherwise.
  JobFailure ReportedError(const std::string& message, bool model_missing = false) const;
  static JobFailure Invalid(std::string reason) {
    return {std::string(kFailInvalidOutput), std::move(reason)};
  }
  // Appends one piece of the reply (a JSON string; null or absent adds nothing) to text_.
  // Errors: not a string, or the result would exceed protocol::kMaxResultBytes.
  std::optional<JobFailure> AppendPiece(const nlohmann::json* piece);

  const std::string server_;
  const std::string model_;
  std::string text_;     // the reply so far
  uint64_t pieces_ = 0;  // non-empty pieces appended
};

struct StreamingCallOptions {
  std::string backend;  // "ollama", "openai": names the server in failure reasons
  int64_t connect_timeout_ms = 2'000;
  int64_t idle_timeout_ms = 120'000;  // the longest wait for the next piece of the body
};

std::shared_ptr<InferenceCall> StartStreamingCall(net::HttpClient& client,
                                                  net::ClientRequest request,
                                                  std::unique_ptr<LineProtocol> protocol,
                                                  const StreamingCallOptions& options,
                                                  InferenceDone done);

// A readable message from an error body: {"error":"..."} (Ollama), {"error":{"message":...}}
// (OpenAI), {"message":...} (vLLM), else the body itself, cut to 300 bytes.
std::string ErrorTextFromBody(std::string_view body);

// What a transport error of the HTTP client means for a job.
JobFailure TransportFailure(const core::Error& error, std::string_view backend,
                            std::string_view url);

// GET request (a model list) whose 200 JSON body `extract` turns into model names. Transport
// errors pass through; an HTTP error status is kUnavailable naming the status and the body's
// error text; a body that is not JSON, or that extract rejects, is kCorruption.
using ModelListExtractor =
    std::function<core::Result<std::vector<std::string>>(const nlohmann::json& body)>;
void FetchModels(net::HttpClient& client, net::ClientRequest request, std::string backend,
                 ModelListExtractor extract, ModelsDone done);

// A non-negative integer field of a JSON object (token counts, durations); nullopt otherwise.
std::optional<uint64_t> JsonCount(const nlohmann::json& object, const char* field);

// True when an error message says a model is missing ("model \"x\" not found", "does not exist").
bool SaysModelMissing(std::string_view text);

}  // namespace aitbc::miner
