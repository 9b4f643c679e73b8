// The aitbc-coordinator program: the context it builds (no globals), start-up and shutdown, and
// the offline commands (init, keys create|list|revoke). apps/aitbc-coordinator/main.cpp only
// parses flags and calls these.
//
// Secrets at rest: the coordinator's chain key (<datadir>/coordinator_key.json) and the
// custodial client keys are encrypted with the passphrase in AITBC_COORDINATOR_PASSPHRASE; a
// devnet may run without one only with the explicit --insecure-no-passphrase, which is logged
// loudly.
//
// Contract: RunCoordinator blocks until SIGTERM/SIGINT, then shuts down gracefully (in-flight
// requests finish; state is durable anyway). Errors are values.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "coordinator/api.h"
#include "coordinator/auth.h"
#include "coordinator/balance_watch.h"
#include "coordinator/config.h"
#include "coordinator/custody.h"
#include "coordinator/job_service.h"
#include "coordinator/store.h"
#include "core/address.h"
#include "core/keys.h"
#include "net/api_keys.h"
#include "net/chain_client.h"
#include "net/event_loop.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/metrics.h"

namespace aitbc::coordinator {

inline constexpr const char* kPassphraseEnv = "AITBC_COORDINATOR_PASSPHRASE";
inline constexpr const char* kVersion = "0.1.0";

// Everything a running coordinator owns, built in RunCoordinator (or by tests).
struct CoordinatorContext {
  Config config;
  std::string passphrase;
  std::unique_ptr<net::EventLoop> loop;
  std::unique_ptr<Store> store;
  std::optional<core::PrivateKey> coordinator_key;
  std::unique_ptr<net::RpcChainClient> chain;
  std::unique_ptr<net::HttpClient> http;
  std::unique_ptr<net::MetricsRegistry> metrics;
  std::unique_ptr<Custody> custody;
  std::unique_ptr<Auth> auth;
  std::unique_ptr<JobService> jobs;
  std::unique_ptr<BalanceWatch> balance_watch;
  ApiContext api;
  std::shared_ptr<net::Router> router;
  std::unique_ptr<net::HttpServer> server;
};

// The passphrase from AITBC_COORDINATOR_PASSPHRASE; empty only with insecure (devnets).
// kInvalidArgument when it is missing without insecure.
core::Result<std::string> ResolvePassphrase(bool insecure);
std::string CoordinatorKeyPath(const std::string& datadir);

// Creates the data directory, the coordinator's key (kept if it exists) and the database.
// Returns the coordinator's address.
core::Result<core::Address> InitDatadir(const Config& config, const std::string& passphrase);

struct CreatedKey {
  std::string plaintext;  // shown once, never stored
  net::ApiKeyRecord record;
  std::optional<core::Address> account;  // client keys: the custodial account
};
// Creates an API key of `role`. Client keys get a custodial account (a new Ed25519 key, or
// `account_key` when given), sealed with the passphrase; miner keys a new miner id; admin keys
// the owner "admin". Atomic: the key and its account are stored in one write.
core::Result<CreatedKey> CreateApiKey(Store& store, net::Role role, const std::string& passphrase,
                                      std::optional<core::PrivateKey> account_key,
                                      core::Random& random, const core::Clock& clock);
// kNotFound for an unknown id.
core::Status RevokeApiKey(Store& store, const std::string& id, const core::Clock& clock);

// Starts the service and blocks until a shutdown signal. Returns the process exit code.
int RunCoordinator(const Config& config, const std::string& passphrase);

}  // namespace aitbc::coordinator
