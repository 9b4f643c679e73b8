#include "net/access_log.h"

#include <spdlog/spdlog.h>

namespace aitbc::net {

std::string ApiKeyLogId(std::string_view key) {
  // aitbc_<role>_<id>_<secret>: role and id are not secret.
  constexpr std::string_view kPrefix = "aitbc_";
  if (key.substr(0, kPrefix.size()) != kPrefix) return "opaque";
  key.remove_prefix(kPrefix.size());
  size_t role_end = key.find('_');
  if (role_end == std::string_view::npos || role_end == 0 || role_end > 16) return "opaque";
  size_t id_end = key.find('_', role_end + 1);
  if (id_end == std::string_view::npos || id_end - role_end - 1 != 16) return "opaque";
  std::string_view role = key.substr(0, role_end);
  std::string_view id = key.substr(role_end + 1, 16);
  for (char c : role) {
    if (c < 'a' || c > 'z') return "opaque";
  }
  for (char c : id) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!hex) return "opaque";
  }
  return std::string(role) + ":" + std::string(id);
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
