#include "net/http_server.h"

#include <charconv>
#include <chrono>
#include <ctime>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <spdlog/spdlog.h>

#include "net/beast_util.h"

#include <boost/beast/http/status.hpp>

#include "net/access_log.h"
#include "net/metrics.h"

namespace aitbc::net {
namespace {

using namespace detail;  // NOLINT: asio, beast, http, tcp, error_code, Redirect, View

constexpr size_t kReadChunk = 16 * 1024;
constexpr auto kLingerTime = std::chrono::milliseconds(500);
constexpr size_t kLingerMaxBytes = 4 << 20;

Method MethodFromVerb(http::verb verb) {
  static constexpr std::pair<http::verb, Method> kVerbs[] = {
      {http::verb::get, Method::kGet},         {http::verb::head, Method::kHead},
      {http::verb::post, Method::kPost},       {http::verb::put, Method::kPut},
      {http::verb::patch, Method::kPatch},     {http::verb::delete_, Method::kDelete},
      {http::verb::options, Method::kOptions},
  };
  for (const auto& [candidate, method] : kVerbs) {
    if (candidate == verb) return method;
  }
  return Method::kOther;
}

// "Date: Sun, 06 Nov 1994 08:49:37 GMT", formatted at most once a second per thread.
std::string_view HttpDate() {
  thread_local std::time_t cached_second = 0;
  thread_local char buffer[64];
  thread_local size_t length = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    length = std::strftime(buffer, sizeof(buffer), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached_second = now;
  }
  return {buffer, length};
}

bool HasCrLf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

bool BodyAllowed(int status) { return status >= 200 && status != 204 && status != 304; }

void AppendNumber(std::string& out, uint64_t value) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, result.ptr);
}

struct HeadOptions {
  int status = 200;
  std::optional<size_t> content_length;
  bool chunked = false;
  bool keep_alive = true;
  unsigned version = 11;
};

// Formats a response's status line and headers. The framing headers (Content-Length,
// Transfer-Encoding, Connection) always come from the server, never from the handler.
void AppendHead(std::string& out, const HeadOptions& head, const Headers& headers,
                const std::string& server_name) {
  out += "HTTP/1.1 ";
  AppendNumber(out, static_cast<uint64_t>(head.status));
  out += ' ';
  auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(head.status)));
  out +=
      reason.empty() || reason == "<unknown-status>" ? std::string_view("Unknown") : View(reason);
  out += "\r\n";
  bool has_server = false;
  for (const auto& [name, value] : headers.all()) {
    if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
        EqualsIgnoreCase(name, "Connection") || name.empty() || HasCrLf(name) || HasCrLf(value)) {
      continue;
    }
    if (EqualsIgnoreCase(name, "Server")) has_server = true;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!has_server && !server_name.empty()) {
    out += "Server: ";
    out += server_name;
    out += "\r\n";
  }
  out += "Date: ";
  out += HttpDate();
  out += "\r\n";
  if (head.content_length) {
    out += "Content-Length: ";
    AppendNumber(out, *head.content_length);
    out += "\r\n";
  }
  if (head.chunked) out += "Transfer-Encoding: chunked\r\n";
  if (!head.keep_alive) {
    out += "Connection: close\r\n";
  } else if (head.version < 11) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
}

class ServerState;
class Connection;

// The writer handed to a streaming handler. Write/End queue under a mutex (they may come from
// any thread) and wake the connection's coroutine, which does the socket writes.
class ServerStream final : public StreamWriter {
 public:
  ServerStream(std::weak_ptr<Connection> connection, asio::any_io_executor executor)
      : connection_(std::move(connection)), executor_(std::move(executor)) {}

  void Write(std::string chunk) override;
  void End() override;
  bool closed() const override { return closed_.load(); }

  // Called by the connection: takes what is queued; `ended` once End() was called.
  void Take(std::vector<std::string>& chunks, bool& ended) {
    std::lock_guard lock(mu_);
    chunks.swap(queue_);
    ended = ended_;
    wake_posted_ = false;
  }
  void MarkClosed() { closed_.store(true); }
  // Stop(): finish what is queued, then the last chunk; producers see closed().
  void EndFromServer() {
    closed_.store(true);
    std::lock_guard lock(mu_);
    ended_ = true;
  }

