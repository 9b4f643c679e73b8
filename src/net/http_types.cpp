#include "net/http_types.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <nlohmann/json.hpp>

namespace aitbc::net {
namespace {

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct MethodEntry {
  Method method;
  std::string_view name;
};
constexpr std::array<MethodEntry, 7> kMethods = {{
    {Method::kGet, "GET"},
    {Method::kHead, "HEAD"},
    {Method::kPost, "POST"},
    {Method::kPut, "PUT"},
    {Method::kPatch, "PATCH"},
    {Method::kDelete, "DELETE"},
    {Method::kOptions, "OPTIONS"},
}};

std::string ErrorBody(std::string_view code, std::string_view message) {
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

core::ErrorCode CodeForStatus(int status) {
  switch (status) {
    case 400:
      return core::ErrorCode::kInvalidArgument;
    case 401:
      return core::ErrorCode::kUnauthenticated;
    case 402:
      return core::ErrorCode::kInsufficientFunds;
    case 403:
      return core::ErrorCode::kPermissionDenied;
    case 404:
      return core::ErrorCode::kNotFound;
    case 408:
      return core::ErrorCode::kTimeout;
    case 409:
      return core::ErrorCode::kFailedPrecondition;
    case 413:
      return core::ErrorCode::kPayloadTooLarge;
    case 429:
      return core::ErrorCode::kResourceExhausted;
    case 502:
      return core::ErrorCode::kUnavailable;
    case 503:
      return core::ErrorCode::kUnavailable;
    case 504:
      return core::ErrorCode::kTimeout;
    default:
      break;
  }
  if (status >= 400 && status < 500) return core::ErrorCode::kInvalidArgument;
  return core::ErrorCode::kInternal;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  }
  return true;
}

std::string_view MethodName(Method method) {
  for (const auto& entry : kMethods) {
    if (entry.method == method) return entry.name;
  }
  return "OTHER";
}

Method MethodFromName(std::string_view name) {
  for (const auto& entry : kMethods) {
    if (entry.name == name) return entry.method;
  }
  return Method::kOther;
}

void Headers::Set(std::string name, std::string value) {
  Remove(name);
  entries_.emplace_back(std::move(name), std::move(value));
}

void Headers::Add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const auto& [key, value] : entries_) {
    if (EqualsIgnoreCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

void Headers::Remove(std::string_view name) {
  std::erase_if(entries_, [&](const auto& entry) { return EqualsIgnoreCase(entry.first, name); });
}

std::optional<std::string> Request::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return it->second;
}

const std::string& Request::PathParam(const std::string& name) const {
  static const std::string kEmpty;
  auto it = path_params.find(name);
  return it == path_params.end() ? kEmpty : it->second;
}

core::Result<nlohmann::json> Request::JsonBody() const {
  if (body.empty()) return core::Error::InvalidArgument("request body is empty; expected JSON");
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 2: ...".
    std::string_view what = e.what();
    if (auto pos = what.find("] "); pos != std::string_view::npos) what.remove_prefix(pos + 2);
    return core::Error::InvalidArgument("malformed JSON at byte " + std::to_string(e.byte) + ": " +
                                        std::string(what));
  } catch (const std::exception& e) {
    return core::Error::InvalidArgument(std::string("malformed JSON: ") + e.what());
  }
}

core::Status ParseTarget(Request& request) {
  std::string_view target = request.target;
  if (target.empty() || target.front() != '/') {
    return core::Error::InvalidArgument("request target must start with '/'");
  }
  std::string_view raw_path = target;
  std::string_view raw_query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    raw_path = target.substr(0, q);
    raw_query = target.substr(q + 1);
  }
  if (auto hash = raw_query.find('#'); hash != std::string_view::npos) {
    raw_query = raw_query.substr(0, hash);
  }
  if (raw_path.find('%') == std::string_view::npos) {
    request.path.assign(raw_path);
  } else {
    AITBC_ASSIGN_OR_RETURN(request.path, PercentDecode(raw_path, false));
  }
  request.query.clear();
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    std::string_view pair = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    AITBC_ASSIGN_OR_RETURN(std::string decoded_key, PercentDecode(key, true));
    AITBC_ASSIGN_OR_RETURN(std::string decoded_value, PercentDecode(value, true));
    // The first occurrence wins, so a repeated parameter cannot override an earlier one.
    request.query.emplace(std::move(decoded_key), std::move(decoded_value));
  }
  return core::Ok();
}

