#include "net/api_keys.h"

#include <array>
#include <mutex>

namespace aitbc::net {
namespace {

constexpr std::string_view kPrefix = "aitbc";
constexpr size_t kIdBytes = 8;
constexpr size_t kSecretBytes = 32;

struct RoleEntry {
  Role role;
  std::string_view name;
};
constexpr std::array<RoleEntry, 3> kRoles = {{
    {Role::kClient, "client"},
    {Role::kMiner, "miner"},
    {Role::kAdmin, "admin"},
}};

}  // namespace

std::string_view RoleName(Role role) {
  for (const auto& entry : kRoles) {
    if (entry.role == role) return entry.name;
  }
  return "unknown";
}

core::Result<Role> RoleFromName(std::string_view name) {
  for (const auto& entry : kRoles) {
    if (entry.name == name) return entry.role;
  }
  return core::Error::InvalidArgument("unknown role '" + std::string(name) +
                                      "' (expected client, miner or admin)");
}

NewApiKey GenerateApiKey(Role role, std::string owner, core::Random& random, int64_t now_ms) {
  core::Bytes id = random.RandomBytes(kIdBytes);
  core::Bytes secret = random.RandomBytes(kSecretBytes);
  NewApiKey key;
  key.record.id = core::HexEncode(id);
  key.record.secret_hash = core::Sha256(core::ByteView(secret));
  key.record.role = role;
  key.record.owner = std::move(owner);
  key.record.created_ms = now_ms;
  key.plaintext = std::string(kPrefix) + "_" + std::string(RoleName(role)) + "_" + key.record.id +
                  "_" + core::HexEncode(secret);
  return key;
}

core::Result<PresentedKey> ParsePresentedKey(std::string_view key) {
  auto malformed = [] { return core::Error::Unauthenticated("malformed API key"); };
  // aitbc_<role>_<id>_<secret>; role names contain no '_'.
  std::array<std::string_view, 4> parts;
  for (size_t i = 0; i < parts.size(); ++i) {
    size_t sep = key.find('_');
    if (i + 1 < parts.size()) {
      if (sep == std::string_view::npos) return malformed();
      parts[i] = key.substr(0, sep);
      key.remove_prefix(sep + 1);
    } else {
      if (sep != std::string_view::npos) return malformed();
      parts[i] = key;
    }
  }
  auto role = RoleFromName(parts[1]);
  if (parts[0] != kPrefix || !role.ok()) return malformed();
  if (parts[2].size() != 2 * kIdBytes || parts[3].size() != 2 * kSecretBytes) return malformed();
  auto id = core::HexDecode(parts[2]);
  auto secret = core::HexDecode(parts[3]);
  if (!id.ok() || !secret.ok()) return malformed();
  // Ids are stored in lower case; accept the key however its hex was typed.
  return PresentedKey{*role, core::HexEncode(*id), std::move(secret).value()};
}

core::Result<std::pair<std::string, core::Hash256>> HashPresentedKey(std::string_view key) {
  AITBC_ASSIGN_OR_RETURN(PresentedKey parsed, ParsePresentedKey(key));
  return std::make_pair(std::move(parsed.id), core::Sha256(core::ByteView(parsed.secret)));
}

void ApiKeyVerifier::Put(ApiKeyRecord record) {
  std::unique_lock lock(mu_);
  std::string id = record.id;
  records_.insert_or_assign(std::move(id), std::move(record));
}

void ApiKeyVerifier::Remove(const std::string& id) {
  std::unique_lock lock(mu_);
  records_.erase(id);
}

core::Result<ApiKeyRecord> ApiKeyVerifier::Verify(std::optional<std::string_view> presented,
                                                  std::initializer_list<Role> allowed,
                                                  std::string_view header_name) const {
  if (!presented || presented->empty()) {
    return core::Error::Unauthenticated("missing API key (" + std::string(header_name) +
                                        " header)");
  }
  AITBC_ASSIGN_OR_RETURN(auto parsed, HashPresentedKey(*presented));
  ApiKeyRecord record;
  {
    std::shared_lock lock(mu_);
    auto it = records_.find(parsed.first);
    if (it == records_.end()) return core::Error::Unauthenticated("invalid API key");
    record = it->second;
  }
  if (!core::ConstantTimeEqual(record.secret_hash.view(), parsed.second.view())) {
    return core::Error::Unauthenticated("invalid API key");
  }
  if (allowed.size() == 0) return record;
  std::string names;
  for (Role role : allowed) {
    if (role == record.role) return record;
    if (!names.empty()) names += " or ";
    names += RoleName(role);
  }
  return core::Error::PermissionDenied("this endpoint requires role " + names);
}

size_t ApiKeyVerifier::size() const {
  std::shared_lock lock(mu_);
  return records_.size();
}

}  // namespace aitbc::net
