#include "node_harness.h"

#include <unistd.h>

#include <chrono>
#include <thread>

#include "core/file_util.h"
#include "core/key_file.h"
#include "core/random.h"
#include "net/json_rpc.h"

namespace aitbc::node::testing {

using aitbc::testing::BinaryPath;
using aitbc::testing::Process;

core::Status InitNodeDir(const std::string& datadir, const protocol::Genesis& genesis,
                         const core::PrivateKey& key) {
  std::string parent = core::ParentDirectory(datadir);
  std::string genesis_file = datadir + "-genesis.json";
  std::string key_file = datadir + "-key.json";
  AITBC_TRY(core::EnsureDirectory(parent));
  AITBC_TRY(core::WriteFileAtomic(genesis_file, genesis.ToJson().dump()));
  core::KeyFileOptions options;
  options.overwrite = true;
  AITBC_TRY(core::WriteKeyFile(key_file, key, "", core::SystemRandom::Instance(), options));
  AITBC_ASSIGN_OR_RETURN(
      auto result,
      aitbc::testing::RunCommand({BinaryPath("aitbc-node"), "init", "--datadir", datadir,
                                  "--genesis", genesis_file, "--validator-key", key_file}));
  if (result.exit_code != 0) {
    return core::Error::Internal("aitbc-node init failed: " + result.output);
  }
  return core::Ok();
}

core::Result<std::unique_ptr<NodeProcess>> NodeProcess::Start(const std::string& datadir,
                                                              std::vector<std::string> extra) {
  std::string ready = datadir + "/ready.json";
  ::unlink(ready.c_str());
  std::vector<std::string> argv = {BinaryPath("aitbc-node"),
                                   "start",
                                   "--datadir",
                                   datadir,
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--p2p-listen",
                                   "127.0.0.1:0",
                                   "--block-time-ms",
                                   "100",
                                   "--idle-block-time-ms",
                                   "300",
                                   "--log-level",
                                   "debug"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  aitbc::testing::ProcessOptions options;
  options.log_path = datadir + "-stdout.log";
  AITBC_ASSIGN_OR_RETURN(Process process, Process::Start(argv, options));
  std::unique_ptr<NodeProcess> node(new NodeProcess(datadir, std::move(process)));
  AITBC_ASSIGN_OR_RETURN(auto info,
                         aitbc::testing::WaitForReadyFile(ready, 60'000, &node->process));
  node->rpc_port = info["rpc_port"].get<uint16_t>();
  node->p2p_port = info["p2p_port"].get<uint16_t>();
  return node;
}

core::Result<nlohmann::json> NodeProcess::Call(const std::string& method,
                                               const nlohmann::json& params) {
  auto url = net::Url::Parse("http://127.0.0.1:" + std::to_string(rpc_port) + "/");
  net::jsonrpc::BlockingClient client(http_, *url);
  client.timeout_ms = 60'000;
  return client.Call(method, params);
}

nlohmann::json NodeProcess::Raw(const std::string& body) {
  net::ClientRequest request;
  request.method = net::Method::kPost;
  request.url = *net::Url::Parse("http://127.0.0.1:" + std::to_string(rpc_port) + "/");
  request.headers.Set("Content-Type", "application/json");
  request.body = body;
  auto response = http_.Send(std::move(request));
  if (!response.ok()) return {{"transport_error", response.error().ToString()}};
  auto parsed = nlohmann::json::parse(response->body, nullptr, false);
  if (parsed.is_discarded()) return {{"http_status", response->status}, {"body", response->body}};
  return parsed;
}

core::Result<net::Response> NodeProcess::Get(const std::string& target) {
  net::ClientRequest request;
  request.url = *net::Url::Parse("http://127.0.0.1:" + std::to_string(rpc_port) + target);
  return http_.Send(std::move(request));
}

uint64_t NodeProcess::Height() {
  auto status = Call("status");
  if (!status.ok()) return 0;
  return (*status)["sync_info"]["latest_block_height"].get<uint64_t>();
}

bool NodeProcess::WaitForHeight(uint64_t height, int64_t timeout_ms) {
  return aitbc::testing::WaitUntil([&] { return Height() >= height; }, timeout_ms, 50);
}

core::Result<uint64_t> NodeProcess::WaitForTx(const std::string& tx_hash, int64_t timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto tx = Call("tx", {{"hash", tx_hash}});
    if (tx.ok()) return (*tx)["height"].get<uint64_t>();
    if (std::chrono::steady_clock::now() >= deadline) return tx.error();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string NodeProcess::Describe() const {
  std::string out = process.Describe();
  auto log = core::ReadFile(datadir + "/node.log");
  if (log.ok()) {
    out += "\nnode.log:\n" + (log->size() > 6000 ? "..." + log->substr(log->size() - 6000) : *log);
  }
  return out;
}

std::string TxParam(const core::Bytes& bytes) { return core::Base64Encode(bytes); }

}  // namespace aitbc::node::testing
