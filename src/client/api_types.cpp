#include "client/api_types.h"

#include <cctype>
#include <ctime>

#include "protocol/json_codec.h"

namespace aitbc::client {

namespace {

core::Error Malformed(std::string_view what, std::string_view field, std::string_view why) {
  return core::Error::Corruption("malformed " + std::string(what) +
                                 " from the coordinator: field '" + std::string(field) + "' " +
                                 std::string(why));
}

bool Absent(const nlohmann::json& obj, std::string_view field) {
  auto it = obj.find(field);
  return it == obj.end() || it->is_null();
}

// "" when absent or null.
core::Result<std::string> OptString(const nlohmann::json& obj, std::string_view field,
                                    std::string_view what) {
  if (Absent(obj, field)) return std::string();
  const auto& v = obj.at(std::string(field));
  if (!v.is_string()) return Malformed(what, field, "must be a string");
  return v.get<std::string>();
}

core::Result<std::string> NeedString(const nlohmann::json& obj, std::string_view field,
                                     std::string_view what) {
  if (Absent(obj, field)) return Malformed(what, field, "is missing");
  return OptString(obj, field, what);
}

core::Result<uint64_t> OptU64(const nlohmann::json& obj, std::string_view field,
                              std::string_view what) {
  if (Absent(obj, field)) return uint64_t{0};
  const auto& v = obj.at(std::string(field));
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0)
    return static_cast<uint64_t>(v.get<int64_t>());
  return Malformed(what, field, "must be a non-negative integer");
}

core::Result<std::optional<int64_t>> OptTime(const nlohmann::json& obj, std::string_view field,
                                             std::string_view what) {
  if (Absent(obj, field)) return std::optional<int64_t>();
  const auto& v = obj.at(std::string(field));
  if (!v.is_string()) return Malformed(what, field, "must be an RFC 3339 time string");
  auto ms = ParseRfc3339(v.get<std::string>());
  if (!ms.ok()) return Malformed(what, field, ms.error().message());
  return std::optional<int64_t>(*ms);
}

core::Result<std::optional<core::Amount>> OptAmount(const nlohmann::json& obj,
                                                    std::string_view field, std::string_view what) {
  if (Absent(obj, field)) return std::optional<core::Amount>();
  auto amount = protocol::AmountFromJson(obj.at(std::string(field)), field);
  if (!amount.ok()) return Malformed(what, field, amount.error().message());
  return std::optional<core::Amount>(*amount);
}

core::Result<EscrowView> EscrowFromJson(const nlohmann::json& json) {
  EscrowView e;
  if (json.is_null()) return e;
  if (!json.is_object()) return Malformed("job", "escrow", "must be an object");
  constexpr std::string_view kWhat = "escrow";
  AITBC_ASSIGN_OR_RETURN(e.status, OptString(json, "status", kWhat));
  AITBC_ASSIGN_OR_RETURN(e.amount, OptAmount(json, "amount", kWhat));
  AITBC_ASSIGN_OR_RETURN(e.fee, OptAmount(json, "fee", kWhat));
  AITBC_ASSIGN_OR_RETURN(e.tx_hash, OptString(json, "tx_hash", kWhat));
  AITBC_ASSIGN_OR_RETURN(e.block_height, OptU64(json, "block_height", kWhat));
  AITBC_ASSIGN_OR_RETURN(e.expiry_height, OptU64(json, "expiry_height", kWhat));
  return e;
}

core::Result<SettlementView> SettlementFromJson(const nlohmann::json& json) {
  SettlementView s;
  if (json.is_null()) return s;
  if (!json.is_object()) return Malformed("job", "settlement", "must be an object");
  constexpr std::string_view kWhat = "settlement";
  AITBC_ASSIGN_OR_RETURN(s.type, OptString(json, "type", kWhat));
  AITBC_ASSIGN_OR_RETURN(s.status, OptString(json, "status", kWhat));
  AITBC_ASSIGN_OR_RETURN(s.tx_hash, OptString(json, "tx_hash", kWhat));
  AITBC_ASSIGN_OR_RETURN(s.block_height, OptU64(json, "block_height", kWhat));
  return s;
}

int DaysFromCivil(int y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm: days since 1970-01-01 of a proleptic Gregorian date.
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

}  // namespace

core::Result<int64_t> ParseRfc3339(std::string_view text) {
  auto bad = [&text]() {
    return core::Error::InvalidArgument("not an RFC 3339 time: '" + std::string(text) + "'");
  };
  size_t pos = 0;
  auto digits = [&](size_t n, int& out) {
    if (pos + n > text.size()) return false;
    out = 0;
    for (size_t i = 0; i < n; ++i) {
      char c = text[pos + i];
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
      out = out * 10 + (c - '0');
    }
    pos += n;
    return true;
  };
  auto expect = [&](char c) {
    if (pos >= text.size() || text[pos] != c) return false;
    ++pos;
    return true;
  };
  int year, month, day, hour, minute, second;
  if (!digits(4, year) || !expect('-') || !digits(2, month) || !expect('-') || !digits(2, day)) {
    return bad();
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) {
    return bad();
  }
  ++pos;
  if (!digits(2, hour) || !expect(':') || !digits(2, minute) || !expect(':') ||
      !digits(2, second)) {
    return bad();
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return bad();
  }
  int64_t millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t scale = 100;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      millis += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad();
  }
  int64_t offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!digits(2, oh) || !expect(':') || !digits(2, om) || oh > 23 || om > 59) return bad();
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return bad();
  }
  if (pos != text.size()) return bad();
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1000 + millis;
}

