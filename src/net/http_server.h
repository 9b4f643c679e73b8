// HttpServer: an asynchronous HTTP/1.1 server (Boost.Beast on C++20 coroutines, no thread per
// connection) that dispatches to a Router.
//
// Behaviour: keep-alive; bodies above max_body_bytes answer 413 without reading the rest (as soon
// as Content-Length says so, or when a chunked body grows past it); headers above
// max_header_bytes answer 431; malformed HTTP answers 400 and closes. A client that does not
// send its headers within header_timeout_ms (counted from its first byte, or from the connection
// for its first request) or its body within read_timeout_ms gets 408 and is disconnected; idle
// keep-alive connections close after idle_timeout_ms, and a client that does not take a
// response within idle_timeout_ms is disconnected. Above max_connections, new connections are
// closed at once. Streamed responses (Responder::StartStream) use chunked encoding (plain bytes
// for HTTP/1.0) and close the connection when they end; Stop() ends open streams.
// Every request is counted in the metrics registry when one is given:
// http_requests_total{method,route,code} and http_request_duration_seconds{method,route}, where
// route is the matched pattern ("unmatched" for 404s); also the gauge http_open_connections.
// Contract: Start() binds and returns the bound port (port 0 picks a free one). Stop() stops
// accepting, lets in-flight requests finish for up to drain_timeout_ms, then closes the rest;
// it is idempotent and thread-safe. Handlers run on the EventLoop's threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "net/event_loop.h"
#include "net/router.h"

namespace aitbc::net {

class MetricsRegistry;

// One log line per answered request ("http 127.0.0.1:5312 POST /v1/jobs 201 3.21ms
// key=client:9f2c..."), the audit trail the seed asks for ("logs all API calls"). Only the
// non-secret id of an API key is logged, never the key.
enum class AccessLog { kOff, kDebug, kInfo };

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  size_t max_body_bytes = 1 << 20;  // 1 MiB
  size_t max_header_bytes = 16 << 10;
  int64_t header_timeout_ms = 10'000;
  int64_t read_timeout_ms = 30'000;
  int64_t idle_timeout_ms = 60'000;
  int64_t drain_timeout_ms = 10'000;
  size_t max_connections = 10'000;
  std::string server_name = "aitbc";
  MetricsRegistry* metrics = nullptr;  // not owned, must outlive the server; may be null
  AccessLog access_log = AccessLog::kOff;
};

class HttpServer {
 public:
  HttpServer(EventLoop& loop, std::shared_ptr<const Router> router, ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  core::Result<uint16_t> Start();
  // Graceful stop. From a thread outside the loop it blocks until every connection has closed
  // (at most drain_timeout_ms plus a moment); on a loop thread it only starts the shutdown.
  void Stop();
  // Starts the graceful stop and returns; on_stopped runs on a loop thread once the listener
  // and every connection are closed. For daemons: OnShutdownSignal -> StopAsync -> loop.Stop().
  void StopAsync(std::function<void()> on_stopped);
  uint16_t port() const;
  size_t open_connections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Parses "HOST:PORT" ("127.0.0.1:0", "[::1]:8000", ":8000" meaning 127.0.0.1).
core::Result<std::pair<std::string, uint16_t>> ParseListenAddress(std::string_view text);

}  // namespace aitbc::net
