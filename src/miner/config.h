// The miner's configuration and command line (docs/miner.md, "Running a miner").
//
//   aitbc-miner init  --datadir D
//   aitbc-miner start --datadir D --coordinator URL [--miner-key KEY] [--listen HOST:PORT] ...
//
// Every `start` option can also be set in a TOML file given with --config (keys are the option
// names with '_' or '-', e.g. price_per_second = "0.02aitbc", sim_models = ["a", "b"]); flags
// override the environment (AITBC_MINER_KEY), which overrides the file. Unknown keys are errors.
// Contract: pure functions apart from reading the --config file; errors are kInvalidArgument
// naming the option (or kNotFound / kIOError for the file).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "protocol/receipt.h"

namespace aitbc::miner {

struct MinerConfig {
  std::string datadir;
  std::string coordinator = "http://127.0.0.1:8000";
  std::string miner_key;  // the X-Miner-Key API key (role miner) from the coordinator's operator
  std::string listen = "127.0.0.1:8005";
  std::string advertise_url;       // empty: http://<listen host>:<bound port>
  std::string backend = "ollama";  // ollama | openai | sim
  std::string ollama_url = "http://127.0.0.1:11434";
  std::string ollama_api = "auto";  // auto | generate | chat
  std::string openai_url = "http://127.0.0.1:8080";
  std::string openai_api = "chat";  // chat | completions
  std::string openai_api_key;
  uint32_t slots = 1;
  protocol::Price price{core::Amount::FromMicro(20'000), core::Amount::FromMicro(0)};
  int64_t backend_timeout_ms = 120'000;
  int64_t max_job_ms = 600'000;
  int64_t sim_latency_ms = 200;
  int64_t sim_ms_per_token = 0;
  double sim_failure_rate = 0.0;
  std::vector<std::string> sim_models = {"llama3.2:latest"};
  uint32_t gpu_index = 0;
  bool no_gpu = false;
  int64_t gpu_sample_ms = 200;
  int64_t shutdown_grace_ms = 10'000;
  int64_t flush_timeout_ms = 5'000;
  std::string log_file;
  std::string log_level = "info";
  std::string config_file;

  // Checks ranges and combinations (a miner key for start, a known backend, valid URLs, ...).
  core::Status Validate() const;
};

enum class MinerCommand { kInit, kStart };

struct CommandLine {
  MinerCommand command = MinerCommand::kStart;
  MinerConfig config;
  // Set when the program should print this and exit with exit_code (--help, usage errors).
  std::optional<std::string> exit_message;
  int exit_code = 0;
};

// getenv for tests: returns the variable's value or nullopt.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup ProcessEnv();

// Parses argv; for `start`, also reads --config and the environment and validates the result.
core::Result<CommandLine> ParseCommandLine(int argc, const char* const* argv, const EnvLookup& env);

// Applies a TOML document to config (the --config file's contents).
core::Status ApplyToml(std::string_view toml_text, MinerConfig& config);

}  // namespace aitbc::miner
