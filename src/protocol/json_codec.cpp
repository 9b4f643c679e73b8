#include "protocol/json_codec.h"

#include <cmath>

#include "core/clock.h"

namespace aitbc::protocol {

std::string AmountToJson(core::Amount amount) { return amount.ToDecimal() + "aitbc"; }

core::Result<core::Amount> AmountFromJson(const nlohmann::json& value, std::string_view field) {
  auto fail = [field](const std::string& why) {
    return core::Error::InvalidArgument("field '" + std::string(field) + "': " + why);
  };
  if (value.is_number_unsigned()) return core::Amount::FromMicro(value.get<uint64_t>());
  if (value.is_number_integer() && value.get<int64_t>() >= 0) {
    return core::Amount::FromMicro(static_cast<uint64_t>(value.get<int64_t>()));
  }
  if (value.is_string()) {
    auto parsed = core::Amount::Parse(value.get<std::string>());
    if (!parsed.ok()) return fail(parsed.error().message());
    return parsed;
  }
  if (value.is_number_integer()) return fail("amount must not be negative");
  return fail("amount must be a string such as \"0.25aitbc\" or an integer of uaitbc");
}

nlohmann::json MetricsToJson(const Metrics& m) {
  nlohmann::json out = {{"compute_time", static_cast<double>(m.compute_ms) / 1000.0},
                        {"compute_ms", m.compute_ms},
                        {"prompt_tokens", m.prompt_tokens},
                        {"tokens_generated", m.completion_tokens}};
  if (m.gpu_utilization_bp) out["gpu_utilization"] = *m.gpu_utilization_bp / 10000.0;
  return out;
}

core::Result<Metrics> MetricsFromJson(const nlohmann::json& json) {
  if (!json.is_object()) return core::Error::InvalidArgument("'metrics' must be an object");
  Metrics m;
  AITBC_ASSIGN_OR_RETURN(m.compute_ms, GetU64(json, "compute_ms"));
  AITBC_ASSIGN_OR_RETURN(m.completion_tokens, GetU64(json, "tokens_generated"));
  if (json.contains("prompt_tokens")) {
    AITBC_ASSIGN_OR_RETURN(m.prompt_tokens, GetU64(json, "prompt_tokens"));
  }
  if (json.contains("gpu_utilization") && !json["gpu_utilization"].is_null()) {
    const auto& g = json["gpu_utilization"];
    if (!g.is_number() || g.get<double>() < 0 || g.get<double>() > 1) {
      return core::Error::InvalidArgument("'gpu_utilization' must be a number from 0 to 1");
    }
    m.gpu_utilization_bp = static_cast<uint16_t>(std::lround(g.get<double>() * 10000));
  }
  return m;
}

nlohmann::json PriceToJson(const Price& p) {
  return {{"per_second", AmountToJson(p.per_second)},
          {"per_1k_tokens", AmountToJson(p.per_1k_tokens)}};
}

core::Result<Price> PriceFromJson(const nlohmann::json& json) {
  if (!json.is_object()) return core::Error::InvalidArgument("'price' must be an object");
  Price p;
  if (!json.contains("per_second")) {
    return core::Error::InvalidArgument("missing field 'price.per_second'");
  }
  AITBC_ASSIGN_OR_RETURN(p.per_second, AmountFromJson(json["per_second"], "price.per_second"));
  if (json.contains("per_1k_tokens")) {
    AITBC_ASSIGN_OR_RETURN(p.per_1k_tokens,
                           AmountFromJson(json["per_1k_tokens"], "price.per_1k_tokens"));
  }
  return p;
}

nlohmann::json ReceiptToJson(const Receipt& r) {
  return {{"receipt_id", r.receipt_id},
          {"job_id", r.job_id},
          {"client", r.client.ToString()},
          {"miner", r.miner.ToString()},
          {"amount_paid", AmountToJson(r.amount_paid)},
          {"result_hash", r.result_hash.ToHex()},
          {"completed_at_ms", r.completed_at_ms},
          {"timestamp", core::FormatRfc3339(static_cast<int64_t>(r.completed_at_ms))},
          {"metrics", MetricsToJson(r.metrics)},
          {"price", PriceToJson(r.price)}};
}

core::Result<Receipt> ReceiptFromJson(const nlohmann::json& json) {
  if (!json.is_object()) return core::Error::InvalidArgument("receipt must be an object");
  Receipt r;
  AITBC_ASSIGN_OR_RETURN(r.receipt_id, GetString(json, "receipt_id"));
  AITBC_ASSIGN_OR_RETURN(r.job_id, GetString(json, "job_id"));
  AITBC_ASSIGN_OR_RETURN(std::string client, GetString(json, "client"));
  AITBC_ASSIGN_OR_RETURN(r.client, core::Address::Parse(client));
  AITBC_ASSIGN_OR_RETURN(std::string miner, GetString(json, "miner"));
  AITBC_ASSIGN_OR_RETURN(r.miner, core::Address::Parse(miner));
  if (!json.contains("amount_paid")) return core::Error::InvalidArgument("missing 'amount_paid'");
  AITBC_ASSIGN_OR_RETURN(r.amount_paid, AmountFromJson(json["amount_paid"], "amount_paid"));
  AITBC_ASSIGN_OR_RETURN(std::string hash, GetString(json, "result_hash"));
  AITBC_ASSIGN_OR_RETURN(r.result_hash, core::Hash256::FromHex(hash));
  AITBC_ASSIGN_OR_RETURN(r.completed_at_ms, GetU64(json, "completed_at_ms"));
  if (!json.contains("metrics")) return core::Error::InvalidArgument("missing 'metrics'");
  AITBC_ASSIGN_OR_RETURN(r.metrics, MetricsFromJson(json["metrics"]));
  if (!json.contains("price")) return core::Error::InvalidArgument("missing 'price'");
  AITBC_ASSIGN_OR_RETURN(r.price, PriceFromJson(json["price"]));
  return r;
}

namespace {

nlohmann::json PayloadToJson(const Payload& payload) {
  return std::visit(
      [](const auto& p) -> nlohmann::json {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, Transfer>) {
          return {{"to", p.to.ToString()}, {"amount", AmountToJson(p.amount)}};
        } else if constexpr (std::is_same_v<T, JobEscrow>) {
          return {{"job_id", p.job_id},
                  {"amount", AmountToJson(p.amount)},
                  {"coordinator", p.coordinator.ToString()},
                  {"expiry_height", p.expiry_height}};
        } else if constexpr (std::is_same_v<T, JobSettle>) {
          return {{"receipt", ReceiptToJson(p.receipt)},
                  {"miner_key", p.miner_key.ToHex()},
                  {"miner_signature", p.miner_signature.ToHex()}};
        } else if constexpr (std::is_same_v<T, JobRefund>) {
          return {{"job_id", p.job_id}};
        } else {
          return {{"amount", AmountToJson(p.amount)}};
        }
      },
      payload);
}

}  // namespace

