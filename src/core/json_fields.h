// Typed access to fields of a parsed JSON object (nlohmann::json) for stored data that must be
// checked before use: key files, sealed secrets.
//
// Contract: never throws; a missing field or a field of the wrong type is kCorruption with a
// message "<what>: field \"<name>\" ...". Thread-safe (pure functions).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"

namespace aitbc::core {

// Parses text that must be a JSON object; errors are kCorruption, prefixed with what.
Result<nlohmann::json> ParseJsonObject(std::string_view text, std::string_view what);
Result<std::string> JsonStringField(const nlohmann::json& obj, std::string_view name,
                                    std::string_view what);
Result<uint64_t> JsonUintField(const nlohmann::json& obj, std::string_view name,
                               std::string_view what);
Result<const nlohmann::json*> JsonObjectField(const nlohmann::json& obj, std::string_view name,
                                              std::string_view what);
// A hex string field of any length.
Result<Bytes> JsonHexField(const nlohmann::json& obj, std::string_view name, std::string_view what);
// A hex string field that must decode to exactly `size` bytes.
Result<Bytes> JsonHexField(const nlohmann::json& obj, std::string_view name, size_t size,
                           std::string_view what);

}  // namespace aitbc::core
