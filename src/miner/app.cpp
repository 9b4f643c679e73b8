#include "miner/app.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include <spdlog/spdlog.h>

#include "core/file_util.h"
#include "core/key_file.h"
#include "core/log.h"
#include "miner/assign_api.h"
#include "miner/ollama_backend.h"
#include "miner/openai_backend.h"
#include "miner/sim_backend.h"
#include "miner/status_api.h"

namespace aitbc::miner {
namespace {

// Answers the link's questions from the context: the registration and the heartbeat, each
// with a freshly asked model list.
class AppDelegate final : public LinkDelegate {
 public:
  explicit AppDelegate(MinerContext& context) : c_(context) {}

  void BuildRegistration(std::function<void(protocol::MinerRegistration)> done) override {
    c_.models->Refresh([this, done = std::move(done)] {
      protocol::MinerRegistration r;
      r.url = c_.advertise_url;
      r.public_key = c_.key->public_key();
      r.models = c_.models->models();
      r.slots = c_.runner->slots();
      r.price = c_.config.price;
      r.backend = std::string(c_.backend->name());
      if (std::optional<GpuInfo> gpu = c_.gpu->Info()) {
        r.gpu_name = gpu->name;
        r.gpu_memory_mb = gpu->memory_mb;
      }
      r.version = std::string(kMinerVersion);
      done(std::move(r));
    });
  }

  void BuildHeartbeat(std::function<void(protocol::MinerHeartbeat)> done) override {
    c_.models->Refresh([this, done = std::move(done)] {
      protocol::MinerHeartbeat h;
      h.free_slots = c_.runner->free_slots();
      for (const auto& job : c_.runner->Running()) h.running_jobs.push_back(job.job_id);
      h.backend_healthy = c_.models->healthy();
      h.models = c_.models->models();
      done(std::move(h));
    });
  }

