#include "net_test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

namespace aitbc::net::testing {
namespace {

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Waits up to timeout_ms for fd to be readable.
bool WaitReadable(int fd, int64_t timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(std::max<int64_t>(timeout_ms, 0))) > 0;
}

}  // namespace

RawSocket::RawSocket(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return;
  sockaddr_in addr = Loopback(port);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawSocket::~RawSocket() { Close(); }

void RawSocket::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawSocket::Send(std::string_view data) {
  if (fd_ < 0) return false;
  return RawServer::WriteAll(fd_, data);
}

std::string RawSocket::ReadSome(int64_t timeout_ms) {
  if (!pending_.empty()) return std::exchange(pending_, {});
  if (fd_ < 0 || closed_ || !WaitReadable(fd_, timeout_ms)) return {};
  char buf[16384];
  ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
  if (n <= 0) {
    closed_ = true;
    return {};
  }
  return std::string(buf, static_cast<size_t>(n));
}

std::string RawSocket::ReadUntilClosed(int64_t timeout_ms) {
  std::string out = std::exchange(pending_, {});
  int64_t deadline = NowMs() + timeout_ms;
  while (!closed_ && NowMs() < deadline) out += ReadSome(deadline - NowMs());
  return out;
}

std::string RawSocket::ReadResponse(int64_t timeout_ms, bool head_request) {
  std::string data = std::exchange(pending_, {});
  int64_t deadline = NowMs() + timeout_ms;
  size_t head_end;
  while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
    if (closed_ || NowMs() >= deadline) return data;
    data += ReadSome(deadline - NowMs());
  }
  head_end += 4;
  size_t length = 0;
  std::string head = data.substr(0, head_end);
  for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (auto pos = head.find("content-length:"); pos != std::string::npos && !head_request) {
    length = std::stoul(head.substr(pos + 15));
  }
  while (data.size() < head_end + length && !closed_ && NowMs() < deadline) {
    data += ReadSome(deadline - NowMs());
  }
  if (data.size() > head_end + length) {
    pending_ = data.substr(head_end + length);
    data.resize(head_end + length);
  }
  return data;
}

RawServer::RawServer(OnConnection on_connection, int backlog)
    : on_connection_(std::move(on_connection)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr = Loopback(0);
  ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::listen(listen_fd_, backlog);
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  if (!on_connection_) return;  // a listener that never accepts
  acceptor_ = std::thread([this] {
    int index = 0;
    while (!stop_) {
      if (!WaitReadable(listen_fd_, 20)) continue;
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      ++accepted_;
      std::lock_guard lock(mu_);
      workers_.emplace_back([this, fd, i = index++] {
        on_connection_(fd, i);
        ::close(fd);
      });
    }
  });
}

RawServer::~RawServer() {
  stop_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  std::lock_guard lock(mu_);
  for (auto& worker : workers_) worker.join();
  ::close(listen_fd_);
}

std::string RawServer::ReadRequest(int fd, int64_t timeout_ms) {
  std::string data;
  int64_t deadline = NowMs() + timeout_ms;
  char buf[4096];
  while (data.find("\r\n\r\n") == std::string::npos && NowMs() < deadline) {
    if (!WaitReadable(fd, deadline - NowMs())) break;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

bool RawServer::WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool WaitUntil(const std::function<bool()>& cond, int64_t timeout_ms) {
  int64_t deadline = NowMs() + timeout_ms;
  while (!cond()) {
    if (NowMs() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

uint16_t ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = Loopback(0);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

PendingConnect::PendingConnect(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in addr = Loopback(port);
  ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));  // EINPROGRESS is fine
}

PendingConnect::~PendingConnect() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace aitbc::net::testing