 private:
  void WakeLocked();

  std::weak_ptr<Connection> connection_;
  asio::any_io_executor executor_;
  std::atomic<bool> closed_{false};
  std::mutex mu_;
  std::vector<std::string> queue_;
  bool ended_ = false;
  bool wake_posted_ = false;
};

// Shared by the server object and every connection coroutine, which may outlive it.
class ServerState : public std::enable_shared_from_this<ServerState> {
 public:
  ServerState(EventLoop& loop, std::shared_ptr<const Router> router, ServerOptions options)
      : loop_(loop),
        ioc_(IoContext(loop)),
        router_(std::move(router)),
        options_(std::move(options)),
        accept_executor_(SerialExecutor(loop)),
        acceptor_(accept_executor_),
        drain_timer_(accept_executor_) {
    if (options_.metrics) {
      open_gauge_ =
          &options_.metrics->GetGauge("http_open_connections", "Open HTTP server connections.");
    }
  }

  core::Result<uint16_t> Start();
  void StopAsync(std::function<void()> on_stopped);
  void StopBlocking();
  void CloseNow();

  void Unregister(uint64_t id);
  bool stopping() const { return stopping_.load(); }
  uint16_t port() const { return port_.load(); }
  size_t open_connections() const { return open_.load(); }

  EventLoop& loop_;
  asio::io_context& ioc_;
  const std::shared_ptr<const Router> router_;
  const ServerOptions options_;

 private:
  asio::awaitable<void> AcceptLoop(std::shared_ptr<ServerState> self);
  void MaybeFinishStop();  // on the accept executor or with the lock free
  void ForceCloseAll();
  std::vector<std::shared_ptr<Connection>> Snapshot();

  asio::any_io_executor accept_executor_;
  tcp::acceptor acceptor_;
  asio::steady_timer drain_timer_;
  Gauge* open_gauge_ = nullptr;
  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<uint16_t> port_{0};
  std::atomic<size_t> open_{0};

  std::mutex mu_;  // guards the members below
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> connections_;
  uint64_t next_id_ = 0;
  bool accept_done_ = false;
  bool stop_finished_ = false;
  std::vector<std::function<void()>> on_stopped_;

  friend class Connection;
};

