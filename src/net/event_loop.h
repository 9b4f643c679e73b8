// EventLoop: the asynchronous executor every daemon runs on (a Boost.Asio io_context behind a
// pointer, so that no header outside src/net/ includes Asio).
//
// Contract: thread-safe. Run() blocks the calling thread (plus threads-1 internal threads) until
// Stop(). Post() and RunAfter() may be called from any thread; callbacks run on a loop thread.
// Callbacks must not block for long: hand blocking work (database commits, big computations) to
// a worker thread and post the continuation back. A callback that throws is logged and the loop
// goes on.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace aitbc::net {

class EventLoop {
 public:
  using TimerId = uint64_t;

  explicit EventLoop(size_t threads = 1);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs until Stop(). The calling thread is one of the loop's threads.
  void Run();
  // Starts the loop's threads in the background and returns (tests, the blocking client).
  void RunInBackground();
  // Stops the loop: Run() returns once running callbacks finish; pending work is dropped (it is
  // destroyed with the loop). Joins background threads unless called from one of them. A
  // stopped loop does not start again.
  void Stop();
  bool stopped() const;
  // The number of threads Run()/RunInBackground() use.
  size_t threads() const;
  // True on a thread that is running this loop.
  bool InLoopThread() const;
  // True while at least one thread runs the loop.
  bool running() const;

  void Post(std::function<void()> fn);
  // Runs fn once after delay_ms. Cancel() before it runs prevents it.
  TimerId RunAfter(int64_t delay_ms, std::function<void()> fn);
  void Cancel(TimerId id);

  // Calls on_signal (once, on a loop thread) when SIGINT or SIGTERM arrives. Daemons use it to
  // start a graceful shutdown.
  void OnShutdownSignal(std::function<void()> on_signal);

  // The underlying boost::asio::io_context; only src/net/ may use it.
  void* native_handle();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aitbc::net
