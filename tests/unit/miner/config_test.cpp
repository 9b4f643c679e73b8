// The command line, the TOML file, the environment and their precedence; every bad value.
#include "miner/config.h"

#include <map>

#include <gtest/gtest.h>

#include "core/file_util.h"
#include "process.h"

namespace aitbc::miner {
namespace {

using Env = std::map<std::string, std::string>;

core::Result<CommandLine> Parse(std::vector<std::string> args, Env env = {}) {
  std::vector<const char*> argv = {"aitbc-miner"};
  for (const auto& arg : args) argv.push_back(arg.c_str());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data(),
                          [env](const std::string& name) -> std::optional<std::string> {
                            auto it = env.find(name);
                            if (it == env.end()) return std::nullopt;
                            return it->second;
                          });
}

const std::vector<std::string> kStart = {"start", "--datadir", "/tmp/m", "--miner-key", "k1"};

std::vector<std::string> With(std::vector<std::string> more) {
  std::vector<std::string> args = kStart;
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST(ConfigTest, DefaultsMatchTheDocumentation) {
  auto parsed = Parse(kStart);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  ASSERT_FALSE(parsed->exit_message.has_value());
  const MinerConfig& c = parsed->config;
  EXPECT_EQ(parsed->command, MinerCommand::kStart);
  EXPECT_EQ(c.datadir, "/tmp/m");
  EXPECT_EQ(c.miner_key, "k1");
  EXPECT_EQ(c.coordinator, "http://127.0.0.1:8000");
  EXPECT_EQ(c.listen, "127.0.0.1:8005");
  EXPECT_EQ(c.backend, "ollama");
  EXPECT_EQ(c.ollama_url, "http://127.0.0.1:11434");
  EXPECT_EQ(c.slots, 1u);
  EXPECT_EQ(c.price.per_second.micro(), 20'000u);  // the seed's 0.02 AITBC/s
  EXPECT_EQ(c.price.per_1k_tokens.micro(), 0u);
  EXPECT_EQ(c.sim_models, std::vector<std::string>{"llama3.2:latest"});
  EXPECT_FALSE(c.no_gpu);
}

TEST(ConfigTest, FlagsSetEveryOption) {
  auto parsed = Parse(With({"--coordinator",
                            "http://10.0.0.1:8000",
                            "--listen",
                            "0.0.0.0:0",
                            "--advertise-url",
                            "http://miner.lan:8005",
                            "--backend",
                            "sim",
                            "--slots",
                            "4",
                            "--price-per-second",
                            "0.05aitbc",
                            "--price-per-1k-tokens",
                            "250uaitbc",
                            "--sim-latency-ms",
                            "5",
                            "--sim-ms-per-token",
                            "2",
                            "--sim-failure-rate",
                            "0.25",
                            "--sim-models",
                            "a:1, b:2",
                            "--no-gpu",
                            "--gpu-index",
                            "1",
                            "--backend-timeout-ms",
                            "900",
                            "--log-file",
                            "/tmp/m.log"}));
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  const MinerConfig& c = parsed->config;
  EXPECT_EQ(c.coordinator, "http://10.0.0.1:8000");
  EXPECT_EQ(c.listen, "0.0.0.0:0");
  EXPECT_EQ(c.advertise_url, "http://miner.lan:8005");
  EXPECT_EQ(c.backend, "sim");
  EXPECT_EQ(c.slots, 4u);
  EXPECT_EQ(c.price.per_second.micro(), 50'000u);
  EXPECT_EQ(c.price.per_1k_tokens.micro(), 250u);
  EXPECT_EQ(c.sim_latency_ms, 5);
  EXPECT_EQ(c.sim_ms_per_token, 2);
  EXPECT_DOUBLE_EQ(c.sim_failure_rate, 0.25);
  EXPECT_EQ(c.sim_models, (std::vector<std::string>{"a:1", "b:2"}));
  EXPECT_TRUE(c.no_gpu);
  EXPECT_EQ(c.gpu_index, 1u);
  EXPECT_EQ(c.backend_timeout_ms, 900);
  EXPECT_EQ(c.log_file, "/tmp/m.log");
}

TEST(ConfigTest, TheTomlFileIsReadAndFlagsAndEnvironmentOverrideIt) {
  aitbc::testing::TempDir dir;
  std::string path = dir.path() + "/miner.toml";
  ASSERT_TRUE(core::WriteFileAtomic(path, R"(
backend = "openai"
openai_url = "http://127.0.0.1:9999"
openai-api = "completions"
slots = 3
price_per_second = "0.03aitbc"
sim_models = ["x", "y"]
sim_failure_rate = 0.5
miner_key = "from-file"
no_gpu = true
)")
                  .ok());
  auto parsed = Parse({"start", "--datadir", "/tmp/m", "--config", path, "--slots", "2"});
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  const MinerConfig& c = parsed->config;
  EXPECT_EQ(c.backend, "openai");
  EXPECT_EQ(c.openai_url, "http://127.0.0.1:9999");
  EXPECT_EQ(c.openai_api, "completions");
  EXPECT_EQ(c.slots, 2u);  // the flag wins
  EXPECT_EQ(c.price.per_second.micro(), 30'000u);
  EXPECT_EQ(c.sim_models, (std::vector<std::string>{"x", "y"}));
  EXPECT_DOUBLE_EQ(c.sim_failure_rate, 0.5);
  EXPECT_TRUE(c.no_gpu);
  EXPECT_EQ(c.miner_key, "from-file");

  parsed = Parse({"start", "--datadir", "/tmp/m", "--config", path}, {{"AITBC_MINER_KEY", "env"}});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->config.miner_key, "env");  // the environment beats the file
  parsed = Parse({"start", "--datadir", "/tmp/m", "--config", path, "--miner-key", "flag"},
                 {{"AITBC_MINER_KEY", "env"}});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->config.miner_key, "flag");  // the flag beats both
}

TEST(ConfigTest, TheMinerKeyMayComeFromTheEnvironment) {
  auto parsed = Parse({"start", "--datadir", "/tmp/m"}, {{"AITBC_MINER_KEY", "secret"}});
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->config.miner_key, "secret");
}

TEST(ConfigTest, AMissingMinerKeyIsAnErrorThatSaysWhereToGetOne) {
  auto parsed = Parse({"start", "--datadir", "/tmp/m"});
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message().find("AITBC_MINER_KEY"), std::string::npos);
  EXPECT_NE(parsed.error().message().find("keys create --role miner"), std::string::npos);
}

TEST(ConfigTest, BadValuesNameTheOption) {
  struct Case {
    std::vector<std::string> args;
    std::string option;
  };
  std::vector<Case> cases = {
      {{"--slots", "0"}, "--slots"},
      {{"--slots", "two"}, "--slots"},
      {{"--price-per-second", "-1"}, "--price-per-second"},
      {{"--price-per-1k-tokens", "0.0000001aitbc"}, "--price-per-1k-tokens"},
      {{"--backend", "llamafile"}, "--backend"},
      {{"--sim-failure-rate", "1.5"}, "--sim-failure-rate"},
      {{"--coordinator", "ftp://x"}, "--coordinator"},
      {{"--listen", "nohost"}, "--listen"},
      {{"--ollama-api", "completion"}, "--ollama-api"},
      {{"--openai-api", "responses"}, "--openai-api"},
      {{"--backend", "sim", "--sim-models", ""}, "--sim-models"},
      {{"--backend-timeout-ms", "0"}, "--backend-timeout-ms"},
  };
  for (const auto& c : cases) {
    auto parsed = Parse(With(c.args));
    ASSERT_FALSE(parsed.ok()) << c.args[0];
    EXPECT_EQ(parsed.error().code(), core::ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message().find(c.option), std::string::npos)
        << parsed.error().message();
  }
}

TEST(ConfigTest, TomlErrorsAreReported) {
  MinerConfig config;
  auto unknown = ApplyToml("slotz = 2\n", config);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("unknown key 'slotz'"), std::string::npos);
  auto syntax = ApplyToml("slots = \n", config);
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.error().message().find("config file"), std::string::npos);
  auto type = ApplyToml("slots = [1, 2]\n", config);
  ASSERT_FALSE(type.ok());
  auto missing = Parse(
      {"start", "--datadir", "/tmp/m", "--miner-key", "k", "--config", "/nonexistent/miner.toml"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), core::ErrorCode::kNotFound);
}