class Connection final : public Responder::Sink, public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<ServerState> server, tcp::socket socket,
             asio::any_io_executor executor, uint64_t id)
      : server_(std::move(server)),
        options_(server_->options_),
        executor_(std::move(executor)),
        socket_(std::move(socket)),
        watchdog_(executor_),
        wake_(executor_, TimePoint::max()),
        id_(id) {
    error_code ec;
    auto endpoint = socket_.remote_endpoint(ec);
    if (!ec) {
      auto address = endpoint.address();
      remote_ = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
      remote_ += ':';
      remote_ += std::to_string(endpoint.port());
    }
  }

  asio::awaitable<void> Run(std::shared_ptr<Connection> self);

  void Send(Response response) override;
  std::shared_ptr<StreamWriter> StartStream(int status, Headers headers) override;

  // On the connection's executor.
  void OnServerStop();
  void ForceClose();
  void Wake() { wake_.cancel(); }
  const asio::any_io_executor& executor() const { return executor_; }
  uint64_t id() const { return id_; }

 private:
  enum class Phase { kIdle, kReading, kHandling, kWriting, kStreaming, kClosing };

  asio::awaitable<void> Watchdog(std::shared_ptr<Connection> self);
  void SetDeadline(TimePoint deadline);
  bool InDispatch() const { return dispatch_thread_.load() == std::this_thread::get_id(); }

  // Reads one request into parser_; false when the connection should close (an error answer
  // has been written when one was due).
  asio::awaitable<bool> ReadRequest(bool first);
  // Feeds input to parser_ until the header (or the whole request) is parsed, reading with a
  // deadline of from + timeout_ms once it has to wait; false after an error (answered).
  asio::awaitable<bool> Feed(bool until_header, bool deadline_set, TimePoint from,
                             int64_t timeout_ms, std::string_view timeout_message);
  // Dispatches and answers; false when the connection should close.
  asio::awaitable<bool> HandleRequest();
  asio::awaitable<void> RunStream(std::shared_ptr<ServerStream> stream, bool head_only,
                                  unsigned version);
  asio::awaitable<void> WatchPeer(std::shared_ptr<Connection> self,
                                  std::shared_ptr<ServerStream> stream);
  // Answers a protocol error, then closes after draining what the client still sends.
  asio::awaitable<void> RejectAndClose(int status, std::string_view code, std::string_view message);
  asio::awaitable<void> RejectParseError(const error_code& ec);
  void RecordMetrics(const Request& request, int status, TimePoint start);

  const std::shared_ptr<ServerState> server_;
  const ServerOptions& options_;
  asio::any_io_executor executor_;
  tcp::socket socket_;
  asio::steady_timer watchdog_;
  asio::steady_timer wake_;  // never expires; cancel() wakes the coroutine
  const uint64_t id_;
  std::string remote_;

  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string head_;  // reused for every response head

  Phase phase_ = Phase::kIdle;
  TimePoint deadline_ = TimePoint::max();
  TimePoint armed_ = TimePoint::max();
  bool timed_out_ = false;
  bool done_ = false;
  bool closing_ = false;  // forced close: stop as soon as possible

  // The answer of the current request (set on the executor, or inline during Dispatch).
  std::atomic<std::thread::id> dispatch_thread_{};
  bool answered_ = false;
  Response response_;
  std::shared_ptr<ServerStream> stream_;
  int stream_status_ = 200;
  Headers stream_headers_;

  struct MetricsEntry {
    Method method;
    const char* route;
    size_t route_size;
    int status;
    Counter* requests;
    Histogram* duration;
  };
  std::vector<MetricsEntry> metrics_cache_;
};

// ---------------------------------------------------------------------------------------------
// ServerStream

void ServerStream::Write(std::string chunk) {
  if (chunk.empty() || closed_.load()) return;  // an empty chunk would end the stream
  std::lock_guard lock(mu_);
  if (ended_) return;
  queue_.push_back(std::move(chunk));
  WakeLocked();
}

void ServerStream::End() {
  std::lock_guard lock(mu_);
  if (ended_) return;
  ended_ = true;
  WakeLocked();
}

void ServerStream::WakeLocked() {
  if (wake_posted_) return;
  wake_posted_ = true;
  asio::post(executor_, [weak = connection_] {
    if (auto connection = weak.lock()) connection->Wake();
  });
}

// ---------------------------------------------------------------------------------------------
// Connection

void Connection::SetDeadline(TimePoint deadline) {
  deadline_ = deadline;
  // The watchdog sleeps until armed_; only an earlier deadline needs to wake it (deadlines
  // mostly move later, which costs nothing here).
  if (deadline < armed_) {
    armed_ = deadline;
    watchdog_.cancel();
  }
}

asio::awaitable<void> Connection::Watchdog(std::shared_ptr<Connection> self) {
  error_code ec;
  while (!done_) {
    armed_ = deadline_;
    watchdog_.expires_at(armed_);
    co_await watchdog_.async_wait(Redirect(ec));
    if (done_) break;
    if (SteadyClock::now() < deadline_) continue;  // moved later or earlier: sleep again
    timed_out_ = true;
    deadline_ = TimePoint::max();
    socket_.cancel(ec);
  }
}

asio::awaitable<void> Connection::Run(std::shared_ptr<Connection> self) {
  SetDeadline(SteadyClock::now() + std::chrono::milliseconds(options_.header_timeout_ms));
  asio::co_spawn(executor_, Watchdog(self), LogCoroutineExit{"HTTP connection watchdog"});
  bool first = true;
  for (;;) {
    if (!co_await ReadRequest(first)) break;
    if (!co_await HandleRequest()) break;
    first = false;
  }
  phase_ = Phase::kClosing;
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  done_ = true;
  watchdog_.cancel();
  server_->Unregister(id_);
}

