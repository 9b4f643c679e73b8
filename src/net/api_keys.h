// API keys: generation, hashing and constant-time verification, each key with a role.
//
// Key format: "aitbc_<role>_<id>_<secret>" where id is 8 random bytes in hex (not secret: it
// finds the record) and secret is 32 random bytes in hex. Only SHA-256(secret) is stored
// (the hash of the 32 decoded bytes):
// the secret is high-entropy, so a slow password hash adds nothing. Verification looks the
// record up by id and compares hashes with ConstantTimeEqual.
// Contract: ApiKeyVerifier is thread-safe (readers-writer lock); it holds no plaintext keys.
#pragma once

#include <initializer_list>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "core/hash.h"
#include "core/random.h"
#include "core/result.h"

namespace aitbc::net {

enum class Role { kClient, kMiner, kAdmin };
std::string_view RoleName(Role role);
core::Result<Role> RoleFromName(std::string_view name);

struct ApiKeyRecord {
  std::string id;  // 16 hex characters
  core::Hash256 secret_hash;
  Role role = Role::kClient;
  std::string owner;  // what the key belongs to: an account address, a miner id, "admin"
  int64_t created_ms = 0;
};

struct NewApiKey {
  std::string plaintext;  // shown to the user once, never stored
  ApiKeyRecord record;
};

NewApiKey GenerateApiKey(Role role, std::string owner, core::Random& random, int64_t now_ms);
// The parts of a presented key "aitbc_<role>_<id>_<secret>".
struct PresentedKey {
  Role role;
  std::string id;  // lower-case hex, as stored
  core::Bytes secret;
};
// kUnauthenticated "malformed API key" for anything else.
core::Result<PresentedKey> ParsePresentedKey(std::string_view key);
// Parses a presented key into (id, SHA-256 of its secret); kUnauthenticated if malformed.
core::Result<std::pair<std::string, core::Hash256>> HashPresentedKey(std::string_view key);

class ApiKeyVerifier {
 public:
  void Put(ApiKeyRecord record);
  void Remove(const std::string& id);
  // kUnauthenticated "missing API key (<header_name> header)" when absent or empty,
  // "malformed API key" or "invalid API key" when unknown or wrong; kPermissionDenied
  // "this endpoint requires role admin" when the record's role is not in `allowed` (an empty
  // list allows every role). The role named inside the key is not trusted: the record's is.
  core::Result<ApiKeyRecord> Verify(std::optional<std::string_view> presented,
                                    std::initializer_list<Role> allowed,
                                    std::string_view header_name = "X-Api-Key") const;
  size_t size() const;

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, ApiKeyRecord> records_;
};

}  // namespace aitbc::net
