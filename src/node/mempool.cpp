// Mempool: arrival-ordered pending transactions over a pending-state overlay.
#include "node/mempool.h"

#include "node/store.h"

namespace aitbc::node {
namespace {

constexpr std::string_view kDuplicatePrefix = "transaction already ";

}  // namespace

bool IsDuplicateTx(const core::Error& error) {
  return error.code() == core::ErrorCode::kAlreadyExists &&
         error.message().starts_with(kDuplicatePrefix);
}

Mempool::Mempool(const chain::StateMachine& machine, const Store& store, MempoolOptions options)
    : machine_(machine),
      store_(store),
      options_(options),
      proposer_(core::Address::FromPublicKey(machine.genesis().validators.at(0))),
      pending_(std::make_unique<chain::StateOverlay>(store)),
      context_(PendingContext()) {}

Mempool::~Mempool() = default;

chain::BlockContext Mempool::PendingContext() const {
  chain::ChainMeta meta = store_.meta();
  return chain::BlockContext{meta.height + 1, meta.last_block_time_ms, proposer_};
}

core::Status Mempool::AdmitLocked(protocol::TxEnvelope& tx) {
  if (by_hash_.count(tx.hash) != 0) {
    return core::Error::AlreadyExists(std::string(kDuplicatePrefix) + "in mempool");
  }
  AITBC_ASSIGN_OR_RETURN(auto location, store_.GetTxLocation(tx.hash));
  if (location) {
    return core::Error::AlreadyExists(std::string(kDuplicatePrefix) + "committed at height " +
                                      std::to_string(location->height));
  }
  if (order_.size() + 1 > options_.max_txs || bytes_ + tx.bytes.size() > options_.max_bytes) {
    return core::Error::ResourceExhausted("mempool full (" + std::to_string(order_.size()) +
                                          " transactions, " + std::to_string(bytes_) +
                                          " bytes; limits " + std::to_string(options_.max_txs) +
                                          " and " + std::to_string(options_.max_bytes) + ")");
  }
  AITBC_TRY(machine_.ApplyTx(*pending_, tx, context_));
  bytes_ += tx.bytes.size();
  core::Hash256 hash = tx.hash;
  order_.push_back(Entry{std::move(tx)});
  by_hash_.emplace(hash, std::prev(order_.end()));
  return core::Ok();
}

std::vector<core::Status> Mempool::Admit(std::vector<protocol::TxEnvelope> txs) {
  std::vector<core::Status> results;
  results.reserve(txs.size());
  bool became_non_empty = false;
  std::function<void()> callback;
  {
    std::lock_guard lock(mu_);
    bool was_empty = order_.empty();
    for (auto& tx : txs) results.push_back(AdmitLocked(tx));
    became_non_empty = was_empty && !order_.empty();
    if (became_non_empty) callback = on_non_empty_;
  }
  if (callback) callback();
  return results;
}

core::Status Mempool::Admit(protocol::TxEnvelope tx) {
  std::vector<protocol::TxEnvelope> one;
  one.push_back(std::move(tx));
  return std::move(Admit(std::move(one)).front());
}

std::vector<protocol::TxEnvelope> Mempool::Candidates(size_t max_txs, size_t max_bytes) const {
  std::vector<protocol::TxEnvelope> out;
  std::lock_guard lock(mu_);
  out.reserve(std::min(max_txs, order_.size()));
  size_t total = 0;
  for (const Entry& entry : order_) {
    if (out.size() >= max_txs || total + entry.tx.bytes.size() > max_bytes) break;
    total += entry.tx.bytes.size();
    out.push_back(entry.tx);
  }
  return out;
}

void Mempool::RebuildLocked() {
  pending_ = std::make_unique<chain::StateOverlay>(store_);
  context_ = PendingContext();
  for (auto it = order_.begin(); it != order_.end();) {
    if (machine_.ApplyTx(*pending_, it->tx, context_).ok()) {
      ++it;
      continue;
    }
    bytes_ -= it->tx.bytes.size();
    by_hash_.erase(it->tx.hash);
    it = order_.erase(it);
  }
}

size_t Mempool::Update(const std::vector<core::Hash256>& committed) {
  std::lock_guard lock(mu_);
  for (const core::Hash256& hash : committed) {
    auto found = by_hash_.find(hash);
    if (found == by_hash_.end()) continue;
    bytes_ -= found->second->tx.bytes.size();
    order_.erase(found->second);
    by_hash_.erase(found);
  }
  size_t before = order_.size();
  RebuildLocked();
  return before - order_.size();
}

bool Mempool::Contains(const core::Hash256& hash) const {
  std::lock_guard lock(mu_);
  return by_hash_.count(hash) != 0;
}

size_t Mempool::size() const {
  std::lock_guard lock(mu_);
  return order_.size();
}

size_t Mempool::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

core::Result<std::optional<chain::Account>> Mempool::PendingAccount(
    const core::Address& address) const {
  std::lock_guard lock(mu_);
  return pending_->GetAccount(address);
}

void Mempool::SetOnNonEmpty(std::function<void()> callback) {
  std::lock_guard lock(mu_);
  on_non_empty_ = std::move(callback);
}

}  // namespace aitbc::node