asio::awaitable<bool> Connection::ReadRequest(bool first) {
  parser_.emplace();
  parser_->header_limit(
      static_cast<uint32_t>(std::min<size_t>(options_.max_header_bytes, 1u << 30)));
  parser_->body_limit(options_.max_body_bytes);
  parser_->eager(false);
  error_code ec;

  // Wait for the first byte of the next request (the idle phase).
  if (buffer_.size() == 0) {
    phase_ = Phase::kIdle;
    if (server_->stopping() || closing_) co_return false;
    if (!first)
      SetDeadline(SteadyClock::now() + std::chrono::milliseconds(options_.idle_timeout_ms));
    size_t n = co_await socket_.async_read_some(buffer_.prepare(kReadChunk), Redirect(ec));
    // Closed by the client, idle or header timeout before any byte, or Stop(): close quietly.
    if (ec) co_return false;
    buffer_.commit(n);
  }
  phase_ = Phase::kReading;
  const TimePoint start = SteadyClock::now();

  // The header: usually complete in the first read, so no deadline change is needed. For the
  // first request the deadline set at connect time already counts.
  if (!co_await Feed(/*until_header=*/true, /*deadline_set=*/first, start,
                     options_.header_timeout_ms, "request header timeout")) {
    co_return false;
  }
  // The body.
  if (!parser_->is_done() && buffer_.size() == 0) {
    auto expect = parser_->get()[http::field::expect];
    if (EqualsIgnoreCase(View(expect), "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      co_await asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                                 Redirect(ec));
      if (ec) co_return false;
    }
  }
  parser_->eager(true);
  co_return co_await Feed(/*until_header=*/false, /*deadline_set=*/false, SteadyClock::now(),
                          options_.read_timeout_ms, "request body timeout");
}

asio::awaitable<bool> Connection::Feed(bool until_header, bool deadline_set, TimePoint from,
                                       int64_t timeout_ms, std::string_view timeout_message) {
  error_code ec;
  while (until_header ? !parser_->is_header_done() : !parser_->is_done()) {
    if (buffer_.size() > 0) {
      size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (!ec) continue;
      if (ec != http::error::need_more) {
        co_await RejectParseError(ec);
        co_return false;
      }
    }
    if (!deadline_set) {
      SetDeadline(from + std::chrono::milliseconds(timeout_ms));
      deadline_set = true;
    }
    size_t n = co_await socket_.async_read_some(buffer_.prepare(kReadChunk), Redirect(ec));
    if (ec) {
      if (timed_out_ && !closing_) co_await RejectAndClose(408, "timeout", timeout_message);
      co_return false;
    }
    buffer_.commit(n);
  }
  co_return true;
}

asio::awaitable<void> Connection::RejectParseError(const error_code& ec) {
  if (ec == http::error::body_limit) {
    co_await RejectAndClose(
        413, "payload_too_large",
        "request body exceeds " + std::to_string(options_.max_body_bytes) + " bytes");
  } else if (ec == http::error::header_limit) {
    co_await RejectAndClose(
        431, "invalid_argument",
        "request header exceeds " + std::to_string(options_.max_header_bytes) + " bytes");
  } else {
    co_await RejectAndClose(400, "invalid_argument", "malformed HTTP request: " + ec.message());
  }
}

asio::awaitable<void> Connection::RejectAndClose(int status, std::string_view code,
                                                 std::string_view message) {
  Response response = Response::JsonError(status, code, message);
  head_.clear();
  HeadOptions head;
  head.status = status;
  head.content_length = response.body.size();
  head.keep_alive = false;
  AppendHead(head_, head, response.headers, options_.server_name);
  std::array<asio::const_buffer, 2> buffers = {asio::buffer(head_), asio::buffer(response.body)};
  timed_out_ = false;
  SetDeadline(SteadyClock::now() + kLingerTime);
  error_code ec;
  co_await asio::async_write(socket_, buffers, Redirect(ec));
  if (ec) co_return;
  // Closing with unread input would make the kernel reset the connection, and the client might
  // lose the answer: stop sending, then read and drop what is still coming for a moment.
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  size_t drained = 0;
  while (!ec && drained < kLingerMaxBytes && !closing_) {
    buffer_.clear();
    drained += co_await socket_.async_read_some(buffer_.prepare(kReadChunk), Redirect(ec));
  }
}

asio::awaitable<bool> Connection::HandleRequest() {
  const TimePoint start = SteadyClock::now();
  auto& message = parser_->get();
  const bool head_only = message.method() == http::verb::head;
  const unsigned version = message.version();
  bool keep_alive = parser_->keep_alive();

  Request request;
  request.method = MethodFromVerb(message.method());
  request.target.assign(message.target().data(), message.target().size());
  CopyHeaders(message, request.headers);
  request.body = std::move(message.body());
  request.remote_address = remote_;

  answered_ = false;
  stream_.reset();
  phase_ = Phase::kHandling;
  SetDeadline(TimePoint::max());
  if (auto parsed = ParseTarget(request); !parsed.ok()) {
    response_ = Response::FromError(parsed.error());
    answered_ = true;
  } else {
    dispatch_thread_.store(std::this_thread::get_id());
    server_->router_->Dispatch(request, Responder(shared_from_this()));
    dispatch_thread_.store(std::thread::id());
  }
  error_code ec;
  while (!answered_ && !closing_) co_await wake_.async_wait(Redirect(ec));
  if (closing_) co_return false;

  if (stream_) {
    RecordMetrics(request, stream_status_, start);
    co_await RunStream(stream_, head_only, version);
    stream_.reset();
    co_return false;
  }

  Response response = std::move(response_);
  if (auto connection = response.headers.Get("Connection");
      connection && EqualsIgnoreCase(*connection, "close")) {
    keep_alive = false;
  }
  if (server_->stopping()) keep_alive = false;

  HeadOptions head;
  head.status = response.status;
  head.keep_alive = keep_alive;
  head.version = version;
  const bool body_allowed = BodyAllowed(response.status);
  if (body_allowed) head.content_length = response.body.size();
  head_.clear();
  AppendHead(head_, head, response.headers, options_.server_name);
  std::array<asio::const_buffer, 2> buffers = {asio::buffer(head_), asio::const_buffer()};
  if (body_allowed && !head_only) buffers[1] = asio::buffer(response.body);

  // Counted before the write, so a client that has its answer also sees it counted.
  RecordMetrics(request, response.status, start);
  phase_ = Phase::kWriting;
  // Writes get the idle timeout: deadlines then only move later and cost nothing to set.
  SetDeadline(SteadyClock::now() + std::chrono::milliseconds(options_.idle_timeout_ms));
  co_await asio::async_write(socket_, buffers, Redirect(ec));
  co_return !ec && keep_alive;
}

asio::awaitable<void> Connection::RunStream(std::shared_ptr<ServerStream> stream, bool head_only,
                                            unsigned version) {
  phase_ = Phase::kStreaming;
  if (server_->stopping()) stream->EndFromServer();
  const bool chunked = version >= 11;
  HeadOptions head;
  head.status = stream_status_;
  head.chunked = chunked && !head_only;
  head.keep_alive = false;  // a streamed response ends the connection
  head.version = version;
  head_.clear();
  AppendHead(head_, head, stream_headers_, options_.server_name);
  error_code ec;
  SetDeadline(SteadyClock::now() + std::chrono::milliseconds(options_.idle_timeout_ms));
  co_await asio::async_write(socket_, asio::buffer(head_), Redirect(ec));
  if (ec || head_only || closing_) {
    stream->MarkClosed();
    co_return;
  }
  asio::co_spawn(executor_, WatchPeer(shared_from_this(), stream),
                 LogCoroutineExit{"HTTP stream peer watch"});

  std::vector<std::string> chunks;
  std::vector<std::string> frames;  // chunk-size lines
  std::vector<asio::const_buffer> buffers;
  for (;;) {
    bool ended = false;
    chunks.clear();
    stream->Take(chunks, ended);
    if (chunks.empty() && !ended) {
      if (stream->closed() || closing_) break;
      SetDeadline(TimePoint::max());
      co_await wake_.async_wait(Redirect(ec));
      continue;
    }
    frames.clear();
    buffers.clear();
    frames.reserve(chunks.size());
    for (const auto& chunk : chunks) {
      if (!chunked) {
        buffers.push_back(asio::buffer(chunk));
        continue;
      }
      char size_line[24];
      auto result = std::to_chars(size_line, size_line + 16, chunk.size(), 16);
      frames.emplace_back(size_line, result.ptr);
      frames.back() += "\r\n";
      buffers.push_back(asio::buffer(frames.back()));
      buffers.push_back(asio::buffer(chunk));
      buffers.push_back(asio::buffer("\r\n", 2));
    }
    if (ended && chunked) buffers.push_back(asio::buffer("0\r\n\r\n", 5));
    SetDeadline(SteadyClock::now() + std::chrono::milliseconds(options_.idle_timeout_ms));
    co_await asio::async_write(socket_, buffers, Redirect(ec));
    if (ec || ended) break;
  }
  stream->MarkClosed();
}

asio::awaitable<void> Connection::WatchPeer(std::shared_ptr<Connection> self,
                                            std::shared_ptr<ServerStream> stream) {
  // A streaming client sends nothing more; a read that ends means it went away.
  char scratch[512];
  error_code ec;
  while (!ec) co_await socket_.async_read_some(asio::buffer(scratch), Redirect(ec));
  stream->MarkClosed();
  Wake();
}

void Connection::Send(Response response) {
  if (InDispatch()) {  // answered inline by the handler: no hop needed
    if (answered_) return;
    response_ = std::move(response);
    answered_ = true;
    return;
  }
  asio::post(executor_, [self = shared_from_this(), response = std::move(response)]() mutable {
    if (self->answered_) return;
    self->response_ = std::move(response);
    self->answered_ = true;
    self->Wake();
  });
}

std::shared_ptr<StreamWriter> Connection::StartStream(int status, Headers headers) {
  auto stream = std::make_shared<ServerStream>(weak_from_this(), executor_);
  if (InDispatch()) {
    if (answered_) {
      stream->MarkClosed();
      return stream;
    }
    stream_ = stream;
    stream_status_ = status;
    stream_headers_ = std::move(headers);
    answered_ = true;
    return stream;
  }
  asio::post(executor_,
             [self = shared_from_this(), stream, status, headers = std::move(headers)]() mutable {
               if (self->answered_ || self->done_) {
                 stream->MarkClosed();
                 return;
               }
               self->stream_ = stream;
               self->stream_status_ = status;
               self->stream_headers_ = std::move(headers);
               self->answered_ = true;
               self->Wake();
             });
  return stream;
}

void Connection::OnServerStop() {
  error_code ec;
  if (phase_ == Phase::kIdle) socket_.cancel(ec);
  if (phase_ == Phase::kStreaming && stream_) stream_->EndFromServer();
  if (phase_ == Phase::kStreaming) Wake();
}

void Connection::ForceClose() {
  closing_ = true;
  error_code ec;
  socket_.cancel(ec);
  socket_.close(ec);
  Wake();
}

void Connection::RecordMetrics(const Request& request, int status, TimePoint start) {
  MetricsRegistry* metrics = options_.metrics;
  if (!metrics && options_.access_log == AccessLog::kOff) return;
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  LogAccess(options_.access_log, request, status, seconds);
  if (!metrics) return;
  for (const auto& entry : metrics_cache_) {
    if (entry.method == request.method && entry.route == request.route.data() &&
        entry.route_size == request.route.size() && entry.status == status) {
      entry.requests->Inc();
      entry.duration->Observe(seconds);
      return;
    }
  }
  std::string route = request.route.empty() ? "unmatched" : std::string(request.route);
  std::string method(MethodName(request.method));
  MetricsEntry entry{request.method,
                     request.route.data(),
                     request.route.size(),
                     status,
                     &metrics->GetCounter(
                         "http_requests_total", "HTTP requests answered.",
                         {{"method", method}, {"route", route}, {"code", std::to_string(status)}}),
                     &metrics->GetHistogram("http_request_duration_seconds",
                                            "Time from the request read to its response ready.",
                                            {{"method", method}, {"route", route}})};
  entry.requests->Inc();
  entry.duration->Observe(seconds);
  constexpr size_t kMaxCached = 32;
  if (metrics_cache_.size() < kMaxCached) metrics_cache_.push_back(entry);
}

// ---------------------------------------------------------------------------------------------
// ServerState

core::Result<uint16_t> ServerState::Start() {
  if (started_.exchange(true)) return core::Error::FailedPrecondition("server already started");
  error_code ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(options_.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options_.port);
  } else {
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec || results.empty()) {
      started_ = false;
      return core::Error::InvalidArgument("cannot resolve listen host '" + options_.host +
                                          "': " + ec.message());
    }
    endpoint = results.begin()->endpoint();
  }
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  auto fail = [&](std::string_view what) -> core::Error {
    error_code ignored;
    acceptor_.close(ignored);
    started_ = false;
    return core::Error::Unavailable("cannot listen on " + where + ": " + std::string(what) + ": " +
                                    ec.message());
  };
  if (acceptor_.open(endpoint.protocol(), ec)) return fail("open");
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec)) return fail("option");
  if (acceptor_.bind(endpoint, ec)) return fail("bind");
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec)) return fail("listen");
  port_ = acceptor_.local_endpoint(ec).port();
  asio::co_spawn(accept_executor_, AcceptLoop(shared_from_this()),
                 LogCoroutineExit{"HTTP accept loop"});
  spdlog::debug("HTTP server listening on {}:{}", options_.host, port_.load());
  return port_.load();
}

