// Test-only HTTP servers that stand in for what the miner talks to and we do not own (an Ollama
// server, an OpenAI-compatible server) or that is not under test (the coordinator): a
// net::HttpServer on its own EventLoop that records every request and can stream replies piece
// by piece with delays, stall, and stop and start again on the same port.
//
// Contract: routes are added by the subclass's constructor (Route()), before Start(). Start()
// binds (port 0: a free port); Stop() closes every connection and releases stalled replies;
// Start() again makes a new server on the same port with the same routes. Recorded requests
// survive restarts. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "net/event_loop.h"
#include "net/http_server.h"
#include "net/router.h"

namespace aitbc::miner::testing {

struct RecordedRequest {
  std::string method;
  std::string path;
  net::Headers headers;
  std::string body;
  nlohmann::json json;  // the body parsed; discarded (is_discarded()) when it is not JSON

  std::optional<std::string> Header(std::string_view name) const;
};

class FakeServer {
 public:
  FakeServer();
  virtual ~FakeServer();
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  core::Status Start(uint16_t port = 0);
  void Stop();
  uint16_t port() const;
  std::string url() const;

  std::vector<RecordedRequest> requests() const;
  std::vector<RecordedRequest> requests(std::string_view method, std::string_view path) const;
  size_t count(std::string_view method, std::string_view path) const;
  // Waits until at least n requests of method+path were recorded.
  bool WaitFor(std::string_view method, std::string_view path, size_t n,
               int64_t timeout_ms = 10'000) const;
  void ClearRequests();

 protected:
  // Adds a route whose requests are recorded before the handler runs.
  void Route(net::Method method, std::string pattern, net::AsyncHandler handler);
  net::EventLoop& loop() { return *loop_; }
  // Sends the chunks as one streamed (chunked) body, delay_ms apart. With end == false the body
  // never ends: the connection stays open until Stop().
  void Stream(net::Responder responder, int status, std::string content_type,
              std::vector<std::string> chunks, int64_t delay_ms, bool end = true);
  // Never answers: the request hangs until Stop().
  void Hold(net::Responder responder);

 private:
  struct StreamJob;
  void Next(const std::shared_ptr<StreamJob>& job);

  std::unique_ptr<net::EventLoop> loop_;
  std::shared_ptr<net::Router> router_;
  mutable std::mutex mu_;
  std::unique_ptr<net::HttpServer> server_;
  uint16_t port_ = 0;
  std::vector<RecordedRequest> requests_;
  std::vector<net::Responder> held_;
  std::vector<std::shared_ptr<net::StreamWriter>> open_streams_;
};

// The words of a request's prompt: "prompt", "system" and every message's "content" (how
// the fakes count prompt tokens).
uint64_t PromptWords(const nlohmann::json& body);

// Splits each line into two writes, so a reader sees lines cut in the middle.
std::vector<std::string> SplitInHalves(const std::vector<std::string>& lines);

}  // namespace aitbc::miner::testing
