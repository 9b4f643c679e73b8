#include "node/p2p_wire.h"

#include "core/encoding.h"

namespace aitbc::node {

void AppendFrame(std::string& body, core::ByteView item) {
  uint32_t n = static_cast<uint32_t>(item.size());
  for (int shift = 24; shift >= 0; shift -= 8) body.push_back(static_cast<char>(n >> shift));
  body.append(core::AsString(item));
}

std::string EncodeFrames(const std::vector<core::Bytes>& items) {
  size_t total = 0;
  for (const auto& item : items) total += 4 + item.size();
  std::string body;
  body.reserve(total);
  for (const auto& item : items) AppendFrame(body, item);
  return body;
}

core::Result<std::vector<core::Bytes>> DecodeFrames(std::string_view body, size_t max_item,
                                                    size_t max_items) {
  core::Reader r(core::AsBytes(body));
  std::vector<core::Bytes> items;
  while (r.remaining() > 0) {
    if (items.size() >= max_items) {
      return core::Error::InvalidArgument("more than " + std::to_string(max_items) + " items");
    }
    auto item = r.Var(max_item);
    if (!item.ok()) return item.error().WithContext("frame " + std::to_string(items.size()));
    items.push_back(std::move(item).value());
  }
  return items;
}

uint32_t TxResultCode(core::ErrorCode code) { return 1 + static_cast<uint32_t>(code); }

nlohmann::json TxResultJson(const core::Hash256& hash, const core::Status& status) {
  nlohmann::json out = {
      {"code", uint32_t{0}}, {"log", ""}, {"codespace", kCodespace}, {"hash", hash.ToHex()}};
  if (!status.ok()) {
    out["code"] = TxResultCode(status.error().code());
    out["log"] = status.error().message();
    out["error_code"] = core::ErrorCodeName(status.error().code());
  }
  return out;
}

core::Status StatusFromTxResult(const nlohmann::json& verdict) {
  if (!verdict.is_object()) return core::Error::Corruption("malformed transaction verdict");
  auto code = verdict.find("code");
  if (code == verdict.end() || !code->is_number_integer()) {
    return core::Error::Corruption("transaction verdict without a code");
  }
  if (code->get<int64_t>() == 0) return core::Ok();
  std::string log;
  if (auto it = verdict.find("log"); it != verdict.end() && it->is_string()) log = *it;
  core::ErrorCode error = core::ErrorCode::kInternal;
  if (auto it = verdict.find("error_code"); it != verdict.end() && it->is_string()) {
    error = core::ErrorCodeFromName(it->get<std::string>());
  }
  return core::Error(error, log);
}

}  // namespace aitbc::node
