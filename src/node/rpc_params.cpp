#include "node/rpc_params.h"

namespace aitbc::node {
namespace {

std::string Field(std::string_view name) { return "params." + std::string(name); }

core::Error Invalid(std::string_view name, std::string_view what) {
  return core::Error::InvalidArgument(Field(name) + " " + std::string(what));
}

}  // namespace

core::Result<nlohmann::json> NamedParams(const nlohmann::json& params,
                                         std::initializer_list<std::string_view> names) {
  if (params.is_null()) return nlohmann::json::object();
  if (params.is_object()) return params;
  if (!params.is_array()) {
    return core::Error::InvalidArgument("params must be an object or an array");
  }
  if (params.size() > names.size()) {
    return core::Error::InvalidArgument("too many positional params: expected at most " +
                                        std::to_string(names.size()));
  }
  nlohmann::json out = nlohmann::json::object();
  size_t i = 0;
  for (std::string_view name : names) {
    if (i >= params.size()) break;
    if (!params[i].is_null()) out[std::string(name)] = params[i];
    ++i;
  }
  return out;
}

core::Result<std::optional<std::string>> OptionalStringParam(const nlohmann::json& params,
                                                             std::string_view name) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return Invalid(name, "must be a string");
  return std::optional<std::string>(it->get<std::string>());
}

core::Result<std::string> StringParam(const nlohmann::json& params, std::string_view name) {
  AITBC_ASSIGN_OR_RETURN(auto value, OptionalStringParam(params, name));
  if (!value) return Invalid(name, "is required");
  return std::move(*value);
}

core::Result<std::optional<uint64_t>> OptionalU64Param(const nlohmann::json& params,
                                                       std::string_view name) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null()) return std::optional<uint64_t>();
  if (it->is_number_unsigned()) return std::optional<uint64_t>(it->get<uint64_t>());
  if (it->is_number_integer() && it->get<int64_t>() >= 0) {
    return std::optional<uint64_t>(static_cast<uint64_t>(it->get<int64_t>()));
  }
  if (it->is_string()) {
    const std::string& text = it->get_ref<const std::string&>();
    bool digits = !text.empty() && text.size() <= 20 &&
                  text.find_first_not_of("0123456789") == std::string::npos;
    if (digits) {
      uint64_t value = 0;
      bool overflow = false;
      for (char c : text) {
        uint64_t digit = static_cast<uint64_t>(c - '0');
        if (value > (UINT64_MAX - digit) / 10) overflow = true;
        value = value * 10 + digit;
      }
      if (!overflow) return std::optional<uint64_t>(value);
    }
  }
  return Invalid(name, "must be a non-negative integer or a decimal string");
}

core::Result<std::optional<bool>> OptionalBoolParam(const nlohmann::json& params,
                                                    std::string_view name) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) return Invalid(name, "must be true or false");
  return std::optional<bool>(it->get<bool>());
}

core::Result<core::Bytes> Base64Param(const nlohmann::json& params, std::string_view name) {
  AITBC_ASSIGN_OR_RETURN(std::string text, StringParam(params, name));
  auto bytes = core::Base64Decode(text);
  if (!bytes.ok()) return Invalid(name, "must be base64: " + bytes.error().message());
  return std::move(bytes).value();
}

core::Result<core::Hash256> HashParam(const nlohmann::json& params, std::string_view name) {
  AITBC_ASSIGN_OR_RETURN(std::string text, StringParam(params, name));
  std::string_view hex = text;
  if (hex.starts_with("0x") || hex.starts_with("0X")) hex.remove_prefix(2);
  auto hash = core::Hash256::FromHex(hex);
  if (!hash.ok())
    return Invalid(name, "must be a 64-character hex hash: " + hash.error().message());
  return *hash;
}

core::Result<core::Address> AddressParam(const nlohmann::json& params, std::string_view name) {
  AITBC_ASSIGN_OR_RETURN(std::string text, StringParam(params, name));
  auto address = core::Address::Parse(text);
  if (!address.ok()) {
    return Invalid(name, "must be an aitbc1... address: " + address.error().message());
  }
  return *address;
}

}  // namespace aitbc::node