asio::awaitable<void> ServerState::AcceptLoop(std::shared_ptr<ServerState> self) {
  for (;;) {
    error_code ec;
    asio::any_io_executor executor = SerialExecutor(loop_);
    tcp::socket socket = co_await acceptor_.async_accept(executor, Redirect(ec));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
      spdlog::warn("HTTP accept failed: {}", ec.message());
      // Out of file descriptors, most likely: back off instead of spinning.
      asio::steady_timer pause(accept_executor_, std::chrono::milliseconds(50));
      co_await pause.async_wait(Redirect(ec));
      continue;
    }
    if (open_.load() >= options_.max_connections) {
      spdlog::warn("HTTP server at max_connections ({}); closing a new connection",
                   options_.max_connections);
      socket.close(ec);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    std::shared_ptr<Connection> connection;
    {
      std::lock_guard lock(mu_);
      connection = std::make_shared<Connection>(self, std::move(socket), executor, ++next_id_);
      connections_.emplace(connection->id(), connection);
    }
    ++open_;
    if (open_gauge_) open_gauge_->Add(1);
    asio::co_spawn(executor, connection->Run(connection), LogCoroutineExit{"HTTP connection"});
  }
  {
    std::lock_guard lock(mu_);
    accept_done_ = true;
  }
  MaybeFinishStop();
}

