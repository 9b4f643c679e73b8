// Ledger: the one path by which blocks become committed on this node (the producer on the
// proposer, the follower elsewhere), and the notifications that follow a commit: waiters for a
// transaction (broadcast_tx_commit), waiters for a height (p2p long-polls), commit listeners
// (metrics, logs) and the mempool update.
//
// Contract: Commit() is called by one thread at a time (whoever owns block production or sync).
// Waits are thread-safe; each callback is called exactly once: on the committing thread when the
// awaited commit happens (or at once, on the caller's thread, when it already happened), on an
// EventLoop thread when it times out, or from Shutdown() with kUnavailable. Callbacks must be
// quick (post work elsewhere).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "chain/state_machine.h"
#include "core/result.h"
#include "net/event_loop.h"
#include "node/store.h"
#include "protocol/block.h"

namespace aitbc::node {

class Mempool;

class Ledger {
 public:
  using TxCallback = std::function<void(core::Result<TxLocation>)>;
  // true when the height was reached, false on timeout.
  using HeightCallback = std::function<void(bool)>;
  using Listener = std::function<void(const protocol::Block&)>;

  Ledger(const chain::StateMachine& machine, Store& store, net::EventLoop& loop);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  const chain::StateMachine& machine() const { return machine_; }
  Store& store() { return store_; }
  const Store& store() const { return store_; }

  // The mempool to update after each commit (proposer only); may stay unset.
  void SetMempool(Mempool* mempool) { mempool_ = mempool; }
  // Called on the committing thread after every commit; set up before the first commit.
  void AddListener(Listener listener);

  // Writes the block (with the deletion of its transactions' pending entries and of the
  // mempool's dead ones, in the same batch), updates the mempool, then wakes waiters and
  // listeners.
  core::Status Commit(const protocol::Block& block, const chain::StateDelta& delta);

  // Calls done with the transaction's location once it is committed; kTimeout after timeout_ms.
  void WaitForTx(const core::Hash256& hash, int64_t timeout_ms, TxCallback done);
  // Calls done(true) once the committed height is at least `height`; done(false) after
  // timeout_ms.
  void WaitForHeight(uint64_t height, int64_t timeout_ms, HeightCallback done);
  // Answers every waiter (kUnavailable / false) and refuses new ones with the same.
  void Shutdown();

 private:
  struct Waiter;
  void Arm(const std::shared_ptr<Waiter>& waiter, int64_t timeout_ms);

  const chain::StateMachine& machine_;
  Store& store_;
  net::EventLoop& loop_;
  Mempool* mempool_ = nullptr;
  std::vector<Listener> listeners_;

  std::mutex mu_;
  bool shut_down_ = false;
  std::unordered_map<core::Hash256, std::vector<std::shared_ptr<Waiter>>> tx_waiters_;
  std::multimap<uint64_t, std::shared_ptr<Waiter>> height_waiters_;
};

}  // namespace aitbc::node
