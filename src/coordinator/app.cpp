#include "coordinator/app.h"

#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <future>
#include <mutex>

#include <spdlog/spdlog.h>

#include "core/file_util.h"
#include "core/key_file.h"
#include "core/log.h"
#include "net/retry.h"

namespace aitbc::coordinator {
namespace {

// Waits for an asynchronous ChainClient call (the loop runs in the background).
template <typename T, typename Call>
core::Result<T> Await(Call call) {
  auto promise = std::make_shared<std::promise<core::Result<T>>>();
  auto future = promise->get_future();
  call([promise](core::Result<T> r) { promise->set_value(std::move(r)); });
  return future.get();
}

// The chain's identity and parameters, retried while the node is starting.
core::Status ReadChain(net::ChainClient& chain, protocol::Genesis& genesis,
                       net::ChainStatus& status) {
  for (int attempt = 0;; ++attempt) {
    auto g = Await<protocol::Genesis>([&](auto done) { chain.GetGenesis(done); });
    auto s = g.ok() ? Await<net::ChainStatus>([&](auto done) { chain.GetStatus(done); })
                    : core::Result<net::ChainStatus>(g.error());
    if (g.ok() && s.ok()) {
      genesis = std::move(g).value();
      status = std::move(s).value();
      return core::Ok();
    }
    const core::Error& error = g.ok() ? s.error() : g.error();
    if (!net::IsRetryable(error) || attempt >= 60) {
      return error.WithContext("reading the chain's genesis and status");
    }
    if (attempt % 10 == 0) {
      spdlog::warn("waiting for the node: {} (retrying every second)", error.ToString());
    }
    net::SleepMs(1'000);
  }
}

std::string ReadyJson(const std::string& host, uint16_t port, const core::Address& address,
                      const std::string& chain_id) {
  std::string url_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  nlohmann::json ready = {{"url", "http://" + url_host + ":" + std::to_string(port)},
                          {"port", port},
                          {"pid", static_cast<int64_t>(getpid())},
                          {"address", address.ToString()},
                          {"chain_id", chain_id}};
  return ready.dump() + "\n";
}

}  // namespace

core::Result<std::string> ResolvePassphrase(bool insecure) {
  const char* env = std::getenv(kPassphraseEnv);
  std::string passphrase = env == nullptr ? "" : env;
  if (!passphrase.empty()) return passphrase;
  if (!insecure) {
    return core::Error::InvalidArgument(
        std::string("set ") + kPassphraseEnv +
        " (it encrypts the coordinator's key and the custodial client keys), or pass "
        "--insecure-no-passphrase on a devnet");
  }
  return std::string();
}

std::string CoordinatorKeyPath(const std::string& datadir) {
  return datadir + "/coordinator_key.json";
}

core::Result<core::Address> InitDatadir(const Config& config, const std::string& passphrase) {
  AITBC_TRY(core::EnsureDirectory(config.datadir, 0700));
  std::string key_path = CoordinatorKeyPath(config.datadir);
  core::Address address;
  if (core::FileExists(key_path)) {
    AITBC_ASSIGN_OR_RETURN(core::PrivateKey key, core::ReadKeyFile(key_path, passphrase));
    address = core::Address::FromPublicKey(key.public_key());
  } else {
    core::PrivateKey key = core::PrivateKey::Generate(core::SystemRandom::Instance());
    AITBC_TRY(core::WriteKeyFile(key_path, key, passphrase, core::SystemRandom::Instance()));
    address = core::Address::FromPublicKey(key.public_key());
  }
  StoreOptions options;
  options.sqlite_full_sync = config.sqlite_full_sync;
  AITBC_ASSIGN_OR_RETURN(auto store, OpenStore(config.database_url(), options));
  return address;
}

core::Result<CreatedKey> CreateApiKey(Store& store, net::Role role, const std::string& passphrase,
                                      std::optional<core::PrivateKey> account_key,
                                      core::Random& random, const core::Clock& clock) {
  CreatedKey created;
  std::vector<Mutation> writes;
  std::string owner;
  switch (role) {
    case net::Role::kClient: {
      core::PrivateKey key = account_key ? *account_key : core::PrivateKey::Generate(random);
      core::Address address = core::Address::FromPublicKey(key.public_key());
      auto existing = store.GetAccount(address);
      if (!existing.ok()) return existing.error();
      if (!*existing) {
        AITBC_ASSIGN_OR_RETURN(std::string sealed, SealAccountKey(key, passphrase, random));
        writes.push_back(PutAccount{AccountRow{address, std::move(sealed), clock.NowMs()}});
      }
      created.account = address;
      owner = address.ToString();
      break;
    }
    case net::Role::kMiner:
      owner = "miner_" + core::HexEncode(random.RandomBytes(8));
      break;
    case net::Role::kAdmin:
      owner = "admin";
      break;
  }
  net::NewApiKey key = net::GenerateApiKey(role, owner, random, clock.NowMs());
  writes.push_back(PutApiKey{ApiKeyRow{key.record}});
  AITBC_TRY(store.WriteSync(std::move(writes)));
  created.plaintext = std::move(key.plaintext);
  created.record = std::move(key.record);
  return created;
}

core::Status RevokeApiKey(Store& store, const std::string& id, const core::Clock& clock) {
  AITBC_ASSIGN_OR_RETURN(auto existing, store.GetApiKey(id));
  if (!existing) return core::Error::NotFound("no API key with id '" + id + "'");
  return store.WriteSync({RevokeKey{id, clock.NowMs()}});
}

int RunCoordinator(const Config& config, const std::string& passphrase) {
  core::LogOptions log;
  log.component = "coordinator";
  log.file = config.log_file;
  log.level = config.log_level;
  log.also_stderr = !config.log_file.empty();
  if (auto s = core::InitLogging(log); !s.ok()) {
    fprintf(stderr, "aitbc-coordinator: %s\n", s.error().ToString().c_str());
    return 1;
  }
  auto fail = [](const core::Error& e) {
    spdlog::critical("aitbc-coordinator: {}", e.ToString());
    return 1;
  };
  if (passphrase.empty()) {
    spdlog::warn(
        "INSECURE: running without a passphrase (--insecure-no-passphrase): the coordinator's "
        "key and the custodial client keys are stored UNENCRYPTED. Devnets only.");
  }
  const core::Clock& clock = core::SystemClock::Instance();
  core::Random& random = core::SystemRandom::Instance();

  CoordinatorContext ctx;
  ctx.config = config;
  ctx.passphrase = passphrase;
  auto listen = net::ParseListenAddress(config.listen);
  if (!listen.ok()) return fail(listen.error().WithContext("--listen"));
  auto node_url = net::Url::Parse(config.node_url);
  if (!node_url.ok()) return fail(node_url.error().WithContext("--node"));

  auto key = core::ReadKeyFile(CoordinatorKeyPath(config.datadir), passphrase);
  if (!key.ok()) {
    return fail(
        key.error().WithContext("the coordinator's key (run `aitbc-coordinator init "
                                "--datadir " +
                                config.datadir + "` first)"));
  }
  ctx.coordinator_key = *key;
  core::Address address = core::Address::FromPublicKey(key->public_key());
  StoreOptions store_options;
  store_options.sqlite_full_sync = config.sqlite_full_sync;
  auto store = OpenStore(config.database_url(), store_options);
  if (!store.ok()) return fail(store.error().WithContext("opening the database"));
  ctx.store = std::move(store).value();

  ctx.loop = std::make_unique<net::EventLoop>(config.threads);
  ctx.loop->RunInBackground();
  ctx.chain = std::make_unique<net::RpcChainClient>(*ctx.loop, *node_url);
  ctx.http = std::make_unique<net::HttpClient>(*ctx.loop);
  ctx.metrics = std::make_unique<net::MetricsRegistry>();
  auto shutdown_loop = [&ctx] {
    ctx.loop->Stop();
    ctx.store.reset();
  };

  protocol::Genesis genesis;
  net::ChainStatus status;
  if (auto s = ReadChain(*ctx.chain, genesis, status); !s.ok()) {
    shutdown_loop();
    return fail(s.error());
  }
  spdlog::info("coordinator {} on chain '{}' at height {} (node {}), database {}",
               address.ToString(), genesis.chain_id, status.height, config.node_url,
               ctx.store->backend());
  ctx.balance_watch = std::make_unique<BalanceWatch>(
      *ctx.loop, *ctx.chain, *ctx.metrics, clock, address, genesis.params.min_fee,
      BalanceWatchOptions{.interval_ms = config.balance_check_ms});
  ctx.balance_watch->Start();

  ctx.custody = std::make_unique<Custody>(*ctx.store, passphrase);
  RateLimits limits{{config.rate_limit_per_s, config.rate_limit_burst},
                    {config.miner_rate_limit_per_s, config.miner_rate_limit_burst},
                    {config.admin_rate_limit_per_s, config.admin_rate_limit_burst}};
  ctx.auth = std::make_unique<Auth>(*ctx.store, clock, limits);
  if (auto s = ctx.auth->Reload(); !s.ok()) {
    shutdown_loop();
    return fail(s.error());
  }
  // Open the custodial keys now (Argon2id is slow on purpose) rather than on a first request.
  if (auto keys = ctx.store->ListApiKeys(); keys.ok()) {
    for (const ApiKeyRow& k : *keys) {
      if (k.revoked || k.record.role != net::Role::kClient) continue;
      auto account = core::Address::Parse(k.record.owner);
      if (!account.ok()) continue;
      if (auto opened = ctx.custody->Key(*account); !opened.ok()) {
        spdlog::error("custodial key of {}: {}", k.record.owner, opened.error().ToString());
      }
    }
  }

  JobServiceDeps deps;
  deps.config = &ctx.config;
  deps.clock = &clock;
  deps.random = &random;
  deps.loop = ctx.loop.get();
  deps.store = ctx.store.get();
  deps.chain = ctx.chain.get();
  deps.http = ctx.http.get();
  deps.metrics = ctx.metrics.get();
  deps.custody = ctx.custody.get();
  deps.coordinator_key = &*ctx.coordinator_key;
  deps.tx_params = TxParams{genesis.chain_id, genesis.params.min_fee};
  deps.max_escrow_blocks = genesis.params.max_escrow_blocks;
  deps.initial_height = status.height;
  ctx.jobs = std::make_unique<JobService>(deps);
  if (auto s = ctx.jobs->Start(); !s.ok()) {
    shutdown_loop();
    return fail(s.error());
  }

  ctx.api.jobs = ctx.jobs.get();
  ctx.api.auth = ctx.auth.get();
  ctx.api.config = &ctx.config;
  ctx.api.coordinator_address = address;
  ctx.api.chain_id = genesis.chain_id;
  ctx.api.version = kVersion;
  ctx.router = std::make_shared<net::Router>();
  AddJobRoutes(*ctx.router, ctx.api);
  AddMinerRoutes(*ctx.router, ctx.api);
  AddInfoRoutes(*ctx.router, ctx.api);
  Store* store_ptr = ctx.store.get();
  JobService* jobs = ctx.jobs.get();
  net::AddObservabilityRoutes(*ctx.router, *ctx.metrics,
                              [store_ptr, jobs]() -> core::Result<nlohmann::json> {
                                if (auto db = store_ptr->GetMeta("follower_height"); !db.ok()) {
                                  return db.error().WithContext("database");
                                }
                                if (!jobs->node_reachable())
                                  return core::Error::Unavailable("the node is unreachable");
                                return nlohmann::json{{"status", "ok"},
                                                      {"db", "ok"},
                                                      {"node", "reachable"},
                                                      {"chain_height", jobs->chain_height()},
                                                      {"queue_length", jobs->queue_length()}};
                              });

  net::ServerOptions server_options;
  server_options.host = listen->first;
  server_options.port = listen->second;
  server_options.max_body_bytes = config.max_body_bytes;
  server_options.server_name = std::string("aitbc-coordinator/") + kVersion;
  server_options.metrics = ctx.metrics.get();
  server_options.access_log = net::AccessLog::kInfo;  // the seed: "logs all API calls"
  ctx.server = std::make_unique<net::HttpServer>(*ctx.loop, ctx.router, server_options);
  auto port = ctx.server->Start();
  if (!port.ok()) {
    ctx.jobs->Stop();
    shutdown_loop();
    return fail(port.error().WithContext("listening on " + config.listen));
  }

  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  ctx.loop->OnShutdownSignal([&] {
    std::lock_guard lock(mu);
    stop = true;
    cv.notify_all();
  });
  // Keys created or revoked offline while running.
  std::function<void()> reload;
  reload = [&ctx, &reload] {
    if (auto s = ctx.auth->Reload(); !s.ok())
      spdlog::warn("reloading API keys: {}", s.error().ToString());
    ctx.loop->RunAfter(5'000, reload);
  };
  ctx.loop->RunAfter(5'000, reload);

  std::string ready = ReadyJson(listen->first, *port, address, genesis.chain_id);
  if (auto s = core::WriteFileAtomic(config.datadir + "/ready.json", ready); !s.ok()) {
    spdlog::error("writing ready.json: {}", s.error().ToString());
  }
  spdlog::info("serving on {}:{} (sim miners {}, queue timeout {} ms, {} attempts)", listen->first,
               *port, config.allow_sim_miners ? "allowed" : "refused", config.queue_timeout_ms,
               config.max_attempts);

  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return stop; });
  }
  spdlog::info("shutting down");
  ctx.server->Stop();
  ctx.jobs->Stop();
  ctx.loop->Stop();
  ctx.store.reset();  // finishes queued writes
  ::unlink((config.datadir + "/ready.json").c_str());
  spdlog::info("stopped");
  return 0;
}

}  // namespace aitbc::coordinator
