#include "coordinator/custody.h"

#include <nlohmann/json.hpp>

#include "core/json_fields.h"

namespace aitbc::coordinator {
namespace {
constexpr std::string_view kWhat = "custodial account key";
}

core::Result<std::string> SealAccountKey(const core::PrivateKey& key, std::string_view passphrase,
                                         core::Random& random,
                                         const core::KeyFileOptions& options) {
  if (passphrase.empty()) {
    nlohmann::json plain = {
        {"version", 1}, {"encryption", "none"}, {"seed", core::HexEncode(key.Seed())}};
    return plain.dump();
  }
  return core::SealWithPassphrase(key.Seed(), passphrase, random, options);
}

core::Result<core::PrivateKey> OpenAccountKey(const AccountRow& row, std::string_view passphrase) {
  AITBC_ASSIGN_OR_RETURN(nlohmann::json obj, core::ParseJsonObject(row.sealed_key, kWhat));
  auto encryption = core::JsonStringField(obj, "encryption", kWhat);
  core::Bytes seed;
  if (encryption.ok() && *encryption == "none") {
    AITBC_ASSIGN_OR_RETURN(seed,
                           core::JsonHexField(obj, "seed", core::PrivateKey::kSeedSize, kWhat));
  } else {
    if (passphrase.empty()) {
      return core::Error::Unauthenticated("the key of account " + row.address.ToString() +
                                          " is encrypted: set AITBC_COORDINATOR_PASSPHRASE");
    }
    AITBC_ASSIGN_OR_RETURN(seed, core::OpenWithPassphrase(row.sealed_key, passphrase));
  }
  auto key = core::PrivateKey::FromSeed(seed);
  std::fill(seed.begin(), seed.end(), 0);
  if (!key.ok()) return core::Error::Corruption(std::string(kWhat) + ": " + key.error().message());
  if (core::Address::FromPublicKey(key->public_key()) != row.address) {
    return core::Error::Corruption(std::string(kWhat) + " does not belong to account " +
                                   row.address.ToString());
  }
  return key;
}

core::Result<core::PrivateKey> Custody::Key(const core::Address& address) {
  std::lock_guard lock(mu_);
  auto it = cache_.find(address);
  if (it != cache_.end()) return it->second;
  AITBC_ASSIGN_OR_RETURN(std::optional<AccountRow> row, store_.GetAccount(address));
  if (!row) return core::Error::NotFound("no custodial key for account " + address.ToString());
  AITBC_ASSIGN_OR_RETURN(core::PrivateKey key, OpenAccountKey(*row, passphrase_));
  cache_.emplace(address, key);
  return key;
}

}  // namespace aitbc::coordinator