nlohmann::json SubmitRequest::ToJson() const {
  nlohmann::json out = spec.ToJson();
  if (max_price) out["max_price"] = protocol::AmountToJson(*max_price);
  return out;
}

bool JobView::terminal() const {
  return status == "completed" || status == "failed" || status == "cancelled";
}

std::optional<int64_t> JobView::DurationMs() const {
  std::optional<int64_t> end = completed_at_ms ? completed_at_ms : ended_at_ms;
  if (!submitted_at_ms || !end) return std::nullopt;
  if (*end < *submitted_at_ms) return int64_t{0};
  return *end - *submitted_at_ms;
}

bool JobView::WholeSecondTimes() const {
  std::optional<int64_t> end = completed_at_ms ? completed_at_ms : ended_at_ms;
  return submitted_at_ms && end && *submitted_at_ms % 1000 == 0 && *end % 1000 == 0;
}

core::Result<JobView> JobViewFromJson(const nlohmann::json& json) {
  constexpr std::string_view kWhat = "job";
  if (!json.is_object()) {
    return core::Error::Corruption("malformed job from the coordinator: not a JSON object");
  }
  JobView j;
  j.raw = json;
  AITBC_ASSIGN_OR_RETURN(j.job_id, NeedString(json, "job_id", kWhat));
  AITBC_ASSIGN_OR_RETURN(j.status, NeedString(json, "status", kWhat));
  AITBC_ASSIGN_OR_RETURN(j.result, OptString(json, "result", kWhat));
  AITBC_ASSIGN_OR_RETURN(j.receipt_id, OptString(json, "receipt_id", kWhat));
  AITBC_ASSIGN_OR_RETURN(j.submitted_at_ms, OptTime(json, "submitted_at", kWhat));
  AITBC_ASSIGN_OR_RETURN(j.assigned_at_ms, OptTime(json, "assigned_at", kWhat));
  AITBC_ASSIGN_OR_RETURN(j.started_at_ms, OptTime(json, "started_at", kWhat));
  AITBC_ASSIGN_OR_RETURN(j.completed_at_ms, OptTime(json, "completed_at", kWhat));
  AITBC_ASSIGN_OR_RETURN(j.ended_at_ms, OptTime(json, "ended_at", kWhat));
  AITBC_ASSIGN_OR_RETURN(j.model, OptString(json, "model", kWhat));
  AITBC_ASSIGN_OR_RETURN(j.miner, OptString(json, "miner", kWhat));
  AITBC_ASSIGN_OR_RETURN(j.cost, OptAmount(json, "cost", kWhat));
  // "error" is a string; tolerate the {"code","message"} object form too.
  if (!Absent(json, "error") && json["error"].is_object()) {
    AITBC_ASSIGN_OR_RETURN(j.error, OptString(json["error"], "message", kWhat));
  } else {
    AITBC_ASSIGN_OR_RETURN(j.error, OptString(json, "error", kWhat));
  }
  AITBC_ASSIGN_OR_RETURN(uint64_t attempts, OptU64(json, "attempts", kWhat));
  j.attempts = static_cast<uint32_t>(std::min<uint64_t>(attempts, UINT32_MAX));
  if (json.contains("escrow")) {
    AITBC_ASSIGN_OR_RETURN(j.escrow, EscrowFromJson(json["escrow"]));
  }
  if (json.contains("settlement")) {
    AITBC_ASSIGN_OR_RETURN(j.settlement, SettlementFromJson(json["settlement"]));
  }
  return j;
}

core::Result<JobPage> JobPageFromJson(const nlohmann::json& json) {
  constexpr std::string_view kWhat = "job list";
  if (!json.is_object()) {
    return core::Error::Corruption("malformed job list from the coordinator: not a JSON object");
  }
  JobPage page;
  page.raw = json;
  auto it = json.find("jobs");
  if (it == json.end() || !it->is_array()) return Malformed(kWhat, "jobs", "must be an array");
  for (const auto& item : *it) {
    AITBC_ASSIGN_OR_RETURN(JobView job, JobViewFromJson(item));
    page.jobs.push_back(std::move(job));
  }
  AITBC_ASSIGN_OR_RETURN(page.next_cursor, OptString(json, "next_cursor", kWhat));
  return page;
}

