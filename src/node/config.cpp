#include "node/config.h"

#include <toml++/toml.h>

#include <functional>
#include <map>

namespace aitbc::node {
namespace {

using Setter = std::function<core::Status(const toml::node&)>;

core::Error WrongType(const std::string& key, std::string_view expected) {
  return core::Error::InvalidArgument("config key '" + key + "' must be " + std::string(expected));
}

Setter String(const std::string& key, std::string& out) {
  return [&out, key](const toml::node& node) -> core::Status {
    auto value = node.value<std::string>();
    if (!value) return WrongType(key, "a string");
    out = *value;
    return core::Ok();
  };
}

template <typename T>
Setter Integer(const std::string& key, T& out) {
  return [&out, key](const toml::node& node) -> core::Status {
    auto value = node.value<int64_t>();
    if (!node.is_integer() || !value || *value < 0) return WrongType(key, "a non-negative integer");
    out = static_cast<T>(*value);
    return core::Ok();
  };
}

Setter Bool(const std::string& key, bool& out) {
  return [&out, key](const toml::node& node) -> core::Status {
    auto value = node.value<bool>();
    if (!node.is_boolean() || !value) return WrongType(key, "true or false");
    out = *value;
    return core::Ok();
  };
}

Setter Strings(const std::string& key, std::vector<std::string>& out) {
  return [&out, key](const toml::node& node) -> core::Status {
    const toml::array* array = node.as_array();
    if (array == nullptr) return WrongType(key, "an array of strings");
    std::vector<std::string> values;
    for (const toml::node& item : *array) {
      auto value = item.value<std::string>();
      if (!item.is_string() || !value) return WrongType(key, "an array of strings");
      values.push_back(*value);
    }
    out = std::move(values);
    return core::Ok();
  };
}

}  // namespace

core::Status NodeConfig::Validate() const {
  if (datadir.empty()) return core::Error::InvalidArgument("--datadir is required");
  if (block_time_ms < 1) return core::Error::InvalidArgument("block_time_ms must be at least 1");
  if (idle_block_time_ms < block_time_ms) {
    return core::Error::InvalidArgument("idle_block_time_ms must be at least block_time_ms");
  }
  if (mempool_max_txs < 1 || mempool_max_bytes < 4096) {
    return core::Error::InvalidArgument(
        "mempool_max_txs must be at least 1 and mempool_max_bytes at least 4096");
  }
  if (rpc_threads < 1 || rpc_threads > 64 || verify_threads < 1 || verify_threads > 64) {
    return core::Error::InvalidArgument("rpc_threads and verify_threads must be in 1..64");
  }
  if (commit_timeout_ms < 1) {
    return core::Error::InvalidArgument("commit_timeout_ms must be at least 1");
  }
  return core::Ok();
}

core::Status LoadConfigFile(const std::string& path, NodeConfig& config) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::string where;
    if (e.source().begin) {
      where = " at line " + std::to_string(e.source().begin.line) + ", column " +
              std::to_string(e.source().begin.column);
    }
    return core::Error::InvalidArgument("config file " + path + where + ": " +
                                        std::string(e.description()));
  }
  const std::map<std::string, Setter> setters = {
      {"listen", String("listen", config.listen)},
      {"p2p_listen", String("p2p_listen", config.p2p_listen)},
      {"peers", Strings("peers", config.peers)},
      {"log_file", String("log_file", config.log_file)},
      {"log_level", String("log_level", config.log_level)},
      {"moniker", String("moniker", config.moniker)},
      {"block_time_ms", Integer("block_time_ms", config.block_time_ms)},
      {"idle_block_time_ms", Integer("idle_block_time_ms", config.idle_block_time_ms)},
      {"mempool_max_txs", Integer("mempool_max_txs", config.mempool_max_txs)},
      {"mempool_max_bytes", Integer("mempool_max_bytes", config.mempool_max_bytes)},
      {"rpc_threads", Integer("rpc_threads", config.rpc_threads)},
      {"verify_threads", Integer("verify_threads", config.verify_threads)},
      {"commit_timeout_ms", Integer("commit_timeout_ms", config.commit_timeout_ms)},
      {"verify_state_on_start", Bool("verify_state_on_start", config.verify_state_on_start)},
      {"fsync", Bool("fsync", config.fsync)},
  };
  for (const auto& [key, node] : table) {
    std::string name(key.str());
    auto setter = setters.find(name);
    if (setter == setters.end()) {
      return core::Error::InvalidArgument("config file " + path + ": unknown key '" + name + "'");
    }
    AITBC_TRY(setter->second(node));
  }
  return core::Ok();
}

}  // namespace aitbc::node
