// The coordinator's durable state behind one interface with two implementations: SQLite (WAL,
// the embedded default: a file in the data directory) and PostgreSQL (`--db postgresql://...`).
//
// Tables: jobs (indexed columns + the whole record as JSON, see job.h), api_keys (only the
// SHA-256 of each key's secret), accounts (custodial client keys, sealed with the coordinator's
// passphrase), miners (registrations and reputation, as JSON), meta (key/value: the chain
// follower's height).
//
// Writes go through GROUP COMMIT (group_commit.h): Write() queues mutations; one writer thread
// takes everything queued, applies it in ONE transaction, commits, then calls every callback.
// The mutations of one Write() call are atomic (all or none survive a crash) and apply after
// those of earlier calls. If a batch fails, its calls are retried one by one so that only the
// faulty call reports the error.
//
// Contract: thread-safe. Write callbacks run on the writer thread, after the data is durable (or
// with the error); they must not block. Reads block the caller and see committed data.
// Errors: kIOError for database failures, kCorruption for stored data that fails its checks,
// kAlreadyExists for a duplicate unique key (job id, idempotency key, API key id).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "coordinator/job.h"
#include "core/address.h"
#include "core/result.h"
#include "net/api_keys.h"

namespace aitbc::coordinator {

struct ApiKeyRow {
  net::ApiKeyRecord record;
  bool revoked = false;
  int64_t revoked_ms = 0;
};

// A custodial client account: its Ed25519 seed sealed with the coordinator's passphrase
// (custody.h), or marked unencrypted on an insecure devnet.
struct AccountRow {
  core::Address address;
  std::string sealed_key;
  int64_t created_ms = 0;
};

struct MinerRow {
  std::string miner_id;
  std::string data;  // JSON owned by the miner registry
};

struct PutJob {
  Job job;
};
struct DeleteJob {
  std::string job_id;
};
struct PutMeta {
  std::string key;
  std::string value;
};
struct PutApiKey {
  ApiKeyRow row;
};
struct RevokeKey {
  std::string id;
  int64_t revoked_ms = 0;
};
struct PutAccount {
  AccountRow row;
};
struct PutMiner {
  MinerRow row;
};
using Mutation =
    std::variant<PutJob, DeleteJob, PutMeta, PutApiKey, RevokeKey, PutAccount, PutMiner>;

using WriteCallback = std::function<void(core::Status)>;

struct JobPage {
  std::vector<Job> jobs;     // newest first
  uint64_t next_cursor = 0;  // pass as before_seq for the next page; 0 when this is the last
};

class Store {
 public:
  virtual ~Store() = default;

  virtual std::string_view backend() const = 0;  // "sqlite" or "postgresql"

  // Queues mutations for the next group commit; `done` runs once on the writer thread when
  // they are durable (or failed). See the contract above.
  virtual void Write(std::vector<Mutation> mutations, WriteCallback done) = 0;
  // Write and wait.
  core::Status WriteSync(std::vector<Mutation> mutations);

  virtual core::Result<std::optional<Job>> GetJob(const std::string& job_id) = 0;
  virtual core::Result<std::optional<Job>> GetJobByReceipt(const std::string& receipt_id) = 0;
  // The job a client submitted with this Idempotency-Key, if any.
  virtual core::Result<std::optional<Job>> FindIdempotent(const core::Address& client,
                                                          const std::string& key) = 0;
  // A page of jobs newest first, with seq < before_seq (0: from the newest); an empty client
  // lists every client's jobs.
  virtual core::Result<JobPage> ListJobs(const std::optional<core::Address>& client,
                                         uint64_t before_seq, size_t limit) = 0;
  // Jobs that still need work: not terminal, or terminal with the escrow not yet closed.
  virtual core::Result<std::vector<Job>> LoadActiveJobs() = 0;
  virtual core::Result<uint64_t> MaxJobSeq() = 0;
  // Number of jobs in each state (index = JobState).
  virtual core::Result<std::vector<uint64_t>> CountJobsByState() = 0;

  virtual core::Result<std::optional<std::string>> GetMeta(const std::string& key) = 0;
  virtual core::Result<std::vector<ApiKeyRow>> ListApiKeys() = 0;
  virtual core::Result<std::optional<ApiKeyRow>> GetApiKey(const std::string& id) = 0;
  virtual core::Result<std::optional<AccountRow>> GetAccount(const core::Address& address) = 0;
  virtual core::Result<std::vector<MinerRow>> ListMiners() = 0;
};

struct StoreOptions {
  // SQLite: PRAGMA synchronous=FULL (fsync at every commit) when true, NORMAL otherwise
  // (durable against process crashes, not power loss).
  bool sqlite_full_sync = true;
  // PostgreSQL: the schema to use (created if missing); empty = "aitbc".
  std::string pg_schema;
};

// "postgresql://..." or "postgres://..." opens PostgreSQL (a query parameter
// "aitbc_schema=NAME" picks the schema, default "aitbc"); anything else is a SQLite file path
// (optionally "sqlite://PATH"). Creates the tables when missing.
core::Result<std::unique_ptr<Store>> OpenStore(const std::string& url,
                                               const StoreOptions& options = {});

}  // namespace aitbc::coordinator