core::Result<ReceiptView> ReceiptViewFromJson(const nlohmann::json& json) {
  constexpr std::string_view kWhat = "receipt";
  if (!json.is_object()) {
    return core::Error::Corruption("malformed receipt from the coordinator: not a JSON object");
  }
  ReceiptView r;
  r.raw = json;
  nlohmann::json body = json;
  // completed_at_ms is the signed value; "timestamp" (seconds) is its readable form.
  if (!body.contains("completed_at_ms") && body.contains("timestamp") &&
      body["timestamp"].is_string()) {
    auto ms = ParseRfc3339(body["timestamp"].get<std::string>());
    if (ms.ok()) body["completed_at_ms"] = static_cast<uint64_t>(*ms);
  }
  auto receipt = protocol::ReceiptFromJson(body);
  if (!receipt.ok()) {
    return core::Error::Corruption("malformed receipt from the coordinator: " +
                                   receipt.error().message());
  }
  r.receipt = std::move(*receipt);
  AITBC_ASSIGN_OR_RETURN(r.block_height, OptU64(json, "block_height", kWhat));
  AITBC_ASSIGN_OR_RETURN(r.settle_tx, OptString(json, "settle_tx", kWhat));
  AITBC_ASSIGN_OR_RETURN(r.coordinator, OptString(json, "coordinator", kWhat));
  AITBC_ASSIGN_OR_RETURN(r.status, OptString(json, "status", kWhat));
  AITBC_ASSIGN_OR_RETURN(std::string miner_key, OptString(json, "miner_key", kWhat));
  if (!miner_key.empty()) {
    auto key = core::PublicKey::FromHex(miner_key);
    if (!key.ok()) return Malformed(kWhat, "miner_key", key.error().message());
    r.miner_key = *key;
  }
  AITBC_ASSIGN_OR_RETURN(std::string miner_sig, OptString(json, "miner_signature", kWhat));
  if (!miner_sig.empty()) {
    auto sig = core::Signature::FromHex(miner_sig);
    if (!sig.ok()) return Malformed(kWhat, "miner_signature", sig.error().message());
    r.miner_signature = *sig;
  }
  return r;
}

core::Result<std::vector<MinerView>> MinersFromJson(const nlohmann::json& json) {
  constexpr std::string_view kWhat = "miner";
  const nlohmann::json* list = &json;
  if (json.is_object() && json.contains("miners")) list = &json["miners"];
  if (!list->is_array()) {
    return core::Error::Corruption("malformed miner list from the coordinator: not an array");
  }
  std::vector<MinerView> out;
  for (const auto& item : *list) {
    if (!item.is_object()) return Malformed(kWhat, "miners[]", "must be an object");
    MinerView m;
    m.raw = item;
    AITBC_ASSIGN_OR_RETURN(m.miner_id, OptString(item, "miner_id", kWhat));
    if (m.miner_id.empty()) {
      AITBC_ASSIGN_OR_RETURN(m.miner_id, OptString(item, "id", kWhat));
    }
    AITBC_ASSIGN_OR_RETURN(m.address, OptString(item, "address", kWhat));
    if (m.address.empty()) {
      AITBC_ASSIGN_OR_RETURN(std::string public_key, OptString(item, "public_key", kWhat));
      if (auto key = core::PublicKey::FromHex(public_key); key.ok()) {
        m.address = core::Address::FromPublicKey(*key).ToString();
      }
    }
    AITBC_ASSIGN_OR_RETURN(m.url, OptString(item, "url", kWhat));
    AITBC_ASSIGN_OR_RETURN(m.status, OptString(item, "status", kWhat));
    if (!Absent(item, "models")) {
      if (!item["models"].is_array()) return Malformed(kWhat, "models", "must be an array");
      for (const auto& model : item["models"]) {
        if (!model.is_string()) return Malformed(kWhat, "models", "must hold strings");
        m.models.push_back(model.get<std::string>());
      }
    }
    if (!Absent(item, "price")) {
      auto price = protocol::PriceFromJson(item["price"]);
      if (!price.ok()) return Malformed(kWhat, "price", price.error().message());
      m.price = *price;
    }
    AITBC_ASSIGN_OR_RETURN(uint64_t slots, OptU64(item, "slots", kWhat));
    AITBC_ASSIGN_OR_RETURN(uint64_t free_slots, OptU64(item, "free_slots", kWhat));
    m.slots = static_cast<uint32_t>(std::min<uint64_t>(slots, UINT32_MAX));
    m.free_slots = static_cast<uint32_t>(std::min<uint64_t>(free_slots, UINT32_MAX));
    AITBC_ASSIGN_OR_RETURN(m.stake, OptAmount(item, "stake", kWhat));
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace aitbc::client
