// Private to src/net/http_server.cpp and http_client.cpp (the only Beast translation units):
// Beast includes and the small helpers both share.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "net/asio_include.h"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/http_types.h"

namespace aitbc::net::detail {

namespace beast = boost::beast;
namespace http = beast::http;
using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

// For `co_await op(..., Redirect(ec))`: errors land in ec instead of throwing.
inline auto Redirect(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

inline std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

// Copies a Beast message's header fields into our Headers.
template <typename Fields>
void CopyHeaders(const Fields& fields, Headers& out) {
  for (const auto& field : fields) {
    out.Add(std::string(View(field.name_string())), std::string(View(field.value())));
  }
}

}  // namespace aitbc::net::detail
