#include "net/http_client.h"

#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include <spdlog/spdlog.h>

#include "net/beast_util.h"

#include <boost/asio/connect.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>

namespace aitbc::net {
namespace {

using namespace detail;  // NOLINT: asio, beast, http, tcp, error_code, Redirect, View

constexpr uint32_t kMaxResponseHeaderBytes = 64 << 10;
constexpr size_t kStreamPieceBytes = 16 << 10;
constexpr size_t kMaxStreamErrorBody = 1 << 20;

bool HasControlChars(std::string_view s) {
  for (char c : s) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return true;
  }
  return false;
}

std::string HostPort(const Url& url) {
  std::string out = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  out += ':';
  out += std::to_string(url.port);
  return out;
}

// Errors that a pooled connection closed by the server shows when reused.
bool IsStaleConnectionError(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

core::Error ReadError(const error_code& ec, bool timed_out, const ClientRequest& request,
                      size_t max_response_bytes, bool streaming) {
  const std::string where = HostPort(request.url);
  if (timed_out) {
    return core::Error::Timeout(
        std::string(streaming ? "no data for " : "no complete response within ") +
        std::to_string(request.read_timeout_ms) + " ms from " + where);
  }
  if (ec == http::error::body_limit) {
    return core::Error::PayloadTooLarge("response from " + where + " exceeds " +
                                        std::to_string(max_response_bytes) + " bytes");
  }
  if (ec == http::error::header_limit) {
    return core::Error::Corruption("response header from " + where + " is too large");
  }
  if (IsStaleConnectionError(ec) || ec == http::error::partial_message) {
    return core::Error::Unavailable("connection closed by " + where +
                                    " before the response was complete");
  }
  if (ec.category() == http::make_error_code(http::error::end_of_stream).category()) {
    return core::Error::Corruption("malformed HTTP response from " + where + ": " + ec.message());
  }
  return core::Error::Unavailable("reading the response from " + where + ": " + ec.message());
}

std::string FormatRequestHead(const ClientRequest& request, const ClientOptions& options) {
  std::string head;
  head.reserve(256 + request.url.target.size());
  head += MethodName(request.method);
  head += ' ';
  head += request.url.target;
  head += " HTTP/1.1\r\nHost: ";
  head += request.url.host.find(':') != std::string::npos ? "[" + request.url.host + "]"
                                                          : request.url.host;
  if (request.url.port != 80) {
    head += ':';
    head += std::to_string(request.url.port);
  }
  head += "\r\n";
  bool has_agent = false;
  for (const auto& [name, value] : request.headers.all()) {
    if (EqualsIgnoreCase(name, "Host") || EqualsIgnoreCase(name, "Content-Length") ||
        EqualsIgnoreCase(name, "Transfer-Encoding")) {
      continue;
    }
    if (EqualsIgnoreCase(name, "User-Agent")) has_agent = true;
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  if (!has_agent && !options.user_agent.empty()) {
    head += "User-Agent: ";
    head += options.user_agent;
    head += "\r\n";
  }
  bool body_expected = request.method == Method::kPost || request.method == Method::kPut ||
                       request.method == Method::kPatch;
  if (!request.body.empty() || body_expected) {
    head += "Content-Length: ";
    head += std::to_string(request.body.size());
    head += "\r\n";
  }
  head += "\r\n";
  return head;
}

core::Status ValidateRequest(const ClientRequest& request) {
  if (request.url.host.empty()) return core::Error::InvalidArgument("URL has no host");
  if (request.url.target.empty() || request.url.target.front() != '/' ||
      request.url.target.find(' ') != std::string::npos || HasControlChars(request.url.target)) {
    return core::Error::InvalidArgument("invalid request target '" + request.url.target + "'");
  }
  if (request.method == Method::kOther) {
    return core::Error::InvalidArgument("unsupported HTTP method");
  }
  for (const auto& [name, value] : request.headers.all()) {
    if (name.empty() || HasControlChars(name) || HasControlChars(value) ||
        name.find(':') != std::string::npos) {
      return core::Error::InvalidArgument("invalid header '" + name + "'");
    }
  }
  return core::Ok();
}

// One attempt's socket and its deadline. The timer handler runs on the request's executor,
// like the coroutine, so closing the socket from it never races with the coroutine.
struct Exchange : std::enable_shared_from_this<Exchange> {
  Exchange(asio::io_context& ioc, const asio::any_io_executor& executor)
      : socket(ioc), resolver(ioc), timer(executor) {}

  void Arm(std::chrono::milliseconds timeout) {
    ++generation;
    timed_out = false;
    timer.expires_after(timeout);
    timer.async_wait([self = shared_from_this(), gen = generation](const error_code& ec) {
      if (ec || gen != self->generation) return;
      self->timed_out = true;
      error_code ignored;
      self->socket.close(ignored);
      self->resolver.cancel();
    });
  }
  void Disarm() {
    ++generation;
    timer.cancel();
  }

  tcp::socket socket;
  tcp::resolver resolver;
  asio::steady_timer timer;
  uint64_t generation = 0;
  bool timed_out = false;
};

struct IdleSocket {
  tcp::socket socket;
  TimePoint since;
};

class ClientState : public std::enable_shared_from_this<ClientState> {
 public:
  ClientState(EventLoop& loop, ClientOptions options)
      : loop_(loop), ioc_(IoContext(loop)), options_(std::move(options)) {}

  void Start(ClientRequest request, HttpClient::OnData on_data, HttpClient::Done done) {
    asio::any_io_executor executor = SerialExecutor(loop_);
    asio::co_spawn(
        executor,
        Run(shared_from_this(), std::move(request), std::move(on_data), std::move(done), executor),
        LogCoroutineExit{"HTTP client request"});
  }

  void CloseIdle() {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& [key, sockets] : idle_) {
      for (auto& idle : sockets) {
        error_code ignored;
        idle.socket.close(ignored);
      }
    }
    idle_.clear();
  }

 private:
  asio::awaitable<void> Run(std::shared_ptr<ClientState> self, ClientRequest request,
                            HttpClient::OnData on_data, HttpClient::Done done,
                            asio::any_io_executor executor) {
    core::Result<Response> result = co_await Perform(request, on_data, executor);
    done(std::move(result));
  }

  asio::awaitable<core::Result<Response>> Perform(const ClientRequest& request,
                                                  const HttpClient::OnData& on_data,
                                                  const asio::any_io_executor& executor);
  asio::awaitable<core::Status> Connect(Exchange& exchange, const ClientRequest& request);

  std::optional<tcp::socket> TakeIdle(const std::string& key);
  void PutIdle(const std::string& key, tcp::socket socket);

  EventLoop& loop_;
  asio::io_context& ioc_;
  const ClientOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, std::vector<IdleSocket>> idle_;
  bool closed_ = false;
};

std::optional<tcp::socket> ClientState::TakeIdle(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = idle_.find(key);
  if (it == idle_.end()) return std::nullopt;
  auto& sockets = it->second;
  const TimePoint now = SteadyClock::now();
  while (!sockets.empty()) {
    IdleSocket idle = std::move(sockets.back());
    sockets.pop_back();
    error_code ignored;
    if (now - idle.since > std::chrono::milliseconds(options_.idle_timeout_ms)) {
      idle.socket.close(ignored);
      continue;
    }
    // A readable idle socket is closed by the server (0) or carries stray bytes: drop it.
    char probe;
    ssize_t n = ::recv(idle.socket.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) || n > 0) {
      idle.socket.close(ignored);
      continue;
    }
    return std::move(idle.socket);
  }
  return std::nullopt;
}

void ClientState::PutIdle(const std::string& key, tcp::socket socket) {
  std::lock_guard lock(mu_);
  auto& sockets = idle_[key];
  if (closed_ || sockets.size() >= options_.max_idle_per_host) {
    error_code ignored;
    socket.close(ignored);
    return;
  }
  sockets.push_back(IdleSocket{std::move(socket), SteadyClock::now()});
}

asio::awaitable<core::Status> ClientState::Connect(Exchange& exchange,
                                                   const ClientRequest& request) {
  const std::string where = HostPort(request.url);
  exchange.Arm(std::chrono::milliseconds(request.connect_timeout_ms));
  error_code ec;
  std::vector<tcp::endpoint> endpoints;
  auto address = asio::ip::make_address(request.url.host, ec);
  if (!ec) {
    endpoints.emplace_back(address, request.url.port);
  } else {
    auto results = co_await exchange.resolver.async_resolve(
        request.url.host, std::to_string(request.url.port), Redirect(ec));
    if (ec) {
      exchange.Disarm();
      if (exchange.timed_out) {
        co_return core::Error::Timeout("resolving " + request.url.host + " timed out");
      }
      co_return core::Error::Unavailable("cannot resolve host '" + request.url.host +
                                         "': " + ec.message());
    }
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  }
  co_await asio::async_connect(exchange.socket, endpoints, Redirect(ec));
  exchange.Disarm();
  if (exchange.timed_out) {
    co_return core::Error::Timeout("connecting to " + where + " timed out after " +
                                   std::to_string(request.connect_timeout_ms) + " ms");
  }
  if (ec == asio::error::connection_refused) {
    co_return core::Error::Unavailable("connection refused by " + where);
  }
  if (ec) co_return core::Error::Unavailable("cannot connect to " + where + ": " + ec.message());
  exchange.socket.set_option(tcp::no_delay(true), ec);
  co_return core::Ok();
}

asio::awaitable<core::Result<Response>> ClientState::Perform(
    const ClientRequest& request, const HttpClient::OnData& on_data,
    const asio::any_io_executor& executor) {
  if (auto valid = ValidateRequest(request); !valid.ok()) co_return valid.error();
  const std::string key = HostPort(request.url);
  const std::string head = FormatRequestHead(request, options_);
  bool close_requested = false;
  if (auto connection = request.headers.Get("Connection")) {
    close_requested = EqualsIgnoreCase(*connection, "close");
  }
  const auto read_timeout = std::chrono::milliseconds(request.read_timeout_ms);

  // A pooled connection may have been closed by the server while idle. If it fails before any
  // byte of the response arrives, the request did not reach a handler: retry once on a fresh
  // connection (safe for every method).
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto exchange = std::make_shared<Exchange>(ioc_, executor);
    bool reused = false;
    if (attempt == 0) {
      if (auto socket = TakeIdle(key)) {
        exchange->socket = std::move(*socket);
        reused = true;
      }
    }
    if (!reused) {
      core::Status connected = co_await Connect(*exchange, request);
      if (!connected.ok()) co_return connected.error();
    }

    error_code ec;
    exchange->Arm(read_timeout);
    std::array<asio::const_buffer, 2> buffers = {asio::buffer(head), asio::buffer(request.body)};
    co_await asio::async_write(exchange->socket, buffers, Redirect(ec));
    if (ec) {
      exchange->Disarm();
      if (reused && !exchange->timed_out) continue;
      if (exchange->timed_out) co_return ReadError(ec, true, request, 0, false);
      co_return core::Error::Unavailable("sending the request to " + key + ": " + ec.message());
    }

    beast::flat_buffer buffer;
    if (!on_data) {
      http::response_parser<http::string_body> parser;
      parser.body_limit(options_.max_response_bytes);
      parser.header_limit(kMaxResponseHeaderBytes);
      if (request.method == Method::kHead) parser.skip(true);
      // The header first, on its own: Beast 1.74 loses the body_limit error of a too large
      // Content-Length when it parses the header and the body in one go.
      co_await http::async_read_header(exchange->socket, buffer, parser, Redirect(ec));
      if (!ec && !parser.is_done()) {
        co_await http::async_read(exchange->socket, buffer, parser, Redirect(ec));
      }
      exchange->Disarm();
      if (ec) {
        if (reused && !exchange->timed_out && !parser.got_some() && IsStaleConnectionError(ec)) {
          continue;
        }
        co_return ReadError(ec, exchange->timed_out, request, options_.max_response_bytes, false);
      }
      const bool reusable = parser.keep_alive() && buffer.size() == 0 && !close_requested;
      auto message = parser.release();
      Response response;
      response.status = static_cast<int>(message.result_int());
      CopyHeaders(message, response.headers);
      response.body = std::move(message.body());
      if (reusable) PutIdle(key, std::move(exchange->socket));
      co_return response;
    }

    http::response_parser<http::buffer_body> parser;
    // No limit for a stream. (Not boost::none: Beast 1.74 then rejects any Content-Length.)
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.header_limit(kMaxResponseHeaderBytes);
    if (request.method == Method::kHead) parser.skip(true);
    co_await http::async_read_header(exchange->socket, buffer, parser, Redirect(ec));
    if (ec) {
      exchange->Disarm();
      if (reused && !exchange->timed_out && !parser.got_some() && IsStaleConnectionError(ec)) {
        continue;
      }
      co_return ReadError(ec, exchange->timed_out, request, 0, true);
    }
    Response response;
    response.status = static_cast<int>(parser.get().result_int());
    CopyHeaders(parser.get(), response.headers);
    // Only a success streams; an error's body is collected for the caller (ErrorFromResponse).
    const bool success = response.status >= 200 && response.status < 300;
    std::array<char, kStreamPieceBytes> piece;
    bool stopped = false;
    while (!parser.is_done()) {
      parser.get().body().data = piece.data();
      parser.get().body().size = piece.size();
      exchange->Arm(read_timeout);  // the longest gap between two pieces
      co_await http::async_read_some(exchange->socket, buffer, parser, Redirect(ec));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        exchange->Disarm();
        co_return ReadError(ec, exchange->timed_out, request, 0, true);
      }
      const size_t n = piece.size() - parser.get().body().size;
      if (n == 0) continue;
      std::string_view data(piece.data(), n);
      if (success) {
        if (!on_data(data)) {
          stopped = true;
          break;
        }
      } else if (response.body.size() < kMaxStreamErrorBody) {
        response.body.append(data.substr(0, kMaxStreamErrorBody - response.body.size()));
      }
    }
    exchange->Disarm();
    if (!stopped && parser.keep_alive() && buffer.size() == 0 && !close_requested) {
      PutIdle(key, std::move(exchange->socket));
    }
    co_return response;
  }
  co_return core::Error::Unavailable("connection to " + key + " closed before the response");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Url

