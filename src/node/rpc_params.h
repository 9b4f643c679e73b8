// Parsing of JSON-RPC params for the node's methods, with errors that name the field:
// "params.tx must be base64: ...", "params.height must be a non-negative integer or a decimal
// string". Every error is kInvalidArgument, which the dispatcher answers as -32602.
//
// Params may come by name ({"height": 5}) or, for methods that list their parameter names, by
// position ([5]); NamedParams turns both into an object. Heights and other integers may be JSON
// numbers or decimal strings (CometBFT clients send "5").
// Contract: pure functions, thread-safe, never throw.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/address.h"
#include "core/bytes.h"
#include "core/hash.h"
#include "core/result.h"

namespace aitbc::node {

core::Result<nlohmann::json> NamedParams(const nlohmann::json& params,
                                         std::initializer_list<std::string_view> names);

core::Result<std::string> StringParam(const nlohmann::json& params, std::string_view name);
core::Result<std::optional<std::string>> OptionalStringParam(const nlohmann::json& params,
                                                             std::string_view name);
core::Result<std::optional<uint64_t>> OptionalU64Param(const nlohmann::json& params,
                                                       std::string_view name);
core::Result<std::optional<bool>> OptionalBoolParam(const nlohmann::json& params,
                                                    std::string_view name);
// Standard base64 (params.tx of broadcast_tx_*).
core::Result<core::Bytes> Base64Param(const nlohmann::json& params, std::string_view name);
// 64 hex characters, with or without a "0x" prefix.
core::Result<core::Hash256> HashParam(const nlohmann::json& params, std::string_view name);
// A bech32 aitbc1... address.
core::Result<core::Address> AddressParam(const nlohmann::json& params, std::string_view name);

}  // namespace aitbc::node
