// HTTP request and response values shared by the server, the client and every handler.
//
// Contract: plain values, no I/O, no Boost. Header names compare case-insensitively. Response
// helpers build the JSON error body of docs/api.md: {"error":{"code":"...","message":"..."}}.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/result.h"

namespace aitbc::net {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };
std::string_view MethodName(Method method);
Method MethodFromName(std::string_view name);

class Headers {
 public:
  // Replaces any header of that name.
  void Set(std::string name, std::string value);
  void Add(std::string name, std::string value);
  std::optional<std::string_view> Get(std::string_view name) const;
  void Remove(std::string_view name);
  const std::vector<std::pair<std::string, std::string>>& all() const { return entries_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

struct Request {
  Method method = Method::kGet;
  std::string target;                              // as received: "/v1/jobs/abc?wait=5"
  std::string path;                                // "/v1/jobs/abc" (percent-decoded)
  std::map<std::string, std::string> query;        // decoded query parameters
  std::map<std::string, std::string> path_params;  // filled by the router: {"id": "abc"}
  // The matched route pattern ("/v1/jobs/{id}"), filled by the router; empty when no route
  // matched. Points into the Router, which outlives every request it dispatches.
  std::string_view route;
  Headers headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1:53122"

  std::optional<std::string_view> Header(std::string_view name) const { return headers.Get(name); }
  std::optional<std::string> Query(std::string_view name) const;
  // The router guarantees the parameters of the matched pattern exist.
  const std::string& PathParam(const std::string& name) const;
  // Parses the body as JSON; a clear kInvalidArgument ("malformed JSON at byte 12: ...") if not.
  core::Result<nlohmann::json> JsonBody() const;
};

// Fills request.path (percent-decoded) and request.query from request.target; kInvalidArgument
// for a target that is not an origin-form path or has a malformed percent-escape.
core::Status ParseTarget(Request& request);

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  static Response Json(int status, const nlohmann::json& body);
  static Response Text(int status, std::string body, std::string content_type = "text/plain");
  // The JSON error body with the HTTP status mapped from the error code (HttpStatusFor).
  static Response FromError(const core::Error& error);
  // Our JSON error body with any code name, for statuses without a core::ErrorCode (405, 431).
  static Response JsonError(int status, std::string_view code, std::string_view message);
  // 429 with Retry-After (whole seconds, rounded up, at least 1).
  static Response TooManyRequests(int64_t retry_after_ms, std::string message);
};

// 400, 401, 403, 404, 409, 402, 413, 429, 503, 504, 500 — see core::ErrorCode.
int HttpStatusFor(core::ErrorCode code);
// Reverse mapping for clients: an HTTP error status (and the body's code when present) to an
// Error with the body's message. Without our JSON error body the code follows the status
// (409 -> kFailedPrecondition, other 4xx -> kInvalidArgument, other 5xx -> kInternal).
core::Error ErrorFromResponse(const Response& response);

// ASCII case-insensitive comparison (header names, tokens such as "close" or "chunked").
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Percent-decoding of a path or query component; '+' decodes to space in query components.
core::Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);
std::string PercentEncode(std::string_view text);

}  // namespace aitbc::net
