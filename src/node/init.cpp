#include "node/init.h"

#include <spdlog/spdlog.h>

#include <map>

#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "core/key_file.h"

namespace aitbc::node {
namespace {

// Parses "ADDRESS=AMOUNT" into the accounts map (adding to what is there).
core::Status AddAllocation(const std::string& spec, std::string_view flag,
                           std::map<core::Address, protocol::GenesisAccount>& accounts,
                           bool is_stake) {
  size_t eq = spec.find('=');
  if (eq == std::string::npos) {
    return core::Error::InvalidArgument(std::string(flag) + " \"" + spec +
                                        "\" must look like ADDRESS=AMOUNT");
  }
  auto address = core::Address::Parse(spec.substr(0, eq));
  if (!address.ok()) {
    return address.error().WithContext(std::string(flag) + " \"" + spec + "\": address");
  }
  auto amount = core::Amount::Parse(spec.substr(eq + 1));
  if (!amount.ok()) {
    return amount.error().WithContext(std::string(flag) + " \"" + spec + "\": amount");
  }
  auto& account = accounts[*address];
  account.address = *address;
  core::Amount& target = is_stake ? account.stake : account.balance;
  AITBC_ASSIGN_OR_RETURN(target, target.Add(*amount));
  return core::Ok();
}

core::Result<protocol::Genesis> DevnetGenesis(const InitOptions& options,
                                              const core::PublicKey& validator,
                                              const core::Clock& clock) {
  protocol::Genesis genesis;
  genesis.chain_id = options.chain_id;
  genesis.genesis_time_ms = static_cast<uint64_t>(clock.NowMs());
  std::map<core::Address, protocol::GenesisAccount> accounts;
  for (const auto& spec : options.fund) AITBC_TRY(AddAllocation(spec, "--fund", accounts, false));
  for (const auto& spec : options.stake) AITBC_TRY(AddAllocation(spec, "--stake", accounts, true));
  for (auto& [address, account] : accounts) genesis.accounts.push_back(account);
  genesis.validators.push_back(validator);
  auto min_fee = core::Amount::Parse(options.min_fee);
  if (!min_fee.ok()) return min_fee.error().WithContext("--min-fee");
  genesis.params.min_fee = *min_fee;
  genesis.params.unbonding_delay_blocks = options.unbonding_delay;
  // Round-trip through the validating parser so that init never writes a genesis the node
  // would refuse to start with.
  return protocol::Genesis::FromJson(genesis.ToJson());
}

}  // namespace

std::string NodeKeyPath(const std::string& datadir) { return datadir + "/node_key.json"; }
std::string GenesisPath(const std::string& datadir) { return datadir + "/genesis.json"; }
std::string ChainDbPath(const std::string& datadir) { return datadir + "/chain"; }

core::Result<protocol::Genesis> ReadGenesisFile(const std::string& path) {
  AITBC_ASSIGN_OR_RETURN(std::string text, core::ReadFile(path));
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) return core::Error::InvalidArgument("genesis " + path + " is not JSON");
  auto genesis = protocol::Genesis::FromJson(json);
  if (!genesis.ok()) return genesis.error().WithContext("genesis " + path);
  return genesis;
}

core::Result<InitResult> InitDatadir(const InitOptions& options, core::Random& random,
                                     const core::Clock& clock) {
  if (options.datadir.empty()) return core::Error::InvalidArgument("--datadir is required");
  for (const std::string& path :
       {NodeKeyPath(options.datadir), GenesisPath(options.datadir), ChainDbPath(options.datadir)}) {
    if (core::FileExists(path)) {
      return core::Error::AlreadyExists(path + " exists: refusing to overwrite a node's data");
    }
  }
  AITBC_TRY(core::EnsureDirectory(options.datadir, 0700));

  std::optional<core::PrivateKey> key;
  if (!options.validator_key_file.empty()) {
    AITBC_ASSIGN_OR_RETURN(key, core::ReadKeyFile(options.validator_key_file, options.passphrase));
  } else {
    key = core::PrivateKey::Generate(random);
  }

  protocol::Genesis genesis;
  if (!options.genesis_file.empty()) {
    AITBC_ASSIGN_OR_RETURN(genesis, ReadGenesisFile(options.genesis_file));
  } else {
    AITBC_ASSIGN_OR_RETURN(genesis, DevnetGenesis(options, key->public_key(), clock));
  }

  AITBC_TRY(core::WriteFileAtomicNoReplace(GenesisPath(options.datadir),
                                           genesis.ToJson().dump(2) + "\n", 0644));
  AITBC_TRY(core::WriteKeyFile(NodeKeyPath(options.datadir), *key, options.passphrase, random));
  if (options.passphrase.empty()) {
    spdlog::warn("devnet key: {} is NOT encrypted (set AITBC_NODE_PASSPHRASE to encrypt it)",
                 NodeKeyPath(options.datadir));
  }
  InitResult result;
  result.address = core::Address::FromPublicKey(key->public_key()).ToString();
  result.public_key = key->public_key().ToHex();
  result.genesis = std::move(genesis);
  return result;
}

}  // namespace aitbc::node
