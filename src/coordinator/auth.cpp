#include "coordinator/auth.h"

namespace aitbc::coordinator {

core::Status Auth::Reload() {
  AITBC_ASSIGN_OR_RETURN(std::vector<ApiKeyRow> keys, store_.ListApiKeys());
  for (ApiKeyRow& key : keys) {
    if (key.revoked) {
      verifier_.Remove(key.record.id);
    } else {
      verifier_.Put(std::move(key.record));
    }
  }
  return core::Ok();
}

net::RateLimiter& Auth::LimiterFor(net::Role role) {
  switch (role) {
    case net::Role::kMiner:
      return miner_limiter_;
    case net::Role::kAdmin:
      return admin_limiter_;
    case net::Role::kClient:
      break;
  }
  return client_limiter_;
}

std::optional<net::Response> Auth::Authenticate(const net::Request& request,
                                                std::initializer_list<net::Role> allowed,
                                                Caller& caller) {
  std::string_view header = "X-Api-Key";
  std::optional<std::string_view> presented = request.Header("X-Miner-Key");
  if (presented) {
    header = "X-Miner-Key";
  } else {
    presented = request.Header("X-Api-Key");
  }
  auto record = verifier_.Verify(presented, allowed, header);
  if (!record.ok() && record.error().code() == core::ErrorCode::kUnauthenticated && presented) {
    // Perhaps created offline since the last reload.
    auto parsed = net::HashPresentedKey(*presented);
    if (parsed.ok()) {
      auto stored = store_.GetApiKey(parsed->first);
      if (stored.ok() && stored->has_value() && !(**stored).revoked) {
        verifier_.Put((**stored).record);
        record = verifier_.Verify(presented, allowed, header);
      }
    }
  }
  if (!record.ok()) return net::Response::FromError(record.error());
  if (auto wait_ms = LimiterFor(record->role).Take(record->id)) {
    return net::Response::TooManyRequests(*wait_ms, "rate limit exceeded for " +
                                                        std::string(net::RoleName(record->role)) +
                                                        " key " + record->id + ": retry later");
  }
  caller.role = record->role;
  caller.key_id = record->id;
  caller.owner = record->owner;
  return std::nullopt;
}

}  // namespace aitbc::coordinator
