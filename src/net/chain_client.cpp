// RpcChainClient and BlockingChainClient: the node's JSON-RPC as typed calls.
#include "net/chain_client.h"

#include <chrono>
#include <future>
#include <thread>

#include "core/bytes.h"
#include "net/json_rpc.h"
#include "protocol/json_codec.h"

namespace aitbc::net {
namespace {

using nlohmann::json;

// Wraps a field error as a malformed answer from the node.
core::Error Malformed(std::string_view method, const core::Error& error) {
  return core::Error::Corruption("malformed answer to " + std::string(method) + ": " +
                                 error.message());
}

core::Result<core::Hash256> HashField(const json& obj, std::string_view field) {
  AITBC_ASSIGN_OR_RETURN(std::string hex, protocol::GetString(obj, field));
  return core::Hash256::FromHex(hex);
}

core::Result<core::Address> AddressField(const json& obj, std::string_view field) {
  AITBC_ASSIGN_OR_RETURN(std::string text, protocol::GetString(obj, field));
  return core::Address::Parse(text);
}

core::Result<core::Amount> AmountField(const json& obj, std::string_view field) {
  if (!obj.is_object() || !obj.contains(field)) {
    return core::Error::InvalidArgument("missing field '" + std::string(field) + "'");
  }
  return protocol::AmountFromJson(obj.at(std::string(field)), field);
}

core::Result<const json*> ObjectField(const json& obj, std::string_view field) {
  if (!obj.is_object()) return core::Error::InvalidArgument("expected a JSON object");
  auto it = obj.find(field);
  if (it == obj.end() || !it->is_object()) {
    return core::Error::InvalidArgument("field '" + std::string(field) + "' must be an object");
  }
  return &*it;
}

// A broadcast_tx_sync result: the hash when accepted (or already pending/committed: the same
// transaction re-broadcast), else the node's error.
core::Result<core::Hash256> BroadcastResult(const core::Result<json>& result) {
  if (!result.ok()) return result.error();
  const json& r = *result;
  if (!r.is_object() || !r.contains("code") || !r["code"].is_number_integer()) {
    return core::Error::Corruption("malformed answer to broadcast_tx_sync");
  }
  bool duplicate = r.contains("duplicate") && r["duplicate"] == true;
  if (r["code"].get<int64_t>() != 0 && !duplicate) {
    std::string log = r.contains("log") && r["log"].is_string() ? r["log"].get<std::string>() : "";
    std::string code = r.contains("error_code") && r["error_code"].is_string()
                           ? r["error_code"].get<std::string>()
                           : "internal";
    return core::Error(core::ErrorCodeFromName(code), log);
  }
  auto hash = HashField(r, "hash");
  if (!hash.ok()) return Malformed("broadcast_tx_sync", hash.error());
  return *hash;
}

core::Result<ChainStatus> ParseStatus(const json& r) {
  ChainStatus s;
  AITBC_ASSIGN_OR_RETURN(const json* node_info, ObjectField(r, "node_info"));
  AITBC_ASSIGN_OR_RETURN(const json* sync, ObjectField(r, "sync_info"));
  AITBC_ASSIGN_OR_RETURN(s.chain_id, protocol::GetString(*node_info, "network"));
  AITBC_ASSIGN_OR_RETURN(s.height, protocol::GetU64(*sync, "latest_block_height"));
  AITBC_ASSIGN_OR_RETURN(s.last_block_hash, HashField(*sync, "latest_block_hash"));
  AITBC_ASSIGN_OR_RETURN(s.last_block_time_ms, protocol::GetU64(*sync, "latest_block_time_ms"));
  AITBC_ASSIGN_OR_RETURN(s.state_hash, HashField(*sync, "latest_app_hash"));
  return s;
}

core::Result<AccountInfo> ParseAccount(const json& r) {
  AccountInfo a;
  AITBC_ASSIGN_OR_RETURN(a.address, AddressField(r, "address"));
  AITBC_ASSIGN_OR_RETURN(a.balance, AmountField(r, "balance"));
  AITBC_ASSIGN_OR_RETURN(a.nonce, protocol::GetU64(r, "nonce"));
  AITBC_ASSIGN_OR_RETURN(a.pending_nonce, protocol::GetU64(r, "pending_nonce"));
  AITBC_ASSIGN_OR_RETURN(a.stake, AmountField(r, "stake"));
  AITBC_ASSIGN_OR_RETURN(a.unbonding, AmountField(r, "unbonding"));
  return a;
}

core::Result<EscrowInfo> ParseEscrow(const json& r) {
  EscrowInfo e;
  AITBC_ASSIGN_OR_RETURN(e.job_id, protocol::GetString(r, "job_id"));
  AITBC_ASSIGN_OR_RETURN(e.client, AddressField(r, "client"));
  AITBC_ASSIGN_OR_RETURN(e.coordinator, AddressField(r, "coordinator"));
  AITBC_ASSIGN_OR_RETURN(e.amount, AmountField(r, "amount"));
  if (r.contains("fee")) {  // absent from nodes built before escrows recorded their fee
    AITBC_ASSIGN_OR_RETURN(e.fee, AmountField(r, "fee"));
  }
  AITBC_ASSIGN_OR_RETURN(e.expiry_height, protocol::GetU64(r, "expiry_height"));
  AITBC_ASSIGN_OR_RETURN(e.status, protocol::GetString(r, "status"));
  AITBC_ASSIGN_OR_RETURN(e.created_height, protocol::GetU64(r, "created_height"));
  AITBC_ASSIGN_OR_RETURN(e.closed_height, protocol::GetU64(r, "closed_height"));
  AITBC_ASSIGN_OR_RETURN(e.amount_paid, AmountField(r, "amount_paid"));
  if (r.contains("closing_tx") && r["closing_tx"].is_string()) {
    AITBC_ASSIGN_OR_RETURN(e.closing_tx, HashField(r, "closing_tx"));
  }
  if (r.contains("miner") && r["miner"].is_string()) {
    AITBC_ASSIGN_OR_RETURN(e.miner, AddressField(r, "miner"));
  }
  return e;
}

core::Result<protocol::Block> ParseBlock(const json& r) {
  AITBC_ASSIGN_OR_RETURN(std::string raw, protocol::GetString(r, "raw"));
  AITBC_ASSIGN_OR_RETURN(core::Bytes bytes, core::Base64Decode(raw));
  return protocol::Block::Decode(bytes);
}

core::Result<TxInfo> ParseTx(const json& r) {
  TxInfo info;
  AITBC_ASSIGN_OR_RETURN(std::string raw, protocol::GetString(r, "tx"));
  AITBC_ASSIGN_OR_RETURN(core::Bytes bytes, core::Base64Decode(raw));
  AITBC_ASSIGN_OR_RETURN(info.tx, protocol::TxEnvelope::FromOwned(std::move(bytes)));
  AITBC_ASSIGN_OR_RETURN(info.height, protocol::GetU64(r, "height"));
  AITBC_ASSIGN_OR_RETURN(uint64_t index, protocol::GetU64(r, "index"));
  info.index = static_cast<uint32_t>(index);
  return info;
}

core::Result<protocol::Genesis> ParseGenesis(const json& r) {
  AITBC_ASSIGN_OR_RETURN(const json* genesis, ObjectField(r, "genesis"));
  return protocol::Genesis::FromJson(*genesis);
}

core::Result<SupplyInfo> ParseSupply(const json& r) {
  SupplyInfo s;
  AITBC_ASSIGN_OR_RETURN(s.total, AmountField(r, "total"));
  AITBC_ASSIGN_OR_RETURN(s.genesis, AmountField(r, "genesis"));
  AITBC_ASSIGN_OR_RETURN(s.balances, AmountField(r, "balances"));
  AITBC_ASSIGN_OR_RETURN(s.staked, AmountField(r, "staked"));
  AITBC_ASSIGN_OR_RETURN(s.unbonding, AmountField(r, "unbonding"));
  AITBC_ASSIGN_OR_RETURN(s.escrowed, AmountField(r, "escrowed"));
  AITBC_ASSIGN_OR_RETURN(s.height, protocol::GetU64(r, "height"));
  return s;
}

}  // namespace

struct RpcChainClient::Impl {
  Impl(EventLoop& loop, Url url, int64_t timeout_ms)
      : loop(loop), http(loop), rpc(http, std::move(url)) {
    rpc.timeout_ms = timeout_ms;
  }

