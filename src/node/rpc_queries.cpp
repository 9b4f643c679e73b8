// Read-only methods: status, block, blockchain, tx, account, escrow, receipt, validators,
// genesis, supply, num_unconfirmed_txs, health.
#include "core/clock.h"
#include "core/encoding.h"
#include "node/follower.h"
#include "node/ledger.h"
#include "node/mempool.h"
#include "node/rpc_internal.h"
#include "node/rpc_params.h"
#include "protocol/json_codec.h"

namespace aitbc::node::rpc_internal {
namespace {

using nlohmann::json;
using protocol::AmountToJson;

json StatusOf(const Services& s) {
  const Store& store = s->ledger->store();
  chain::ChainMeta meta = store.meta();
  const protocol::Genesis& genesis = s->ledger->machine().genesis();
  bool proposer = s->node_key == genesis.validators.at(0);
  json sync = {{"latest_block_hash", meta.last_block_hash.ToHex()},
               {"latest_app_hash", meta.state_hash.ToHex()},
               {"latest_block_height", meta.height},
               {"latest_block_time",
                core::FormatRfc3339(static_cast<int64_t>(
                    meta.height == 0 ? genesis.genesis_time_ms : meta.last_block_time_ms))},
               {"latest_block_time_ms", meta.last_block_time_ms},
               {"catching_up", false}};
  if (s->follower != nullptr) {
    SyncStatus status = s->follower->status();
    sync["catching_up"] = status.catching_up;
    sync["peer"] = status.peer;
    sync["peer_height"] = status.peer_height;
    sync["sync_error"] = status.last_error;
  }
  return {{"node_info",
           {{"network", genesis.chain_id},
            {"version", kNodeVersion},
            {"moniker", s->moniker},
            {"role", proposer ? "proposer" : "follower"},
            {"genesis_hash", store.genesis_hash().ToHex()}}},
          {"sync_info", sync},
          {"validator_info",
           {{"address", core::Address::FromPublicKey(s->node_key).ToString()},
            {"pub_key", s->node_key.ToHex()},
            {"voting_power", proposer ? 1 : 0}}}};
}

// A height param (latest when absent): kInvalidArgument for 0, kNotFound beyond the top.
core::Result<uint64_t> HeightOrLatest(const Services& s, const json& params) {
  uint64_t latest = s->ledger->store().height();
  AITBC_ASSIGN_OR_RETURN(auto height, OptionalU64Param(params, "height"));
  if (!height) {
    if (latest == 0) return core::Error::NotFound("no block yet: the chain is at genesis");
    return latest;
  }
  if (*height == 0) {
    return core::Error::InvalidArgument("params.height must be at least 1 (0 is the genesis)");
  }
  if (*height > latest) {
    return core::Error::NotFound("block " + std::to_string(*height) +
                                 " does not exist yet (latest is " + std::to_string(latest) + ")");
  }
  return *height;
}

core::Result<json> Block(const Services& s, const json& raw_params) {
  AITBC_ASSIGN_OR_RETURN(json params, NamedParams(raw_params, {"height", "decode"}));
  AITBC_ASSIGN_OR_RETURN(uint64_t height, HeightOrLatest(s, params));
  AITBC_ASSIGN_OR_RETURN(auto decode, OptionalBoolParam(params, "decode"));
  AITBC_ASSIGN_OR_RETURN(auto bytes, s->ledger->store().GetBlockBytes(height));
  if (!bytes) return core::Error::NotFound("block " + std::to_string(height) + " not found");
  auto block = protocol::Block::Decode(*bytes);
  if (!block.ok()) return core::Error::Corruption("stored block: " + block.error().message());
  json raw_txs = json::array();
  json txs = json::array();
  for (const auto& tx : block->txs) {
    raw_txs.push_back(core::Base64Encode(tx.bytes));
    if (decode.value_or(true)) txs.push_back(protocol::TxToJson(tx));
  }
  return json{{"block_id", {{"hash", block->Hash().ToHex()}}},
              {"block",
               {{"header", protocol::BlockHeaderToJson(block->header)},
                {"data", {{"txs", std::move(raw_txs)}}},
                {"txs", std::move(txs)},
                {"signature", block->signature.ToHex()}}},
              {"raw", core::Base64Encode(*bytes)}};
}

core::Result<json> Blockchain(const Services& s, const json& raw_params) {
  constexpr uint64_t kMaxMetas = 20;
  AITBC_ASSIGN_OR_RETURN(json params, NamedParams(raw_params, {"minHeight", "maxHeight"}));
  AITBC_ASSIGN_OR_RETURN(auto min_param, OptionalU64Param(params, "minHeight"));
  AITBC_ASSIGN_OR_RETURN(auto max_param, OptionalU64Param(params, "maxHeight"));
  const Store& store = s->ledger->store();
  uint64_t latest = store.height();
  uint64_t max = std::min(max_param.value_or(latest), latest);
  uint64_t min = std::max<uint64_t>(1, min_param.value_or(1));
  if (min_param && max_param && *min_param > *max_param) {
    return core::Error::InvalidArgument("params.minHeight (" + std::to_string(*min_param) +
                                        ") is greater than params.maxHeight (" +
                                        std::to_string(*max_param) + ")");
  }
  if (max >= kMaxMetas) min = std::max(min, max - kMaxMetas + 1);
  json metas = json::array();
  for (uint64_t h = max; h >= min && h > 0; --h) {
    AITBC_ASSIGN_OR_RETURN(auto bytes, store.GetBlockBytes(h));
    if (!bytes) return core::Error::Corruption("block " + std::to_string(h) + " is missing");
    core::Reader r(*bytes);
    auto header = protocol::BlockHeader::DecodeFrom(r);
    if (!header.ok()) return core::Error::Corruption("stored block header is undecodable");
    metas.push_back({{"block_id", {{"hash", header->Hash().ToHex()}}},
                     {"header", protocol::BlockHeaderToJson(*header)},
                     {"num_txs", header->tx_count},
                     {"block_size", bytes->size()}});
  }
  return json{{"last_height", latest}, {"block_metas", std::move(metas)}};
}

core::Result<json> Tx(const Services& s, const json& raw_params) {
  AITBC_ASSIGN_OR_RETURN(json params, NamedParams(raw_params, {"hash"}));
  AITBC_ASSIGN_OR_RETURN(core::Hash256 hash, HashParam(params, "hash"));
  AITBC_ASSIGN_OR_RETURN(auto stored, s->ledger->store().GetTx(hash));
  if (!stored) {
    if (s->mempool != nullptr && s->mempool->Contains(hash)) {
      return core::Error::NotFound("transaction " + hash.ToHex() +
                                   " is in the mempool, not yet committed");
    }
    return core::Error::NotFound("transaction " + hash.ToHex() + " not found");
  }
  return json{{"hash", hash.ToHex()},
              {"height", stored->location.height},
              {"index", stored->location.index},
              {"tx", core::Base64Encode(stored->tx.bytes)},
              {"tx_result", {{"code", 0}, {"log", ""}}},
              {"decoded", protocol::TxToJson(stored->tx)}};
}

core::Result<json> Account(const Services& s, const json& raw_params) {
  AITBC_ASSIGN_OR_RETURN(json params, NamedParams(raw_params, {"address"}));
  AITBC_ASSIGN_OR_RETURN(core::Address address, AddressParam(params, "address"));
  AITBC_ASSIGN_OR_RETURN(auto committed, s->ledger->store().GetAccount(address));
  chain::Account account = committed.value_or(chain::Account{});
  uint64_t pending_nonce = account.nonce;
  if (s->mempool != nullptr) {
    AITBC_ASSIGN_OR_RETURN(auto pending, s->mempool->PendingAccount(address));
    if (pending) pending_nonce = pending->nonce;
  }
  return json{{"address", address.ToString()},
              {"balance", AmountToJson(account.balance)},
              {"nonce", account.nonce},
              {"pending_nonce", pending_nonce},
              {"stake", AmountToJson(account.stake)},
              {"unbonding", AmountToJson(account.unbonding)},
              {"height", s->ledger->store().height()}};
}

core::Result<std::string> JobIdParam(const json& params) {
  AITBC_ASSIGN_OR_RETURN(std::string job_id, StringParam(params, "job_id"));
  auto valid = protocol::ValidateJobId(job_id);
  if (!valid.ok()) return core::Error::InvalidArgument("params.job_id: " + valid.error().message());
  return job_id;
}

core::Result<json> Escrow(const Services& s, const json& raw_params) {
  AITBC_ASSIGN_OR_RETURN(json params, NamedParams(raw_params, {"job_id"}));
  AITBC_ASSIGN_OR_RETURN(std::string job_id, JobIdParam(params));
  AITBC_ASSIGN_OR_RETURN(auto escrow, s->ledger->store().GetEscrow(job_id));
  if (!escrow) return core::Error::NotFound("no escrow for job " + job_id);
  return EscrowToJson(*escrow);
}

core::Result<json> Receipt(const Services& s, const json& raw_params) {
  AITBC_ASSIGN_OR_RETURN(json params, NamedParams(raw_params, {"job_id"}));
  const Store& store = s->ledger->store();
  AITBC_ASSIGN_OR_RETURN(auto receipt_id, OptionalStringParam(params, "receipt_id"));
  std::string job_id;
  if (receipt_id && !params.contains("job_id")) {
    AITBC_ASSIGN_OR_RETURN(auto found, store.GetJobIdForReceipt(*receipt_id));
    if (!found) return core::Error::NotFound("no receipt " + *receipt_id + " on the chain");
    job_id = std::move(*found);
  } else {
    AITBC_ASSIGN_OR_RETURN(job_id, JobIdParam(params));
  }
  AITBC_ASSIGN_OR_RETURN(auto settle_hash, store.GetSettleTx(job_id));
  if (!settle_hash) return core::Error::NotFound("no receipt for job " + job_id + " on the chain");
  AITBC_ASSIGN_OR_RETURN(auto stored, store.GetTx(*settle_hash));
  const auto* settle = stored ? std::get_if<protocol::JobSettle>(&stored->tx.tx.payload) : nullptr;
  if (settle == nullptr) return core::Error::Corruption("receipt index points at no settlement");
  return json{{"receipt", protocol::ReceiptToJson(settle->receipt)},
              {"height", stored->location.height},
              {"index", stored->location.index},
              {"tx_hash", settle_hash->ToHex()},
              {"coordinator", stored->tx.tx.sender_address().ToString()},
              {"miner_key", settle->miner_key.ToHex()},
              {"miner_signature", settle->miner_signature.ToHex()}};
}

json Validators(const Services& s) {
  json list = json::array();
  const auto& validators = s->ledger->machine().genesis().validators;
  for (size_t i = 0; i < validators.size(); ++i) {
    list.push_back({{"address", core::Address::FromPublicKey(validators[i]).ToString()},
                    {"pub_key", validators[i].ToHex()},
                    {"voting_power", 1},
                    {"proposer", i == 0}});
  }
  return {{"block_height", s->ledger->store().height()}, {"validators", std::move(list)}};
}

json Supply(const Services& s) {
  chain::ChainMeta meta = s->ledger->store().meta();
  auto total = meta.supply.Total();
  return {{"total", total.ok() ? json(AmountToJson(*total)) : json(nullptr)},
          {"genesis", AmountToJson(meta.genesis_supply)},
          {"balances", AmountToJson(meta.supply.balances)},
          {"staked", AmountToJson(meta.supply.staked)},
          {"unbonding", AmountToJson(meta.supply.unbonding)},
          {"escrowed", AmountToJson(meta.supply.escrowed)},
          {"height", meta.height}};
}

}  // namespace

json EscrowToJson(const chain::Escrow& e) {
  bool open = e.status == chain::EscrowStatus::kOpen;
  bool settled = e.status == chain::EscrowStatus::kSettled;
  return {{"job_id", e.job_id},
          {"client", e.client.ToString()},
          {"coordinator", e.coordinator.ToString()},
          {"amount", AmountToJson(e.amount)},
          {"fee", AmountToJson(e.fee)},
          {"expiry_height", e.expiry_height},
          {"status", chain::EscrowStatusName(e.status)},
          {"created_height", e.created_height},
          {"closed_height", e.closed_height},
          {"closing_tx", open ? json(nullptr) : json(e.closing_tx.ToHex())},
          {"amount_paid", AmountToJson(e.amount_paid)},
          {"miner", settled ? json(e.miner.ToString()) : json(nullptr)},
          {"result_hash", settled ? json(e.result_hash.ToHex()) : json(nullptr)}};
}

void RegisterQueryMethods(Registrar& registrar, const Services& s) {
  registrar.Add("status", [s](const json&) -> core::Result<json> { return StatusOf(s); });
  registrar.Add("block", [s](const json& p) { return Block(s, p); });
  registrar.Add("blockchain", [s](const json& p) { return Blockchain(s, p); });
  registrar.Add("tx", [s](const json& p) { return Tx(s, p); });
  registrar.Add("account", [s](const json& p) { return Account(s, p); });
  registrar.Add("escrow", [s](const json& p) { return Escrow(s, p); });
  registrar.Add("receipt", [s](const json& p) { return Receipt(s, p); });
  registrar.Add("validators", [s](const json&) -> core::Result<json> { return Validators(s); });
  registrar.Add("genesis", [s](const json&) -> core::Result<json> {
    return json{{"genesis", s->ledger->machine().genesis().ToJson()}};
  });
  registrar.Add("supply", [s](const json&) -> core::Result<json> { return Supply(s); });
  registrar.Add("num_unconfirmed_txs", [s](const json&) -> core::Result<json> {
    size_t n = s->mempool != nullptr ? s->mempool->size() : 0;
    size_t bytes = s->mempool != nullptr ? s->mempool->bytes() : 0;
    return json{{"n_txs", n}, {"total", n}, {"total_bytes", bytes}};
  });
  registrar.Add("health", [](const json&) -> core::Result<json> { return json::object(); });
}

}  // namespace aitbc::node::rpc_internal
