// The real aitbc-miner with the real aitbc-coordinator and aitbc-node (label e2e), brought up by
// `aitbc devnet up` in a temporary directory: a job whose miner finishes while the coordinator is
// down (kill -9) waits in the miner's outbox, and completes and settles once the coordinator is
// back; the miner registers again with the restarted coordinator. (The seed's whole flow and the
// other faults are in tests/e2e.)
#include <signal.h>

#include <gtest/gtest.h>

#include "core/file_util.h"
#include "net/http_client.h"
#include "process.h"

namespace aitbc::miner {
namespace {

using aitbc::testing::BinaryPath;
using aitbc::testing::RunCommand;
using aitbc::testing::WaitUntil;

class MinerDevnetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path() + "/devnet";
    std::string aitbc = BinaryPath("aitbc");
    auto up = RunCommand(
        {aitbc, "devnet", "up", "--dir", dir_, "--miners", "1", "--backend", "sim", "--base-port",
         "0", "--bin-dir", core::ParentDirectory(aitbc), "--miner-arg=--sim-latency-ms=3000"},
        180'000);
    ASSERT_TRUE(up.ok());
    up_ = true;
    ASSERT_EQ(up->exit_code, 0) << up->output;
    ReadState();
  }

  void TearDown() override {
    if (up_) (void)RunCommand({BinaryPath("aitbc"), "devnet", "down", "--dir", dir_}, 120'000);
  }

  void ReadState() {
    auto text = core::ReadFile(dir_ + "/devnet.json");
    ASSERT_TRUE(text.ok());
    state_ = nlohmann::json::parse(*text);
  }

  aitbc::testing::CommandResult Aitbc(std::vector<std::string> args) {
    args.insert(args.begin(), BinaryPath("aitbc"));
    auto result = RunCommand(args, 60'000,
                             {{"AITBC_URL", state_["coordinator"]["url"]},
                              {"CLIENT_API_KEY", state_["client_api_key"]},
                              {"AITBC_NODE_URL", state_["node"]["url"]},
                              {"AITBC_WALLET_DIR", dir_ + "/client"}});
    return result.ok() ? *result : aitbc::testing::CommandResult{-1, result.error().ToString()};
  }

  std::string Logs() {
    std::string out;
    for (const char* log : {"/miner-1/miner.log", "/coordinator/coordinator.log"}) {
      auto text = core::ReadFile(dir_ + log);
      if (text.ok())
        out += "\n--- " + std::string(log) + "\n" +
               text->substr(text->size() > 6000 ? text->size() - 6000 : 0);
    }
    return out;
  }

  aitbc::testing::TempDir tmp_;
  std::string dir_;
  bool up_ = false;
  nlohmann::json state_;
};

TEST_F(MinerDevnetTest, AResultFinishedWhileTheCoordinatorIsDownIsDeliveredAfterItsRestart) {
  auto submitted = Aitbc({"submit", "inference", "--prompt", "What is machine learning?", "--model",
                          "llama3.2:latest"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.output;
  size_t at = submitted.output.find("Job ID: ");
  ASSERT_NE(at, std::string::npos) << submitted.output;
  std::string job_id = submitted.output.substr(at + 8, submitted.output.find('\n', at) - at - 8);

  // Once the miner runs the job, the coordinator crashes.
  std::string miner_url = state_["miners"][0]["url"];
  net::BlockingHttpClient http;
  ASSERT_TRUE(WaitUntil(
      [&] {
        net::ClientRequest status;
        status.url = net::Url::Parse(miner_url + "/v1/status").value();
        auto answer = http.Send(status);
        return answer.ok() && answer->body.find(job_id) != std::string::npos;
      },
      30'000))
      << Logs();
  ASSERT_EQ(::kill(state_["coordinator"]["pid"].get<pid_t>(), SIGKILL), 0);

  // The result waits in the outbox while the coordinator is down.
  std::string outbox_file =
      state_["miners"][0]["datadir"].get<std::string>() + "/outbox/" + job_id + ".json";
  ASSERT_TRUE(WaitUntil([&] { return core::FileExists(outbox_file); }, 20'000)) << Logs();

  // `aitbc devnet up` restarts what is not running: the coordinator, on its port.
  auto restart = RunCommand({BinaryPath("aitbc"), "devnet", "up", "--dir", dir_}, 180'000);
  ASSERT_TRUE(restart.ok());
  ASSERT_EQ(restart->exit_code, 0) << restart->output << Logs();
  ReadState();

  ASSERT_TRUE(WaitUntil([&] { return !core::FileExists(outbox_file); }, 30'000)) << Logs();
  aitbc::testing::CommandResult status;
  ASSERT_TRUE(WaitUntil(
      [&] {
        status = Aitbc({"receipt", job_id, "--verify"});
        return status.exit_code == 0;
      },
      30'000, 500))
      << status.output << Logs();
  EXPECT_NE(status.output.find("miner's signature over the result: valid"), std::string::npos)
      << status.output;
  auto job = Aitbc({"status", job_id});
  EXPECT_NE(job.output.find("Status: completed"), std::string::npos) << job.output;
  EXPECT_NE(job.output.find("[simulated]"), std::string::npos) << job.output;
}

}  // namespace
}  // namespace aitbc::miner
