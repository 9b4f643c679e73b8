#include "cli/devnet.h"

#include <algorithm>
#include <filesystem>

#include "cli/processes.h"
#include "client/coordinator_client.h"
#include "client/wallet.h"
#include "core/clock.h"
#include "core/field_lines.h"
#include "core/file_util.h"
#include "net/http_client.h"
#include "net/retry.h"
#include "protocol/json_codec.h"

namespace aitbc::cli {

namespace {

constexpr const char* kNodeProgram = "aitbc-node";
constexpr const char* kCoordinatorProgram = "aitbc-coordinator";
constexpr const char* kMinerProgram = "aitbc-miner";
constexpr const char* kChainId = "aitbc-devnet";
constexpr const char* kFaucetWallet = "faucet";

// Runs one of our tools; an error quotes its output.
core::Result<ToolOutput> Tool(const std::string& step, const std::vector<std::string>& argv,
                              const std::map<std::string, std::string>& env = {}) {
  auto out = RunTool(argv, env);
  if (!out.ok()) return out.error().WithContext(step);
  if (out->exit_code != 0) {
    return core::Error::Internal(step + ": " + argv[0] + " exited with status " +
                                 std::to_string(out->exit_code) + ":\n" + out->err + out->out);
  }
  return out;
}

core::Result<std::string> Field(const std::map<std::string, std::string>& values,
                                const std::string& key, const std::string& step) {
  auto it = values.find(key);
  if (it == values.end() || it->second.empty()) {
    return core::Error::Internal(step + ": the output has no '" + key + "'");
  }
  return it->second;
}

// The environment every tool runs with in a devnet: no passphrases (unencrypted devnet keys).
std::map<std::string, std::string> DevnetToolEnv() {
  return {{"AITBC_COORDINATOR_PASSPHRASE", ""},
          {"AITBC_MINER_PASSPHRASE", ""},
          {"AITBC_NODE_PASSPHRASE", ""}};
}

ServiceInfo NewService(const std::string& dir, const std::string& name, const std::string& program,
                       const std::string& log_name, uint16_t port) {
  ServiceInfo s;
  s.name = name;
  s.program = program;
  s.datadir = dir + "/" + name;
  s.log = s.datadir + "/" + log_name;
  s.stdout_log = s.datadir + "/stdout.log";
  s.port = port;
  return s;
}

uint16_t PortFrom(int base, int offset) {
  if (base <= 0) return 0;
  int port = base + offset;
  return port > 0 && port < 65536 ? static_cast<uint16_t>(port) : 0;
}

nlohmann::json ServiceJson(const ServiceInfo& s) {
  nlohmann::json out = {
      {"name", s.name}, {"program", s.program},       {"datadir", s.datadir},
      {"log", s.log},   {"stdout_log", s.stdout_log}, {"port", s.port},
      {"url", s.url},   {"address", s.address},       {"pid", static_cast<int64_t>(s.pid)}};
  if (s.program == kNodeProgram) out["p2p_port"] = s.p2p_port;
  if (s.program == kMinerProgram) {
    out["api_key"] = s.api_key;
    out["miner_id"] = s.miner_id;
  }
  return out;
}

core::Result<ServiceInfo> ServiceFromJson(const nlohmann::json& j) {
  try {
    ServiceInfo s;
    s.name = j.at("name").get<std::string>();
    s.program = j.at("program").get<std::string>();
    s.datadir = j.at("datadir").get<std::string>();
    s.log = j.at("log").get<std::string>();
    s.stdout_log = j.at("stdout_log").get<std::string>();
    s.port = j.at("port").get<uint16_t>();
    s.url = j.at("url").get<std::string>();
    s.address = j.at("address").get<std::string>();
    s.pid = static_cast<pid_t>(j.at("pid").get<int64_t>());
    s.p2p_port = j.value("p2p_port", uint16_t{0});
    s.api_key = j.value("api_key", std::string());
    s.miner_id = j.value("miner_id", std::string());
    return s;
  } catch (const nlohmann::json::exception& e) {
    return core::Error::Corruption(std::string("devnet.json: a service entry: ") + e.what());
  }
}

std::vector<std::string> StringList(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  if (j.contains(key) && j[key].is_array()) {
    for (const auto& v : j[key]) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

core::Result<nlohmann::json> GetJson(const std::string& url, int64_t timeout_ms) {
  net::BlockingHttpClient http;
  AITBC_ASSIGN_OR_RETURN(net::Url parsed, net::Url::Parse(url));
  net::ClientRequest request;
  request.url = parsed;
  request.connect_timeout_ms = timeout_ms;
  request.read_timeout_ms = timeout_ms;
  AITBC_ASSIGN_OR_RETURN(net::Response response, http.Send(request));
  if (response.status != 200) return net::ErrorFromResponse(response);
  nlohmann::json json = nlohmann::json::parse(response.body, nullptr, false);
  if (json.is_discarded()) return nlohmann::json(response.body);
  return json;
}

core::Status CheckHealth(const ServiceInfo& s, int64_t timeout_ms) {
  if (s.url.empty()) return core::Error::Unavailable("no URL yet");
  return GetJson(s.url + "/healthz", timeout_ms).ok()
             ? core::Ok()
             : core::Error::Unavailable(s.name + " does not answer /healthz at " + s.url);
}

// Starts one service (detached) and waits for its ready file and health.
core::Status StartService(DevnetState& state, ServiceInfo& s, int64_t timeout_ms,
                          std::ostream& log) {
  if (s.port != 0 && !PortIsFree(s.port)) {
    log << "  port " << s.port << " is taken: " << s.name << " takes a free one\n";
    s.port = 0;
  }
  if (s.program == kNodeProgram && s.p2p_port != 0 && !PortIsFree(s.p2p_port)) s.p2p_port = 0;
  const std::string ready_path = s.datadir + "/ready.json";
  std::filesystem::remove(ready_path);
  std::vector<std::string> argv = ServiceArgv(state, s);
  AITBC_ASSIGN_OR_RETURN(s.pid, StartDetached(argv, s.stdout_log, ServiceEnv(s)));
  AITBC_TRY(state.Save());  // so that `down` can stop a half-started devnet
  auto ready = WaitForReady(ready_path, s.pid, s.stdout_log, timeout_ms);
  if (!ready.ok()) {
    StopProcess(s.pid, s.program, 2'000);
    return ready.error().WithContext("starting " + s.name + " (log: " + s.log + ")");
  }
  AITBC_TRY(ApplyReady(s, *ready));
  // Keep the port it got, so a restart (`up` after `down`) keeps the same URLs.
  if (auto url = net::Url::Parse(s.url); url.ok()) s.port = url->port;
  const int64_t deadline = core::SystemClock::Instance().SteadyMs() + timeout_ms;
  core::Status healthy = CheckHealth(s, 1'000);
  while (!healthy.ok() && core::SystemClock::Instance().SteadyMs() < deadline) {
    net::SleepMs(100);
    healthy = CheckHealth(s, 1'000);
  }
  if (!healthy.ok()) return healthy.error().WithContext("starting " + s.name);
  log << "  " << s.name << " is up at " << s.url << " (pid " << s.pid << ")\n";
  return state.Save();
}

// Waits until the coordinator lists every miner of the devnet.
core::Status WaitForMiners(const DevnetState& state, int64_t timeout_ms) {
  client::CoordinatorConfig config;
  config.url = state.coordinator.url;
  config.api_key = state.admin_api_key;
  config.retry.max_retries = 0;
  client::CoordinatorClient coordinator(config);
  const int64_t deadline = core::SystemClock::Instance().SteadyMs() + timeout_ms;
  size_t seen = 0;
  for (;;) {
    auto miners = coordinator.ListMiners();
    if (miners.ok()) {
      seen = 0;
      for (const auto& s : state.miners) {
        seen += std::count_if(miners->begin(), miners->end(), [&s](const client::MinerView& m) {
                  bool same =
                      (!s.miner_id.empty() && m.miner_id == s.miner_id) || m.address == s.address;
                  return same && (m.status.empty() || m.status == "online");
                }) > 0;
      }
      if (seen == state.miners.size()) return core::Ok();
    }
    if (core::SystemClock::Instance().SteadyMs() > deadline) {
      return core::Error::Timeout("the coordinator lists " + std::to_string(seen) + " of " +
                                  std::to_string(state.miners.size()) +
                                  " miners; see the miners' logs");
    }
    net::SleepMs(200);
  }
}

}  // namespace

nlohmann::json DevnetState::ToJson() const {
  nlohmann::json miners_json = nlohmann::json::array();
  nlohmann::json miner_keys = nlohmann::json::array();
  for (const auto& m : miners) {
    miners_json.push_back(ServiceJson(m));
    miner_keys.push_back(m.api_key);
  }
  return {{"version", 1},
          {"dir", dir},
          {"backend", backend},
          {"chain_id", chain_id},
          {"ollama_url", ollama_url},
          {"bin_dir", bin_dir},
          {"node_url", node.url},
          {"coordinator_url", coordinator.url},
          {"client_api_key", client_api_key},
          {"admin_api_key", admin_api_key},
          {"miner_api_keys", miner_keys},
          {"accounts",
           {{"client", client_address},
            {"faucet", faucet_address},
            {"faucet_wallet", faucet_wallet},
            {"coordinator", coordinator.address}}},
          {"genesis_supply", protocol::AmountToJson(genesis_supply)},
          {"node_args", node_args},
          {"coordinator_args", coordinator_args},
          {"miner_args", miner_args},
          {"node", ServiceJson(node)},
          {"coordinator", ServiceJson(coordinator)},
          {"miners", miners_json}};
}

core::Result<DevnetState> DevnetState::FromJson(const nlohmann::json& j) {
  if (!j.is_object() || j.value("version", 0) != 1) {
    return core::Error::Corruption("devnet.json: not a version 1 devnet description");
  }
  DevnetState s;
  try {
    s.dir = j.at("dir").get<std::string>();
    s.backend = j.at("backend").get<std::string>();
    s.chain_id = j.at("chain_id").get<std::string>();
    s.ollama_url = j.at("ollama_url").get<std::string>();
    s.bin_dir = j.at("bin_dir").get<std::string>();
    s.client_api_key = j.at("client_api_key").get<std::string>();
    s.admin_api_key = j.at("admin_api_key").get<std::string>();
    s.client_address = j.at("accounts").at("client").get<std::string>();
    s.faucet_address = j.at("accounts").at("faucet").get<std::string>();
    s.faucet_wallet = j.at("accounts").at("faucet_wallet").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    return core::Error::Corruption(std::string("devnet.json: ") + e.what());
  }
  auto supply =
      protocol::AmountFromJson(j.value("genesis_supply", nlohmann::json("0")), "genesis_supply");
  if (!supply.ok()) return core::Error::Corruption("devnet.json: " + supply.error().message());
  s.genesis_supply = *supply;
  s.node_args = StringList(j, "node_args");
  s.coordinator_args = StringList(j, "coordinator_args");
  s.miner_args = StringList(j, "miner_args");
  if (!j.contains("node") || !j.contains("coordinator") || !j.contains("miners") ||
      !j["miners"].is_array()) {
    return core::Error::Corruption("devnet.json: missing services");
  }
  AITBC_ASSIGN_OR_RETURN(s.node, ServiceFromJson(j["node"]));
  AITBC_ASSIGN_OR_RETURN(s.coordinator, ServiceFromJson(j["coordinator"]));
  for (const auto& m : j["miners"]) {
    AITBC_ASSIGN_OR_RETURN(ServiceInfo miner, ServiceFromJson(m));
    s.miners.push_back(std::move(miner));
  }
  return s;
}

core::Status DevnetState::Save() const {
  return core::WriteFileAtomic(Path(), ToJson().dump(2) + "\n", 0600);
}

core::Result<DevnetState> DevnetState::Load(const std::string& dir) {
  std::string path = dir + "/devnet.json";
  auto text = core::ReadFile(path);
  if (!text.ok()) {
    if (text.error().code() == core::ErrorCode::kNotFound) {
      return core::Error::NotFound("no devnet in " + dir + " (start one with `aitbc devnet up`)");
    }
    return text.error();
  }
  nlohmann::json json = nlohmann::json::parse(*text, nullptr, false);
  if (json.is_discarded()) return core::Error::Corruption(path + ": not JSON");
  return FromJson(json);
}

std::vector<ServiceInfo*> DevnetState::Services() {
  std::vector<ServiceInfo*> out = {&node, &coordinator};
  for (auto& m : miners) out.push_back(&m);
  return out;
}

bool OllamaAnswers(const std::string& url) {
  auto tags = GetJson(url + "/api/tags", 1'000);
  return tags.ok() && tags->is_object() && tags->contains("models");
}

core::Result<DevnetState> InitDevnet(const DevnetOptions& options) {
  if (options.miners < 0 || options.miners > 32) {
    return core::Error::InvalidArgument("--miners must be from 0 to 32");
  }
  if (options.backend != "ollama" && options.backend != "sim") {
    return core::Error::InvalidArgument("the backend must be ollama or sim");
  }
  DevnetState state;
  state.dir = std::filesystem::absolute(options.dir).lexically_normal().string();
  while (state.dir.size() > 1 && state.dir.back() == '/') state.dir.pop_back();
  if (core::FileExists(state.Path())) {
    return core::Error::AlreadyExists("a devnet already exists in " + state.dir);
  }
  state.backend = options.backend;
  state.chain_id = kChainId;
  state.ollama_url = options.ollama_url;
  state.node_args = options.node_args;
  state.coordinator_args = options.coordinator_args;
  state.miner_args = options.miner_args;
  AITBC_ASSIGN_OR_RETURN(std::string node_bin, FindExecutable(kNodeProgram, options.bin_dir));
  AITBC_ASSIGN_OR_RETURN(std::string coordinator_bin,
                         FindExecutable(kCoordinatorProgram, options.bin_dir));
  AITBC_ASSIGN_OR_RETURN(std::string miner_bin, FindExecutable(kMinerProgram, options.bin_dir));
  state.bin_dir = std::filesystem::path(node_bin).parent_path().string();
  AITBC_TRY(core::EnsureDirectory(state.dir, 0700));
  const auto env = DevnetToolEnv();

  // The coordinator: its chain key, the client's key (with its custodial account), the admin's.
  state.coordinator = NewService(state.dir, "coordinator", kCoordinatorProgram, "coordinator.log",
                                 PortFrom(options.base_port, 0));
  const std::string& cdir = state.coordinator.datadir;
  AITBC_ASSIGN_OR_RETURN(
      ToolOutput init,
      Tool("initialising the coordinator",
           {coordinator_bin, "init", "--datadir", cdir, "--insecure-no-passphrase"}, env));
  AITBC_ASSIGN_OR_RETURN(
      state.coordinator.address,
      Field(core::ParseFieldLines(init.out), "coordinator address", "coordinator init"));
  auto create_key = [&](const std::string& role) {
    return Tool("creating the " + role + " API key",
                {coordinator_bin, "keys", "create", "--datadir", cdir, "--insecure-no-passphrase",
                 "--role", role},
                env);
  };
  AITBC_ASSIGN_OR_RETURN(ToolOutput client_key, create_key("client"));
  auto client_values = core::ParseFieldLines(client_key.out);
  AITBC_ASSIGN_OR_RETURN(state.client_api_key, Field(client_values, "api_key", "client key"));
  AITBC_ASSIGN_OR_RETURN(state.client_address, Field(client_values, "address", "client key"));
  AITBC_ASSIGN_OR_RETURN(ToolOutput admin_key, create_key("admin"));
  AITBC_ASSIGN_OR_RETURN(state.admin_api_key,
                         Field(core::ParseFieldLines(admin_key.out), "api_key", "admin key"));

  // The miners: their keys (chain addresses) and their API keys.
  for (int i = 1; i <= options.miners; ++i) {
    int offset = i == 1 ? 5 : 8 + (i - 2);
    ServiceInfo miner = NewService(state.dir, "miner-" + std::to_string(i), kMinerProgram,
                                   "miner.log", PortFrom(options.base_port, offset));
    AITBC_ASSIGN_OR_RETURN(
        ToolOutput minit,
        Tool("initialising " + miner.name, {miner_bin, "init", "--datadir", miner.datadir}, env));
    AITBC_ASSIGN_OR_RETURN(miner.address,
                           Field(core::ParseFieldLines(minit.out), "address", miner.name));
    AITBC_ASSIGN_OR_RETURN(ToolOutput mkey, create_key("miner"));
    auto values = core::ParseFieldLines(mkey.out);
    AITBC_ASSIGN_OR_RETURN(miner.api_key, Field(values, "api_key", miner.name + " key"));
    miner.miner_id = values.count("miner_id") ? values["miner_id"] : "";
    state.miners.push_back(std::move(miner));
  }

  // The faucet: a local (unencrypted) wallet with funds, for `aitbc wallet transfer`.
  AITBC_ASSIGN_OR_RETURN(client::WalletInfo faucet,
                         client::CreateWallet(state.dir + "/client", kFaucetWallet, "",
                                              core::SystemRandom::Instance()));
  state.faucet_address = faucet.address.ToString();
  state.faucet_wallet = faucet.path;

  // The node, with a genesis funding all of them and staking each miner.
  state.node =
      NewService(state.dir, "node", kNodeProgram, "node.log", PortFrom(options.base_port, 6));
  state.node.p2p_port = PortFrom(options.base_port, 7);
  std::vector<std::string> argv = {node_bin,           "init",       "--datadir",
                                   state.node.datadir, "--chain-id", state.chain_id};
  core::Amount total;
  auto allocate = [&](const char* flag, const std::string& address,
                      core::Amount amount) -> core::Status {
    if (amount.micro() == 0) return core::Ok();
    argv.push_back(flag);
    argv.push_back(address + "=" + amount.ToDecimal() + "aitbc");
    AITBC_ASSIGN_OR_RETURN(total, total.Add(amount));
    return core::Ok();
  };
  AITBC_TRY(allocate("--fund", state.client_address, options.client_funds));
  AITBC_TRY(allocate("--fund", state.faucet_address, options.faucet_funds));
  AITBC_TRY(allocate("--fund", state.coordinator.address, options.coordinator_funds));
  for (const auto& m : state.miners) {
    AITBC_TRY(allocate("--fund", m.address, options.miner_funds));
    AITBC_TRY(allocate("--stake", m.address, options.miner_stake));
  }
  state.genesis_supply = total;
  AITBC_ASSIGN_OR_RETURN(ToolOutput ninit, Tool("initialising the node", argv, env));
  nlohmann::json node_info = nlohmann::json::parse(ninit.out, nullptr, false);
  if (node_info.is_object() && node_info.contains("address")) {
    state.node.address = node_info.value("address", "");
    state.chain_id = node_info.value("chain_id", state.chain_id);
  }
  std::vector<std::string> node_args = {"--block-time-ms", std::to_string(options.block_time_ms)};
  state.node_args.insert(state.node_args.begin(), node_args.begin(), node_args.end());
  AITBC_TRY(state.Save());
  return state;
}

std::vector<std::string> ServiceArgv(const DevnetState& state, const ServiceInfo& s) {
  const std::string bin = state.bin_dir + "/" + s.program;
  auto listen = [](uint16_t port) { return "127.0.0.1:" + std::to_string(port); };
  std::vector<std::string> argv = {bin, "start", "--datadir", s.datadir, "--log-file", s.log};
  const std::vector<std::string>* extra = &state.miner_args;
  if (s.program == kNodeProgram) {
    argv.insert(argv.end(), {"--listen", listen(s.port), "--p2p-listen", listen(s.p2p_port)});
    extra = &state.node_args;
  } else if (s.program == kCoordinatorProgram) {
    argv.insert(argv.end(),
                {"--insecure-no-passphrase", "--listen", listen(s.port), "--node", state.node.url});
    if (state.backend == "sim") argv.push_back("--allow-sim-miners");
    extra = &state.coordinator_args;
  } else {
    argv.insert(argv.end(), {"--listen", listen(s.port), "--coordinator", state.coordinator.url,
                             "--backend", state.backend});
    if (state.backend == "ollama") argv.insert(argv.end(), {"--ollama-url", state.ollama_url});
  }
  argv.insert(argv.end(), extra->begin(), extra->end());
  return argv;
}

std::map<std::string, std::string> ServiceEnv(const ServiceInfo& s) {
  std::map<std::string, std::string> env = DevnetToolEnv();
  if (s.program == kMinerProgram) env["AITBC_MINER_KEY"] = s.api_key;
  return env;
}

core::Status ApplyReady(ServiceInfo& s, const nlohmann::json& ready) {
  const char* key = s.program == kNodeProgram ? "rpc" : "url";
  if (!ready.contains(key) || !ready[key].is_string()) {
    return core::Error::Corruption(s.datadir + "/ready.json has no '" + key + "'");
  }
  s.url = ready[key].get<std::string>();
  if (s.program == kNodeProgram && ready.contains("p2p_port") &&
      ready["p2p_port"].is_number_unsigned()) {
    s.p2p_port = ready["p2p_port"].get<uint16_t>();
  }
  if (ready.contains("address") && ready["address"].is_string()) {
    s.address = ready["address"].get<std::string>();
  }
  return core::Ok();
}

core::Result<DevnetState> DevnetUp(const DevnetOptions& options, std::ostream& log) {
  std::string dir = std::filesystem::absolute(options.dir).lexically_normal().string();
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  DevnetState state;
  if (core::FileExists(dir + "/devnet.json")) {
    AITBC_ASSIGN_OR_RETURN(state, DevnetState::Load(dir));
    log << "Restarting the devnet in " << dir << " (backend: " << state.backend << ")\n";
  } else {
    DevnetOptions init = options;
    if (init.backend.empty()) {
      bool ollama = OllamaAnswers(options.ollama_url);
      init.backend = ollama ? "ollama" : "sim";
      log << "Backend: " << init.backend
          << (ollama ? " (Ollama answers at " + options.ollama_url + ")"
                     : " (simulated: no Ollama answers at " + options.ollama_url +
                           "; use --backend ollama once it runs)")
          << "\n";
    } else {
      log << "Backend: " << init.backend << "\n";
    }
    log << "Creating a devnet in " << dir << " with " << options.miners
        << (options.miners == 1 ? " miner" : " miners") << "\n";
    AITBC_ASSIGN_OR_RETURN(state, InitDevnet(init));
  }
  for (ServiceInfo* s : state.Services()) {
    if (ProcessRunning(s->pid, s->program) && CheckHealth(*s, 1'000).ok()) {
      log << "  " << s->name << " is already running at " << s->url << " (pid " << s->pid << ")\n";
      continue;
    }
    AITBC_TRY(StartService(state, *s, options.ready_timeout_ms, log));
  }
  if (!state.miners.empty()) {
    auto registered = WaitForMiners(state, options.ready_timeout_ms);
    if (!registered.ok()) return registered.error().WithContext("waiting for the miners");
  }
  AITBC_TRY(state.Save());
  return state;
}

core::Result<std::vector<std::string>> DevnetDown(const std::string& dir, bool purge,
                                                  int64_t timeout_ms) {
  AITBC_ASSIGN_OR_RETURN(DevnetState state, DevnetState::Load(dir));
  std::vector<std::string> lines;
  std::vector<ServiceInfo*> services = state.Services();
  std::reverse(services.begin(), services.end());  // miners, coordinator, node
  for (ServiceInfo* s : services) {
    std::string what = StopProcess(s->pid, s->program, timeout_ms);
    lines.push_back(s->name + " (pid " + std::to_string(s->pid) + "): " + what);
  }
  if (purge) {
    std::error_code ec;
    std::filesystem::remove_all(state.dir, ec);
    if (ec) return core::Error::IOError("removing " + state.dir + ": " + ec.message());
    lines.push_back("removed " + state.dir);
  }
  return lines;
}

core::Result<std::vector<ServiceStatus>> DevnetStatus(const DevnetState& state) {
  std::vector<ServiceStatus> out;
  DevnetState copy = state;
  for (ServiceInfo* s : copy.Services()) {
    ServiceStatus st;
    st.name = s->name;
    st.url = s->url;
    st.pid = s->pid;
    st.running = ProcessRunning(s->pid, s->program);
    if (st.running) {
      auto health = GetJson(s->url + "/healthz", 1'000);
      st.healthy = health.ok();
      st.detail = health.ok() ? (health->is_object() ? health->value("status", "ok") : "ok")
                              : health.error().message();
    } else {
      st.detail = "not running";
    }
    out.push_back(std::move(st));
  }
  return out;
}

std::string DevnetEnvLines(const DevnetState& state) {
  auto line = [](const char* name, const std::string& value) {
    return std::string("export ") + name + "=\"${" + name + ":-" + value + "}\"\n";
  };
  return line("AITBC_URL", state.coordinator.url) + line("CLIENT_API_KEY", state.client_api_key) +
         line("ADMIN_API_KEY", state.admin_api_key) + line("AITBC_NODE_URL", state.node.url) +
         line("AITBC_WALLET_DIR", state.dir + "/client");
}

}  // namespace aitbc::cli
