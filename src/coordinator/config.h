// The coordinator's configuration: defaults, a TOML file (--config), and command-line flags
// (which override the file). docs/coordinator.md lists every key.
//
// Contract: pure values. ApplyToml rejects unknown keys and wrong types with a message naming
// the key (kInvalidArgument); Validate checks ranges.
#pragma once

#include <cstdint>
#include <string>

#include "coordinator/scheduler.h"
#include "core/amount.h"
#include "core/result.h"

namespace aitbc::coordinator {

struct Config {
  std::string datadir;
  std::string listen = "127.0.0.1:8000";
  std::string node_url = "http://127.0.0.1:8006";
  std::string db;  // empty: <datadir>/coordinator.db (SQLite)
  std::string log_file;
  std::string log_level = "info";
  bool allow_sim_miners = false;
  bool insecure_no_passphrase = false;

  int64_t queue_timeout_ms = 60'000;  // the seed: no miner within 60 s -> failed
  uint32_t max_attempts = 3;          // assignments before a job fails
  int64_t start_timeout_ms = 10'000;  // assigned -> running (or completed)
  int64_t run_timeout_ms = 300'000;   // assigned -> completed
  int64_t push_timeout_ms = 5'000;    // POST /v1/jobs/assign on the miner
  int64_t heartbeat_interval_ms = 5'000;
  int64_t restart_grace_ms = 0;                                         // 0: 3 heartbeat intervals
  core::Amount default_max_price = core::Amount::FromMicro(1'000'000);  // 1 AITBC
  uint64_t escrow_expiry_blocks = 100'000;  // capped at the chain's max_escrow_blocks

  // Requests per second and burst per API key, by the key's role; a rate of 0: unlimited.
  // A miner makes two requests per job (status, complete) plus heartbeats: 10x a client's.
  double rate_limit_per_s = 100;  // client keys
  double rate_limit_burst = 200;
  double miner_rate_limit_per_s = 1'000;
  double miner_rate_limit_burst = 2'000;
  double admin_rate_limit_per_s = 0;  // unlimited
  double admin_rate_limit_burst = 1'000;

  int64_t follower_poll_ms = 100;
  int64_t reconcile_after_ms = 3'000;  // re-check a chain transaction not committed by then
  int64_t stake_refresh_ms = 30'000;
  int64_t balance_check_ms = 60'000;  // the coordinator's own balance (it pays settle/refund fees)
  size_t threads = 2;
  bool sqlite_full_sync = true;
  size_t max_body_bytes = 2 << 20;
  ScoreWeights weights;

  int64_t effective_restart_grace_ms() const {
    return restart_grace_ms > 0 ? restart_grace_ms : 3 * heartbeat_interval_ms;
  }
  std::string database_url() const;
};

// Reads keys from a TOML file into config (only the keys present).
core::Status ApplyToml(const std::string& path, Config& config);
core::Status Validate(const Config& config);

}  // namespace aitbc::coordinator
