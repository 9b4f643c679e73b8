#include "net/event_loop.h"

#include <csignal>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <spdlog/spdlog.h>

#include "net/asio_include.h"

namespace aitbc::net {

namespace detail {

void LogCoroutineExit::operator()(std::exception_ptr error) const {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::error("{} ended with an exception: {}", what, e.what());
  } catch (...) {
    spdlog::error("{} ended with a non-standard exception", what);
  }
}

}  // namespace detail

namespace {

namespace asio = boost::asio;

void RunGuarded(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    spdlog::error("event loop callback threw: {}", e.what());
  } catch (...) {
    spdlog::error("event loop callback threw a non-standard exception");
  }
}

}  // namespace

struct EventLoop::Impl {
  explicit Impl(size_t n) : ioc(static_cast<int>(n)), work(ioc.get_executor()), threads(n) {}

  // Runs the io_context on this thread until it is stopped; survives throwing handlers.
  void RunThread() {
    ++running;
    for (;;) {
      try {
        ioc.run();
        break;
      } catch (const std::exception& e) {
        spdlog::error("event loop handler threw: {}", e.what());
      } catch (...) {
        spdlog::error("event loop handler threw a non-standard exception");
      }
    }
    --running;
  }

  // Declared first, destroyed last: everything below refers to it.
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  const size_t threads;
  std::atomic<int> running{0};

  std::mutex mu;  // guards the members below
  std::vector<std::thread> background;
  std::unordered_map<TimerId, std::shared_ptr<asio::steady_timer>> timers;
  TimerId next_timer = 0;
  std::vector<std::unique_ptr<asio::signal_set>> signals;
};

EventLoop::EventLoop(size_t threads) : impl_(std::make_unique<Impl>(threads == 0 ? 1 : threads)) {}

EventLoop::~EventLoop() {
  Stop();
  std::vector<std::thread> left;
  {
    std::lock_guard lock(impl_->mu);
    left.swap(impl_->background);
    impl_->timers.clear();
    impl_->signals.clear();
  }
  for (auto& thread : left) {
    // Destroying the loop from one of its own threads is a programmer error; do not deadlock.
    if (thread.get_id() == std::this_thread::get_id()) {
      thread.detach();
    } else {
      thread.join();
    }
  }
}

void EventLoop::Run() {
  std::vector<std::thread> extra;
  for (size_t i = 1; i < impl_->threads; ++i) extra.emplace_back([this] { impl_->RunThread(); });
  impl_->RunThread();
  for (auto& thread : extra) thread.join();
}

void EventLoop::RunInBackground() {
  std::lock_guard lock(impl_->mu);
  if (impl_->ioc.stopped()) {
    spdlog::warn("EventLoop::RunInBackground on a stopped loop");
    return;
  }
  for (size_t i = 0; i < impl_->threads; ++i) {
    impl_->background.emplace_back([this] { impl_->RunThread(); });
  }
}

void EventLoop::Stop() {
  impl_->ioc.stop();
  if (InLoopThread()) return;
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(impl_->mu);
    threads.swap(impl_->background);
  }
  for (auto& thread : threads) thread.join();
}

bool EventLoop::stopped() const { return impl_->ioc.stopped(); }

size_t EventLoop::threads() const { return impl_->threads; }

bool EventLoop::InLoopThread() const { return impl_->ioc.get_executor().running_in_this_thread(); }

bool EventLoop::running() const { return impl_->running.load() > 0; }

void EventLoop::Post(std::function<void()> fn) {
  asio::post(impl_->ioc, [fn = std::move(fn)] { RunGuarded(fn); });
}

EventLoop::TimerId EventLoop::RunAfter(int64_t delay_ms, std::function<void()> fn) {
  auto timer = std::make_shared<asio::steady_timer>(
      impl_->ioc, std::chrono::milliseconds(std::max<int64_t>(delay_ms, 0)));
  TimerId id;
  {
    std::lock_guard lock(impl_->mu);
    id = ++impl_->next_timer;
    impl_->timers.emplace(id, timer);
  }
  Impl* impl = impl_.get();
  timer->async_wait([impl, id, fn = std::move(fn)](const boost::system::error_code& ec) {
    {
      std::lock_guard lock(impl->mu);
      if (impl->timers.erase(id) == 0) return;  // cancelled, even if it had already expired
    }
    if (!ec) RunGuarded(fn);
  });
  return id;
}

void EventLoop::Cancel(TimerId id) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->timers.find(id);
  if (it == impl_->timers.end()) return;
  it->second->cancel();
  impl_->timers.erase(it);
}

void EventLoop::OnShutdownSignal(std::function<void()> on_signal) {
  auto signals = std::make_unique<asio::signal_set>(impl_->ioc, SIGINT, SIGTERM);
  signals->async_wait(
      [fn = std::move(on_signal)](const boost::system::error_code& ec, int signal_number) {
        if (ec) return;
        spdlog::info("received signal {}, shutting down", signal_number);
        RunGuarded(fn);
      });
  std::lock_guard lock(impl_->mu);
  impl_->signals.push_back(std::move(signals));
}

void* EventLoop::native_handle() { return &impl_->ioc; }

}  // namespace aitbc::net
