#include "cli/config.h"

#include <cstdlib>
#include <sstream>

#include <toml++/toml.h>

#include "core/file_util.h"

namespace aitbc::cli {

namespace {

constexpr const char* kVariables[] = {"AITBC_URL",
                                      "CLIENT_API_KEY",
                                      "ADMIN_API_KEY",
                                      "AITBC_NODE_URL",
                                      "AITBC_WALLET_DIR",
                                      "AITBC_CONFIG",
                                      "AITBC_WALLET_PASSPHRASE",
                                      "AITBC_DEVNET_DIR",
                                      "HOME"};

std::string Pick(const std::optional<std::string>& flag, const Environment& env,
                 const char* variable, const std::string& file_value, const std::string& fallback) {
  if (flag) return *flag;
  auto it = env.find(variable);
  if (it != env.end() && !it->second.empty()) return it->second;
  if (!file_value.empty()) return file_value;
  return fallback;
}

}  // namespace

Environment ProcessEnvironment() {
  Environment env;
  for (const char* name : kVariables) {
    if (const char* value = std::getenv(name); value != nullptr) env[name] = value;
  }
  return env;
}

core::Result<Settings> ParseConfigToml(const std::string& text, const std::string& name) {
  toml::table table;
  try {
    table = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << e.source().begin;
    return core::Error::InvalidArgument(name + ": " + std::string(e.description()) + " at " +
                                        where.str());
  }
  Settings out;
  const std::map<std::string, std::string*> fields = {{"url", &out.url},
                                                      {"api_key", &out.api_key},
                                                      {"admin_api_key", &out.admin_key},
                                                      {"node_url", &out.node_url},
                                                      {"wallet_dir", &out.wallet_dir}};
  for (const auto& [key, node] : table) {
    auto it = fields.find(std::string(key.str()));
    if (it == fields.end()) {
      return core::Error::InvalidArgument(name + ": unknown key '" + std::string(key.str()) +
                                          "' (known: url, api_key, admin_api_key, node_url, "
                                          "wallet_dir)");
    }
    auto value = node.value<std::string>();
    if (!node.is_string() || !value) {
      return core::Error::InvalidArgument(name + ": '" + it->first + "' must be a string");
    }
    *it->second = *value;
  }
  return out;
}

core::Result<Settings> ResolveSettings(const SettingFlags& flags, const Environment& env) {
  auto get = [&env](const char* name) -> std::string {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  };
  std::string home = get("HOME");
  std::string path;
  bool required = true;
  if (flags.config_file) {
    path = *flags.config_file;
  } else if (!get("AITBC_CONFIG").empty()) {
    path = get("AITBC_CONFIG");
  } else {
    path = (home.empty() ? std::string(".") : home) + "/.aitbc/config.toml";
    required = false;
  }
  Settings file;
  auto text = core::ReadFile(path);
  if (text.ok()) {
    AITBC_ASSIGN_OR_RETURN(file, ParseConfigToml(*text, path));
  } else if (required || text.error().code() != core::ErrorCode::kNotFound) {
    return text.error().WithContext("reading the config file");
  }
  std::string default_wallets = (home.empty() ? std::string(".") : home) + "/.aitbc/wallets";
  Settings out;
  out.url = Pick(flags.url, env, "AITBC_URL", file.url, kDefaultCoordinatorUrl);
  out.api_key = Pick(flags.api_key, env, "CLIENT_API_KEY", file.api_key, "");
  out.admin_key = Pick(flags.admin_key, env, "ADMIN_API_KEY", file.admin_key, "");
  out.node_url = Pick(flags.node_url, env, "AITBC_NODE_URL", file.node_url, kDefaultNodeUrl);
  out.wallet_dir =
      Pick(flags.wallet_dir, env, "AITBC_WALLET_DIR", file.wallet_dir, default_wallets);
  return out;
}

}  // namespace aitbc::cli
