#include "coordinator/sql_store.h"

#include <charconv>

#include "core/bytes.h"

namespace aitbc::coordinator::sql {
namespace {

constexpr const char* kSchema[] = {
    "CREATE TABLE IF NOT EXISTS jobs ("
    " job_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, client TEXT NOT NULL, state TEXT NOT NULL,"
    " active INTEGER NOT NULL, idempotency_key TEXT, receipt_id TEXT, data TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS jobs_client_seq ON jobs (client, seq)",
    "CREATE INDEX IF NOT EXISTS jobs_seq ON jobs (seq)",
    "CREATE INDEX IF NOT EXISTS jobs_active ON jobs (active) WHERE active = 1",
    "CREATE UNIQUE INDEX IF NOT EXISTS jobs_idempotency ON jobs (client, idempotency_key)"
    " WHERE idempotency_key IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS jobs_receipt ON jobs (receipt_id) WHERE receipt_id IS NOT NULL",
    "CREATE TABLE IF NOT EXISTS api_keys ("
    " id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, role TEXT NOT NULL, owner TEXT NOT NULL,"
    " created_ms BIGINT NOT NULL, revoked INTEGER NOT NULL, revoked_ms BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS accounts ("
    " address TEXT PRIMARY KEY, sealed_key TEXT NOT NULL, created_ms BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS miners (miner_id TEXT PRIMARY KEY, data TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
};

const std::string kUpsertJob =
    "INSERT INTO jobs (job_id, seq, client, state, active, idempotency_key, receipt_id, data)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (job_id) DO UPDATE SET"
    " seq = excluded.seq, client = excluded.client, state = excluded.state,"
    " active = excluded.active, idempotency_key = excluded.idempotency_key,"
    " receipt_id = excluded.receipt_id, data = excluded.data";
const std::string kDeleteJob = "DELETE FROM jobs WHERE job_id = $1";
const std::string kPutMeta =
    "INSERT INTO meta (key, value) VALUES ($1, $2)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value";
// A key id is never reused: inserting an existing id is kAlreadyExists.
const std::string kPutApiKey =
    "INSERT INTO api_keys (id, secret_hash, role, owner, created_ms, revoked, revoked_ms)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7)";
const std::string kRevokeApiKey = "UPDATE api_keys SET revoked = 1, revoked_ms = $1 WHERE id = $2";
const std::string kPutAccount =
    "INSERT INTO accounts (address, sealed_key, created_ms) VALUES ($1, $2, $3)";
const std::string kPutMiner =
    "INSERT INTO miners (miner_id, data) VALUES ($1, $2)"
    " ON CONFLICT (miner_id) DO UPDATE SET data = excluded.data";
const std::string kApiKeyColumns =
    "SELECT id, secret_hash, role, owner, created_ms, revoked, revoked_ms FROM api_keys";

Value Text(std::string s) { return Value(std::move(s)); }
Value Int(uint64_t v) { return Value(static_cast<int64_t>(v)); }
Value NullIfEmpty(const std::string& s) { return s.empty() ? Value(nullptr) : Value(s); }

core::Result<int64_t> ParseInt(const std::optional<std::string>& text, std::string_view what) {
  if (!text) return core::Error::Corruption(std::string(what) + " is NULL");
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || ptr != text->data() + text->size()) {
    return core::Error::Corruption(std::string(what) + " is not an integer: '" + *text + "'");
  }
  return v;
}

core::Result<std::string> NotNull(const std::optional<std::string>& text, std::string_view what) {
  if (!text) return core::Error::Corruption(std::string(what) + " is NULL");
  return *text;
}

// jobs.data is the job's binary record (Job::Encode).
core::Result<Job> JobFromRow(const Connection& conn, const Row& row) {
  AITBC_ASSIGN_OR_RETURN(std::string data, NotNull(row.at(0), "jobs.data"));
  AITBC_ASSIGN_OR_RETURN(core::Bytes bytes, conn.BlobFrom(data));
  return Job::Decode(bytes);
}

core::Result<ApiKeyRow> ApiKeyFromRow(const Row& row) {
  ApiKeyRow k;
  AITBC_ASSIGN_OR_RETURN(k.record.id, NotNull(row.at(0), "api_keys.id"));
  AITBC_ASSIGN_OR_RETURN(std::string hash, NotNull(row.at(1), "api_keys.secret_hash"));
  auto parsed_hash = core::Hash256::FromHex(hash);
  if (!parsed_hash.ok()) return core::Error::Corruption("api_keys.secret_hash is not a hash");
  k.record.secret_hash = *parsed_hash;
  AITBC_ASSIGN_OR_RETURN(std::string role, NotNull(row.at(2), "api_keys.role"));
  auto parsed_role = net::RoleFromName(role);
  if (!parsed_role.ok()) return core::Error::Corruption("api_keys.role '" + role + "' unknown");
  k.record.role = *parsed_role;
  AITBC_ASSIGN_OR_RETURN(k.record.owner, NotNull(row.at(3), "api_keys.owner"));
  AITBC_ASSIGN_OR_RETURN(k.record.created_ms, ParseInt(row.at(4), "api_keys.created_ms"));
  AITBC_ASSIGN_OR_RETURN(int64_t revoked, ParseInt(row.at(5), "api_keys.revoked"));
  k.revoked = revoked != 0;
  AITBC_ASSIGN_OR_RETURN(k.revoked_ms, ParseInt(row.at(6), "api_keys.revoked_ms"));
  return k;
}

}  // namespace

