// SQLite implementation of sql::Connection (libsqlite3), and OpenSqliteStore.
#include <sqlite3.h>

#include <unordered_map>

#include "coordinator/sql_store.h"
#include "coordinator/store_backends.h"
#include "core/file_util.h"

namespace aitbc::coordinator {
namespace {

class SqliteConnection final : public sql::Connection {
 public:
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    if (db_ != nullptr) sqlite3_close_v2(db_);
  }

  static core::Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path,
                                                              bool full_sync,
                                                              bool auto_checkpoint = true) {
    auto conn = std::unique_ptr<SqliteConnection>(new SqliteConnection());
    int rc =
        sqlite3_open_v2(path.c_str(), &conn->db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string message = conn->db_ != nullptr ? sqlite3_errmsg(conn->db_) : sqlite3_errstr(rc);
      return core::Error::IOError("opening SQLite database " + path + ": " + message);
    }
    sqlite3_busy_timeout(conn->db_, 10'000);
    AITBC_TRY(conn->Execute("PRAGMA journal_mode=WAL"));
    AITBC_TRY(conn->Execute(full_sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"));
    // The writer leaves checkpoints to the maintenance connection (Maintain), so that a commit
    // never waits for the WAL to be copied into the database file.
    if (!auto_checkpoint) AITBC_TRY(conn->Execute("PRAGMA wal_autocheckpoint=0"));
    return conn;
  }

  core::Status Execute(const std::string& sql) override {
    char* error = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    if (rc == SQLITE_OK) return core::Ok();
    std::string message = error != nullptr ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    return ErrorFor(rc, message, sql);
  }

  core::Status Exec(const std::string& sql, const std::vector<sql::Value>& params) override {
    AITBC_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, params));
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return ErrorFor(rc, sqlite3_errmsg(db_), sql);
    return core::Ok();
  }

  core::Result<std::vector<sql::Row>> Query(const std::string& sql,
                                            const std::vector<sql::Value>& params) override {
    AITBC_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, params));
    std::vector<sql::Row> rows;
    int rc;
    int columns = sqlite3_column_count(stmt);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      sql::Row row(static_cast<size_t>(columns));
      for (int i = 0; i < columns; ++i) {
        if (sqlite3_column_type(stmt, i) == SQLITE_NULL) continue;
        const char* data = sqlite3_column_type(stmt, i) == SQLITE_BLOB
                               ? static_cast<const char*>(sqlite3_column_blob(stmt, i))
                               : reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
        row[static_cast<size_t>(i)] =
            std::string(data, static_cast<size_t>(sqlite3_column_bytes(stmt, i)));
      }
      rows.push_back(std::move(row));
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return ErrorFor(rc, sqlite3_errmsg(db_), sql);
    return rows;
  }

  core::Result<core::Bytes> BlobFrom(const std::string& column) const override {
    return core::Bytes(column.begin(), column.end());
  }

  void Maintain() override {
    int log = 0, checkpointed = 0;
    int rc =
        sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &checkpointed);
    // Once everything was copied, restart the WAL from its beginning (it stops growing).
    if (rc == SQLITE_OK && log > 0 && log == checkpointed) {
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    }
  }

  core::Status Begin() override { return Execute("BEGIN IMMEDIATE"); }
  core::Status Commit() override { return Execute("COMMIT"); }
  void Rollback() override {
    if (sqlite3_get_autocommit(db_) == 0) Execute("ROLLBACK").ok();
  }

 private:
  SqliteConnection() = default;

  static core::Error ErrorFor(int rc, const std::string& message, const std::string& sql) {
    int primary = rc & 0xff;
    if (primary == SQLITE_CONSTRAINT) {
      return core::Error::AlreadyExists("duplicate key: " + message);
    }
    return core::Error::IOError("SQLite: " + message + " (in: " + sql.substr(0, 60) + ")");
  }

  // Statements are prepared once per connection and cached.
  core::Result<sqlite3_stmt*> Prepare(const std::string& sql,
                                      const std::vector<sql::Value>& params) {
    sqlite3_stmt*& stmt = statements_[sql];
    if (stmt == nullptr) {
      int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
      if (rc != SQLITE_OK) {
        statements_.erase(sql);
        return ErrorFor(rc, sqlite3_errmsg(db_), sql);
      }
    }
    sqlite3_clear_bindings(stmt);
    for (size_t i = 0; i < params.size(); ++i) {
      int index = static_cast<int>(i) + 1;
      int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
              return sqlite3_bind_null(stmt, index);
            } else if constexpr (std::is_same_v<T, int64_t>) {
              return sqlite3_bind_int64(stmt, index, v);
            } else if constexpr (std::is_same_v<T, sql::Blob>) {
              return sqlite3_bind_blob(stmt, index, v.bytes.data(),
                                       static_cast<int>(v.bytes.size()), SQLITE_TRANSIENT);
            } else {
              return sqlite3_bind_text(stmt, index, v.data(), static_cast<int>(v.size()),
                                       SQLITE_TRANSIENT);
            }
          },
          params[i]);
      if (rc != SQLITE_OK) return ErrorFor(rc, sqlite3_errmsg(db_), sql);
    }
    return stmt;
  }

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace

core::Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                     const StoreOptions& options) {
  std::string dir = core::ParentDirectory(path);
  if (!core::FileExists(dir)) {
    return core::Error::NotFound("database directory " + dir + " does not exist");
  }
  AITBC_ASSIGN_OR_RETURN(auto writer, SqliteConnection::Open(path, options.sqlite_full_sync,
                                                             /*auto_checkpoint=*/false));
  AITBC_TRY(sql::SqlStore::CreateSchema(*writer));
  AITBC_ASSIGN_OR_RETURN(auto reader, SqliteConnection::Open(path, options.sqlite_full_sync));
  AITBC_ASSIGN_OR_RETURN(auto checkpointer, SqliteConnection::Open(path, options.sqlite_full_sync));
  return std::unique_ptr<Store>(std::make_unique<sql::SqlStore>(
      "sqlite", std::move(writer), std::move(reader), std::move(checkpointer)));
}

}  // namespace aitbc::coordinator
