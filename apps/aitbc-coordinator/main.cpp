// aitbc-coordinator: the job API, scheduler and settlement service (docs/coordinator.md).
//   aitbc-coordinator init --datadir D [--db URL] [--insecure-no-passphrase]
//   aitbc-coordinator keys create --role client|miner|admin [--account-key FILE] ...
//   aitbc-coordinator keys list | keys revoke ID
//   aitbc-coordinator start --datadir D [--listen H:P] [--node URL] [--config F.toml] ...
#include <CLI/CLI.hpp>

#include <cstdio>
#include <optional>

#include "coordinator/app.h"
#include "core/clock.h"
#include "core/key_file.h"
#include "core/random.h"
#include "protocol/json_codec.h"

namespace {

using aitbc::coordinator::Config;

int Fail(const aitbc::core::Error& error) {
  std::fprintf(stderr, "aitbc-coordinator: %s\n", error.ToString().c_str());
  return 1;
}

struct DbFlags {
  std::string datadir;
  std::string db;
  bool insecure = false;
};

void AddDbFlags(CLI::App* cmd, DbFlags& f) {
  cmd->add_option("--datadir", f.datadir, "Data directory")->required();
  cmd->add_option("--db", f.db, "Database URL (default: SQLite file in the data directory)");
  cmd->add_flag("--insecure-no-passphrase", f.insecure,
                "Devnet only: store keys unencrypted when AITBC_COORDINATOR_PASSPHRASE is unset");
}

Config ConfigOf(const DbFlags& f) {
  Config c;
  c.datadir = f.datadir;
  c.db = f.db;
  c.insecure_no_passphrase = f.insecure;
  return c;
}

aitbc::core::Result<std::unique_ptr<aitbc::coordinator::Store>> OpenDb(const Config& c) {
  return aitbc::coordinator::OpenStore(c.database_url());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace aitbc;
  CLI::App app{"aitbc-coordinator: job API, scheduling, receipts and settlement"};
  app.require_subcommand(1);

  DbFlags init_flags;
  CLI::App* init = app.add_subcommand("init", "Create the data directory, key and database");
  AddDbFlags(init, init_flags);

  CLI::App* keys = app.add_subcommand("keys", "Manage API keys (offline, on the database)");
  keys->require_subcommand(1);
  DbFlags create_flags;
  std::string role_name;
  std::string account_key_file;
  CLI::App* create = keys->add_subcommand("create", "Create an API key (printed once)");
  AddDbFlags(create, create_flags);
  create->add_option("--role", role_name, "client, miner or admin")->required();
  create->add_option("--account-key", account_key_file,
                     "Client keys: import this key file as the custodial account "
                     "(read with AITBC_ACCOUNT_KEY_PASSPHRASE, empty for a plain devnet key)");
  DbFlags list_flags;
  CLI::App* list = keys->add_subcommand("list", "List API keys (ids and roles, never secrets)");
  AddDbFlags(list, list_flags);
  DbFlags revoke_flags;
  std::string revoke_id;
  CLI::App* revoke = keys->add_subcommand("revoke", "Revoke an API key by id");
  AddDbFlags(revoke, revoke_flags);
  revoke->add_option("id", revoke_id, "Key id (16 hex characters)")->required();

  // start: flags are optional so that they override --config only when given.
  CLI::App* start = app.add_subcommand("start", "Run the coordinator");
  DbFlags start_flags;
  AddDbFlags(start, start_flags);
  std::string config_file;
  std::optional<std::string> listen, node, log_file, log_level, default_max_price;
  std::optional<int64_t> queue_timeout, start_timeout, run_timeout, heartbeat, grace, balance_check;
  std::optional<uint32_t> max_attempts;
  std::optional<double> rate, burst, miner_rate, miner_burst, admin_rate, admin_burst;
  std::optional<uint64_t> expiry_blocks;
  std::optional<size_t> threads;
  std::optional<std::string> sqlite_sync;
  bool allow_sim = false;
  start->add_option("--config", config_file, "TOML configuration file (flags override it)");
  start->add_option("--listen", listen, "HOST:PORT to serve on (default 127.0.0.1:8000)");
  start->add_option("--node", node, "Node RPC URL (default http://127.0.0.1:8006)");
  start->add_option("--log-file", log_file, "Log file");
  start->add_option("--log-level", log_level, "trace, debug, info, warn, error");
  start->add_flag("--allow-sim-miners", allow_sim, "Accept miners with the simulated backend");
  start->add_option("--queue-timeout-ms", queue_timeout, "No miner within this: failed (60000)");
  start->add_option("--max-attempts", max_attempts, "Assignments before a job fails (3)");
  start->add_option("--start-timeout-ms", start_timeout, "Assigned to running (10000)");
  start->add_option("--run-timeout-ms", run_timeout, "Assigned to completed (300000)");
  start->add_option("--heartbeat-interval-ms", heartbeat, "Miner heartbeat interval (5000)");
  start->add_option("--restart-grace-ms", grace,
                    "After a restart, how long assigned jobs wait for their miner");
  start->add_option("--default-max-price", default_max_price,
                    "Escrow when a job names no max_price (1aitbc)");
  start->add_option("--rate-limit-per-s", rate,
                    "Requests per second per client API key (0: no limit; 100)");
  start->add_option("--rate-limit-burst", burst, "Burst per client API key (200)");
  start->add_option("--miner-rate-limit-per-s", miner_rate,
                    "Requests per second per miner key (0: no limit; 1000)");
  start->add_option("--miner-rate-limit-burst", miner_burst, "Burst per miner key (2000)");
  start->add_option("--admin-rate-limit-per-s", admin_rate,
                    "Requests per second per admin key (0: no limit, the default)");
  start->add_option("--admin-rate-limit-burst", admin_burst, "Burst per admin key (1000)");
  start->add_option("--escrow-expiry-blocks", expiry_blocks, "Escrow expiry, in blocks");
  start->add_option("--balance-check-ms", balance_check,
                    "How often the coordinator's own balance is read (60000)");
  start->add_option("--threads", threads, "Event loop threads (2)");
  start->add_option("--sqlite-sync", sqlite_sync, "full (default) or normal");

  CLI11_PARSE(app, argc, argv);

  if (init->parsed()) {
    Config c = ConfigOf(init_flags);
    auto passphrase = coordinator::ResolvePassphrase(c.insecure_no_passphrase);
    if (!passphrase.ok()) return Fail(passphrase.error());
    auto address = coordinator::InitDatadir(c, *passphrase);
    if (!address.ok()) return Fail(address.error());
    std::printf("initialised %s\ncoordinator address: %s\n", c.datadir.c_str(),
                address->ToString().c_str());
    if (passphrase->empty()) std::printf("WARNING: keys are stored unencrypted (devnet)\n");
    return 0;
  }

  if (create->parsed()) {
    Config c = ConfigOf(create_flags);
    auto role = net::RoleFromName(role_name);
    if (!role.ok()) return Fail(role.error());
    auto passphrase = coordinator::ResolvePassphrase(c.insecure_no_passphrase);
    if (!passphrase.ok()) return Fail(passphrase.error());
    std::optional<core::PrivateKey> account_key;
    if (!account_key_file.empty()) {
      if (*role != net::Role::kClient) {
        return Fail(core::Error::InvalidArgument("--account-key is only for client keys"));
      }
      const char* env = std::getenv("AITBC_ACCOUNT_KEY_PASSPHRASE");
      auto key = core::ReadKeyFile(account_key_file, env == nullptr ? "" : env);
      if (!key.ok()) return Fail(key.error());
      account_key = *key;
    }
    auto store = OpenDb(c);
    if (!store.ok()) return Fail(store.error());
    auto created =
        coordinator::CreateApiKey(**store, *role, *passphrase, account_key,
                                  core::SystemRandom::Instance(), core::SystemClock::Instance());
    if (!created.ok()) return Fail(created.error());
    std::printf("api_key: %s\n", created->plaintext.c_str());
    std::printf("key_id: %s\nrole: %s\n", created->record.id.c_str(),
                std::string(net::RoleName(created->record.role)).c_str());
    if (created->account) std::printf("address: %s\n", created->account->ToString().c_str());
    if (*role == net::Role::kMiner) std::printf("miner_id: %s\n", created->record.owner.c_str());
    std::printf("The API key is shown only now: store it safely.\n");
    return 0;
  }

  if (list->parsed()) {
    auto store = OpenDb(ConfigOf(list_flags));
    if (!store.ok()) return Fail(store.error());
    auto rows = (*store)->ListApiKeys();
    if (!rows.ok()) return Fail(rows.error());
    for (const auto& k : *rows) {
      std::printf("%s  %-6s  %s  %s%s\n", k.record.id.c_str(),
                  std::string(net::RoleName(k.record.role)).c_str(), k.record.owner.c_str(),
                  core::FormatRfc3339(k.record.created_ms).c_str(), k.revoked ? "  REVOKED" : "");
    }
    return 0;
  }

  if (revoke->parsed()) {
    auto store = OpenDb(ConfigOf(revoke_flags));
    if (!store.ok()) return Fail(store.error());
    if (auto s = coordinator::RevokeApiKey(**store, revoke_id, core::SystemClock::Instance());
        !s.ok()) {
      return Fail(s.error());
    }
    std::printf("revoked %s\n", revoke_id.c_str());
    return 0;
  }

  // start
  Config c = ConfigOf(start_flags);
  if (!config_file.empty()) {
    if (auto s = coordinator::ApplyToml(config_file, c); !s.ok()) return Fail(s.error());
  }
  if (!start_flags.db.empty()) c.db = start_flags.db;
  if (listen) c.listen = *listen;
  if (node) c.node_url = *node;
  if (log_file) c.log_file = *log_file;
  if (log_level) c.log_level = *log_level;
  if (allow_sim) c.allow_sim_miners = true;
  if (queue_timeout) c.queue_timeout_ms = *queue_timeout;
  if (max_attempts) c.max_attempts = *max_attempts;
  if (start_timeout) c.start_timeout_ms = *start_timeout;
  if (run_timeout) c.run_timeout_ms = *run_timeout;
  if (heartbeat) c.heartbeat_interval_ms = *heartbeat;
  if (grace) c.restart_grace_ms = *grace;
  if (balance_check) c.balance_check_ms = *balance_check;
  if (rate) c.rate_limit_per_s = *rate;
  if (burst) c.rate_limit_burst = *burst;
  if (miner_rate) c.miner_rate_limit_per_s = *miner_rate;
  if (miner_burst) c.miner_rate_limit_burst = *miner_burst;
  if (admin_rate) c.admin_rate_limit_per_s = *admin_rate;
  if (admin_burst) c.admin_rate_limit_burst = *admin_burst;
  if (expiry_blocks) c.escrow_expiry_blocks = *expiry_blocks;
  if (threads) c.threads = *threads;
  if (sqlite_sync) {
    if (*sqlite_sync != "full" && *sqlite_sync != "normal") {
      return Fail(core::Error::InvalidArgument("--sqlite-sync must be full or normal"));
    }
    c.sqlite_full_sync = *sqlite_sync == "full";
  }
  if (default_max_price) {
    auto price = core::Amount::Parse(*default_max_price);
    if (!price.ok()) return Fail(price.error().WithContext("--default-max-price"));
    c.default_max_price = *price;
  }
  if (auto s = coordinator::Validate(c); !s.ok()) return Fail(s.error());
  auto passphrase = coordinator::ResolvePassphrase(c.insecure_no_passphrase);
  if (!passphrase.ok()) return Fail(passphrase.error());
  return coordinator::RunCoordinator(c, *passphrase);
}
