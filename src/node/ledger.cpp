// Ledger: commit, mempool update and waiter notification.
#include "node/ledger.h"

#include <atomic>

#include "node/mempool.h"

namespace aitbc::node {

struct Ledger::Waiter {
  std::atomic<bool> fired{false};
  std::atomic<net::EventLoop::TimerId> timer{0};
  core::Hash256 tx;  // tx waiters only
  TxCallback on_tx;
  HeightCallback on_height;

  // Returns true for the first caller only.
  bool Claim() { return !fired.exchange(true); }
};

Ledger::Ledger(const chain::StateMachine& machine, Store& store, net::EventLoop& loop)
    : machine_(machine), store_(store), loop_(loop) {}

Ledger::~Ledger() { Shutdown(); }

void Ledger::AddListener(Listener listener) { listeners_.push_back(std::move(listener)); }

core::Status Ledger::Commit(const protocol::Block& block, const chain::StateDelta& delta) {
  if (mempool_ == nullptr) {
    AITBC_TRY(store_.CommitBlock(block, delta));
  } else {
    std::vector<core::Hash256> hashes;
    hashes.reserve(block.txs.size());
    for (const auto& tx : block.txs) hashes.push_back(tx.hash);
    // The block's transactions stop being pending in the same atomic write that commits them.
    PendingRemoval removal = mempool_->RemovalFor(hashes);
    AITBC_TRY(store_.CommitBlock(block, delta, removal.All()));
    mempool_->Update(hashes, removal.dead);
  }

  std::vector<std::pair<std::shared_ptr<Waiter>, TxLocation>> fired_txs;
  std::vector<std::shared_ptr<Waiter>> fired_heights;
  const uint64_t height = block.header.height;
  {
    std::lock_guard lock(mu_);
    if (!tx_waiters_.empty()) {
      for (uint32_t i = 0; i < block.txs.size(); ++i) {
        auto it = tx_waiters_.find(block.txs[i].hash);
        if (it == tx_waiters_.end()) continue;
        for (auto& waiter : it->second)
          fired_txs.emplace_back(std::move(waiter), TxLocation{height, i});
        tx_waiters_.erase(it);
      }
    }
    auto end = height_waiters_.upper_bound(height);
    for (auto it = height_waiters_.begin(); it != end; ++it) fired_heights.push_back(it->second);
    height_waiters_.erase(height_waiters_.begin(), end);
  }
  for (auto& [waiter, location] : fired_txs) {
    if (!waiter->Claim()) continue;
    loop_.Cancel(waiter->timer);
    waiter->on_tx(location);
  }
  for (auto& waiter : fired_heights) {
    if (!waiter->Claim()) continue;
    loop_.Cancel(waiter->timer);
    waiter->on_height(true);
  }
  for (const auto& listener : listeners_) listener(block);
  return core::Ok();
}

void Ledger::Arm(const std::shared_ptr<Waiter>& waiter, int64_t timeout_ms) {
  std::weak_ptr<Waiter> weak = waiter;
  waiter->timer = loop_.RunAfter(timeout_ms, [this, weak] {
    auto w = weak.lock();
    if (!w || !w->Claim()) return;
    {
      std::lock_guard lock(mu_);
      if (w->on_tx) {
        auto it = tx_waiters_.find(w->tx);
        if (it != tx_waiters_.end()) {
          std::erase(it->second, w);
          if (it->second.empty()) tx_waiters_.erase(it);
        }
      } else {
        for (auto it = height_waiters_.begin(); it != height_waiters_.end(); ++it) {
          if (it->second == w) {
            height_waiters_.erase(it);
            break;
          }
        }
      }
    }
    if (w->on_tx) {
      w->on_tx(core::Error::Timeout("transaction " + w->tx.ToHex() +
                                    " was not committed within the timeout"));
    } else {
      w->on_height(false);
    }
  });
}

void Ledger::WaitForTx(const core::Hash256& hash, int64_t timeout_ms, TxCallback done) {
  auto waiter = std::make_shared<Waiter>();
  waiter->tx = hash;
  waiter->on_tx = std::move(done);
  {
    std::lock_guard lock(mu_);
    if (shut_down_) {
      waiter->on_tx(core::Error::Unavailable("node is shutting down"));
      return;
    }
    tx_waiters_[hash].push_back(waiter);
  }
  Arm(waiter, timeout_ms);
  // It may have been committed before the waiter was registered.
  auto location = store_.GetTxLocation(hash);
  if (!location.ok() || location->has_value()) {
    if (!waiter->Claim()) return;
    loop_.Cancel(waiter->timer);
    if (!location.ok()) return waiter->on_tx(location.error());
    waiter->on_tx(**location);
  }
}

void Ledger::WaitForHeight(uint64_t height, int64_t timeout_ms, HeightCallback done) {
  auto waiter = std::make_shared<Waiter>();
  waiter->on_height = std::move(done);
  {
    std::lock_guard lock(mu_);
    if (shut_down_) {
      waiter->on_height(false);
      return;
    }
    if (store_.height() >= height) {
      waiter->fired = true;
    } else {
      height_waiters_.emplace(height, waiter);
    }
  }
  if (waiter->fired) return waiter->on_height(true);
  Arm(waiter, timeout_ms);
}

void Ledger::Shutdown() {
  std::vector<std::shared_ptr<Waiter>> all;
  {
    std::lock_guard lock(mu_);
    shut_down_ = true;
    for (auto& [hash, waiters] : tx_waiters_) all.insert(all.end(), waiters.begin(), waiters.end());
    for (auto& [height, waiter] : height_waiters_) all.push_back(waiter);
    tx_waiters_.clear();
    height_waiters_.clear();
  }
  for (auto& waiter : all) {
    if (!waiter->Claim()) continue;
    loop_.Cancel(waiter->timer);
    if (waiter->on_tx) {
      waiter->on_tx(core::Error::Unavailable("node is shutting down"));
    } else {
      waiter->on_height(false);
    }
  }
}

}  // namespace aitbc::node
