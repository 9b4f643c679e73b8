#include "net/access_log.h"

#include <spdlog/spdlog.h>

#include "net/api_keys.h"

namespace aitbc::net {

std::string ApiKeyLogId(std::string_view key) {
  // Role and id are not secret; the secret is never logged.
  auto parsed = ParsePresentedKey(key);
  if (!parsed.ok()) return "opaque";
  return std::string(RoleName(parsed->role)) + ":" + parsed->id;
}

void LogAccess(AccessLog level, const Request& request, int status, double seconds) {
  if (level == AccessLog::kOff) return;
  auto spd_level = level == AccessLog::kInfo ? spdlog::level::info : spdlog::level::debug;
  if (!spdlog::should_log(spd_level)) return;
  std::string key = "-";
  if (auto v = request.headers.Get("X-Api-Key")) {
    key = ApiKeyLogId(*v);
  } else if (auto m = request.headers.Get("X-Miner-Key")) {
    key = ApiKeyLogId(*m);
  }
  spdlog::log(spd_level, "http {} {} {} {} {:.2f}ms key={}", request.remote_address,
              MethodName(request.method), request.target, status, seconds * 1000.0, key);
}

}  // namespace aitbc::net
