#include "net/router.h"

#include <array>
#include <cstdlib>

#include <spdlog/spdlog.h>

namespace aitbc::net {
namespace {

// A writer that is already closed: what an invalid Responder hands out.
class ClosedStreamWriter final : public StreamWriter {
 public:
  void Write(std::string) override {}
  void End() override {}
  bool closed() const override { return true; }
};

[[noreturn]] void BadRoute(const std::string& pattern, std::string_view why) {
  spdlog::critical("invalid route pattern '{}': {}", pattern, why);
  std::abort();  // programmer error: routes are fixed at start-up
}

constexpr size_t kMaxSegments = 32;

// Splits "/a/b/c" into {"a", "b", "c"}; "/" gives one empty segment. False if too many.
bool SplitPath(std::string_view path, std::array<std::string_view, kMaxSegments>& out,
               size_t& count) {
  count = 0;
  if (path.empty() || path.front() != '/') return false;
  path.remove_prefix(1);
  for (;;) {
    if (count == kMaxSegments) return false;
    size_t slash = path.find('/');
    out[count++] = path.substr(0, slash);
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

void StreamWriter::WriteEvent(std::string_view event, std::string_view data) {
  std::string out;
  out.reserve(event.size() + data.size() + 16);
  if (!event.empty()) {
    out += "event: ";
    out += event;
    out += '\n';
  }
  // Each line of the data becomes one "data:" field, so a multi-line payload survives.
  for (;;) {
    size_t newline = data.find('\n');
    out += "data: ";
    out += data.substr(0, newline);
    out += '\n';
    if (newline == std::string_view::npos) break;
    data.remove_prefix(newline + 1);
  }
  out += '\n';
  Write(std::move(out));
}

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    this->~Responder();
    sink_ = std::move(other.sink_);
  }
  return *this;
}

Responder::~Responder() {
  if (!sink_) return;
  auto sink = std::move(sink_);
  try {
    sink->Send(Response::FromError(core::Error::Internal("the handler did not answer")));
  } catch (...) {
    // A destructor must not throw; the connection closes without an answer.
  }
}

void Responder::Send(Response response) {
  if (!sink_) {
    spdlog::warn("Responder::Send called twice or on an empty responder; answer dropped");
    return;
  }
  auto sink = std::move(sink_);
  sink->Send(std::move(response));
}

std::shared_ptr<StreamWriter> Responder::StartStream(int status, Headers headers) {
  if (!sink_) {
    spdlog::warn("Responder::StartStream on a used or empty responder");
    return std::make_shared<ClosedStreamWriter>();
  }
  auto sink = std::move(sink_);
  return sink->StartStream(status, std::move(headers));
}

struct Router::Route {
  struct Segment {
    std::string text;  // the literal, or the parameter's name
    bool param = false;
  };
  Method method = Method::kGet;
  std::string pattern;
  std::vector<Segment> segments;
  Handler handler;
  AsyncHandler async_handler;

