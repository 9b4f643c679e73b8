// Internal to the store implementations: one Store written once over a minimal SQL connection
// interface, which SQLite (sqlite_store.cpp) and PostgreSQL (pg_store.cpp) implement. The SQL
// text is shared: both accept $1..$N placeholders (numbered in order of first use), partial
// indexes and INSERT ... ON CONFLICT ... DO UPDATE.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "coordinator/group_commit.h"
#include "coordinator/store.h"

namespace aitbc::coordinator::sql {

using Value = std::variant<std::nullptr_t, int64_t, std::string>;
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
};

class SqlStore final : public Store {
 public:
  // `writer` is used only by the group-commit thread; `reader` serves reads under a mutex.
  SqlStore(std::string backend, std::unique_ptr<Connection> writer,
           std::unique_ptr<Connection> reader);
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

  std::string backend_;
  std::unique_ptr<Connection> writer_;
  std::mutex read_mu_;
  std::unique_ptr<Connection> reader_;
  std::unique_ptr<GroupCommitter> committer_;  // last: stopped first
};

}  // namespace aitbc::coordinator::sql