  // Calls method and converts its result with parse; node errors pass through unchanged.
  template <typename T, typename Parse>
  void Call(const char* method, json params, Parse parse, ChainClient::Callback<T> done) {
    rpc.Call(method, std::move(params),
             [method, parse, done = std::move(done)](core::Result<json> result) {
               if (!result.ok()) return done(std::move(result).error());
               core::Result<T> parsed = parse(*result);
               if (!parsed.ok()) return done(Malformed(method, parsed.error()));
               done(std::move(parsed));
             });
  }

  EventLoop& loop;
  HttpClient http;
  jsonrpc::Client rpc;
};

RpcChainClient::RpcChainClient(EventLoop& loop, Url url, int64_t timeout_ms)
    : impl_(std::make_unique<Impl>(loop, std::move(url), timeout_ms)) {}

RpcChainClient::~RpcChainClient() = default;

void RpcChainClient::BroadcastTx(core::Bytes tx, Callback<core::Hash256> done) {
  impl_->rpc.Call(
      "broadcast_tx_sync", json{{"tx", core::Base64Encode(tx)}},
      [done = std::move(done)](core::Result<json> result) { done(BroadcastResult(result)); });
}

void RpcChainClient::BroadcastTxs(
    std::vector<core::Bytes> txs,
    std::function<void(std::vector<core::Result<core::Hash256>>)> done) {
  if (txs.empty()) {  // nothing to send, but answer on the loop as for any call
    return impl_->loop.Post([done = std::move(done)] { done({}); });
  }
  std::vector<std::pair<std::string, json>> calls;
  calls.reserve(txs.size());
  for (const auto& tx : txs) {
    calls.emplace_back("broadcast_tx_sync", json{{"tx", core::Base64Encode(tx)}});
  }
  impl_->rpc.CallBatch(std::move(calls),
                       [done = std::move(done)](std::vector<core::Result<json>> results) {
                         std::vector<core::Result<core::Hash256>> out;
                         out.reserve(results.size());
                         for (const auto& result : results) out.push_back(BroadcastResult(result));
                         done(std::move(out));
                       });
}

void RpcChainClient::GetStatus(Callback<ChainStatus> done) {
  impl_->Call<ChainStatus>("status", json::object(), ParseStatus, std::move(done));
}

void RpcChainClient::GetAccount(const core::Address& address, Callback<AccountInfo> done) {
  impl_->Call<AccountInfo>("account", json{{"address", address.ToString()}}, ParseAccount,
                           std::move(done));
}

void RpcChainClient::GetEscrow(const std::string& job_id,
                               Callback<std::optional<EscrowInfo>> done) {
  impl_->rpc.Call("escrow", json{{"job_id", job_id}},
                  [done = std::move(done)](core::Result<json> result) {
                    if (!result.ok()) {
                      if (result.error().code() == core::ErrorCode::kNotFound) {
                        return done(std::optional<EscrowInfo>());
                      }
                      return done(std::move(result).error());
                    }
                    auto escrow = ParseEscrow(*result);
                    if (!escrow.ok()) return done(Malformed("escrow", escrow.error()));
                    done(std::optional<EscrowInfo>(std::move(escrow).value()));
                  });
}

void RpcChainClient::GetBlock(uint64_t height, Callback<protocol::Block> done) {
  impl_->Call<protocol::Block>("block", json{{"height", height}, {"decode", false}}, ParseBlock,
                               std::move(done));
}

void RpcChainClient::GetTx(const core::Hash256& hash, Callback<TxInfo> done) {
  impl_->Call<TxInfo>("tx", json{{"hash", hash.ToHex()}}, ParseTx, std::move(done));
}

void RpcChainClient::GetGenesis(Callback<protocol::Genesis> done) {
  impl_->Call<protocol::Genesis>("genesis", json::object(), ParseGenesis, std::move(done));
}

void RpcChainClient::GetSupply(Callback<SupplyInfo> done) {
  impl_->Call<SupplyInfo>("supply", json::object(), ParseSupply, std::move(done));
}

namespace {

// Runs an asynchronous call and waits for its callback.
template <typename T, typename Start>
core::Result<T> Await(Start start) {
  auto promise = std::make_shared<std::promise<core::Result<T>>>();
  auto future = promise->get_future();
  start([promise](core::Result<T> result) { promise->set_value(std::move(result)); });
  return future.get();
}

}  // namespace

BlockingChainClient::BlockingChainClient(Url url, int64_t timeout_ms)
    : loop_(std::make_unique<EventLoop>(1)),
      client_(std::make_unique<RpcChainClient>(*loop_, std::move(url), timeout_ms)) {
  loop_->RunInBackground();
}

BlockingChainClient::~BlockingChainClient() {
  loop_->Stop();
  client_.reset();
}

core::Result<core::Hash256> BlockingChainClient::BroadcastTx(core::Bytes tx) {
  return Await<core::Hash256>([&](auto done) { client_->BroadcastTx(std::move(tx), done); });
}

core::Result<ChainStatus> BlockingChainClient::GetStatus() {
  return Await<ChainStatus>([&](auto done) { client_->GetStatus(done); });
}

core::Result<AccountInfo> BlockingChainClient::GetAccount(const core::Address& address) {
  return Await<AccountInfo>([&](auto done) { client_->GetAccount(address, done); });
}

core::Result<std::optional<EscrowInfo>> BlockingChainClient::GetEscrow(const std::string& job_id) {
  return Await<std::optional<EscrowInfo>>([&](auto done) { client_->GetEscrow(job_id, done); });
}

core::Result<protocol::Block> BlockingChainClient::GetBlock(uint64_t height) {
  return Await<protocol::Block>([&](auto done) { client_->GetBlock(height, done); });
}

core::Result<TxInfo> BlockingChainClient::GetTx(const core::Hash256& hash) {
  return Await<TxInfo>([&](auto done) { client_->GetTx(hash, done); });
}

core::Result<protocol::Genesis> BlockingChainClient::GetGenesis() {
  return Await<protocol::Genesis>([&](auto done) { client_->GetGenesis(done); });
}

core::Result<SupplyInfo> BlockingChainClient::GetSupply() {
  return Await<SupplyInfo>([&](auto done) { client_->GetSupply(done); });
}

core::Result<uint64_t> BlockingChainClient::WaitForTx(const core::Hash256& hash,
                                                      int64_t timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto tx = GetTx(hash);
    if (tx.ok()) return tx->height;
    core::ErrorCode code = tx.error().code();
    bool transient = code == core::ErrorCode::kNotFound || code == core::ErrorCode::kUnavailable ||
                     code == core::ErrorCode::kTimeout;
    if (!transient) return tx.error();
    if (std::chrono::steady_clock::now() >= deadline) {
      return core::Error::Timeout("transaction " + hash.ToHex() + " not committed within " +
                                  std::to_string(timeout_ms) + " ms");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace aitbc::net
