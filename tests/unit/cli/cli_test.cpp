// The `aitbc` command run in-process for what needs no running services: flag parsing, local
// wallets, configuration errors, and an unreachable coordinator or node.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/context.h"
#include "core/file_util.h"
#include "ports.h"
#include "process.h"

namespace aitbc::cli {
namespace {

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun RunAitbc(std::vector<std::string> args, Environment env) {
  args.insert(args.begin(), "aitbc");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int code = RunCli(static_cast<int>(argv.size()), argv.data(), out, err, std::move(env));
  return {code, out.str(), err.str()};
}

class CliTest : public ::testing::Test {
 protected:
  Environment Env() const { return {{"HOME", home_.path()}}; }
  testing::TempDir home_;
};

TEST_F(CliTest, UsageErrorsExitOne) {
  EXPECT_EQ(RunAitbc({}, Env()).code, kExitUsage);
  EXPECT_EQ(RunAitbc({"frobnicate"}, Env()).code, kExitUsage);
  CliRun missing = RunAitbc({"submit", "inference", "--model", "m"}, Env());
  EXPECT_EQ(missing.code, kExitUsage);
  EXPECT_NE(missing.err.find("--prompt"), std::string::npos);
  EXPECT_EQ(RunAitbc({"node", "block", "notanumber"}, Env()).code, kExitUsage);
}

TEST_F(CliTest, HelpAndVersionExitZero) {
  CliRun help = RunAitbc({"--help"}, Env());
  EXPECT_EQ(help.code, kExitOk);
  EXPECT_NE(help.out.find("submit"), std::string::npos);
  EXPECT_NE(help.out.find("devnet"), std::string::npos);
  EXPECT_EQ(RunAitbc({"submit", "inference", "--help"}, Env()).code, kExitOk);
  CliRun version = RunAitbc({"--version"}, Env());
  EXPECT_EQ(version.code, kExitOk);
  EXPECT_NE(version.out.find("aitbc"), std::string::npos);
}

TEST_F(CliTest, InvalidLocalInputExitsOne) {
  CliRun price = RunAitbc(
      {"submit", "inference", "--prompt", "p", "--model", "m", "--max-price", "-1"}, Env());
  EXPECT_EQ(price.code, kExitUsage);
  EXPECT_NE(price.err.find("error: invalid --max-price"), std::string::npos);

  CliRun hash = RunAitbc({"node", "tx", "xyz"}, Env());
  EXPECT_EQ(hash.code, kExitUsage);
  EXPECT_NE(hash.err.find("invalid transaction hash"), std::string::npos);

  CliRun address = RunAitbc({"wallet", "balance", "aitbc1notanaddress"}, Env());
  EXPECT_EQ(address.code, kExitUsage);
  EXPECT_NE(address.err.find("invalid address"), std::string::npos);

  CliRun admin = RunAitbc({"miner", "list"}, Env());
  EXPECT_EQ(admin.code, kExitUsage);
  EXPECT_NE(admin.err.find("ADMIN_API_KEY"), std::string::npos);

  CliRun url = RunAitbc({"status", "job_1", "--url", "nota url"}, Env());
  EXPECT_EQ(url.code, kExitUsage);
  EXPECT_NE(url.err.find("invalid coordinator URL"), std::string::npos);
}

TEST_F(CliTest, BadConfigFileIsReported) {
  const std::string path = home_.Sub("conf") + "/bad.toml";
  ASSERT_TRUE(core::WriteFileAtomic(path, "url = [").ok());
  CliRun r = RunAitbc({"--config", path, "status", "job_1"}, Env());
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("bad.toml"), std::string::npos);
}

TEST_F(CliTest, WalletCreateAddressList) {
  Environment env = Env();
  env["AITBC_WALLET_PASSPHRASE"] = "correct horse";
  CliRun created = RunAitbc({"wallet", "create", "--name", "alice"}, env);
  ASSERT_EQ(created.code, kExitOk) << created.err;
  EXPECT_NE(created.out.find("Address: aitbc1"), std::string::npos);

  CliRun address = RunAitbc({"wallet", "address", "--name", "alice"}, env);
  ASSERT_EQ(address.code, kExitOk) << address.err;
  EXPECT_EQ(address.out.rfind("aitbc1", 0), 0u);
  EXPECT_NE(created.out.find(address.out.substr(0, address.out.size() - 1)), std::string::npos);

  CliRun again = RunAitbc({"wallet", "create", "--name", "alice"}, env);
  EXPECT_EQ(again.code, kExitUsage);
  EXPECT_NE(again.err.find("already exists"), std::string::npos);

  CliRun plain =
      RunAitbc({"wallet", "create", "--name", "dev", "--insecure-no-passphrase", "--json"}, Env());
  ASSERT_EQ(plain.code, kExitOk) << plain.err;
  EXPECT_EQ(nlohmann::json::parse(plain.out)["encrypted"], false);

  CliRun list = RunAitbc({"wallet", "list"}, Env());
  ASSERT_EQ(list.code, kExitOk);
  EXPECT_NE(list.out.find("alice"), std::string::npos);
  EXPECT_NE(list.out.find("dev"), std::string::npos);

  CliRun none = RunAitbc({"wallet", "address", "--name", "bob"}, Env());
  EXPECT_EQ(none.code, kExitUsage);
  EXPECT_NE(none.err.find("no wallet"), std::string::npos);
}

TEST_F(CliTest, EmptyPassphraseNeedsTheInsecureFlag) {
  Environment env = Env();
  env["AITBC_WALLET_PASSPHRASE"] = "";
  CliRun r = RunAitbc({"wallet", "create"}, env);
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("--insecure-no-passphrase"), std::string::npos);
}

