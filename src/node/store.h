// Store: the node's durable chain data in one RocksDB database (<datadir>/chain): blocks, the
// indices of transactions, blocks and receipts, and the state (accounts, escrows, unbonding
// entries, chain metadata). Implements chain::StateReader over the last committed block.
//
// Layout (docs/node.md, "Storage"): "v" storage format, "a"+addr20 account, "e"+job_id escrow,
// "u"+be64 height unbonding entries, "m" meta, "g" genesis JSON, "b"+be64 height block, "h"+hash
// block height, "t"+tx hash be64 height ‖ be32 index, "r"+job_id settle tx hash, "R"+receipt_id job
// id, "p"+be64 admission sequence the bytes of a pending (accepted, not yet committed) transaction.
//
// Contract: CommitBlock writes everything one block changes in ONE atomic, fsync'd WriteBatch,
// so after a crash at any moment the store holds exactly the blocks committed before it, with
// their state. The pending entries of the block's transactions are deleted in that same batch,
// so a transaction is never both committed and pending on disk. Open() initialises a new database
// with the genesis state and refuses a database made for another genesis or written in another
// storage format (kFailedPrecondition).
// Reads are thread-safe and may run while a commit is in progress (each read sees the state before
// or after the commit); one thread at a time may commit. Every RocksDB failure is reported as
// kIOError, undecodable stored data as kCorruption.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "chain/state.h"
#include "chain/state_machine.h"
#include "core/result.h"
#include "protocol/block.h"
#include "protocol/genesis.h"

namespace rocksdb {
class Env;
}

namespace aitbc::node {

struct TxLocation {
  uint64_t height = 0;
  uint32_t index = 0;
  bool operator==(const TxLocation&) const = default;
};

struct StoredTx {
  protocol::TxEnvelope tx;
  TxLocation location;
};

// One pending transaction (the mempool's durable form, docs/node.md "Pending transactions").
struct PendingEntry {
  uint64_t seq = 0;  // admission sequence: entries are reloaded in this order
  core::Bytes tx;    // the signed transaction's bytes
};

struct StoreOptions {
  // fsync the write-ahead log on every commit (crash safety across power loss, not only kill -9).
  bool sync = true;
  // Accounts kept in memory (read-through, written through by commits); 0 disables the cache.
  size_t account_cache_entries = 1 << 20;
  // The RocksDB environment (not owned; nullptr: the default). Tests pass one whose file
  // system fails writes.
  rocksdb::Env* env = nullptr;
};

// What VerifyState() recomputed from the stored entries.
struct StateCheck {
  uint64_t height = 0;
  size_t accounts = 0;
  size_t escrows = 0;
  size_t unbonding_heights = 0;
  core::Hash256 state_hash;  // recomputed; equal to the meta's when the check passes
  chain::SupplyTotals supply;
};

class Store final : public chain::StateReader {
 public:
  // Opens or creates the database in directory `path`.
  static core::Result<std::unique_ptr<Store>> Open(const std::string& path,
                                                   const chain::StateMachine& machine,
                                                   StoreOptions options = {});
  ~Store() override;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // chain::StateReader over the last committed block.
  core::Result<std::optional<chain::Account>> GetAccount(
      const core::Address& address) const override;
  core::Result<std::optional<chain::Escrow>> GetEscrow(std::string_view job_id) const override;
  core::Result<std::vector<chain::UnbondingEntry>> GetUnbonding(uint64_t height) const override;
  core::Result<chain::ChainMeta> GetMeta() const override;

  // The meta of the last committed block (from memory; never fails).
  chain::ChainMeta meta() const;
  uint64_t height() const;
  const protocol::Genesis& genesis() const { return genesis_; }
  const core::Hash256& genesis_hash() const { return genesis_hash_; }

  // Writes block (which must be the next height) and the state it produced, and deletes the
  // pending entries `pending_removed` in the same batch. kFailedPrecondition when the heights do
  // not follow; kIOError when the write fails (nothing is written then).
  core::Status CommitBlock(const protocol::Block& block, const chain::StateDelta& delta,
                           const std::vector<uint64_t>& pending_removed = {});

  // Writes the pending entries `put` and deletes the entries `removed` in ONE batch, fsync'd
  // like a block (puts first, so an entry both put and removed here ends up deleted). kIOError
  // when the write fails (nothing is written then).
  core::Status WritePending(const std::vector<PendingEntry>& put,
                            const std::vector<uint64_t>& removed);
  // Every pending entry, in sequence order; kCorruption for a malformed key.
  core::Result<std::vector<PendingEntry>> LoadPending() const;

  core::Result<std::optional<core::Bytes>> GetBlockBytes(uint64_t height) const;
  core::Result<std::optional<protocol::Block>> GetBlock(uint64_t height) const;
  core::Result<std::optional<uint64_t>> GetBlockHeight(const core::Hash256& block_hash) const;
  core::Result<std::optional<TxLocation>> GetTxLocation(const core::Hash256& tx_hash) const;
  core::Result<std::optional<StoredTx>> GetTx(const core::Hash256& tx_hash) const;
  // The job_settle transaction that closed job_id's escrow with a receipt.
  core::Result<std::optional<core::Hash256>> GetSettleTx(std::string_view job_id) const;
  core::Result<std::optional<std::string>> GetJobIdForReceipt(std::string_view receipt_id) const;

  // Recomputes the state commitment (LtHash) and the supply totals from every stored entry and
  // compares them with the stored meta: kCorruption naming the first difference or the first
  // undecodable entry.
  core::Result<StateCheck> VerifyState() const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl, protocol::Genesis genesis);
  std::unique_ptr<Impl> impl_;
  protocol::Genesis genesis_;
  core::Hash256 genesis_hash_;
};

// The index-th transaction's bytes inside an encoded block, without decoding the others.
core::Result<core::Bytes> ExtractTxBytes(core::ByteView block_bytes, uint32_t index);

}  // namespace aitbc::node