 private:
  MinerContext& c_;
};

core::Result<std::unique_ptr<Backend>> MakeBackend(MinerContext& c) {
  const MinerConfig& config = c.config;
  if (config.backend == "sim") {
    SimOptions options;
    options.latency_ms = config.sim_latency_ms;
    options.ms_per_token = config.sim_ms_per_token;
    options.failure_rate = config.sim_failure_rate;
    options.models = config.sim_models;
    return std::unique_ptr<Backend>(std::make_unique<SimBackend>(*c.loop, std::move(options)));
  }
  if (config.backend == "openai") {
    OpenAiOptions options;
    AITBC_ASSIGN_OR_RETURN(options.url, net::Url::Parse(config.openai_url));
    options.api = config.openai_api == "completions" ? OpenAiApi::kCompletions : OpenAiApi::kChat;
    options.api_key = config.openai_api_key;
    options.idle_timeout_ms = config.backend_timeout_ms;
    return std::unique_ptr<Backend>(std::make_unique<OpenAiBackend>(*c.http, std::move(options)));
  }
  OllamaOptions options;
  AITBC_ASSIGN_OR_RETURN(options.url, net::Url::Parse(config.ollama_url));
  options.api = config.ollama_api == "chat"       ? OllamaApi::kChat
                : config.ollama_api == "generate" ? OllamaApi::kGenerate
                                                  : OllamaApi::kAuto;
  options.idle_timeout_ms = config.backend_timeout_ms;
  return std::unique_ptr<Backend>(std::make_unique<OllamaBackend>(*c.http, std::move(options)));
}

std::unique_ptr<GpuSampler> MakeGpu(const MinerConfig& config, MinerDeps& deps) {
  if (deps.gpu) return std::move(deps.gpu);
  if (config.no_gpu) {
    spdlog::info("GPU: not measured (--no-gpu); GPU fields are left out");
    return std::make_unique<NoGpu>();
  }
  core::Result<std::unique_ptr<GpuSampler>> nvml = OpenNvml(config.gpu_index, deps.nvml_library);
  if (!nvml.ok()) {
    spdlog::info("GPU: none ({}); GPU fields are left out", nvml.error().message());
    return std::make_unique<NoGpu>();
  }
  std::optional<GpuInfo> info = (*nvml)->Info();
  spdlog::info("GPU {}: {}, {} MiB", config.gpu_index, info->name, info->memory_mb);
  return std::move(nvml).value();
}

std::string HostOf(const std::string& listen) {
  auto parsed = net::ParseListenAddress(listen);
  std::string host = parsed.ok() ? parsed->first : "127.0.0.1";
  if (host == "0.0.0.0" || host == "::" || host.empty()) return "127.0.0.1";
  if (host.find(':') != std::string::npos) return "[" + host + "]";
  return host;
}

}  // namespace

std::string MinerKeyPath(const std::string& datadir) { return datadir + "/miner_key.json"; }

core::Result<core::Address> InitMinerKey(const std::string& datadir, std::string_view passphrase,
                                         core::Random& random) {
  AITBC_TRY(core::EnsureDirectory(datadir, 0700));
  core::PrivateKey key = core::PrivateKey::Generate(random);
  AITBC_TRY(core::WriteKeyFile(MinerKeyPath(datadir), key, passphrase, random));
  return core::Address::FromPublicKey(key.public_key());
}

core::Result<std::unique_ptr<MinerApp>> MinerApp::Create(MinerConfig config, MinerDeps deps) {
  AITBC_TRY(config.Validate());
  std::unique_ptr<MinerApp> app(new MinerApp());
  MinerContext& c = app->context_;
  c.config = std::move(config);
  c.clock = deps.clock ? deps.clock : &core::SystemClock::Instance();
  c.random = deps.random ? deps.random : &core::SystemRandom::Instance();

  std::string key_path = MinerKeyPath(c.config.datadir);
  core::Result<core::PrivateKey> key = core::ReadKeyFile(key_path, deps.key_passphrase);
  if (!key.ok()) {
    if (key.error().code() == core::ErrorCode::kNotFound) {
      return core::Error::NotFound("no miner key at " + key_path +
                                   ": run `aitbc-miner init --datadir " + c.config.datadir +
                                   "` first");
    }
    return key.error().WithContext("reading the miner key " + key_path);
  }
  if (core::KeyFileIsPlaintext(key_path).value_or(false)) {
    spdlog::warn(
        "!!! the miner key {} is NOT encrypted: a devnet key; set AITBC_MINER_PASSPHRASE "
        "when running `aitbc-miner init` for a real miner !!!",
        key_path);
  }
  c.key = std::make_unique<core::PrivateKey>(std::move(key).value());

  AITBC_ASSIGN_OR_RETURN(net::Url coordinator, net::Url::Parse(c.config.coordinator));
  AITBC_ASSIGN_OR_RETURN(auto listen, net::ParseListenAddress(c.config.listen));

  c.loop = std::make_unique<net::EventLoop>(1);
  c.registry = std::make_unique<net::MetricsRegistry>();
  c.metrics = std::make_unique<MinerMetrics>(*c.registry);
  net::ClientOptions client_options;
  client_options.user_agent = "aitbc-miner/" + std::string(kMinerVersion);
  c.http = std::make_unique<net::HttpClient>(*c.loop, client_options);
  AITBC_ASSIGN_OR_RETURN(c.backend, MakeBackend(c));
  c.models = std::make_unique<ModelCatalog>(*c.backend);
  c.gpu = MakeGpu(c.config, deps);
  c.outbox = std::make_unique<Outbox>(c.config.datadir + "/outbox");
  c.delegate = std::make_unique<AppDelegate>(c);
  LinkOptions link_options;
  link_options.coordinator = std::move(coordinator);
  link_options.miner_key = c.config.miner_key;
  c.link = std::make_unique<CoordinatorLink>(*c.loop, *c.http, *c.random, *c.outbox, *c.delegate,
                                             std::move(link_options));
  JobRunnerOptions runner_options;
  runner_options.slots = c.config.slots;
  runner_options.max_job_ms = c.config.max_job_ms;
  runner_options.gpu_sample_ms = c.config.gpu_sample_ms;
  c.runner = std::make_unique<JobRunner>(*c.loop, *c.clock, *c.key, *c.backend, *c.models, *c.gpu,
                                         *c.link, *c.metrics, runner_options);
  c.router = std::make_shared<net::Router>();
  AddAssignRoute(*c.router, c);
  AddStatusRoutes(*c.router, c);
  net::ServerOptions server_options;
  server_options.host = listen.first;
  server_options.port = listen.second;
  server_options.metrics = c.registry.get();
  server_options.access_log = net::AccessLog::kInfo;
  server_options.server_name = "aitbc-miner";
  server_options.drain_timeout_ms = 2'000;
  c.server = std::make_unique<net::HttpServer>(*c.loop, c.router, server_options);
  return app;
}

MinerApp::~MinerApp() {
  if (!context_.loop) return;
  if (context_.link) context_.link->Stop();
  // Not shut down gracefully (or already done): stop at once; the outbox keeps the reports.
  context_.loop->Stop();
  if (context_.server) context_.server->Stop();
}

core::Status MinerApp::Start() {
  MinerContext& c = context_;
  AITBC_TRY(c.outbox->Init());
  AITBC_ASSIGN_OR_RETURN(std::vector<OutboxEntry> pending, c.outbox->LoadAll());
  c.loop->RunInBackground();
  started_ = true;
  AITBC_ASSIGN_OR_RETURN(c.port, c.server->Start());
  c.advertise_url = c.config.advertise_url.empty()
                        ? "http://" + HostOf(c.config.listen) + ":" + std::to_string(c.port)
                        : c.config.advertise_url;
  std::string address = core::Address::FromPublicKey(c.key->public_key()).ToString();
  nlohmann::json ready = {{"url", c.advertise_url},
                          {"port", c.port},
                          {"pid", static_cast<int64_t>(::getpid())},
                          {"address", address},
                          {"backend", c.backend->name()}};
  AITBC_TRY(core::WriteFileAtomic(c.config.datadir + "/ready.json", ready.dump()));

  if (c.backend->simulated()) {
    spdlog::warn(
        "backend: SIMULATED (sim): results are generated text, not inference; every "
        "result starts with \"[simulated] \" and the miner registers as backend \"sim\"");
  } else {
    spdlog::info("backend: {}", c.backend->name());
  }
  spdlog::info(
      "miner {} serving on {} (advertised as {}), {} slot(s), price {}/s + {}/1k tokens, "
      "coordinator {}",
      address, c.port, c.advertise_url, c.config.slots, c.config.price.per_second.ToString(),
      c.config.price.per_1k_tokens.ToString(), c.config.coordinator);
  MinerMetrics* metrics = c.metrics.get();
  c.link->OnPendingChanged([metrics](size_t n) { metrics->SetOutboxPending(n); });
  c.link->Start(std::move(pending));
  return core::Ok();
}

void MinerApp::RequestShutdown() {
  {
    std::lock_guard lock(mu_);
    if (!started_ || shutting_down_) return;
    shutting_down_ = true;
  }
  MinerContext& c = context_;
  c.loop->Post([this, &c] {
    spdlog::info("shutting down: no new jobs; waiting for running jobs, then delivering reports");
    c.runner->Drain();
    c.runner->FinishOrCancel(c.config.shutdown_grace_ms, [this, &c] {
      c.link->WhenFlushed(c.config.flush_timeout_ms, [this, &c] {
        c.link->Deregister([this, &c] {
          c.link->Stop();
          c.server->StopAsync([this] { ShutdownDone(); });
        });
      });
    });
  });
}

void MinerApp::ShutdownDone() {
  spdlog::info("miner stopped");
  std::lock_guard lock(mu_);
  shut_down_ = true;
  cv_.notify_all();
}

void MinerApp::Wait() {
  {
    std::unique_lock lock(mu_);
    if (started_) cv_.wait(lock, [this] { return shut_down_; });
  }
  context_.loop->Stop();
}

int RunMinerMain(int argc, const char* const* argv) {
  EnvLookup env = ProcessEnv();
  core::Result<CommandLine> parsed = ParseCommandLine(argc, argv, env);
  if (!parsed.ok()) {
    std::cerr << "aitbc-miner: " << parsed.error().message() << "\n";
    return 2;
  }
  if (parsed->exit_message) {
    (parsed->exit_code == 0 ? std::cout : std::cerr) << *parsed->exit_message;
    return parsed->exit_code;
  }
  std::string passphrase = env("AITBC_MINER_PASSPHRASE").value_or("");
  if (parsed->command == MinerCommand::kInit) {
    core::Result<core::Address> address =
        InitMinerKey(parsed->config.datadir, passphrase, core::SystemRandom::Instance());
    if (!address.ok()) {
      std::cerr << "aitbc-miner init: " << address.error().ToString() << "\n";
      return 1;
    }
    if (passphrase.empty()) {
      std::cerr << "WARNING: devnet key: " << MinerKeyPath(parsed->config.datadir)
                << " is NOT encrypted (set AITBC_MINER_PASSPHRASE to encrypt it)\n";
    }
    std::cout << "miner key: " << MinerKeyPath(parsed->config.datadir) << "\n"
              << "address: " << address->ToString() << "\n";
    return 0;
  }

  MinerConfig& config = parsed->config;
  core::LogOptions log;
  log.component = "miner";
  log.file = config.log_file;
  log.level = config.log_level;
  if (core::Status logging = core::InitLogging(log); !logging.ok()) {
    std::cerr << "aitbc-miner: " << logging.error().ToString() << "\n";
    return 2;
  }
  MinerDeps deps;
  deps.key_passphrase = passphrase;
  core::Result<std::unique_ptr<MinerApp>> app =
      MinerApp::Create(std::move(config), std::move(deps));
  if (!app.ok()) {
    spdlog::error("cannot start: {}", app.error().ToString());
    std::cerr << "aitbc-miner: " << app.error().ToString() << "\n";
    return 1;
  }
  MinerApp* miner = app->get();
  miner->context().loop->OnShutdownSignal([miner] { miner->RequestShutdown(); });
  if (core::Status started = miner->Start(); !started.ok()) {
    spdlog::error("cannot start: {}", started.error().ToString());
    std::cerr << "aitbc-miner: " << started.error().ToString() << "\n";
    return 1;
  }
  miner->Wait();
  return 0;
}

}  // namespace aitbc::miner