SqlStore::SqlStore(std::string backend, std::unique_ptr<Connection> writer,
                   std::unique_ptr<Connection> reader, std::unique_ptr<Connection> maintenance,
                   int64_t maintain_ms)
    : backend_(std::move(backend)),
      writer_(std::move(writer)),
      reader_(std::move(reader)),
      maintenance_(std::move(maintenance)),
      maintain_ms_(maintain_ms) {
  committer_ = std::make_unique<GroupCommitter>(
      [this](const std::vector<const GroupCommitter::Group*>& groups) {
        return ApplyBatch(groups);
      });
  if (maintenance_) maintainer_ = std::thread([this] { MaintainLoop(); });
}

SqlStore::~SqlStore() {
  committer_->Stop();
  {
    std::lock_guard lock(maintain_mu_);
    stopping_ = true;
  }
  maintain_cv_.notify_all();
  if (maintainer_.joinable()) maintainer_.join();
}

void SqlStore::MaintainLoop() {
  std::unique_lock lock(maintain_mu_);
  while (!maintain_cv_.wait_for(lock, std::chrono::milliseconds(maintain_ms_),
                                [this] { return stopping_; })) {
    lock.unlock();
    maintenance_->Maintain();
    lock.lock();
  }
}

core::Status SqlStore::CreateSchema(Connection& conn) {
  for (const char* statement : kSchema) AITBC_TRY(conn.Execute(statement));
  return core::Ok();
}

void SqlStore::Write(std::vector<Mutation> mutations, WriteCallback done) {
  committer_->Submit(std::move(mutations), std::move(done));
}

core::Status SqlStore::ApplyBatch(const std::vector<const GroupCommitter::Group*>& groups) {
  AITBC_TRY(writer_->Begin());
  for (const GroupCommitter::Group* group : groups) {
    for (const Mutation& m : *group) {
      core::Status s = Apply(m);
      if (!s.ok()) {
        writer_->Rollback();
        return s;
      }
    }
  }
  core::Status committed = writer_->Commit();
  if (!committed.ok()) writer_->Rollback();
  return committed;
}