Response Response::Json(int status, const nlohmann::json& body) {
  Response response;
  response.status = status;
  response.headers.Add("Content-Type", "application/json");
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

Response Response::Text(int status, std::string body, std::string content_type) {
  Response response;
  response.status = status;
  response.headers.Add("Content-Type", std::move(content_type));
  response.body = std::move(body);
  return response;
}

Response Response::FromError(const core::Error& error) {
  return JsonError(HttpStatusFor(error.code()), core::ErrorCodeName(error.code()), error.message());
}

Response Response::JsonError(int status, std::string_view code, std::string_view message) {
  Response response;
  response.status = status;
  response.headers.Add("Content-Type", "application/json");
  response.body = ErrorBody(code, message);
  return response;
}

Response Response::TooManyRequests(int64_t retry_after_ms, std::string message) {
  Response response = FromError(core::Error::ResourceExhausted(std::move(message)));
  int64_t seconds = std::max<int64_t>(1, (std::max<int64_t>(retry_after_ms, 0) + 999) / 1000);
  response.headers.Set("Retry-After", std::to_string(seconds));
  return response;
}

int HttpStatusFor(core::ErrorCode code) {
  switch (code) {
    case core::ErrorCode::kInvalidArgument:
      return 400;
    case core::ErrorCode::kUnauthenticated:
      return 401;
    case core::ErrorCode::kPermissionDenied:
      return 403;
    case core::ErrorCode::kNotFound:
      return 404;
    case core::ErrorCode::kAlreadyExists:
      return 409;
    case core::ErrorCode::kFailedPrecondition:
      return 409;
    case core::ErrorCode::kInsufficientFunds:
      return 402;
    case core::ErrorCode::kPayloadTooLarge:
      return 413;
    case core::ErrorCode::kResourceExhausted:
      return 429;
    case core::ErrorCode::kUnavailable:
      return 503;
    case core::ErrorCode::kTimeout:
      return 504;
    case core::ErrorCode::kCorruption:
    case core::ErrorCode::kIOError:
    case core::ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

core::Error ErrorFromResponse(const Response& response) {
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const auto& error = body["error"];
    auto code_it = error.find("code");
    auto message_it = error.find("message");
    if (code_it != error.end() && code_it->is_string() && message_it != error.end() &&
        message_it->is_string()) {
      const std::string& name = code_it->get_ref<const std::string&>();
      core::ErrorCode code = core::ErrorCodeFromName(name);
      if (code == core::ErrorCode::kInternal && name != core::ErrorCodeName(code)) {
        code = CodeForStatus(response.status);  // a code we do not know: trust the status
      }
      return core::Error(code, message_it->get<std::string>());
    }
  }
  std::string message = "HTTP " + std::to_string(response.status);
  if (!response.body.empty()) {
    constexpr size_t kMaxQuoted = 200;
    message += ": ";
    message += response.body.substr(0, kMaxQuoted);
    if (response.body.size() > kMaxQuoted) message += "...";
  }
  return core::Error(CodeForStatus(response.status), std::move(message));
}

core::Result<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return core::Error::InvalidArgument("truncated percent-escape at position " +
                                            std::to_string(i));
      }
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) {
        return core::Error::InvalidArgument("invalid percent-escape at position " +
                                            std::to_string(i));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

}  // namespace aitbc::net
