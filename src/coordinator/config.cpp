#include "coordinator/config.h"

#include <toml++/toml.h>

#include <functional>
#include <map>
#include <tuple>

namespace aitbc::coordinator {

std::string Config::database_url() const { return db.empty() ? datadir + "/coordinator.db" : db; }

namespace {

core::Error BadKey(const std::string& path, const std::string& key, const std::string& want) {
  return core::Error::InvalidArgument(path + ": key '" + key + "' must be " + want);
}

}  // namespace

core::Status ApplyToml(const std::string& path, Config& c) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return core::Error::InvalidArgument(path + ": " + std::string(e.description()));
  }
  using Setter = std::function<core::Status(const std::string&, const toml::node&)>;
  auto str = [&](std::string& field) -> Setter {
    return [&field, &path](const std::string& key, const toml::node& n) -> core::Status {
      auto v = n.value<std::string>();
      if (!n.is_string() || !v) return BadKey(path, key, "a string");
      field = *v;
      return core::Ok();
    };
  };
  auto boolean = [&](bool& field) -> Setter {
    return [&field, &path](const std::string& key, const toml::node& n) -> core::Status {
      auto v = n.value<bool>();
      if (!n.is_boolean() || !v) return BadKey(path, key, "true or false");
      field = *v;
      return core::Ok();
    };
  };
  auto integer = [&](auto& field) -> Setter {
    return [&field, &path](const std::string& key, const toml::node& n) -> core::Status {
      auto v = n.value<int64_t>();
      if (!n.is_integer() || !v || *v < 0) return BadKey(path, key, "a non-negative integer");
      field = static_cast<std::remove_reference_t<decltype(field)>>(*v);
      return core::Ok();
    };
  };
  auto number = [&](double& field) -> Setter {
    return [&field, &path](const std::string& key, const toml::node& n) -> core::Status {
      auto v = n.value<double>();
      if (!n.is_number() || !v || *v < 0) return BadKey(path, key, "a non-negative number");
      field = *v;
      return core::Ok();
    };
  };
  auto amount = [&](core::Amount& field) -> Setter {
    return [&field, &path](const std::string& key, const toml::node& n) -> core::Status {
      auto v = n.value<std::string>();
      if (!n.is_string() || !v) return BadKey(path, key, "an amount string such as \"1aitbc\"");
      auto parsed = core::Amount::Parse(*v);
      if (!parsed.ok()) return BadKey(path, key, "an amount: " + parsed.error().message());
      field = *parsed;
      return core::Ok();
    };
  };
  std::map<std::string, Setter> setters = {
      {"listen", str(c.listen)},
      {"node", str(c.node_url)},
      {"db", str(c.db)},
      {"log_file", str(c.log_file)},
      {"log_level", str(c.log_level)},
      {"allow_sim_miners", boolean(c.allow_sim_miners)},
      {"queue_timeout_ms", integer(c.queue_timeout_ms)},
      {"max_attempts", integer(c.max_attempts)},
      {"start_timeout_ms", integer(c.start_timeout_ms)},
      {"run_timeout_ms", integer(c.run_timeout_ms)},
      {"push_timeout_ms", integer(c.push_timeout_ms)},
      {"heartbeat_interval_ms", integer(c.heartbeat_interval_ms)},
      {"restart_grace_ms", integer(c.restart_grace_ms)},
      {"default_max_price", amount(c.default_max_price)},
      {"escrow_expiry_blocks", integer(c.escrow_expiry_blocks)},
      {"rate_limit_per_s", number(c.rate_limit_per_s)},
      {"rate_limit_burst", number(c.rate_limit_burst)},
      {"miner_rate_limit_per_s", number(c.miner_rate_limit_per_s)},
      {"miner_rate_limit_burst", number(c.miner_rate_limit_burst)},
      {"admin_rate_limit_per_s", number(c.admin_rate_limit_per_s)},
      {"admin_rate_limit_burst", number(c.admin_rate_limit_burst)},
      {"follower_poll_ms", integer(c.follower_poll_ms)},
      {"reconcile_after_ms", integer(c.reconcile_after_ms)},
      {"stake_refresh_ms", integer(c.stake_refresh_ms)},
      {"balance_check_ms", integer(c.balance_check_ms)},
      {"threads", integer(c.threads)},
      {"sqlite_full_sync", boolean(c.sqlite_full_sync)},
      {"max_body_bytes", integer(c.max_body_bytes)},
      {"weight_stake", number(c.weights.stake)},
      {"weight_reputation", number(c.weights.reputation)},
      {"weight_capacity", number(c.weights.capacity)},
  };
  for (const auto& [key, node] : table) {
    std::string name(key.str());
    auto it = setters.find(name);
    if (it == setters.end()) {
      return core::Error::InvalidArgument(path + ": unknown key '" + name + "'");
    }
    AITBC_TRY(it->second(name, node));
  }
  return core::Ok();
}

core::Status Validate(const Config& c) {
  if (c.datadir.empty()) return core::Error::InvalidArgument("--datadir is required");
  if (c.max_attempts == 0) return core::Error::InvalidArgument("max_attempts must be at least 1");
  if (c.threads == 0 || c.threads > 64) {
    return core::Error::InvalidArgument("threads must be 1 to 64");
  }
  for (auto [name, v] : {std::pair{"queue_timeout_ms", c.queue_timeout_ms},
                         {"start_timeout_ms", c.start_timeout_ms},
                         {"run_timeout_ms", c.run_timeout_ms},
                         {"push_timeout_ms", c.push_timeout_ms},
                         {"heartbeat_interval_ms", c.heartbeat_interval_ms},
                         {"follower_poll_ms", c.follower_poll_ms},
                         {"balance_check_ms", c.balance_check_ms}}) {
    if (v <= 0) return core::Error::InvalidArgument(std::string(name) + " must be positive");
  }
  if (c.default_max_price.micro() == 0) {
    return core::Error::InvalidArgument("default_max_price must be above zero");
  }
  if (c.escrow_expiry_blocks == 0) {
    return core::Error::InvalidArgument("escrow_expiry_blocks must be at least 1");
  }
  for (auto [prefix, rate, burst] :
       {std::tuple{"", c.rate_limit_per_s, c.rate_limit_burst},
        std::tuple{"miner_", c.miner_rate_limit_per_s, c.miner_rate_limit_burst},
        std::tuple{"admin_", c.admin_rate_limit_per_s, c.admin_rate_limit_burst}}) {
    // A bucket smaller than one request would refuse every request.
    if (rate > 0 && burst < 1) {
      return core::Error::InvalidArgument(std::string(prefix) +
                                          "rate_limit_burst must be at least 1 when " + prefix +
                                          "rate_limit_per_s is above 0");
    }
  }
  if (c.max_body_bytes < (64 << 10)) {
    return core::Error::InvalidArgument("max_body_bytes must be at least 65536");
  }
  return core::Ok();
}

}  // namespace aitbc::coordinator
