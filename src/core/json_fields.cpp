#include "core/json_fields.h"

namespace aitbc::core {
namespace {

Error FieldError(std::string_view what, std::string_view name, std::string_view problem) {
  return Error::Corruption(std::string(what) + ": field \"" + std::string(name) + "\" " +
                           std::string(problem));
}

Result<const nlohmann::json*> Find(const nlohmann::json& obj, std::string_view name,
                                   std::string_view what) {
  auto it = obj.find(name);
  if (it == obj.end()) return FieldError(what, name, "is missing");
  return &*it;
}

}  // namespace

Result<nlohmann::json> ParseJsonObject(std::string_view text, std::string_view what) {
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return Error::Corruption(std::string(what) + " is not valid JSON (" + e.what() + ")");
  }
  if (!parsed.is_object()) {
    return Error::Corruption(std::string(what) + " is not a JSON object");
  }
  return parsed;
}

Result<std::string> JsonStringField(const nlohmann::json& obj, std::string_view name,
                                    std::string_view what) {
  AITBC_ASSIGN_OR_RETURN(const nlohmann::json* field, Find(obj, name, what));
  if (!field->is_string()) return FieldError(what, name, "is not a string");
  return field->get<std::string>();
}

Result<uint64_t> JsonUintField(const nlohmann::json& obj, std::string_view name,
                               std::string_view what) {
  AITBC_ASSIGN_OR_RETURN(const nlohmann::json* field, Find(obj, name, what));
  if (!field->is_number_unsigned()) {
    return FieldError(what, name, "is not a non-negative integer");
  }
  return field->get<uint64_t>();
}

Result<const nlohmann::json*> JsonObjectField(const nlohmann::json& obj, std::string_view name,
                                              std::string_view what) {
  AITBC_ASSIGN_OR_RETURN(const nlohmann::json* field, Find(obj, name, what));
  if (!field->is_object()) return FieldError(what, name, "is not an object");
  return field;
}

Result<Bytes> JsonHexField(const nlohmann::json& obj, std::string_view name,
                           std::string_view what) {
  AITBC_ASSIGN_OR_RETURN(std::string hex, JsonStringField(obj, name, what));
  auto bytes = HexDecode(hex);
  if (!bytes.ok()) return FieldError(what, name, "is not hex: " + bytes.error().message());
  return std::move(bytes).value();
}

Result<Bytes> JsonHexField(const nlohmann::json& obj, std::string_view name, size_t size,
                           std::string_view what) {
  AITBC_ASSIGN_OR_RETURN(Bytes bytes, JsonHexField(obj, name, what));
  if (bytes.size() != size) {
    return FieldError(
        what, name,
        "must be " + std::to_string(size) + " bytes, got " + std::to_string(bytes.size()));
  }
  return bytes;
}

}  // namespace aitbc::core
