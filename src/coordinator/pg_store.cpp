// PostgreSQL implementation of sql::Connection (libpqxx 6.4), and OpenPgStore. Every pqxx
// exception is caught here and becomes a core::Error.
#include <pqxx/pqxx>

#include <unordered_map>

#include "coordinator/sql_store.h"
#include "coordinator/store_backends.h"

namespace aitbc::coordinator {
namespace {

core::Error ErrorFrom(const std::exception& e, std::string_view doing) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    if (sql->sqlstate() == "23505") {  // unique_violation
      return core::Error::AlreadyExists("duplicate key: " + std::string(e.what()));
    }
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return core::Error::Unavailable("PostgreSQL connection lost (" + std::string(doing) +
                                    "): " + e.what());
  }
  return core::Error::IOError("PostgreSQL (" + std::string(doing) + "): " + e.what());
}

bool ValidSchemaName(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return !std::isdigit(static_cast<unsigned char>(name[0]));
}

class PgConnection final : public sql::Connection {
 public:
  static core::Result<std::unique_ptr<PgConnection>> Open(const std::string& url,
                                                          const std::string& schema) {
    auto conn = std::unique_ptr<PgConnection>(new PgConnection());
    try {
      conn->conn_ = std::make_unique<pqxx::connection>(url);
      {
        pqxx::nontransaction n(*conn->conn_);
        n.exec("CREATE SCHEMA IF NOT EXISTS " + schema);
      }
      conn->conn_->set_variable("search_path", schema);
    } catch (const std::exception& e) {
      return ErrorFrom(e, "connecting");
    }
    return conn;
  }

  ~PgConnection() override {
    try {
      tx_.reset();
      conn_.reset();
    } catch (...) {
    }
  }

  core::Status Execute(const std::string& sql) override {
    try {
      if (tx_) {
        tx_->exec(sql);
      } else {
        pqxx::nontransaction n(*conn_);
        n.exec(sql);
      }
      return core::Ok();
    } catch (const std::exception& e) {
      return ErrorFrom(e, "executing");
    }
  }

  core::Status Exec(const std::string& sql, const std::vector<sql::Value>& params) override {
    auto result = Run(sql, params);
    if (!result.ok()) return result.error();
    return core::Ok();
  }

  core::Result<std::vector<sql::Row>> Query(const std::string& sql,
                                            const std::vector<sql::Value>& params) override {
    AITBC_ASSIGN_OR_RETURN(pqxx::result r, Run(sql, params));
    std::vector<sql::Row> rows;
    rows.reserve(r.size());
    for (const auto& row : r) {
      sql::Row out(row.size());
      for (pqxx::row::size_type i = 0; i < row.size(); ++i) {
        if (!row[i].is_null()) out[i] = row[i].c_str();
      }
      rows.push_back(std::move(out));
    }
    return rows;
  }

  core::Result<core::Bytes> BlobFrom(const std::string& column) const override {
    auto bytes = core::Base64Decode(column);
    if (!bytes.ok()) return core::Error::Corruption("stored binary value is not base64");
    return bytes;
  }

  core::Status Begin() override {
    try {
      tx_ = std::make_unique<pqxx::work>(*conn_);
      return core::Ok();
    } catch (const std::exception& e) {
      return ErrorFrom(e, "beginning a transaction");
    }
  }

  core::Status Commit() override {
    try {
      if (tx_) tx_->commit();
      tx_.reset();
      return core::Ok();
    } catch (const std::exception& e) {
      tx_.reset();
      return ErrorFrom(e, "committing");
    }
  }

  void Rollback() override {
    try {
      if (tx_) tx_->abort();
    } catch (...) {
    }
    tx_.reset();
  }

 private:
  PgConnection() = default;

  // Runs a prepared statement in the open transaction (or alone).
  core::Result<pqxx::result> Run(const std::string& sql, const std::vector<sql::Value>& params) {
    std::vector<std::string> storage(params.size());
    std::vector<const char*> args(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      if (const auto* s = std::get_if<std::string>(&params[i])) {
        storage[i] = *s;
        args[i] = storage[i].c_str();
      } else if (const auto* n = std::get_if<int64_t>(&params[i])) {
        storage[i] = std::to_string(*n);
        args[i] = storage[i].c_str();
      } else if (const auto* b = std::get_if<sql::Blob>(&params[i])) {
        storage[i] = core::Base64Encode(b->bytes);
        args[i] = storage[i].c_str();
      }
    }
    try {
      const std::string& name = Prepared(sql);
      auto dynamic = pqxx::prepare::make_dynamic_params(args);
      if (tx_) return tx_->exec_prepared(name, dynamic);
      pqxx::nontransaction n(*conn_);
      return n.exec_prepared(name, dynamic);
    } catch (const std::exception& e) {
      return ErrorFrom(e, "running a statement");
    }
  }

  const std::string& Prepared(const std::string& sql) {
    auto it = prepared_.find(sql);
    if (it != prepared_.end()) return it->second;
    std::string name = "s" + std::to_string(prepared_.size());
    conn_->prepare(name, sql);
    return prepared_.emplace(sql, std::move(name)).first->second;
  }

  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::work> tx_;
  std::unordered_map<std::string, std::string> prepared_;
};

// Our own URL parameter "aitbc_schema=NAME" picks the schema; libpq must not see it.
std::string TakeSchemaParameter(std::string& url) {
  static constexpr std::string_view kParam = "aitbc_schema=";
  size_t q = url.find('?');
  if (q == std::string::npos) return "";
  size_t at = url.find(kParam, q);
  if (at == std::string::npos || (url[at - 1] != '?' && url[at - 1] != '&')) return "";
  size_t end = url.find('&', at);
  std::string value = url.substr(
      at + kParam.size(), end == std::string::npos ? std::string::npos : end - at - kParam.size());
  url.erase(at, end == std::string::npos ? std::string::npos : end + 1 - at);
  if (!url.empty() && (url.back() == '?' || url.back() == '&')) url.pop_back();
  return value;
}

}  // namespace

core::Result<std::unique_ptr<Store>> OpenPgStore(const std::string& url_with_options,
                                                 const StoreOptions& options) {
  std::string url = url_with_options;
  std::string from_url = TakeSchemaParameter(url);
  std::string schema = !options.pg_schema.empty() ? options.pg_schema
                       : !from_url.empty()        ? from_url
                                                  : "aitbc";
  if (!ValidSchemaName(schema)) {
    return core::Error::InvalidArgument("invalid PostgreSQL schema name '" + schema + "'");
  }
  AITBC_ASSIGN_OR_RETURN(auto writer, PgConnection::Open(url, schema));
  AITBC_TRY(sql::SqlStore::CreateSchema(*writer));
  AITBC_ASSIGN_OR_RETURN(auto reader, PgConnection::Open(url, schema));
  return std::unique_ptr<Store>(
      std::make_unique<sql::SqlStore>("postgresql", std::move(writer), std::move(reader)));
}

}  // namespace aitbc::coordinator
