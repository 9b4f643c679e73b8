// Auth: API keys and rate limits for the coordinator's endpoints.
//
// Clients and admins present X-Api-Key, miners X-Miner-Key (X-Api-Key is accepted from miners
// too). Keys are verified against the hashes in the store (net::ApiKeyVerifier: constant-time,
// no plaintext held); a key created offline (`aitbc-coordinator keys create`) while the
// coordinator runs is found on first use, and Reload() (periodic) picks up revocations. Every
// authenticated request takes one token from its key's bucket (net::RateLimiter), with the
// rate and burst of the key's role: a miner makes two requests per job (status and complete)
// plus heartbeats, so it gets its own, more generous, limit; admins may be left unlimited.
//
// Contract: thread-safe. Authenticate returns the error response to send (401 missing or
// invalid key, 403 wrong role, 429 with Retry-After) or fills `caller`.
#pragma once

#include <initializer_list>
#include <optional>

#include "coordinator/job_service.h"
#include "coordinator/store.h"
#include "core/clock.h"
#include "net/api_keys.h"
#include "net/http_types.h"
#include "net/rate_limiter.h"

namespace aitbc::coordinator {

// A token bucket per API key: `per_s` tokens a second, at most `burst`; per_s 0: no limit.
struct RateLimit {
  double per_s = 0;
  double burst = 0;
};

// One setting per role (config: rate_limit_*, miner_rate_limit_*, admin_rate_limit_*).
struct RateLimits {
  RateLimit client;
  RateLimit miner;
  RateLimit admin;
};

class Auth {
 public:
  Auth(Store& store, const core::Clock& clock, const RateLimits& limits)
      : store_(store),
        client_limiter_(clock, limits.client.per_s, limits.client.burst),
        miner_limiter_(clock, limits.miner.per_s, limits.miner.burst),
        admin_limiter_(clock, limits.admin.per_s, limits.admin.burst) {}

  // Loads every key from the store; revoked keys are forgotten.
  core::Status Reload();

  std::optional<net::Response> Authenticate(const net::Request& request,
                                            std::initializer_list<net::Role> allowed,
                                            Caller& caller);

 private:
  net::RateLimiter& LimiterFor(net::Role role);

  Store& store_;
  net::ApiKeyVerifier verifier_;
  net::RateLimiter client_limiter_;
  net::RateLimiter miner_limiter_;
  net::RateLimiter admin_limiter_;
};

}  // namespace aitbc::coordinator