TEST(ConfigTest, InitAndHelpAndUsageErrors) {
  auto init = Parse({"init", "--datadir", "/tmp/d"});
  ASSERT_TRUE(init.ok());
  EXPECT_EQ(init->command, MinerCommand::kInit);
  EXPECT_EQ(init->config.datadir, "/tmp/d");

  auto help = Parse({"--help"});
  ASSERT_TRUE(help.ok());
  ASSERT_TRUE(help->exit_message.has_value());
  EXPECT_EQ(help->exit_code, 0);
  EXPECT_NE(help->exit_message->find("start"), std::string::npos);

  auto start_help = Parse({"start", "--help"});
  ASSERT_TRUE(start_help.ok());
  EXPECT_NE(start_help->exit_message->find("--price-per-second"), std::string::npos);

  auto nothing = Parse({});
  ASSERT_TRUE(nothing.ok());
  EXPECT_NE(nothing->exit_code, 0);
  auto unknown = Parse(With({"--frobnicate"}));
  ASSERT_TRUE(unknown.ok());
  EXPECT_NE(unknown->exit_code, 0);
  auto no_datadir = Parse({"start", "--miner-key", "k"});
  ASSERT_TRUE(no_datadir.ok());
  EXPECT_NE(no_datadir->exit_code, 0);
}

}  // namespace
}  // namespace aitbc::miner