core::Result<Url> Url::Parse(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return core::Error::InvalidArgument("invalid URL '" + std::string(text) +
                                        "': " + std::string(why));
  };
  constexpr std::string_view kScheme = "http://";
  if (text.size() < kScheme.size() || !EqualsIgnoreCase(text.substr(0, kScheme.size()), kScheme)) {
    return bad("only http:// URLs are supported");
  }
  std::string_view rest = text.substr(kScheme.size());
  size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return bad("user information not supported");

  Url url;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("missing ']'");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("unexpected text after ']'");
      port_text = after.substr(1);
      if (port_text.empty()) return bad("empty port");
    }
  } else {
    size_t colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return bad("empty port");
    }
  }
  if (url.host.empty()) return bad("missing host");
  if (HasControlChars(url.host) || url.host.find(' ') != std::string::npos) return bad("bad host");
  if (!port_text.empty()) {
    unsigned port = 0;
    auto result = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (result.ec != std::errc() || result.ptr != port_text.data() + port_text.size() ||
        port == 0 || port > 65535) {
      return bad("port must be a number from 1 to 65535");
    }
    url.port = static_cast<uint16_t>(port);
  }
  if (auto hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
  if (target.empty()) {
    url.target = "/";
  } else if (target.front() == '?') {
    url.target = "/" + std::string(target);
  } else {
    url.target = std::string(target);
  }
  if (HasControlChars(url.target) || url.target.find(' ') != std::string::npos) {
    return bad("the path must be percent-encoded");
  }
  return url;
}

