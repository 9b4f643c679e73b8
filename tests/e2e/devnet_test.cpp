// `aitbc devnet up|status|env|down` and the seed's wrapper script, as a user runs them.
#include <gtest/gtest.h>

#include "core/file_util.h"
#include "e2e_util.h"

namespace aitbc::e2e {
namespace {

std::string SourceDir() {
  const char* dir = ::getenv("AITBC_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

class DevnetTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (core::FileExists(dir_ + "/devnet.json")) Aitbc({"devnet", "down", "--dir", dir_});
  }

  testing::CommandResult Aitbc(std::vector<std::string> args,
                               std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), testing::BinaryPath("aitbc"));
    env["HOME"] = tmp_.path();
    auto result = testing::RunCommand(std::move(args), 180'000, env);
    if (!result.ok()) return {-1, result.error().ToString()};
    return *result;
  }

  // scripts/aitbc-cli.sh ARGS with this devnet.
  testing::CommandResult Wrapper(std::vector<std::string> args) {
    args.insert(args.begin(), SourceDir() + "/scripts/aitbc-cli.sh");
    auto result = testing::RunCommand(std::move(args), 180'000,
                                      {{"AITBC_BIN", testing::BinaryPath("aitbc")},
                                       {"AITBC_DEVNET_DIR", dir_},
                                       {"HOME", tmp_.path()}});
    if (!result.ok()) return {-1, result.error().ToString()};
    return *result;
  }

  testing::TempDir tmp_;
  std::string dir_ = tmp_.path() + "/devnet";
};

TEST_F(DevnetTest, UpStatusUseDownRestartPurge) {
  const std::string bin_dir = ::getenv("AITBC_BIN_DIR") != nullptr ? ::getenv("AITBC_BIN_DIR") : "";
  testing::CommandResult up =
      Aitbc({"devnet", "up", "--dir", dir_, "--base-port", "0", "--backend", "sim", "--miners", "2",
             "--bin-dir", bin_dir, "--block-time-ms", "100"});
  ASSERT_EQ(up.exit_code, 0) << up.output;
  EXPECT_NE(up.output.find("The devnet is up"), std::string::npos) << up.output;
  EXPECT_NE(up.output.find("CLIENT_API_KEY=aitbc_client_"), std::string::npos) << up.output;
  EXPECT_NE(up.output.find("aitbc devnet down --dir " + dir_), std::string::npos);

  // devnet.json, for scripts.
  auto text = core::ReadFile(dir_ + "/devnet.json");
  ASSERT_TRUE(text.ok());
  nlohmann::json devnet = nlohmann::json::parse(*text);
  EXPECT_EQ(devnet["backend"], "sim");
  EXPECT_EQ(devnet["miners"].size(), 2u);
  EXPECT_EQ(devnet["client_api_key"].get<std::string>().rfind("aitbc_client_", 0), 0u);
  EXPECT_EQ(devnet["admin_api_key"].get<std::string>().rfind("aitbc_admin_", 0), 0u);
  EXPECT_EQ(devnet["miner_api_keys"].size(), 2u);
  for (const char* account : {"client", "faucet", "coordinator"}) {
    EXPECT_TRUE(core::Address::Parse(devnet["accounts"][account].get<std::string>()).ok());
  }
  const std::string coordinator_url = devnet["coordinator_url"];
  const std::string node_url = devnet["node_url"];
  EXPECT_FALSE(coordinator_url.empty());
  EXPECT_TRUE(core::FileExists(dir_ + "/node/node.log"));
  EXPECT_TRUE(core::FileExists(dir_ + "/coordinator/coordinator.log"));
  EXPECT_TRUE(core::FileExists(dir_ + "/miner-2/miner.log"));

  testing::CommandResult status = Aitbc({"devnet", "status", "--dir", dir_});
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_EQ(Count(status.output, "healthy"), 4u) << status.output;

  testing::CommandResult env = Aitbc({"devnet", "env", "--dir", dir_});
  EXPECT_NE(env.output.find("export AITBC_URL=\"${AITBC_URL:-" + coordinator_url + "}\""),
            std::string::npos)
      << env.output;

  // The seed's wrapper picks the devnet's URL and key up.
  testing::CommandResult run =
      Wrapper({"submit", "inference", "--prompt", "What is machine learning?", "--model",
               "llama3.2:latest", "--wait"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  auto out = Summary(run.output);
  EXPECT_EQ(out["Status"], "completed") << run.output;
  testing::CommandResult verify = Wrapper({"receipt", out["Job ID"], "--verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;

  // A second `up` while it runs changes nothing.
  testing::CommandResult again = Aitbc({"devnet", "up", "--dir", dir_, "--bin-dir", bin_dir});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(Count(again.output, "already running"), 4u) << again.output;

  testing::CommandResult down = Aitbc({"devnet", "down", "--dir", dir_});
  EXPECT_EQ(down.exit_code, 0) << down.output;
  EXPECT_EQ(Count(down.output, ": stopped"), 4u) << down.output;
  testing::CommandResult stopped = Aitbc({"devnet", "status", "--dir", dir_});
  EXPECT_EQ(stopped.exit_code, 3) << stopped.output;
  EXPECT_EQ(Count(stopped.output, "stopped"), 4u) << stopped.output;

  // `up` after `down` restarts the same network: same URLs, same chain, the job is still there.
  testing::CommandResult restart = Aitbc({"devnet", "up", "--dir", dir_, "--bin-dir", bin_dir});
  ASSERT_EQ(restart.exit_code, 0) << restart.output;
  EXPECT_NE(restart.output.find("Restarting the devnet"), std::string::npos);
  nlohmann::json after = nlohmann::json::parse(core::ReadFile(dir_ + "/devnet.json").value());
  EXPECT_EQ(after["coordinator_url"], coordinator_url);
  EXPECT_EQ(after["node_url"], node_url);
  testing::CommandResult job =
      Aitbc({"status", out["Job ID"]},
            {{"AITBC_URL", coordinator_url}, {"CLIENT_API_KEY", devnet["client_api_key"]}});
  EXPECT_EQ(job.exit_code, 0) << job.output;
  EXPECT_EQ(Summary(job.output)["Status"], "completed") << job.output;

  testing::CommandResult purge = Aitbc({"devnet", "down", "--dir", dir_, "--purge"});
  EXPECT_EQ(purge.exit_code, 0) << purge.output;
  EXPECT_FALSE(core::FileExists(dir_));
}

TEST_F(DevnetTest, StatusWithoutADevnet) {
  testing::CommandResult status = Aitbc({"devnet", "status", "--dir", dir_});
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_NE(status.output.find("no devnet in"), std::string::npos) << status.output;
  testing::CommandResult down = Aitbc({"devnet", "down", "--dir", dir_});
  EXPECT_EQ(down.exit_code, 1);
}

TEST_F(DevnetTest, MissingExecutablesAreNamed) {
  testing::CommandResult up = Aitbc({"devnet", "up", "--dir", dir_, "--base-port", "0", "--backend",
                                     "sim", "--bin-dir", tmp_.path()});
  EXPECT_NE(up.exit_code, 0);
  EXPECT_NE(up.output.find("aitbc-node not found in " + tmp_.path()), std::string::npos)
      << up.output;
}

}  // namespace
}  // namespace aitbc::e2e
