// Mempool: transactions accepted by this node and not yet in a block, in arrival order, with
// the "pending state" they produce (the committed state plus every pending transaction).
//
// Admission checks a transaction with StateMachine::ApplyTx against the pending state, so a
// transaction is accepted only if it is valid after every earlier pending one: two transfers
// spending the same balance cannot both enter, and a nonce must be exactly the next pending
// nonce of its account (gaps are rejected). job_* transactions (nonce 0) are ordered by arrival.
// Signatures are NOT checked here: the caller verifies each transaction once before Admit.
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
#include <unordered_map>
#include <vector>

#include "chain/state.h"
#include "chain/state_machine.h"
#include "core/result.h"
#include "protocol/transaction.h"

namespace aitbc::node {

class Store;

struct MempoolOptions {
  size_t max_txs = 100'000;
  size_t max_bytes = 64 << 20;
};

class Mempool {
 public:
  Mempool(const chain::StateMachine& machine, const Store& store, MempoolOptions options = {});
  ~Mempool();
  Mempool(const Mempool&) = delete;
  Mempool& operator=(const Mempool&) = delete;

  // Admits signature-verified transactions in order; one status per transaction.
  std::vector<core::Status> Admit(std::vector<protocol::TxEnvelope> txs);
  core::Status Admit(protocol::TxEnvelope tx);

  // Up to max_txs transactions totalling at most max_bytes, in arrival order (candidates for
  // the next block).
  std::vector<protocol::TxEnvelope> Candidates(size_t max_txs, size_t max_bytes) const;

  // Removes the committed transactions and rebuilds the pending state; returns how many other
  // transactions were dropped because they are no longer valid.
  size_t Update(const std::vector<core::Hash256>& committed);

  bool Contains(const core::Hash256& hash) const;
  size_t size() const;
  size_t bytes() const;
  // The account as the pending state sees it (nullopt: does not exist even there).
  core::Result<std::optional<chain::Account>> PendingAccount(const core::Address& address) const;

  // Called (without the lock held) when the mempool goes from empty to non-empty.
  void SetOnNonEmpty(std::function<void()> callback);

 private:
  struct Entry {
    protocol::TxEnvelope tx;
  };
  core::Status AdmitLocked(protocol::TxEnvelope& tx);
  chain::BlockContext PendingContext() const;
  void RebuildLocked();

  const chain::StateMachine& machine_;
  const Store& store_;
  const MempoolOptions options_;
  const core::Address proposer_;

  mutable std::mutex mu_;
  std::list<Entry> order_;
  std::unordered_map<core::Hash256, std::list<Entry>::iterator> by_hash_;
  size_t bytes_ = 0;
  std::unique_ptr<chain::StateOverlay> pending_;
  chain::BlockContext context_;  // of the next block, refreshed by Update()
  std::function<void()> on_non_empty_;
};

// True for the mempool's duplicate errors (the same transaction is pending or committed), as
// opposed to other kAlreadyExists errors (e.g. another escrow for the same job id).
bool IsDuplicateTx(const core::Error& error);

}  // namespace aitbc::node