void ServerState::Unregister(uint64_t id) {
  --open_;
  if (open_gauge_) open_gauge_->Add(-1);
  {
    std::lock_guard lock(mu_);
    connections_.erase(id);
  }
  if (stopping_) MaybeFinishStop();
}

std::vector<std::shared_ptr<Connection>> ServerState::Snapshot() {
  std::vector<std::shared_ptr<Connection>> out;
  std::lock_guard lock(mu_);
  out.reserve(connections_.size());
  for (const auto& [id, weak] : connections_) {
    if (auto connection = weak.lock()) out.push_back(std::move(connection));
  }
  return out;
}

void ServerState::MaybeFinishStop() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard lock(mu_);
    if (!stopping_ || stop_finished_ || !accept_done_ || !connections_.empty()) return;
    stop_finished_ = true;
    callbacks.swap(on_stopped_);
  }
  asio::post(accept_executor_, [self = shared_from_this()] { self->drain_timer_.cancel(); });
  for (auto& callback : callbacks) callback();
}

void ServerState::StopAsync(std::function<void()> on_stopped) {
  {
    std::lock_guard lock(mu_);
    if (stop_finished_) {
      if (on_stopped) asio::post(ioc_, std::move(on_stopped));
      return;
    }
    if (on_stopped) on_stopped_.push_back(std::move(on_stopped));
    if (stopping_.exchange(true)) return;
    if (!started_) {
      accept_done_ = true;
    }
  }
  if (started_) {
    auto self = shared_from_this();
    asio::post(accept_executor_, [self] {
      error_code ec;
      self->acceptor_.close(ec);
      self->drain_timer_.expires_after(std::chrono::milliseconds(self->options_.drain_timeout_ms));
      self->drain_timer_.async_wait([self](const error_code& ec) {
        if (!ec) self->ForceCloseAll();
      });
    });
    for (auto& connection : Snapshot()) {
      asio::post(connection->executor(), [connection] { connection->OnServerStop(); });
    }
  }
  MaybeFinishStop();
}