std::string Url::ToString() const {
  std::string out = "http://";
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != 80) {
    out += ':';
    out += std::to_string(port);
  }
  out += target;
  return out;
}

Url Url::WithTarget(std::string new_target) const {
  Url url = *this;
  url.target = std::move(new_target);
  return url;
}

// ---------------------------------------------------------------------------------------------
// HttpClient

struct HttpClient::Impl : ClientState {
  using ClientState::ClientState;
};

HttpClient::HttpClient(EventLoop& loop, ClientOptions options)
    : impl_(std::make_shared<Impl>(loop, std::move(options))) {}

HttpClient::~HttpClient() { impl_->CloseIdle(); }

void HttpClient::Send(ClientRequest request, Done done) {
  impl_->Start(std::move(request), {}, std::move(done));
}

void HttpClient::SendStreaming(ClientRequest request, OnData on_data, Done done) {
  if (!on_data) on_data = [](std::string_view) { return true; };
  impl_->Start(std::move(request), std::move(on_data), std::move(done));
}

// ---------------------------------------------------------------------------------------------
// BlockingHttpClient

BlockingHttpClient::BlockingHttpClient(ClientOptions options)
    : loop_(std::make_unique<EventLoop>(1)) {
  loop_->RunInBackground();
  client_ = std::make_unique<HttpClient>(*loop_, std::move(options));
}

