// Private to src/net/*.cpp (never include it from a header): the one place that includes
// Boost.Asio, plus small helpers shared by the server and the client.
#pragma once

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <exception>

#include "net/event_loop.h"

namespace aitbc::net::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

inline asio::io_context& IoContext(EventLoop& loop) {
  return *static_cast<asio::io_context*>(loop.native_handle());
}

// The executor for one connection or one client request: a strand when the loop runs several
// threads (so its socket, timers and handlers never run concurrently), the plain io_context
// executor otherwise (no strand overhead on a one-thread loop).
inline asio::any_io_executor SerialExecutor(EventLoop& loop) {
  asio::io_context& ioc = IoContext(loop);
  if (loop.threads() > 1) return asio::make_strand(ioc);
  return ioc.get_executor();
}

// co_spawn completion: logs the exception that ended a coroutine instead of losing it.
struct LogCoroutineExit {
  const char* what;
  void operator()(std::exception_ptr error) const;
};

}  // namespace aitbc::net::detail
