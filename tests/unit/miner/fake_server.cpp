#include "fake_server.h"

#include <chrono>
#include <sstream>
#include <thread>

namespace aitbc::miner::testing {

std::optional<std::string> RecordedRequest::Header(std::string_view name) const {
  auto value = headers.Get(name);
  if (!value) return std::nullopt;
  return std::string(*value);
}

struct FakeServer::StreamJob {
  std::shared_ptr<net::StreamWriter> writer;
  std::vector<std::string> chunks;
  size_t next = 0;
  int64_t delay_ms = 0;
  bool end = true;
};

FakeServer::FakeServer()
    : loop_(std::make_unique<net::EventLoop>(1)), router_(std::make_shared<net::Router>()) {
  loop_->RunInBackground();
}

FakeServer::~FakeServer() {
  Stop();
  loop_->Stop();
}

void FakeServer::Route(net::Method method, std::string pattern, net::AsyncHandler handler) {
  router_->AddAsync(
      method, std::move(pattern),
      [this, handler = std::move(handler)](net::Request& request, net::Responder responder) {
        RecordedRequest recorded;
        recorded.method = std::string(net::MethodName(request.method));
        recorded.path = request.path;
        recorded.headers = request.headers;
        recorded.body = request.body;
        recorded.json = nlohmann::json::parse(request.body, nullptr, false);
        {
          std::lock_guard lock(mu_);
          requests_.push_back(std::move(recorded));
        }
        handler(request, std::move(responder));
      });
}

core::Status FakeServer::Start(uint16_t port) {
  net::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.drain_timeout_ms = 200;
  auto server = std::make_unique<net::HttpServer>(*loop_, router_, options);
  AITBC_ASSIGN_OR_RETURN(uint16_t bound, server->Start());
  std::lock_guard lock(mu_);
  server_ = std::move(server);
  port_ = bound;
  return core::Ok();
}

void FakeServer::Stop() {
  std::unique_ptr<net::HttpServer> server;
  std::vector<net::Responder> held;
  std::vector<std::shared_ptr<net::StreamWriter>> streams;
  {
    std::lock_guard lock(mu_);
    server.swap(server_);
    held.swap(held_);
    streams.swap(open_streams_);
  }
  for (auto& stream : streams) stream->End();
  held.clear();  // answered 500 on connections that are still open
  if (server) server->Stop();
}

uint16_t FakeServer::port() const {
  std::lock_guard lock(mu_);
  return port_;
}

std::string FakeServer::url() const { return "http://127.0.0.1:" + std::to_string(port()); }

std::vector<RecordedRequest> FakeServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::vector<RecordedRequest> FakeServer::requests(std::string_view method,
                                                  std::string_view path) const {
  std::lock_guard lock(mu_);
  std::vector<RecordedRequest> out;
  for (const auto& request : requests_) {
    if (request.method == method && request.path == path) out.push_back(request);
  }
  return out;
}

size_t FakeServer::count(std::string_view method, std::string_view path) const {
  return requests(method, path).size();
}

bool FakeServer::WaitFor(std::string_view method, std::string_view path, size_t n,
                         int64_t timeout_ms) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (count(method, path) < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void FakeServer::ClearRequests() {
  std::lock_guard lock(mu_);
  requests_.clear();
}

void FakeServer::Stream(net::Responder responder, int status, std::string content_type,
                        std::vector<std::string> chunks, int64_t delay_ms, bool end) {
  net::Headers headers;
  headers.Set("Content-Type", std::move(content_type));
  auto job = std::make_shared<StreamJob>();
  job->writer = responder.StartStream(status, std::move(headers));
  job->chunks = std::move(chunks);
  job->delay_ms = delay_ms;
  job->end = end;
  Next(job);
}

void FakeServer::Next(const std::shared_ptr<StreamJob>& job) {
  if (job->writer->closed()) return;
  if (job->next < job->chunks.size()) {
    job->writer->Write(job->chunks[job->next++]);
    loop_->RunAfter(job->delay_ms, [this, job] { Next(job); });
    return;
  }
  if (job->end) {
    job->writer->End();
    return;
  }
  std::lock_guard lock(mu_);
  open_streams_.push_back(job->writer);
}

void FakeServer::Hold(net::Responder responder) {
  std::lock_guard lock(mu_);
  held_.push_back(std::move(responder));
}

uint64_t PromptWords(const nlohmann::json& body) {
  auto words = [](const nlohmann::json& text) -> uint64_t {
    if (!text.is_string()) return 0;
    std::istringstream in(text.get<std::string>());
    std::string word;
    uint64_t n = 0;
    while (in >> word) ++n;
    return n;
  };
  uint64_t n =
      words(body.value("prompt", nlohmann::json())) + words(body.value("system", nlohmann::json()));
  for (const auto& message : body.value("messages", nlohmann::json::array())) {
    n += words(message.value("content", nlohmann::json()));
  }
  return n;
}

std::vector<std::string> SplitInHalves(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines) {
    size_t half = line.size() / 2;
    if (half > 0) out.push_back(line.substr(0, half));
    out.push_back(line.substr(half));
  }
  return out;
}

}  // namespace aitbc::miner::testing