BlockingHttpClient::~BlockingHttpClient() {
  client_.reset();
  loop_->Stop();
}

core::Result<Response> BlockingHttpClient::Send(ClientRequest request) {
  std::promise<core::Result<Response>> promise;
  auto future = promise.get_future();
  client_->Send(std::move(request), [&promise](core::Result<Response> result) {
    promise.set_value(std::move(result));
  });
  return future.get();
}

core::Result<Response> BlockingHttpClient::SendStreaming(ClientRequest request,
                                                         HttpClient::OnData on_data) {
  std::promise<core::Result<Response>> promise;
  auto future = promise.get_future();
  client_->SendStreaming(
      std::move(request), std::move(on_data),
      [&promise](core::Result<Response> result) { promise.set_value(std::move(result)); });
  return future.get();
}

// ---------------------------------------------------------------------------------------------
// LineSplitter

core::Status LineSplitter::Feed(std::string_view data,
                                const std::function<void(std::string_view)>& on_line) {
  while (!data.empty()) {
    size_t newline = data.find('\n');
    if (newline == std::string_view::npos) {
      if (pending_.size() + data.size() > max_line_) {
        pending_.clear();
        return core::Error::InvalidArgument("line longer than " + std::to_string(max_line_) +
                                            " bytes");
      }
      pending_.append(data);
      return core::Ok();
    }
    std::string_view line = data.substr(0, newline);
    data.remove_prefix(newline + 1);
    if (pending_.size() + line.size() > max_line_) {
      pending_.clear();
      return core::Error::InvalidArgument("line longer than " + std::to_string(max_line_) +
                                          " bytes");
    }
    if (pending_.empty()) {
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      on_line(line);
    } else {
      pending_.append(line);
      if (!pending_.empty() && pending_.back() == '\r') pending_.pop_back();
      on_line(pending_);
      pending_.clear();
    }
  }
  return core::Ok();
}

std::string LineSplitter::TakeRest() {
  std::string rest = std::move(pending_);
  pending_.clear();
  if (!rest.empty() && rest.back() == '\r') rest.pop_back();
  return rest;
}

}  // namespace aitbc::net