nlohmann::json TxToJson(const TxEnvelope& env) {
  const Transaction& tx = env.tx;
  return {{"hash", env.hash.ToHex()},         {"type", TxTypeName(tx.type())},
          {"chain_id", tx.chain_id},          {"sender", tx.sender_address().ToString()},
          {"sender_key", tx.sender.ToHex()},  {"nonce", tx.nonce},
          {"fee", AmountToJson(tx.fee)},      {"payload", PayloadToJson(tx.payload)},
          {"signature", tx.signature.ToHex()}};
}

nlohmann::json BlockHeaderToJson(const BlockHeader& h) {
  return {{"hash", h.Hash().ToHex()},
          {"chain_id", h.chain_id},
          {"height", h.height},
          {"time_ms", h.time_ms},
          {"time", core::FormatRfc3339(static_cast<int64_t>(h.time_ms))},
          {"prev_hash", h.prev_hash.ToHex()},
          {"tx_root", h.tx_root.ToHex()},
          {"tx_count", h.tx_count},
          {"state_hash", h.state_hash.ToHex()},
          {"proposer", core::Address::FromPublicKey(h.proposer).ToString()},
          {"proposer_key", h.proposer.ToHex()}};
}

core::Result<std::string> GetString(const nlohmann::json& obj, std::string_view field) {
  if (!obj.is_object()) return core::Error::InvalidArgument("expected a JSON object");
  auto it = obj.find(field);
  if (it == obj.end()) {
    return core::Error::InvalidArgument("missing field '" + std::string(field) + "'");
  }
  if (!it->is_string()) {
    return core::Error::InvalidArgument("field '" + std::string(field) + "' must be a string");
  }
  return it->get<std::string>();
}

core::Result<uint64_t> GetU64(const nlohmann::json& obj, std::string_view field) {
  if (!obj.is_object()) return core::Error::InvalidArgument("expected a JSON object");
  auto it = obj.find(field);
  if (it == obj.end()) {
    return core::Error::InvalidArgument("missing field '" + std::string(field) + "'");
  }
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer() && it->get<int64_t>() >= 0) {
    return static_cast<uint64_t>(it->get<int64_t>());
  }
  // Heights and counts may also come as decimal strings (CometBFT habit).
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    if (!s.empty() && s.size() <= 20 && s.find_first_not_of("0123456789") == std::string::npos) {
      unsigned __int128 v = 0;
      for (char c : s) v = v * 10 + static_cast<unsigned>(c - '0');
      if (v <= UINT64_MAX) return static_cast<uint64_t>(v);
    }
  }
  return core::Error::InvalidArgument("field '" + std::string(field) +
                                      "' must be a non-negative integer");
}

}  // namespace aitbc::protocol
