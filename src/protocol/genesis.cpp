#include "protocol/genesis.h"

#include <nlohmann/json.hpp>
#include <set>

#include "core/encoding.h"
#include "protocol/json_codec.h"
#include "protocol/limits.h"

namespace aitbc::protocol {
namespace {

constexpr std::string_view kGenesisDomain{"aitbc/genesis/v1\0", 17};

core::Result<ConsensusParams> ParamsFromJson(const nlohmann::json& json) {
  ConsensusParams p;
  if (json.is_null()) return p;
  if (!json.is_object()) return core::Error::InvalidArgument("'params' must be an object");
  if (json.contains("min_fee")) {
    AITBC_ASSIGN_OR_RETURN(p.min_fee, AmountFromJson(json["min_fee"], "params.min_fee"));
  }
  auto read_u64 = [&json](const char* name, uint64_t& out) -> core::Status {
    if (!json.contains(name)) return core::Ok();
    auto v = GetU64(json, name);
    if (!v.ok()) return v.error().WithContext("params");
    out = *v;
    return core::Ok();
  };
  AITBC_TRY(read_u64("unbonding_delay_blocks", p.unbonding_delay_blocks));
  AITBC_TRY(read_u64("max_block_txs", p.max_block_txs));
  AITBC_TRY(read_u64("max_block_bytes", p.max_block_bytes));
  AITBC_TRY(read_u64("max_escrow_blocks", p.max_escrow_blocks));
  if (p.max_block_txs == 0 || p.max_block_txs > kMaxBlockTxs) {
    return core::Error::InvalidArgument("params.max_block_txs must be 1.." +
                                        std::to_string(kMaxBlockTxs));
  }
  if (p.max_block_bytes < 1024 || p.max_block_bytes > kMaxBlockBytes) {
    return core::Error::InvalidArgument("params.max_block_bytes out of range");
  }
  return p;
}

}  // namespace

core::Bytes Genesis::Encode() const {
  core::Writer w(512);
  w.Fixed(core::AsBytes(kGenesisDomain));
  w.String(chain_id);
  w.U64(genesis_time_ms);
  w.U32(static_cast<uint32_t>(accounts.size()));
  for (const auto& a : accounts) {
    w.Fixed(a.address.view());
    w.U64(a.balance.micro());
    w.U64(a.stake.micro());
  }
  w.U32(static_cast<uint32_t>(validators.size()));
  for (const auto& v : validators) w.Fixed(v.view());
  w.U64(params.min_fee.micro());
  w.U64(params.unbonding_delay_blocks);
  w.U64(params.max_block_txs);
  w.U64(params.max_block_bytes);
  w.U64(params.max_escrow_blocks);
  return w.Take();
}

core::Hash256 Genesis::Hash() const { return core::Sha256(Encode()); }

core::Result<core::Amount> Genesis::TotalSupply() const {
  core::Amount total;
  for (const auto& a : accounts) {
    AITBC_ASSIGN_OR_RETURN(total, total.Add(a.balance));
    AITBC_ASSIGN_OR_RETURN(total, total.Add(a.stake));
  }
  return total;
}

nlohmann::json Genesis::ToJson() const {
  nlohmann::json accounts_json = nlohmann::json::array();
  for (const auto& a : accounts) {
    accounts_json.push_back({{"address", a.address.ToString()},
                             {"balance", AmountToJson(a.balance)},
                             {"stake", AmountToJson(a.stake)}});
  }
  nlohmann::json validators_json = nlohmann::json::array();
  for (const auto& v : validators) {
    validators_json.push_back(
        {{"address", core::Address::FromPublicKey(v).ToString()}, {"pub_key", v.ToHex()}});
  }
  return {{"chain_id", chain_id},
          {"genesis_time_ms", genesis_time_ms},
          {"accounts", accounts_json},
          {"validators", validators_json},
          {"params",
           {{"min_fee", AmountToJson(params.min_fee)},
            {"unbonding_delay_blocks", params.unbonding_delay_blocks},
            {"max_block_txs", params.max_block_txs},
            {"max_block_bytes", params.max_block_bytes},
            {"max_escrow_blocks", params.max_escrow_blocks}}}};
}

core::Result<Genesis> Genesis::FromJson(const nlohmann::json& json) {
  if (!json.is_object()) return core::Error::InvalidArgument("genesis must be a JSON object");
  Genesis g;
  AITBC_ASSIGN_OR_RETURN(g.chain_id, GetString(json, "chain_id"));
  if (g.chain_id.empty() || g.chain_id.size() > kMaxChainIdBytes) {
    return core::Error::InvalidArgument("chain_id must be 1 to 64 characters");
  }
  AITBC_ASSIGN_OR_RETURN(g.genesis_time_ms, GetU64(json, "genesis_time_ms"));
  if (!json.contains("accounts") || !json["accounts"].is_array()) {
    return core::Error::InvalidArgument("'accounts' must be an array");
  }
  std::set<core::Address> seen;
  for (const auto& a : json["accounts"]) {
    AITBC_ASSIGN_OR_RETURN(std::string address_text, GetString(a, "address"));
    auto address = core::Address::Parse(address_text);
    if (!address.ok()) return address.error().WithContext("genesis account " + address_text);
    if (!seen.insert(*address).second) {
      return core::Error::InvalidArgument("duplicate genesis account " + address_text);
    }
    GenesisAccount account{*address, {}, {}};
    if (a.contains("balance")) {
      AITBC_ASSIGN_OR_RETURN(account.balance, AmountFromJson(a["balance"], "balance"));
    }
    if (a.contains("stake")) {
      AITBC_ASSIGN_OR_RETURN(account.stake, AmountFromJson(a["stake"], "stake"));
    }
    g.accounts.push_back(account);
  }
  if (!json.contains("validators") || !json["validators"].is_array() ||
      json["validators"].empty()) {
    return core::Error::InvalidArgument("'validators' must be a non-empty array");
  }
  for (const auto& v : json["validators"]) {
    AITBC_ASSIGN_OR_RETURN(std::string key_hex, GetString(v, "pub_key"));
    auto key = core::PublicKey::FromHex(key_hex);
    if (!key.ok()) return key.error().WithContext("validator pub_key");
    g.validators.push_back(*key);
  }
  AITBC_ASSIGN_OR_RETURN(g.params, ParamsFromJson(json.value("params", nlohmann::json())));
  auto supply = g.TotalSupply();
  if (!supply.ok()) return supply.error().WithContext("genesis total supply");
  return g;
}

}  // namespace aitbc::protocol
