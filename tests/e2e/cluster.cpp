#include "cluster.h"

#include <signal.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/file_util.h"
#include "net/retry.h"

namespace aitbc::e2e {

namespace {

int64_t Now() { return core::SystemClock::Instance().SteadyMs(); }

}  // namespace

core::Result<std::unique_ptr<Cluster>> Cluster::Start(ClusterOptions options) {
  auto c = std::make_unique<Cluster>();
  cli::DevnetOptions init;
  init.dir = c->tmp_.path() + "/devnet";
  init.miners = options.miners;
  init.backend = options.backend;
  init.ollama_url = options.ollama_url;
  init.base_port = 0;
  init.bin_dir = ::getenv("AITBC_BIN_DIR") != nullptr ? ::getenv("AITBC_BIN_DIR") : "";
  init.block_time_ms = options.block_time_ms;
  init.node_args = options.node_args;
  init.coordinator_args = options.coordinator_args;
  init.miner_args = options.miner_args;
  AITBC_ASSIGN_OR_RETURN(c->state_, cli::InitDevnet(init));
  c->miners_.resize(c->state_.miners.size());
  AITBC_TRY(c->StartNode());
  AITBC_TRY(c->StartCoordinator());
  for (size_t i = 0; i < c->miners_.size(); ++i) AITBC_TRY(c->StartMiner(i));
  AITBC_TRY(c->WaitForMiners(c->miners_.size()));
  return c;
}

Cluster::~Cluster() {
  // Miners first, then the coordinator, then the node, each given a moment to stop cleanly.
  for (auto& m : miners_) {
    if (m) m->Stop(5'000);
  }
  if (coordinator_) coordinator_->Stop(5'000);
  if (node_) node_->Stop(5'000);
}

core::Status Cluster::StartService(cli::ServiceInfo& service,
                                   std::optional<testing::Process>& process) {
  const std::string ready = service.datadir + "/ready.json";
  ::unlink(ready.c_str());
  testing::ProcessOptions options;
  options.env = cli::ServiceEnv(service);
  options.log_path = service.stdout_log;
  AITBC_ASSIGN_OR_RETURN(testing::Process p,
                         testing::Process::Start(cli::ServiceArgv(state_, service), options));
  process.emplace(std::move(p));
  service.pid = process->pid();
  auto json = testing::WaitForReadyFile(ready, 60'000, &*process);
  if (!json.ok()) return json.error().WithContext("starting " + service.name);
  AITBC_TRY(cli::ApplyReady(service, *json));
  if (auto url = net::Url::Parse(service.url); url.ok()) service.port = url->port;
  return state_.Save();
}

core::Status Cluster::StartNode() {
  AITBC_TRY(StartService(state_.node, node_));
  auto url = net::Url::Parse(state_.node.url);
  if (!url.ok()) return url.error();
  node_client_ = std::make_unique<net::BlockingChainClient>(*url);
  return core::Ok();
}

core::Status Cluster::SetNodeArgs(std::vector<std::string> args) {
  state_.node_args = std::move(args);
  return state_.Save();
}

core::Status Cluster::StartCoordinator() { return StartService(state_.coordinator, coordinator_); }

core::Status Cluster::StartMiner(size_t index) {
  return StartService(state_.miners.at(index), miners_.at(index));
}

void Cluster::KillNode(int sig) {
  if (!node_) return;
  node_->Signal(sig);
  node_->Wait(30'000).value_or(-1);
  node_.reset();
}

void Cluster::KillCoordinator(int sig) {
  if (!coordinator_) return;
  coordinator_->Signal(sig);
  coordinator_->Wait(30'000).value_or(-1);
  coordinator_.reset();
}

void Cluster::KillMiner(size_t index, int sig) {
  auto& m = miners_.at(index);
  if (!m) return;
  m->Signal(sig);
  m->Wait(30'000).value_or(-1);
  m.reset();
}

bool Cluster::MinerRunning(size_t index) {
  auto& m = miners_.at(index);
  return m && m->Running();
}

core::Status Cluster::WaitForMiners(size_t count, int64_t timeout_ms) {
  auto admin = Client(/*admin=*/true);
  const int64_t deadline = Now() + timeout_ms;
  size_t seen = 0;
  while (Now() < deadline) {
    auto miners = admin->ListMiners();
    if (miners.ok()) {
      seen = 0;
      for (const auto& m : *miners) {
        if (m.status.empty() || m.status == "online") ++seen;
      }
      if (seen >= count) return core::Ok();
    }
    net::SleepMs(100);
  }
  return core::Error::Timeout("the coordinator lists " + std::to_string(seen) + " of " +
                              std::to_string(count) + " miners\n" + Logs());
}

std::unique_ptr<client::CoordinatorClient> Cluster::Client(bool admin) const {
  client::CoordinatorConfig config;
  config.url = state_.coordinator.url;
  config.api_key = admin ? state_.admin_api_key : state_.client_api_key;
  return std::make_unique<client::CoordinatorClient>(config);
}

testing::CommandResult Cluster::Aitbc(std::vector<std::string> args,
                                      std::map<std::string, std::string> extra_env,
                                      int64_t timeout_ms) const {
  std::map<std::string, std::string> env = {
      {"AITBC_URL", state_.coordinator.url},        {"CLIENT_API_KEY", state_.client_api_key},
      {"ADMIN_API_KEY", state_.admin_api_key},      {"AITBC_NODE_URL", state_.node.url},
      {"AITBC_WALLET_DIR", state_.dir + "/client"}, {"HOME", state_.dir}};
  for (auto& [k, v] : extra_env) env[k] = v;
  args.insert(args.begin(), testing::BinaryPath("aitbc"));
  auto result = testing::RunCommand(std::move(args), timeout_ms, env);
  if (!result.ok()) return {-1, result.error().ToString()};
  return *result;
}

core::Amount Cluster::Balance(const std::string& address) {
  auto parsed = core::Address::Parse(address);
  if (!parsed.ok()) return core::Amount();
  auto account = node_client_->GetAccount(*parsed);
  return account.ok() ? account->balance : core::Amount();
}

core::Status Cluster::WaitForNextBlock(int64_t timeout_ms) {
  AITBC_ASSIGN_OR_RETURN(net::ChainStatus start, node_client_->GetStatus());
  const int64_t deadline = Now() + timeout_ms;
  while (Now() < deadline) {
    auto status = node_client_->GetStatus();
    if (status.ok() && status->height > start.height) return core::Ok();
    net::SleepMs(50);
  }
  return core::Error::Timeout("no new block");
}

std::string Cluster::Logs() const {
  std::string out;
  auto add = [&out](const cli::ServiceInfo& s) {
    auto text = core::ReadFile(s.log);
    std::string tail = text.ok() ? *text : "(no log)";
    if (tail.size() > 3000) tail = "..." + tail.substr(tail.size() - 3000);
    auto stdout_text = core::ReadFile(s.stdout_log).value_or("");
    if (stdout_text.size() > 1000)
      stdout_text = "..." + stdout_text.substr(stdout_text.size() - 1000);
    out += "---- " + s.name + " (" + s.log + ")\n" + tail + "\n" + stdout_text + "\n";
  };
  add(state_.node);
  add(state_.coordinator);
  for (const auto& m : state_.miners) add(m);
  return out;
}

core::Result<client::JobView> WaitForSettledJob(client::CoordinatorClient& coordinator,
                                                const std::string& job_id, int64_t timeout_ms) {
  const int64_t deadline = Now() + timeout_ms;
  for (;;) {
    auto job = coordinator.GetJob(job_id, 1);
    if (job.ok() && job->terminal()) {
      bool closed = job->settlement.status == "committed";
      bool never_escrowed = job->escrow.status == "rejected" || job->escrow.status == "none";
      if (closed || never_escrowed) return job;
    }
    if (Now() > deadline) {
      if (!job.ok()) return job.error();
      return core::Error::Timeout("job " + job_id + " is " + job->status + " (settlement " +
                                  job->settlement.status + ") after " +
                                  std::to_string(timeout_ms / 1000) + " s");
    }
    if (!job.ok()) net::SleepMs(200);
  }
}

}  // namespace aitbc::e2e
