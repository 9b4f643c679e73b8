// Auth: API keys and rate limits for the coordinator's endpoints.
//
// Clients and admins present X-Api-Key, miners X-Miner-Key (X-Api-Key is accepted from miners
// too). Keys are verified against the hashes in the store (net::ApiKeyVerifier: constant-time,
// no plaintext held); a key created offline (`aitbc-coordinator keys create`) while the
// coordinator runs is found on first use, and Reload() (periodic) picks up revocations. Every
// authenticated request takes one token from its key's bucket (net::RateLimiter).
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

class Auth {
 public:
  Auth(Store& store, const core::Clock& clock, double rate_per_s, double burst)
      : store_(store), limiter_(clock, rate_per_s, burst) {}

  // Loads every key from the store; revoked keys are forgotten.
  core::Status Reload();

  std::optional<net::Response> Authenticate(const net::Request& request,
                                            std::initializer_list<net::Role> allowed,
                                            Caller& caller);

 private:
  Store& store_;
  net::ApiKeyVerifier verifier_;
  net::RateLimiter limiter_;
};

}  // namespace aitbc::coordinator
