#include "miner/config.h"

#include <charconv>
#include <cstdlib>
#include <map>
#include <sstream>

#include <toml++/toml.h>
#include <CLI/CLI.hpp>

#include "core/file_util.h"
#include "net/http_client.h"
#include "net/http_server.h"

namespace aitbc::miner {
namespace {

core::Error Bad(std::string_view option, std::string message) {
  return core::Error::InvalidArgument("--" + std::string(option) + ": " + std::move(message));
}

core::Result<int64_t> ParseInt(std::string_view option, const std::string& text, int64_t lo,
                               int64_t hi) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Bad(option, "expected an integer, got \"" + text + "\"");
  }
  if (value < lo || value > hi) {
    return Bad(option, "must be from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return value;
}

core::Result<double> ParseFraction(std::string_view option, const std::string& text) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(value >= 0.0 && value <= 1.0)) {
    return Bad(option, "expected a number from 0 to 1, got \"" + text + "\"");
  }
  return value;
}

core::Result<bool> ParseBool(std::string_view option, const std::string& text) {
  if (text == "true" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "no") return false;
  return Bad(option, "expected true or false, got \"" + text + "\"");
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    size_t b = item.find_first_not_of(' ');
    size_t e = item.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

using Setter = std::function<core::Status(MinerConfig&, const std::string&)>;

struct OptionSpec {
  std::string name;  // "price-per-second"
  std::string help;
  bool is_flag = false;
  Setter set;
};

Setter String(std::string MinerConfig::*field) {
  return [field](MinerConfig& c, const std::string& v) -> core::Status {
    c.*field = v;
    return core::Ok();
  };
}

Setter Int(std::string option, int64_t MinerConfig::*field, int64_t lo, int64_t hi) {
  return [option, field, lo, hi](MinerConfig& c, const std::string& v) -> core::Status {
    AITBC_ASSIGN_OR_RETURN(c.*field, ParseInt(option, v, lo, hi));
    return core::Ok();
  };
}

Setter Uint32(std::string option, uint32_t MinerConfig::*field, int64_t lo, int64_t hi) {
  return [option, field, lo, hi](MinerConfig& c, const std::string& v) -> core::Status {
    AITBC_ASSIGN_OR_RETURN(int64_t n, ParseInt(option, v, lo, hi));
    c.*field = static_cast<uint32_t>(n);
    return core::Ok();
  };
}

Setter Price(std::string option, core::Amount protocol::Price::*field) {
  return [option, field](MinerConfig& c, const std::string& v) -> core::Status {
    core::Result<core::Amount> amount = core::Amount::Parse(v);
    if (!amount.ok()) return Bad(option, amount.error().message());
    c.price.*field = *amount;
    return core::Ok();
  };
}

const std::vector<OptionSpec>& StartOptions() {
  static const std::vector<OptionSpec> kOptions = {
      {"coordinator", "the coordinator's URL (default http://127.0.0.1:8000)", false,
       String(&MinerConfig::coordinator)},
      {"miner-key", "the miner API key from the coordinator's operator (or AITBC_MINER_KEY)", false,
       String(&MinerConfig::miner_key)},
      {"listen", "HOST:PORT to serve on (default 127.0.0.1:8005; port 0 picks one)", false,
       String(&MinerConfig::listen)},
      {"advertise-url", "the URL the coordinator pushes jobs to (default http://HOST:PORT)", false,
       String(&MinerConfig::advertise_url)},
      {"backend", "ollama (default), openai or sim", false, String(&MinerConfig::backend)},
      {"ollama-url", "Ollama's URL (default http://127.0.0.1:11434)", false,
       String(&MinerConfig::ollama_url)},
      {"ollama-api", "auto (generate, or chat with a system prompt), generate or chat", false,
       String(&MinerConfig::ollama_api)},
      {"openai-url", "an OpenAI-compatible server's URL (default http://127.0.0.1:8080)", false,
       String(&MinerConfig::openai_url)},
      {"openai-api", "chat (default) or completions", false, String(&MinerConfig::openai_api)},
      {"openai-api-key", "sent as Authorization: Bearer to the OpenAI-compatible server", false,
       String(&MinerConfig::openai_api_key)},
      {"slots", "jobs run at the same time (default 1)", false,
       Uint32("slots", &MinerConfig::slots, 1, 1024)},
      {"price-per-second", "asking price per second of compute (default 0.02aitbc)", false,
       Price("price-per-second", &protocol::Price::per_second)},
      {"price-per-1k-tokens", "asking price per 1,000 generated tokens (default 0)", false,
       Price("price-per-1k-tokens", &protocol::Price::per_1k_tokens)},
      {"backend-timeout-ms", "longest silence of the backend before a job times out", false,
       Int("backend-timeout-ms", &MinerConfig::backend_timeout_ms, 1, 86'400'000)},
      {"max-job-ms", "time limit of a job whose assignment has no deadline", false,
       Int("max-job-ms", &MinerConfig::max_job_ms, 1, 86'400'000)},
      {"sim-latency-ms", "simulated backend: latency of each job (default 200)", false,
       Int("sim-latency-ms", &MinerConfig::sim_latency_ms, 0, 3'600'000)},
      {"sim-ms-per-token", "simulated backend: extra latency per token (default 0)", false,
       Int("sim-ms-per-token", &MinerConfig::sim_ms_per_token, 0, 60'000)},
      {"sim-failure-rate", "simulated backend: share of jobs that fail, 0..1 (default 0)", false,
       [](MinerConfig& c, const std::string& v) -> core::Status {
         AITBC_ASSIGN_OR_RETURN(c.sim_failure_rate, ParseFraction("sim-failure-rate", v));
         return core::Ok();
       }},
      {"sim-models", "simulated backend: comma-separated models (default llama3.2:latest)", false,
       [](MinerConfig& c, const std::string& v) -> core::Status {
         c.sim_models = SplitList(v);
         return core::Ok();
       }},
      {"gpu-index", "the NVML index of the GPU to report (default 0)", false,
       Uint32("gpu-index", &MinerConfig::gpu_index, 0, 1023)},
      {"no-gpu", "do not load NVML: report no GPU", true,
       [](MinerConfig& c, const std::string& v) -> core::Status {
         AITBC_ASSIGN_OR_RETURN(c.no_gpu, ParseBool("no-gpu", v));
         return core::Ok();
       }},
      {"gpu-sample-ms", "GPU utilisation sampling period during a job (default 200)", false,
       Int("gpu-sample-ms", &MinerConfig::gpu_sample_ms, 10, 60'000)},
      {"shutdown-grace-ms", "on SIGTERM, how long running jobs may finish (default 10000)", false,
       Int("shutdown-grace-ms", &MinerConfig::shutdown_grace_ms, 0, 3'600'000)},
      {"flush-timeout-ms", "on SIGTERM, how long to try delivering pending reports", false,
       Int("flush-timeout-ms", &MinerConfig::flush_timeout_ms, 0, 3'600'000)},
      {"log-file", "append the log to this file (default: stderr)", false,
       String(&MinerConfig::log_file)},
      {"log-level", "trace, debug, info (default), warn, error", false,
       String(&MinerConfig::log_level)},
  };
  return kOptions;
}

const OptionSpec* FindOption(std::string name) {
  for (char& c : name) {
    if (c == '_') c = '-';
  }
  if (name == "datadir") {
    static const OptionSpec kDatadir{"datadir", "", false, String(&MinerConfig::datadir)};
    return &kDatadir;
  }
  for (const auto& spec : StartOptions()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

// A TOML value as the text a flag would carry.
core::Result<std::string> TomlValueText(const std::string& key, const toml::node& node) {
  if (auto s = node.as_string()) return s->get();
  if (auto i = node.as_integer()) return std::to_string(i->get());
  if (auto f = node.as_floating_point()) {
    std::ostringstream out;
    out.precision(17);
    out << f->get();
    return out.str();
  }
  if (auto b = node.as_boolean()) return std::string(b->get() ? "true" : "false");
  if (auto array = node.as_array()) {
    std::string joined;
    for (const auto& item : *array) {
      auto text = item.as_string();
      if (!text) return core::Error::InvalidArgument("config key '" + key + "': expected strings");
      joined += (joined.empty() ? "" : ",") + text->get();
    }
    return joined;
  }
  return core::Error::InvalidArgument("config key '" + key + "' has an unsupported type");
}

}  // namespace

core::Status ApplyToml(std::string_view toml_text, MinerConfig& config) {
  toml::table table;
  try {
    table = toml::parse(toml_text);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << e.source().begin;
    return core::Error::InvalidArgument("config file: " + std::string(e.description()) + " at " +
                                        where.str());
  }
  for (const auto& [key, node] : table) {
    std::string name(key.str());
    const OptionSpec* spec = FindOption(name);
    if (!spec) return core::Error::InvalidArgument("config file: unknown key '" + name + "'");
    AITBC_ASSIGN_OR_RETURN(std::string text, TomlValueText(name, node));
    core::Status set = spec->set(config, text);
    if (!set.ok()) return set.error().WithContext("config file");
  }
  return core::Ok();
}

core::Status MinerConfig::Validate() const {
  if (datadir.empty()) return core::Error::InvalidArgument("--datadir is required");
  if (miner_key.empty()) {
    return core::Error::InvalidArgument(
        "a miner API key is required: --miner-key, AITBC_MINER_KEY or miner_key in the config "
        "(create one with `aitbc-coordinator keys create --role miner`)");
  }
  if (auto url = net::Url::Parse(coordinator); !url.ok()) {
    return Bad("coordinator", url.error().message());
  }
  if (auto addr = net::ParseListenAddress(listen); !addr.ok()) {
    return Bad("listen", addr.error().message());
  }
  if (!advertise_url.empty()) {
    if (auto url = net::Url::Parse(advertise_url); !url.ok()) {
      return Bad("advertise-url", url.error().message());
    }
  }
  if (backend == "ollama") {
    if (auto url = net::Url::Parse(ollama_url); !url.ok()) {
      return Bad("ollama-url", url.error().message());
    }
  } else if (backend == "openai") {
    if (auto url = net::Url::Parse(openai_url); !url.ok()) {
      return Bad("openai-url", url.error().message());
    }
  } else if (backend == "sim") {
    if (sim_models.empty()) return Bad("sim-models", "name at least one model");
  } else {
    return Bad("backend", "must be ollama, openai or sim, not \"" + backend + "\"");
  }
  if (ollama_api != "auto" && ollama_api != "generate" && ollama_api != "chat") {
    return Bad("ollama-api", "must be auto, generate or chat");
  }
  if (openai_api != "chat" && openai_api != "completions") {
    return Bad("openai-api", "must be chat or completions");
  }
  if (slots == 0 || slots > 1024) return Bad("slots", "must be from 1 to 1024");
  return core::Ok();
}

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

core::Result<CommandLine> ParseCommandLine(int argc, const char* const* argv,
                                           const EnvLookup& env) {
  CLI::App app{"aitbc-miner: runs AI inference jobs for an AITBC coordinator"};
  app.require_subcommand(1);
  std::string init_datadir;
  CLI::App* init = app.add_subcommand("init", "create the miner's Ed25519 key in the data dir");
  init->add_option("--datadir", init_datadir, "the miner's data directory")->required();

  CLI::App* start = app.add_subcommand("start", "serve jobs until SIGTERM");
  std::string start_datadir, config_file;
  start->add_option("--datadir", start_datadir, "the miner's data directory")->required();
  start->add_option("--config", config_file, "a TOML file with these options (flags win)");
  std::map<std::string, std::string> values;
  std::map<std::string, bool> flags;
  std::map<std::string, CLI::Option*> given;
  for (const auto& spec : StartOptions()) {
    if (spec.is_flag) {
      given[spec.name] = start->add_flag("--" + spec.name, flags[spec.name], spec.help);
    } else {
      given[spec.name] = start->add_option("--" + spec.name, values[spec.name], spec.help);
    }
  }

  CommandLine out;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream stream_out, stream_err;
    out.exit_code = app.exit(e, stream_out, stream_err);
    out.exit_message = stream_out.str() + stream_err.str();
    return out;
  }

  if (init->parsed()) {
    out.command = MinerCommand::kInit;
    out.config.datadir = init_datadir;
    return out;
  }
  out.command = MinerCommand::kStart;
  MinerConfig& config = out.config;
  config.datadir = start_datadir;
  config.config_file = config_file;
  if (!config_file.empty()) {
    AITBC_ASSIGN_OR_RETURN(std::string text, core::ReadFile(config_file));
    AITBC_TRY(ApplyToml(text, config));
    config.datadir = start_datadir;  // the flag is required and wins
  }
  if (auto key = env("AITBC_MINER_KEY"); key && !key->empty()) config.miner_key = *key;
  for (const auto& spec : StartOptions()) {
    if (given[spec.name]->count() == 0) continue;
    std::string text = spec.is_flag ? (flags[spec.name] ? "true" : "false") : values[spec.name];
    AITBC_TRY(spec.set(config, text));
  }
  AITBC_TRY(config.Validate());
  return out;
}

}  // namespace aitbc::miner
