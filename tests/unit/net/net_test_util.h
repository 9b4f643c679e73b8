// Helpers for the net tests: a raw POSIX socket client and a scripted raw TCP server, so tests
// can send malformed or slow input and misbehave in ways our own client never would.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace aitbc::net::testing {

// A blocking TCP connection to 127.0.0.1:port with receive timeouts.
class RawSocket {
 public:
  explicit RawSocket(uint16_t port);
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool Send(std::string_view data);
  // Reads what arrives within timeout_ms (at least one byte or until closed/timeout).
  std::string ReadSome(int64_t timeout_ms);
  // Reads until the peer closes or timeout_ms passes; closed() says which.
  std::string ReadUntilClosed(int64_t timeout_ms);
  // Reads one response: the head, then Content-Length bytes (HEAD: no body).
  std::string ReadResponse(int64_t timeout_ms, bool head_request = false);
  // True once the peer has closed (a read returned 0 or failed).
  bool closed() const { return closed_; }
  void Close();

 private:
  int fd_ = -1;
  bool closed_ = false;
  std::string pending_;
};

// A TCP listener on 127.0.0.1 (port 0) whose connections are handled by `on_connection`, one
// thread per connection. Stopped (and joined) by the destructor.
class RawServer {
 public:
  using OnConnection = std::function<void(int fd, int index)>;
  explicit RawServer(OnConnection on_connection, int backlog = 16);
  ~RawServer();
  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }

  // Helpers for handlers.
  static std::string ReadRequest(int fd, int64_t timeout_ms);  // the head (and a small body)
  static bool WriteAll(int fd, std::string_view data);

 private:
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  OnConnection on_connection_;
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> workers_;
};

// A one-shot flag a test thread can wait on with a deadline.
class Latch {
 public:
  void Set() {
    std::lock_guard lock(mu_);
    set_ = true;
    cv_.notify_all();
  }
  bool WaitFor(int64_t ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return set_; });
  }
  bool is_set() {
    std::lock_guard lock(mu_);
    return set_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool set_ = false;
};

// Polls cond every few ms until it holds or timeout_ms passes.
bool WaitUntil(const std::function<bool()>& cond, int64_t timeout_ms = 3000);

// A port on 127.0.0.1 that nothing listens on (bound, then closed).
uint16_t ClosedPort();

// Starts connecting to 127.0.0.1:port without waiting; the socket closes when this goes away.
class PendingConnect {
 public:
  explicit PendingConnect(uint16_t port);
  ~PendingConnect();
  PendingConnect(const PendingConnect&) = delete;
  PendingConnect& operator=(const PendingConnect&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace aitbc::net::testing
