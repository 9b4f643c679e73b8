// ChainClient: the node's JSON-RPC (docs/api.md, "Node RPC") as a typed asynchronous
// interface. The coordinator, the miner and the client library reach the chain only through
// it, never by linking chain/ or node/; tests may substitute another implementation.
//
// Contract: every method calls `done` exactly once, on an EventLoop thread (RpcChainClient) —
// never synchronously inside the call. Errors: kUnavailable/kTimeout when the node cannot be
// reached (retryable), the node's own error (kInsufficientFunds, kAlreadyExists, ...) when it
// rejects a transaction, kNotFound for an unknown block/tx/escrow. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/amount.h"
#include "core/hash.h"
#include "core/result.h"
#include "net/event_loop.h"
#include "net/http_client.h"
#include "protocol/block.h"
#include "protocol/genesis.h"

namespace aitbc::net {

struct ChainStatus {
  std::string chain_id;
  uint64_t height = 0;
  core::Hash256 last_block_hash;
  uint64_t last_block_time_ms = 0;
  core::Hash256 state_hash;
};

struct AccountInfo {
  core::Address address;
  core::Amount balance;
  uint64_t nonce = 0;          // committed
  uint64_t pending_nonce = 0;  // next nonce to use, counting mempool transactions
  core::Amount stake;
  core::Amount unbonding;
};

struct EscrowInfo {
  std::string job_id;
  core::Address client;
  core::Address coordinator;
  core::Amount amount;
  core::Amount fee;  // paid by the job_escrow; a coordinator's refund rebates it (0 from old nodes)
  uint64_t expiry_height = 0;
  std::string status;  // "open", "settled", "refunded"
  uint64_t created_height = 0;
  uint64_t closed_height = 0;
  core::Hash256 closing_tx;
  core::Amount amount_paid;
  core::Address miner;
};

struct TxInfo {
  protocol::TxEnvelope tx;
  uint64_t height = 0;
  uint32_t index = 0;
};

struct SupplyInfo {
  core::Amount total;
  core::Amount genesis;
  core::Amount balances;
  core::Amount staked;
  core::Amount unbonding;
  core::Amount escrowed;
  uint64_t height = 0;
};

class ChainClient {
 public:
  template <typename T>
  using Callback = std::function<void(core::Result<T>)>;

  virtual ~ChainClient() = default;

  // broadcast_tx_sync: the node checked the transaction against its pending state and accepted
  // it into its mempool (or says why not). Re-broadcasting an accepted transaction succeeds.
  virtual void BroadcastTx(core::Bytes tx, Callback<core::Hash256> done) = 0;
  // Many transactions in one JSON-RPC batch; results in the same order.
  virtual void BroadcastTxs(std::vector<core::Bytes> txs,
                            std::function<void(std::vector<core::Result<core::Hash256>>)> done) = 0;
  virtual void GetStatus(Callback<ChainStatus> done) = 0;
  virtual void GetAccount(const core::Address& address, Callback<AccountInfo> done) = 0;
  // nullopt when no escrow exists for the job.
  virtual void GetEscrow(const std::string& job_id, Callback<std::optional<EscrowInfo>> done) = 0;
  virtual void GetBlock(uint64_t height, Callback<protocol::Block> done) = 0;
  virtual void GetTx(const core::Hash256& hash, Callback<TxInfo> done) = 0;
  virtual void GetGenesis(Callback<protocol::Genesis> done) = 0;
  virtual void GetSupply(Callback<SupplyInfo> done) = 0;
};

// Speaks JSON-RPC 2.0 to a node at `url` ("http://127.0.0.1:8006").
class RpcChainClient final : public ChainClient {
 public:
  RpcChainClient(EventLoop& loop, Url url, int64_t timeout_ms = 10'000);
  ~RpcChainClient() override;

  void BroadcastTx(core::Bytes tx, Callback<core::Hash256> done) override;
  void BroadcastTxs(std::vector<core::Bytes> txs,
                    std::function<void(std::vector<core::Result<core::Hash256>>)> done) override;
  void GetStatus(Callback<ChainStatus> done) override;
  void GetAccount(const core::Address& address, Callback<AccountInfo> done) override;
  void GetEscrow(const std::string& job_id, Callback<std::optional<EscrowInfo>> done) override;
  void GetBlock(uint64_t height, Callback<protocol::Block> done) override;
  void GetTx(const core::Hash256& hash, Callback<TxInfo> done) override;
  void GetGenesis(Callback<protocol::Genesis> done) override;
  void GetSupply(Callback<SupplyInfo> done) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Blocking adapter over any ChainClient, for the CLI and tests.
class BlockingChainClient {
 public:
  // Owns a one-thread loop and an RpcChainClient to `url`.
  explicit BlockingChainClient(Url url, int64_t timeout_ms = 10'000);
  ~BlockingChainClient();

  core::Result<core::Hash256> BroadcastTx(core::Bytes tx);
  core::Result<ChainStatus> GetStatus();
  core::Result<AccountInfo> GetAccount(const core::Address& address);
  core::Result<std::optional<EscrowInfo>> GetEscrow(const std::string& job_id);
  core::Result<protocol::Block> GetBlock(uint64_t height);
  core::Result<TxInfo> GetTx(const core::Hash256& hash);
  core::Result<protocol::Genesis> GetGenesis();
  core::Result<SupplyInfo> GetSupply();
  // Polls until the transaction is in a block (or timeout): its height.
  core::Result<uint64_t> WaitForTx(const core::Hash256& hash, int64_t timeout_ms);

 private:
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<RpcChainClient> client_;
};

}  // namespace aitbc::net