  // True when every literal segment equals the decoded path segment.
  bool Matches(const std::array<std::string_view, kMaxSegments>& parts, size_t count) const {
    if (count != segments.size()) return false;
    for (size_t i = 0; i < count; ++i) {
      if (!segments[i].param && segments[i].text != parts[i]) return false;
      if (segments[i].param && parts[i].empty()) return false;
    }
    return true;
  }
  // More specific than other (both match the same path): the first literal-vs-parameter
  // difference decides, so "/v1/jobs/receipts" beats "/v1/jobs/{id}".
  bool MoreSpecificThan(const Route& other) const {
    for (size_t i = 0; i < segments.size(); ++i) {
      if (segments[i].param != other.segments[i].param) return !segments[i].param;
    }
    return false;
  }
};

void Router::Add(Method method, std::string pattern, Handler handler) {
  auto route = std::make_shared<Route>();
  route->method = method;
  route->pattern = std::move(pattern);
  route->handler = std::move(handler);
  AddRoute(std::move(route));
}

void Router::AddAsync(Method method, std::string pattern, AsyncHandler handler) {
  auto route = std::make_shared<Route>();
  route->method = method;
  route->pattern = std::move(pattern);
  route->async_handler = std::move(handler);
  AddRoute(std::move(route));
}

void Router::AddRoute(std::shared_ptr<Route> route) {
  const std::string& pattern = route->pattern;
  std::array<std::string_view, kMaxSegments> parts;
  size_t count = 0;
  if (!SplitPath(pattern, parts, count)) BadRoute(pattern, "must start with '/', at most 32 parts");
  for (size_t i = 0; i < count; ++i) {
    std::string_view part = parts[i];
    Route::Segment segment;
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      segment.param = true;
      segment.text = std::string(part.substr(1, part.size() - 2));
      if (segment.text.empty()) BadRoute(pattern, "empty parameter name");
    } else {
      if (part.find_first_of("{}") != std::string_view::npos) {
        BadRoute(pattern, "a parameter must be a whole segment");
      }
      segment.text = std::string(part);
    }
    route->segments.push_back(std::move(segment));
  }
  for (const auto& existing : routes_) {
    if (existing->method != route->method || existing->segments.size() != route->segments.size()) {
      continue;
    }
    bool same = true;
    for (size_t i = 0; i < count && same; ++i) {
      const auto& a = existing->segments[i];
      const auto& b = route->segments[i];
      same = a.param == b.param && (a.param || a.text == b.text);
    }
    if (same) BadRoute(pattern, "duplicate of " + existing->pattern);
  }
  routes_.push_back(std::move(route));
}

void Router::Dispatch(Request& request, Responder responder) const {
  std::string_view raw_path =
      request.target.empty() ? std::string_view(request.path) : std::string_view(request.target);
  if (auto q = raw_path.find('?'); q != std::string_view::npos) raw_path = raw_path.substr(0, q);

  std::array<std::string_view, kMaxSegments> parts;
  size_t count = 0;
  bool split_ok = SplitPath(raw_path, parts, count);
  // Segments are matched decoded, but split before decoding so "%2F" stays inside a segment.
  std::unique_ptr<std::array<std::string, kMaxSegments>> decoded_storage;  // only if needed
  for (size_t i = 0; split_ok && i < count; ++i) {
    if (parts[i].find('%') == std::string_view::npos) continue;
    auto decoded = PercentDecode(parts[i], false);
    if (!decoded.ok()) {
      responder.Send(Response::FromError(decoded.error()));
      return;
    }
    if (!decoded_storage)
      decoded_storage = std::make_unique<std::array<std::string, kMaxSegments>>();
    (*decoded_storage)[i] = std::move(decoded).value();
    parts[i] = (*decoded_storage)[i];
  }

  const Route* exact = nullptr;
  const Route* via_get = nullptr;  // HEAD is answered by the GET handler when it has no route
  const Route* first_path_match = nullptr;
  for (const auto& route_ptr : routes_) {
    const Route& route = *route_ptr;
    if (!split_ok || !route.Matches(parts, count)) continue;
    if (!first_path_match) first_path_match = &route;
    if (route.method == request.method) {
      if (!exact || route.MoreSpecificThan(*exact)) exact = &route;
    } else if (request.method == Method::kHead && route.method == Method::kGet) {
      if (!via_get || route.MoreSpecificThan(*via_get)) via_get = &route;
    }
  }
  const Route* best = exact ? exact : via_get;

  if (!best) {
    if (!first_path_match) {
      request.route = {};
      responder.Send(Response::JsonError(
          404, "not_found",
          "no route for " + std::string(MethodName(request.method)) + " " + std::string(raw_path)));
      return;
    }
    request.route = first_path_match->pattern;
    std::string allow;  // built only here, off the hot path
    auto add_allow = [&allow](std::string_view name) {
      if (allow.find(name) != std::string::npos) return;
      if (!allow.empty()) allow += ", ";
      allow += name;
    };
    for (const auto& route : routes_) {
      if (!route->Matches(parts, count)) continue;
      add_allow(MethodName(route->method));
      if (route->method == Method::kGet) add_allow("HEAD");
    }
    Response response;
    if (request.method == Method::kOptions) {
      response.status = 204;
    } else {
      response = Response::JsonError(405, "method_not_allowed",
                                     "method " + std::string(MethodName(request.method)) +
                                         " is not allowed for " + first_path_match->pattern);
    }
    response.headers.Add("Allow", std::move(allow));
    responder.Send(std::move(response));
    return;
  }

  request.route = best->pattern;
  request.path_params.clear();
  for (size_t i = 0; i < count; ++i) {
    if (best->segments[i].param)
      request.path_params[best->segments[i].text] = std::string(parts[i]);
  }

  if (best->handler) {
    try {
      responder.Send(best->handler(request));
    } catch (const std::exception& e) {
      spdlog::error("handler for {} {} threw: {}", MethodName(request.method), best->pattern,
                    e.what());
      responder.Send(Response::FromError(core::Error::Internal("internal error")));
    } catch (...) {
      spdlog::error("handler for {} {} threw a non-exception", MethodName(request.method),
                    best->pattern);
      responder.Send(Response::FromError(core::Error::Internal("internal error")));
    }
    return;
  }
  try {
    // If the handler throws, its Responder is destroyed unused and answers 500.
    best->async_handler(request, std::move(responder));
  } catch (const std::exception& e) {
    spdlog::error("async handler for {} {} threw: {}", MethodName(request.method), best->pattern,
                  e.what());
  } catch (...) {
    spdlog::error("async handler for {} {} threw a non-exception", MethodName(request.method),
                  best->pattern);
  }
}

}  // namespace aitbc::net
