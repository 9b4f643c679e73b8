// Mempool: transactions accepted by this node and not yet in a block, in arrival order, with
// the "pending state" they produce (the committed state plus every pending transaction).
//
// Admission checks a transaction with StateMachine::ApplyTx against the pending state, so a
// transaction is accepted only if it is valid after every earlier pending one: two transfers
// spending the same balance cannot both enter, and a nonce must be exactly the next pending
// nonce of its account (gaps are rejected). job_* transactions (nonce 0) are ordered by arrival.
// Signatures are NOT checked here: the caller verifies each transaction once before Admit.
//
// Durability (journaled mode, the proposer's): every admitted transaction gets an admission
// sequence number (increasing, in arrival order); MempoolJournal writes its pending entry to the
// store and then calls MarkDurable. Until then the transaction is pending (it counts for
// admission, duplicates and the limits) but not yet *ready*: Candidates() offers only durable
// transactions, so a block's batch — which deletes its transactions' pending entries — is always
// written after their entries. The sequence numbers of transactions dropped as invalid are kept
// ("dead") until a later write deletes their entries (MempoolJournal, or the next block:
// RemovalFor). Without `journaled` nothing is on disk: every transaction is ready at once and
// nothing is dead.
//
// Contract: thread-safe (one mutex; Admit takes it once for a whole batch). After a block is
// committed to the store, call Update() with the block's transactions: they are removed, the
// pending state is rebuilt over the new committed state by re-applying the remaining
// transactions in order, and those no longer valid are dropped. Errors: kAlreadyExists for a
// duplicate ("transaction already in mempool") or a committed transaction ("transaction already
// committed at height H"), kResourceExhausted ("mempool full ...") beyond max_txs/max_bytes,
// otherwise the state machine's error.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "chain/state.h"
#include "chain/state_machine.h"
#include "core/result.h"
#include "node/store.h"
#include "protocol/transaction.h"

namespace aitbc::node {

struct MempoolOptions {
  size_t max_txs = 100'000;
  size_t max_bytes = 64 << 20;
  // Transactions become block candidates only once MarkDurable covers them (see above).
  bool journaled = false;
};

// What AdmitBatch did: a status per transaction and, in journaled mode, the pending entries of
// the accepted ones (sequence number and bytes), in order.
struct Admitted {
  std::vector<core::Status> results;
  std::vector<PendingEntry> entries;
  std::vector<core::Hash256> hashes;  // of `entries`
};

// The pending entries a block's commit deletes (Ledger::Commit).
struct PendingRemoval {
  std::vector<uint64_t> committed;  // the sequence numbers of the block's transactions
  std::vector<uint64_t> dead;       // durable entries of dropped transactions
  std::vector<uint64_t> All() const;
};

class Mempool {
 public:
  Mempool(const chain::StateMachine& machine, const Store& store, MempoolOptions options = {});
  ~Mempool();
  Mempool(const Mempool&) = delete;
  Mempool& operator=(const Mempool&) = delete;

  // Admits signature-verified transactions in order; one status per transaction, and (journaled
  // mode) the pending entries of the accepted ones, each with its new sequence number.
  Admitted AdmitBatch(std::vector<protocol::TxEnvelope> txs);
  std::vector<core::Status> Admit(std::vector<protocol::TxEnvelope> txs);
  core::Status Admit(protocol::TxEnvelope tx);

  // Re-admits transactions reloaded from their pending entries (verified by the caller), in
  // the given (sequence) order, keeping their sequence numbers, as durable. Returns one status
  // per entry; the rejected ones' sequence numbers are NOT added to the dead set (the caller
  // deletes them). Call before anything else is admitted.
  std::vector<core::Status> Restore(std::vector<std::pair<uint64_t, protocol::TxEnvelope>> txs);

  // Journaled mode: the entries up to sequence `seq` are on disk. Fires the non-empty callback
  // when transactions become ready.
  void MarkDurable(uint64_t seq);
  // Journaled mode: the write of these entries failed; they are removed (the pending state is
  // rebuilt; transactions that depended on them are dropped).
  void Discard(const std::vector<core::Hash256>& hashes);
  // The dead sequence numbers up to `seq`, and forgetting them once their entries are deleted.
  std::vector<uint64_t> DeadUpTo(uint64_t seq) const;
  void ForgetDead(const std::vector<uint64_t>& deleted);

  // Up to max_txs ready transactions totalling at most max_bytes, in arrival order (candidates
  // for the next block).
  std::vector<protocol::TxEnvelope> Candidates(size_t max_txs, size_t max_bytes) const;

  // The pending entries to delete with the block that commits `committed`: theirs, and the dead
  // ones already on disk.
  PendingRemoval RemovalFor(const std::vector<core::Hash256>& committed) const;

  // Removes the committed transactions and rebuilds the pending state; returns how many other
  // transactions were dropped because they are no longer valid. `dead_deleted`: dead sequence
  // numbers whose entries were deleted with the block (RemovalFor().dead).
  size_t Update(const std::vector<core::Hash256>& committed,
                const std::vector<uint64_t>& dead_deleted = {});

  bool Contains(const core::Hash256& hash) const;
  size_t size() const;
  // Transactions that may go into a block (size() minus those not yet durable).
  size_t ready() const;
  // Dead sequence numbers not yet deleted (tests).
  size_t dead() const;
  size_t bytes() const;
  // The account as the pending state sees it (nullopt: does not exist even there).
  core::Result<std::optional<chain::Account>> PendingAccount(const core::Address& address) const;

  // Called (without the lock held) when the mempool goes from no ready transaction to some.
  void SetOnNonEmpty(std::function<void()> callback);

 private:
  struct Entry {
    protocol::TxEnvelope tx;
    uint64_t seq = 0;
  };
  core::Status AdmitLocked(protocol::TxEnvelope& tx, uint64_t seq);
  chain::BlockContext PendingContext() const;
  // Re-applies every entry over the committed state; the dropped ones become dead.
  void RebuildLocked();
  std::list<Entry>::iterator EraseLocked(std::list<Entry>::iterator it);
  bool DurableLocked(const Entry& entry) const {
    return !options_.journaled || entry.seq <= durable_seq_;
  }

  const chain::StateMachine& machine_;
  const Store& store_;
  const MempoolOptions options_;
  const core::Address proposer_;

  mutable std::mutex mu_;
  std::list<Entry> order_;
  std::unordered_map<core::Hash256, std::list<Entry>::iterator> by_hash_;
  size_t bytes_ = 0;
  uint64_t next_seq_ = 1;
  uint64_t durable_seq_ = 0;  // journaled: entries up to here are on disk
  size_t not_durable_ = 0;    // entries in order_ with seq > durable_seq_ (a suffix of order_)
  std::set<uint64_t> dead_;   // sequence numbers of dropped entries still on disk
  std::unique_ptr<chain::StateOverlay> pending_;
  chain::BlockContext context_;  // of the next block, refreshed by Update()
  std::function<void()> on_non_empty_;
};

// True for the mempool's duplicate errors (the same transaction is pending or committed), as
// opposed to other kAlreadyExists errors (e.g. another escrow for the same job id).
bool IsDuplicateTx(const core::Error& error);

}  // namespace aitbc::node
