// Internal to the store implementations: one Store written once over a minimal SQL connection
// interface, which SQLite (sqlite_store.cpp) and PostgreSQL (pg_store.cpp) implement. The SQL
// text is shared: both accept $1..$N placeholders (numbered in order of first use), partial
// indexes and INSERT ... ON CONFLICT ... DO UPDATE.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "coordinator/group_commit.h"
#include "coordinator/store.h"

namespace aitbc::coordinator::sql {

// Binary data: a BLOB in SQLite, base64 text in PostgreSQL (whose text protocol we use).
struct Blob {
  core::Bytes bytes;
};
using Value = std::variant<std::nullptr_t, int64_t, std::string, Blob>;
using Row = std::vector<std::optional<std::string>>;

// One database connection, used by one thread at a time (the owner locks).
class Connection {
 public:
  virtual ~Connection() = default;
  // Runs SQL without parameters or results (DDL, PRAGMA, BEGIN, COMMIT).
  virtual core::Status Execute(const std::string& sql) = 0;
  virtual core::Status Exec(const std::string& sql, const std::vector<Value>& params) = 0;
  virtual core::Result<std::vector<Row>> Query(const std::string& sql,
                                               const std::vector<Value>& params) = 0;
  virtual core::Status Begin() = 0;
  virtual core::Status Commit() = 0;
  virtual void Rollback() = 0;
  // The bytes of a column written as a Blob, from its value as Query returns it.
  virtual core::Result<core::Bytes> BlobFrom(const std::string& column) const = 0;
  // Background upkeep (SQLite: a passive WAL checkpoint), run periodically on a connection of
  // its own so that commits never stall on it.
  virtual void Maintain() {}
};

class SqlStore final : public Store {
 public:
  // `writer` is used only by the group-commit thread; `reader` serves reads under a mutex.
  // `maintenance` (optional) gets Maintain() calls every maintain_ms on a thread of its own.
  SqlStore(std::string backend, std::unique_ptr<Connection> writer,
           std::unique_ptr<Connection> reader, std::unique_ptr<Connection> maintenance = nullptr,
           int64_t maintain_ms = 200);
  ~SqlStore() override;

  // Creates the tables and indexes (idempotent).
  static core::Status CreateSchema(Connection& conn);

  std::string_view backend() const override { return backend_; }
  void Write(std::vector<Mutation> mutations, WriteCallback done) override;
  core::Result<std::optional<Job>> GetJob(const std::string& job_id) override;
  core::Result<std::optional<Job>> GetJobByReceipt(const std::string& receipt_id) override;
  core::Result<std::optional<Job>> FindIdempotent(const core::Address& client,
                                                  const std::string& key) override;
  core::Result<JobPage> ListJobs(const std::optional<core::Address>& client, uint64_t before_seq,
                                 size_t limit) override;
  core::Result<std::vector<Job>> LoadActiveJobs() override;
  core::Result<uint64_t> MaxJobSeq() override;
  core::Result<std::vector<uint64_t>> CountJobsByState() override;
  core::Result<std::optional<std::string>> GetMeta(const std::string& key) override;
  core::Result<std::vector<ApiKeyRow>> ListApiKeys() override;
  core::Result<std::optional<ApiKeyRow>> GetApiKey(const std::string& id) override;
  core::Result<std::optional<AccountRow>> GetAccount(const core::Address& address) override;
  core::Result<std::vector<MinerRow>> ListMiners() override;

 private:
  core::Status ApplyBatch(const std::vector<const GroupCommitter::Group*>& groups);
  core::Status Apply(const Mutation& mutation);
  core::Result<std::vector<Row>> Read(const std::string& sql, const std::vector<Value>& params);
  core::Result<std::vector<Job>> ReadJobs(const std::string& sql, const std::vector<Value>& params);

  void MaintainLoop();

  std::string backend_;
  std::unique_ptr<Connection> writer_;
  std::mutex read_mu_;
  std::unique_ptr<Connection> reader_;
  std::unique_ptr<Connection> maintenance_;
  int64_t maintain_ms_;
  std::mutex maintain_mu_;
  std::condition_variable maintain_cv_;
  bool stopping_ = false;
  std::thread maintainer_;
  std::unique_ptr<GroupCommitter> committer_;  // last: stopped first
};

}  // namespace aitbc::coordinator::sql