core::Status SqlStore::Apply(const Mutation& mutation) {
  return std::visit(
      [this](const auto& m) -> core::Status {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, PutJob>) {
          const Job& j = m.job;
          return writer_->Exec(
              kUpsertJob, {Text(j.job_id), Int(j.seq), Text(j.client.ToString()),
                           Text(std::string(JobStateName(j.state))),
                           Value(int64_t{j.Finished() ? 0 : 1}), NullIfEmpty(j.idempotency_key),
                           NullIfEmpty(j.receipt_id()), Value(Blob{j.Encode()})});
        } else if constexpr (std::is_same_v<T, DeleteJob>) {
          return writer_->Exec(kDeleteJob, {Text(m.job_id)});
        } else if constexpr (std::is_same_v<T, PutMeta>) {
          return writer_->Exec(kPutMeta, {Text(m.key), Text(m.value)});
        } else if constexpr (std::is_same_v<T, PutApiKey>) {
          const net::ApiKeyRecord& r = m.row.record;
          return writer_->Exec(
              kPutApiKey,
              {Text(r.id), Text(r.secret_hash.ToHex()), Text(std::string(net::RoleName(r.role))),
               Text(r.owner), Value(r.created_ms), Value(int64_t{m.row.revoked ? 1 : 0}),
               Value(m.row.revoked_ms)});
        } else if constexpr (std::is_same_v<T, RevokeKey>) {
          return writer_->Exec(kRevokeApiKey, {Value(m.revoked_ms), Text(m.id)});
        } else if constexpr (std::is_same_v<T, PutAccount>) {
          return writer_->Exec(kPutAccount, {Text(m.row.address.ToString()), Text(m.row.sealed_key),
                                             Value(m.row.created_ms)});
        } else {
          static_assert(std::is_same_v<T, PutMiner>);
          return writer_->Exec(kPutMiner, {Text(m.row.miner_id), Text(m.row.data)});
        }
      },
      mutation);
}

core::Result<std::vector<Row>> SqlStore::Read(const std::string& sql,
                                              const std::vector<Value>& params) {
  std::lock_guard lock(read_mu_);
  return reader_->Query(sql, params);
}

core::Result<std::vector<Job>> SqlStore::ReadJobs(const std::string& sql,
                                                  const std::vector<Value>& params) {
  AITBC_ASSIGN_OR_RETURN(std::vector<Row> rows, Read(sql, params));
  std::vector<Job> jobs;
  jobs.reserve(rows.size());
  for (const Row& row : rows) {
    AITBC_ASSIGN_OR_RETURN(Job job, JobFromRow(*reader_, row));
    jobs.push_back(std::move(job));
  }
  return jobs;
}

core::Result<std::optional<Job>> SqlStore::GetJob(const std::string& job_id) {
  AITBC_ASSIGN_OR_RETURN(auto jobs,
                         ReadJobs("SELECT data FROM jobs WHERE job_id = $1", {Text(job_id)}));
  if (jobs.empty()) return std::optional<Job>();
  return std::optional<Job>(std::move(jobs.front()));
}

core::Result<std::optional<Job>> SqlStore::GetJobByReceipt(const std::string& receipt_id) {
  AITBC_ASSIGN_OR_RETURN(
      auto jobs, ReadJobs("SELECT data FROM jobs WHERE receipt_id = $1", {Text(receipt_id)}));
  if (jobs.empty()) return std::optional<Job>();
  return std::optional<Job>(std::move(jobs.front()));
}

core::Result<std::optional<Job>> SqlStore::FindIdempotent(const core::Address& client,
                                                          const std::string& key) {
  AITBC_ASSIGN_OR_RETURN(
      auto jobs, ReadJobs("SELECT data FROM jobs WHERE client = $1 AND idempotency_key = $2",
                          {Text(client.ToString()), Text(key)}));
  if (jobs.empty()) return std::optional<Job>();
  return std::optional<Job>(std::move(jobs.front()));
}

core::Result<JobPage> SqlStore::ListJobs(const std::optional<core::Address>& client,
                                         uint64_t before_seq, size_t limit) {
  if (limit == 0) limit = 1;
  int64_t before = before_seq == 0 ? INT64_MAX : static_cast<int64_t>(before_seq);
  // One row more than asked tells whether there is a next page.
  Value fetch = Int(limit + 1);
  JobPage page;
  if (client) {
    AITBC_ASSIGN_OR_RETURN(page.jobs, ReadJobs("SELECT data FROM jobs WHERE client = $1 AND"
                                               " seq < $2 ORDER BY seq DESC LIMIT $3",
                                               {Text(client->ToString()), Value(before), fetch}));
  } else {
    AITBC_ASSIGN_OR_RETURN(page.jobs,
                           ReadJobs("SELECT data FROM jobs WHERE seq < $1 ORDER BY seq DESC"
                                    " LIMIT $2",
                                    {Value(before), fetch}));
  }
  if (page.jobs.size() > limit) {
    page.jobs.resize(limit);
    page.next_cursor = page.jobs.back().seq;
  }
  return page;
}

