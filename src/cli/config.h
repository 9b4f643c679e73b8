// The `aitbc` command's configuration: where the coordinator and the node are, and the API keys.
//
// Sources, highest precedence first: command-line flags, environment variables, the config
// file, built-in defaults.
//
//   setting      flag          environment       config file (TOML)   default
//   url          --url         AITBC_URL         url                  http://127.0.0.1:8000
//   api_key      --api-key     CLIENT_API_KEY    api_key              (none)
//   admin_key    --admin-key   ADMIN_API_KEY     admin_api_key        (none)
//   node_url     --node        AITBC_NODE_URL    node_url             http://127.0.0.1:8006
//   wallet_dir   --wallet-dir  AITBC_WALLET_DIR  wallet_dir           ~/.aitbc/wallets
//
// The config file is --config FILE, else $AITBC_CONFIG, else ~/.aitbc/config.toml; a missing
// default file is not an error, a missing named file is.
// Contract: pure apart from reading the file; errors are kInvalidArgument (bad TOML, a key of
// the wrong type, an unknown key) naming the file and the key, or kNotFound.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/result.h"

namespace aitbc::cli {

inline constexpr const char* kDefaultCoordinatorUrl = "http://127.0.0.1:8000";
inline constexpr const char* kDefaultNodeUrl = "http://127.0.0.1:8006";

struct Settings {
  std::string url;
  std::string api_key;
  std::string admin_key;
  std::string node_url;
  std::string wallet_dir;
};

// What the flags said (unset = not given).
struct SettingFlags {
  std::optional<std::string> url;
  std::optional<std::string> api_key;
  std::optional<std::string> admin_key;
  std::optional<std::string> node_url;
  std::optional<std::string> wallet_dir;
  std::optional<std::string> config_file;
};

using Environment = std::map<std::string, std::string>;
// The process's environment (only the variables above and HOME).
Environment ProcessEnvironment();

// Parses a config file's text; `name` is used in error messages.
core::Result<Settings> ParseConfigToml(const std::string& text, const std::string& name);

// Combines flags, environment, config file and defaults.
core::Result<Settings> ResolveSettings(const SettingFlags& flags, const Environment& env);

}  // namespace aitbc::cli
