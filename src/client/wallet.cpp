#include "client/wallet.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "core/file_util.h"
#include "core/json_fields.h"

namespace aitbc::client {

std::string DefaultWalletDir() {
  const char* home = std::getenv("HOME");
  std::string base = (home != nullptr && *home != '\0') ? home : ".";
  return base + "/.aitbc/wallets";
}

core::Status ValidateWalletName(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return core::Error::InvalidArgument("a wallet name must be 1 to 64 characters");
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) {
      return core::Error::InvalidArgument("invalid wallet name '" + std::string(name) +
                                          "': use letters, digits, '_' and '-'");
    }
  }
  return core::Ok();
}

std::string WalletPath(const std::string& dir, std::string_view name) {
  return dir + "/" + std::string(name) + ".json";
}

core::Result<WalletInfo> CreateWallet(const std::string& dir, std::string_view name,
                                      std::string_view passphrase, core::Random& random,
                                      const core::KeyFileOptions& options) {
  AITBC_TRY(ValidateWalletName(name));
  AITBC_TRY(core::EnsureDirectory(dir, 0700));
  core::PrivateKey key = core::PrivateKey::Generate(random);
  WalletInfo info;
  info.name = std::string(name);
  info.path = WalletPath(dir, name);
  info.address = core::Address::FromPublicKey(key.public_key());
  info.encrypted = !passphrase.empty();
  core::Status written = core::WriteKeyFile(info.path, key, passphrase, random, options);
  if (!written.ok()) {
    if (written.error().code() == core::ErrorCode::kAlreadyExists) {
      return core::Error::AlreadyExists("wallet '" + info.name + "' already exists at " +
                                        info.path);
    }
    return written.error();
  }
  return info;
}

core::Result<WalletInfo> ReadWalletInfo(const std::string& path) {
  auto text = core::ReadFile(path);
  if (!text.ok()) {
    if (text.error().code() == core::ErrorCode::kNotFound) {
      return core::Error::NotFound("no wallet at " + path +
                                   " (create one with `aitbc wallet create`)");
    }
    return text.error();
  }
  const std::string what = "wallet " + path;
  AITBC_ASSIGN_OR_RETURN(nlohmann::json obj, core::ParseJsonObject(*text, what));
  AITBC_ASSIGN_OR_RETURN(std::string address_text, core::JsonStringField(obj, "address", what));
  AITBC_ASSIGN_OR_RETURN(core::Bytes public_key, core::JsonHexField(obj, "public_key", 32, what));
  AITBC_ASSIGN_OR_RETURN(std::string encryption, core::JsonStringField(obj, "encryption", what));
  auto address = core::Address::Parse(address_text);
  if (!address.ok()) {
    return core::Error::Corruption(what + ": " + address.error().message());
  }
  core::PublicKey key;
  std::copy(public_key.begin(), public_key.end(), key.bytes.begin());
  if (core::Address::FromPublicKey(key) != *address) {
    return core::Error::Corruption(what + ": the address is not the public key's");
  }
  WalletInfo info;
  std::filesystem::path p(path);
  info.name = p.stem().string();
  info.path = path;
  info.address = *address;
  info.encrypted = encryption != "none";
  return info;
}

core::Result<std::vector<WalletInfo>> ListWallets(const std::string& dir) {
  std::vector<WalletInfo> out;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return out;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return core::Error::IOError("listing " + dir + ": " + ec.message());
  for (const auto& entry : it) {
    if (entry.path().extension() != ".json") continue;
    auto info = ReadWalletInfo(entry.path().string());
    if (info.ok()) out.push_back(std::move(*info));
  }
  std::sort(out.begin(), out.end(),
            [](const WalletInfo& a, const WalletInfo& b) { return a.name < b.name; });
  return out;
}

core::Result<core::PrivateKey> LoadWalletKey(const std::string& path, std::string_view passphrase) {
  return core::ReadKeyFile(path, passphrase);
}

protocol::Transaction BuildTransfer(const std::string& chain_id, const core::PrivateKey& key,
                                    const core::Address& to, core::Amount amount, core::Amount fee,
                                    uint64_t nonce) {
  protocol::Transaction tx;
  tx.chain_id = chain_id;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.payload = protocol::Transfer{to, amount};
  tx.Sign(key);
  return tx;
}

}  // namespace aitbc::client
