// The node-to-node wire format (docs/node.md, "p2p"): HTTP on the p2p port with binary bodies
// made of Var frames (u32 big-endian length ‖ bytes, core::Writer::Var), and the JSON verdict
// of a submitted transaction, which is also the result of broadcast_tx_sync:
//   {"code":0,"log":"","codespace":"aitbc","hash":"<hex>"}                     accepted
//   {"code":N,"log":"why","codespace":"aitbc","hash":"<hex>","error_code":"insufficient_funds"}
// where N = 1 + the core::ErrorCode's position (docs/node.md lists them).
//
// Contract: pure functions, thread-safe; decoders never throw and reject malformed input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/bytes.h"
#include "core/hash.h"
#include "core/result.h"

namespace aitbc::node {

inline constexpr std::string_view kCodespace = "aitbc";

void AppendFrame(std::string& body, core::ByteView item);
std::string EncodeFrames(const std::vector<core::Bytes>& items);
// Every frame of body; each at most max_item bytes, at most max_items frames.
core::Result<std::vector<core::Bytes>> DecodeFrames(std::string_view body, size_t max_item,
                                                    size_t max_items);

uint32_t TxResultCode(core::ErrorCode code);
nlohmann::json TxResultJson(const core::Hash256& hash, const core::Status& status);
// The status a verdict stands for (kCorruption for a malformed verdict).
core::Status StatusFromTxResult(const nlohmann::json& verdict);

}  // namespace aitbc::node