void ServerState::ForceCloseAll() {
  auto connections = Snapshot();
  if (!connections.empty()) {
    spdlog::warn("HTTP server: closing {} connection(s) still busy after the drain timeout",
                 connections.size());
  }
  for (auto& connection : connections) {
    asio::post(connection->executor(), [connection] { connection->ForceClose(); });
  }
}

void ServerState::CloseNow() {
  // No thread runs the loop: nothing else touches these objects now.
  stopping_ = true;
  error_code ec;
  acceptor_.close(ec);
  for (auto& connection : Snapshot()) connection->ForceClose();
}

void ServerState::StopBlocking() {
  if (!started_) {
    StopAsync({});
    return;
  }
  if (loop_.InLoopThread()) {
    StopAsync({});
    return;
  }
  if (!loop_.running()) {
    CloseNow();
    return;
  }
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> future = done->get_future();
  StopAsync([done] { done->set_value(); });
  while (future.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready) {
    if (!loop_.running()) {  // the loop was stopped under us: finish here
      CloseNow();
      return;
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// HttpServer

struct HttpServer::Impl : ServerState {
  using ServerState::ServerState;
};

HttpServer::HttpServer(EventLoop& loop, std::shared_ptr<const Router> router, ServerOptions options)
    : impl_(std::make_shared<Impl>(loop, std::move(router), std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

core::Result<uint16_t> HttpServer::Start() { return impl_->Start(); }

void HttpServer::Stop() { impl_->StopBlocking(); }

void HttpServer::StopAsync(std::function<void()> on_stopped) {
  impl_->StopAsync(std::move(on_stopped));
}

uint16_t HttpServer::port() const { return impl_->port(); }

size_t HttpServer::open_connections() const { return impl_->open_connections(); }

core::Result<std::pair<std::string, uint16_t>> ParseListenAddress(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return core::Error::InvalidArgument("invalid listen address '" + std::string(text) +
                                        "': " + std::string(why) + " (expected HOST:PORT)");
  };
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return bad("missing ']'");
    host = std::string(text.substr(1, close - 1));
    if (host.empty()) return bad("empty IPv6 address");
    if (close + 1 >= text.size() || text[close + 1] != ':') return bad("missing port");
    port_text = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("missing port");
    host = std::string(text.substr(0, colon));
    if (host.find(':') != std::string::npos) return bad("an IPv6 address needs [brackets]");
    port_text = text.substr(colon + 1);
    if (host.empty()) host = "127.0.0.1";
  }
  if (port_text.empty()) return bad("missing port");
  unsigned port = 0;
  auto result = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (result.ec != std::errc() || result.ptr != port_text.data() + port_text.size() ||
      port > 65535) {
    return bad("port must be a number from 0 to 65535");
  }
  return std::make_pair(std::move(host), static_cast<uint16_t>(port));
}

}  // namespace aitbc::net