core::Result<std::vector<Job>> SqlStore::LoadActiveJobs() {
  return ReadJobs("SELECT data FROM jobs WHERE active = 1 ORDER BY seq", {});
}

core::Result<uint64_t> SqlStore::MaxJobSeq() {
  AITBC_ASSIGN_OR_RETURN(auto rows, Read("SELECT MAX(seq) FROM jobs", {}));
  if (rows.empty() || !rows[0].at(0)) return uint64_t{0};
  AITBC_ASSIGN_OR_RETURN(int64_t v, ParseInt(rows[0][0], "MAX(seq)"));
  return static_cast<uint64_t>(v);
}

core::Result<std::vector<uint64_t>> SqlStore::CountJobsByState() {
  AITBC_ASSIGN_OR_RETURN(auto rows, Read("SELECT state, COUNT(*) FROM jobs GROUP BY state", {}));
  std::vector<uint64_t> counts(std::size(kAllJobStates), 0);
  for (const Row& row : rows) {
    AITBC_ASSIGN_OR_RETURN(std::string name, NotNull(row.at(0), "jobs.state"));
    auto state = JobStateFromName(name);
    if (!state.ok()) return core::Error::Corruption("jobs.state '" + name + "' unknown");
    AITBC_ASSIGN_OR_RETURN(int64_t n, ParseInt(row.at(1), "COUNT(*)"));
    counts[static_cast<size_t>(*state)] = static_cast<uint64_t>(n);
  }
  return counts;
}

core::Result<std::optional<std::string>> SqlStore::GetMeta(const std::string& key) {
  AITBC_ASSIGN_OR_RETURN(auto rows, Read("SELECT value FROM meta WHERE key = $1", {Text(key)}));
  if (rows.empty()) return std::optional<std::string>();
  return rows[0].at(0);
}

core::Result<std::vector<ApiKeyRow>> SqlStore::ListApiKeys() {
  AITBC_ASSIGN_OR_RETURN(auto rows, Read(kApiKeyColumns + " ORDER BY created_ms, id", {}));
  std::vector<ApiKeyRow> keys;
  for (const Row& row : rows) {
    AITBC_ASSIGN_OR_RETURN(ApiKeyRow k, ApiKeyFromRow(row));
    keys.push_back(std::move(k));
  }
  return keys;
}

core::Result<std::optional<ApiKeyRow>> SqlStore::GetApiKey(const std::string& id) {
  AITBC_ASSIGN_OR_RETURN(auto rows, Read(kApiKeyColumns + " WHERE id = $1", {Text(id)}));
  if (rows.empty()) return std::optional<ApiKeyRow>();
  AITBC_ASSIGN_OR_RETURN(ApiKeyRow k, ApiKeyFromRow(rows[0]));
  return std::optional<ApiKeyRow>(std::move(k));
}

core::Result<std::optional<AccountRow>> SqlStore::GetAccount(const core::Address& address) {
  AITBC_ASSIGN_OR_RETURN(auto rows,
                         Read("SELECT sealed_key, created_ms FROM accounts WHERE address = $1",
                              {Text(address.ToString())}));
  if (rows.empty()) return std::optional<AccountRow>();
  AccountRow a;
  a.address = address;
  AITBC_ASSIGN_OR_RETURN(a.sealed_key, NotNull(rows[0].at(0), "accounts.sealed_key"));
  AITBC_ASSIGN_OR_RETURN(a.created_ms, ParseInt(rows[0].at(1), "accounts.created_ms"));
  return std::optional<AccountRow>(std::move(a));
}

core::Result<std::vector<MinerRow>> SqlStore::ListMiners() {
  AITBC_ASSIGN_OR_RETURN(auto rows,
                         Read("SELECT miner_id, data FROM miners ORDER BY miner_id", {}));
  std::vector<MinerRow> miners;
  for (const Row& row : rows) {
    MinerRow m;
    AITBC_ASSIGN_OR_RETURN(m.miner_id, NotNull(row.at(0), "miners.miner_id"));
    AITBC_ASSIGN_OR_RETURN(m.data, NotNull(row.at(1), "miners.data"));
    miners.push_back(std::move(m));
  }
  return miners;
}

}  // namespace aitbc::coordinator::sql
