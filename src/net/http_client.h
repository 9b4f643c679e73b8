// HttpClient: an asynchronous HTTP/1.1 client with connection reuse and timeouts, plus a
// blocking wrapper for the CLI and tests.
//
// Contract: every call has a connect timeout and a read timeout (a deadline for the whole
// response, or, for streamed responses, the longest wait between two chunks). Errors are
// values: kUnavailable for connection refused/reset, kTimeout for deadlines, kInvalidArgument
// for a malformed URL, kCorruption for a malformed response. An HTTP error status is NOT an
// error of Send: the caller gets the Response and decides (ErrorFromResponse helps).
// HttpClient is thread-safe; callbacks run on the EventLoop's threads. Only http:// URLs.
// Connections are kept per host:port and reused unless either side says "Connection: close".
// Send never retries on its own (use retry.h), with one exception that is safe for every
// method: when a pooled connection turns out to be closed by the server before any byte of
// the response arrived (a stale keep-alive connection), the request is sent again once on a
// fresh connection. Requests in flight when the client is destroyed still complete.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "net/event_loop.h"
#include "net/http_types.h"

namespace aitbc::net {

struct Url {
  std::string host;
  uint16_t port = 80;
  std::string target = "/";  // path and query

  static core::Result<Url> Parse(std::string_view text);  // "http://127.0.0.1:8000/v1/jobs"
  std::string ToString() const;
  // Same scheme/host/port with another target: base.WithTarget("/v1/jobs").
  Url WithTarget(std::string target) const;
};

struct ClientRequest {
  Method method = Method::kGet;
  Url url;
  Headers headers;
  std::string body;
  int64_t connect_timeout_ms = 2'000;
  int64_t read_timeout_ms = 30'000;
};

struct ClientOptions {
  size_t max_response_bytes = 64 << 20;  // kPayloadTooLarge above (not for streamed bodies)
  size_t max_idle_per_host = 16;
  int64_t idle_timeout_ms = 30'000;  // pooled connections idle longer are not reused
  std::string user_agent = "aitbc";
};

class HttpClient {
 public:
  using Done = std::function<void(core::Result<Response>)>;
  // Called for every piece of a streamed body as it arrives; return false to stop reading.
  using OnData = std::function<bool(std::string_view data)>;

  explicit HttpClient(EventLoop& loop, ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void Send(ClientRequest request, Done done);
  // Streams the body to on_data as it arrives (chunked or not); done gets the response with
  // status and headers (empty body) at the end, or when on_data returned false (the
  // connection is then closed). A non-2xx response is not streamed: its body (up to 1 MiB) is
  // in the Response given to done. read_timeout_ms is the longest wait between two pieces.
  void SendStreaming(ClientRequest request, OnData on_data, Done done);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// A blocking client with its own one-thread loop. Thread-safe.
class BlockingHttpClient {
 public:
  explicit BlockingHttpClient(ClientOptions options = {});
  ~BlockingHttpClient();

  core::Result<Response> Send(ClientRequest request);
  core::Result<Response> SendStreaming(ClientRequest request, HttpClient::OnData on_data);

 private:
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<HttpClient> client_;
};

// Splits a byte stream into lines (for NDJSON and SSE); keeps the unfinished tail between feeds.
class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line_bytes = 1 << 20) : max_line_(max_line_bytes) {}
  // Calls on_line for each complete line (without "\n" or "\r\n"). Error if a line is too long.
  core::Status Feed(std::string_view data, const std::function<void(std::string_view)>& on_line);
  // The unfinished tail (a final line without newline), emptied.
  std::string TakeRest();

 private:
  size_t max_line_;
  std::string pending_;
};

}  // namespace aitbc::net