TEST_F(CliTest, WalletDirFromEnvironment) {
  Environment env = Env();
  env["AITBC_WALLET_DIR"] = home_.path() + "/elsewhere";
  ASSERT_EQ(RunAitbc({"wallet", "create", "--insecure-no-passphrase"}, env).code, kExitOk);
  EXPECT_TRUE(core::FileExists(home_.path() + "/elsewhere/default.json"));
}

TEST_F(CliTest, UnreachableCoordinatorRetriesThreeTimes) {
  const std::string url = "http://127.0.0.1:" + std::to_string(testing::ClosedPort());
  Environment env = Env();
  env["AITBC_URL"] = url;
  env["CLIENT_API_KEY"] = "aitbc_client_x_y";
  CliRun r = RunAitbc({"submit", "inference", "--prompt", "What is machine learning?", "--model",
                       "llama3.2:latest"},
                      env);
  EXPECT_EQ(r.code, kExitUnreachable);
  EXPECT_NE(r.err.find("(attempt 2 of 4)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(attempt 4 of 4)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("error: cannot reach the coordinator at " + url + " after 3 retries"),
            std::string::npos)
      << r.err;
}

TEST_F(CliTest, QuietHidesRetryLines) {
  Environment env = Env();
  env["AITBC_URL"] = "http://127.0.0.1:" + std::to_string(testing::ClosedPort());
  CliRun r = RunAitbc({"-q", "status", "job_1"}, env);
  EXPECT_EQ(r.code, kExitUnreachable);
  EXPECT_EQ(r.err.find("retrying"), std::string::npos);
  EXPECT_NE(r.err.find("after 3 retries"), std::string::npos);
}

TEST_F(CliTest, UnreachableNode) {
  const std::string url = "http://127.0.0.1:" + std::to_string(testing::ClosedPort());
  CliRun r = RunAitbc({"-q", "node", "status", "--node", url}, Env());
  EXPECT_EQ(r.code, kExitUnreachable);
  EXPECT_NE(r.err.find("error: cannot reach the node at " + url + " after 3 retries"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace aitbc::cli
