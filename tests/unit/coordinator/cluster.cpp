#include "cluster.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include "core/field_lines.h"
#include "core/file_util.h"
#include "protocol/json_codec.h"

namespace aitbc::coordinator::testing {
namespace {

using aitbc::testing::BinaryPath;
using aitbc::testing::Process;
using aitbc::testing::RunCommand;

const std::map<std::string, std::string> kEnv = {{"AITBC_COORDINATOR_PASSPHRASE", ""},
                                                 {"AITBC_NODE_PASSPHRASE", ""}};

core::Result<std::map<std::string, std::string>> Run(std::vector<std::string> argv) {
  AITBC_ASSIGN_OR_RETURN(auto result, RunCommand(argv, 120'000, kEnv));
  if (result.exit_code != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += a + " ";
    return core::Error::Internal(cmd + "failed (" + std::to_string(result.exit_code) +
                                 "): " + result.output);
  }
  return core::ParseFieldLines(result.output);
}

core::Result<KeyInfo> CreateKey(const std::string& datadir, const std::string& db,
                                const std::string& role) {
  std::vector<std::string> argv = {
      BinaryPath("aitbc-coordinator"), "keys", "create", "--datadir", datadir, "--role", role,
      "--insecure-no-passphrase"};
  if (!db.empty()) {
    argv.push_back("--db");
    argv.push_back(db);
  }
  AITBC_ASSIGN_OR_RETURN(auto fields, Run(argv));
  KeyInfo key;
  key.api_key = fields["api_key"];
  key.id = fields["key_id"];
  key.address = fields["address"];
  key.miner_id = fields["miner_id"];
  if (key.api_key.empty()) return core::Error::Internal("keys create printed no api_key");
  return key;
}

}  // namespace

core::Result<std::unique_ptr<Cluster>> Cluster::Start(ClusterOptions options) {
  auto c = std::unique_ptr<Cluster>(new Cluster());
  c->options = options;
  c->coordinator_dir = c->dir_.Sub("coordinator");
  c->node_dir = c->dir_.path() + "/node";
  std::vector<std::string> db_flags;
  if (!options.db.empty()) db_flags = {"--db", options.db};

  std::vector<std::string> init = {BinaryPath("aitbc-coordinator"), "init", "--datadir",
                                   c->coordinator_dir, "--insecure-no-passphrase"};
  init.insert(init.end(), db_flags.begin(), db_flags.end());
  AITBC_ASSIGN_OR_RETURN(auto init_fields, Run(init));
  c->coordinator_address = init_fields["coordinator address"];

  AITBC_ASSIGN_OR_RETURN(c->admin, CreateKey(c->coordinator_dir, options.db, "admin"));
  for (int i = 0; i < options.clients; ++i) {
    AITBC_ASSIGN_OR_RETURN(KeyInfo k, CreateKey(c->coordinator_dir, options.db, "client"));
    c->clients.push_back(k);
  }
  for (int i = 0; i < options.poor_clients; ++i) {
    AITBC_ASSIGN_OR_RETURN(KeyInfo k, CreateKey(c->coordinator_dir, options.db, "client"));
    c->poor.push_back(k);
  }
  for (int i = 0; i < options.miners; ++i) {
    AITBC_ASSIGN_OR_RETURN(KeyInfo k, CreateKey(c->coordinator_dir, options.db, "miner"));
    c->miners.push_back(k);
  }
  AITBC_ASSIGN_OR_RETURN(c->revoked, CreateKey(c->coordinator_dir, options.db, "client"));
  std::vector<std::string> revoke = {BinaryPath("aitbc-coordinator"),
                                     "keys",
                                     "revoke",
                                     "--datadir",
                                     c->coordinator_dir,
                                     c->revoked.id};
  revoke.insert(revoke.end(), db_flags.begin(), db_flags.end());
  AITBC_TRY(Run(revoke));

  std::vector<std::string> node_init = {
      BinaryPath("aitbc-node"), "init",      "--datadir",    c->node_dir, "--chain-id",
      "aitbc-coord-test",       "--min-fee", options.min_fee};
  auto fund = [&](const std::string& address, const std::string& amount) {
    node_init.push_back("--fund");
    node_init.push_back(address + "=" + amount);
  };
  fund(c->coordinator_address, options.coordinator_funds);
  for (const std::string& entry : options.extra_funds) {
    node_init.push_back("--fund");
    node_init.push_back(entry);
  }
  for (const auto& k : c->clients) fund(k.address, options.client_funds);
  for (const auto& k : c->poor) fund(k.address, options.poor_funds);
  AITBC_TRY(Run(node_init));
  AITBC_ASSIGN_OR_RETURN(
      Process node, Process::Start({BinaryPath("aitbc-node"), "start", "--datadir", c->node_dir,
                                    "--listen", "127.0.0.1:0", "--p2p-listen", "127.0.0.1:0",
                                    "--block-time-ms", "100", "--idle-block-time-ms", "200"},
                                   {.env = kEnv, .log_path = c->dir_.path() + "/node.out"}));
  c->node_.emplace(std::move(node));
  AITBC_ASSIGN_OR_RETURN(auto ready, aitbc::testing::WaitForReadyFile(c->node_dir + "/ready.json",
                                                                      60'000, &*c->node_));
  c->node_url = ready.value("rpc", "");
  AITBC_ASSIGN_OR_RETURN(net::Url url, net::Url::Parse(c->node_url));
  c->chain_ = std::make_unique<net::BlockingChainClient>(url);
  AITBC_ASSIGN_OR_RETURN(auto supply, c->chain_->GetSupply());
  c->genesis_supply = supply.total;
  c->http_ = std::make_unique<net::BlockingHttpClient>();
  c->miner_loop_ = std::make_unique<net::EventLoop>(1);
  c->miner_loop_->RunInBackground();
  AITBC_TRY(c->StartCoordinator());
  return c;
}

Cluster::~Cluster() {
  RemoveMiners();
  if (miner_loop_) miner_loop_->Stop();
  if (coordinator_) coordinator_->Stop(10'000);
  if (node_) node_->Stop(10'000);
}

core::Status Cluster::StartCoordinator(std::vector<std::string> extra_flags) {
  ::unlink((coordinator_dir + "/ready.json").c_str());
  // A restarted coordinator keeps its address: miners are configured with it.
  std::string listen =
      coordinator_port_ == 0 ? "127.0.0.1:0" : "127.0.0.1:" + std::to_string(coordinator_port_);
  std::vector<std::string> argv = {BinaryPath("aitbc-coordinator"),
                                   "start",
                                   "--datadir",
                                   coordinator_dir,
                                   "--node",
                                   node_url,
                                   "--listen",
                                   listen,
                                   "--insecure-no-passphrase",
                                   "--log-file",
                                   coordinator_dir + "/coordinator.log"};
  if (!options.db.empty()) {
    argv.push_back("--db");
    argv.push_back(options.db);
  }
  argv.insert(argv.end(), options.coordinator_flags.begin(), options.coordinator_flags.end());
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  AITBC_ASSIGN_OR_RETURN(Process p, Process::Start(argv, {.env = kEnv}));
  coordinator_.emplace(std::move(p));
  AITBC_ASSIGN_OR_RETURN(auto ready, aitbc::testing::WaitForReadyFile(
                                         coordinator_dir + "/ready.json", 60'000, &*coordinator_));
  coordinator_url = ready.value("url", "");
  coordinator_port_ = ready.value("port", uint16_t{0});
  return core::Ok();
}

void Cluster::KillCoordinator() {
  if (coordinator_) coordinator_->Kill();
}

int Cluster::StopCoordinator() { return coordinator_ ? coordinator_->Stop(10'000) : -1; }

HttpResult Cluster::Raw(net::ClientRequest request) {
  HttpResult out;
  auto response = http_->Send(std::move(request));
  if (!response.ok()) {
    out.status = -1;
    out.body = {{"transport_error", response.error().ToString()}};
    return out;
  }
  out.status = response->status;
  out.body = nlohmann::json::parse(response->body, nullptr, false);
  out.response = std::move(response).value();
  return out;
}

HttpResult Cluster::Call(net::Method method, const std::string& target, const std::string& api_key,
                         const nlohmann::json& body, net::Headers headers,
                         const std::string& key_header) {
  net::ClientRequest req;
  req.method = method;
  req.url = net::Url::Parse(coordinator_url).value().WithTarget(target);
  req.headers = std::move(headers);
  if (!api_key.empty()) req.headers.Set(key_header, api_key);
  if (!body.is_null()) {
    req.headers.Set("Content-Type", "application/json");
    req.body = body.dump();
  }
  req.read_timeout_ms = 90'000;
  return Raw(std::move(req));
}

HttpResult Cluster::Submit(const KeyInfo& client, const std::string& model,
                           const std::string& max_price, net::Headers headers) {
  nlohmann::json body = {{"type", "inference"},
                         {"prompt", "What is machine learning?"},
                         {"model", model},
                         {"max_price", max_price}};
  return Call(net::Method::kPost, "/v1/jobs", client.api_key, body, std::move(headers));
}

nlohmann::json Cluster::WaitSettled(const KeyInfo& client, const std::string& job_id,
                                    int64_t timeout_ms) {
  nlohmann::json last;
  aitbc::testing::WaitUntil(
      [&] {
        HttpResult r = Call(net::Method::kGet, "/v1/jobs/" + job_id + "?wait=5", client.api_key);
        if (r.status != 200) return false;
        last = r.body;
        return last.contains("settlement") && last["settlement"].is_object() &&
               last["settlement"].value("status", "") == "committed";
      },
      timeout_ms, 100);
  return last;
}

SimMiner& Cluster::AddMiner(size_t index, std::vector<std::string> models,
                            SimMinerOptions::Mode mode, uint64_t price_per_second_micro,
                            int64_t work_ms) {
  SimMinerOptions o;
  o.coordinator_url = coordinator_url;
  o.miner_key = miners.at(index).api_key;
  o.key = MinerSigningKey(index);
  o.models = std::move(models);
  o.mode = mode;
  o.price.per_second = core::Amount::FromMicro(price_per_second_micro);
  o.work_ms = work_ms;
  o.compute_ms = work_ms > 0 ? static_cast<uint64_t>(work_ms) : 500;
  auto miner = std::make_unique<SimMiner>(*miner_loop_, o);
  core::Status started = miner->Start();
  if (!started.ok()) {
    ADD_FAILURE_AT(__FILE__, __LINE__) << "sim miner: " << started.error().ToString();
  }
  sim_miners_.push_back(std::move(miner));
  return *sim_miners_.back();
}

void Cluster::RemoveMiners() {
  for (auto& m : sim_miners_) m->Stop();
  sim_miners_.clear();
}

core::PrivateKey Cluster::MinerSigningKey(size_t index) const {
  return core::PrivateKey::FromSeed(core::Bytes(32, static_cast<uint8_t>(0x60 + index))).value();
}

core::Amount Cluster::Balance(const std::string& address) {
  auto parsed = core::Address::Parse(address);
  if (!parsed.ok()) return core::Amount();
  auto account = chain_->GetAccount(*parsed);
  return account.ok() ? account->balance : core::Amount();
}

std::string Cluster::Describe() {
  std::string out;
  if (coordinator_) out += "coordinator: " + coordinator_->Describe(6000) + "\n";
  auto log = core::ReadFile(coordinator_dir + "/coordinator.log");
  if (log.ok())
    out += "coordinator.log tail:\n" + log->substr(log->size() > 6000 ? log->size() - 6000 : 0);
  if (node_) out += "\nnode: " + node_->Describe(2000);
  return out;
}

}  // namespace aitbc::coordinator::testing
