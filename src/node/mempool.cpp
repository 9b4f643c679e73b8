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

std::vector<uint64_t> PendingRemoval::All() const {
  std::vector<uint64_t> all = committed;
  all.insert(all.end(), dead.begin(), dead.end());
  return all;
}

core::Status Mempool::AdmitLocked(protocol::TxEnvelope& tx, uint64_t seq) {
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
  order_.push_back(Entry{std::move(tx), seq});
  by_hash_.emplace(hash, std::prev(order_.end()));
  if (!DurableLocked(order_.back())) ++not_durable_;
  return core::Ok();
}

std::list<Mempool::Entry>::iterator Mempool::EraseLocked(std::list<Entry>::iterator it) {
  bytes_ -= it->tx.bytes.size();
  if (!DurableLocked(*it)) --not_durable_;
  by_hash_.erase(it->tx.hash);
  return order_.erase(it);
}

Admitted Mempool::AdmitBatch(std::vector<protocol::TxEnvelope> txs) {
  Admitted out;
  out.results.reserve(txs.size());
  std::function<void()> callback;
  {
    std::lock_guard lock(mu_);
    bool was_ready = order_.size() > not_durable_;
    for (auto& tx : txs) {
      uint64_t seq = next_seq_;
      core::Status status = AdmitLocked(tx, seq);
      if (status.ok()) {
        ++next_seq_;
        if (options_.journaled) {
          const Entry& entry = order_.back();
          out.entries.push_back(PendingEntry{seq, entry.tx.bytes});
          out.hashes.push_back(entry.tx.hash);
        }
      }
      out.results.push_back(std::move(status));
    }
    if (!was_ready && order_.size() > not_durable_) callback = on_non_empty_;
  }
  if (callback) callback();
  return out;
}

std::vector<core::Status> Mempool::Admit(std::vector<protocol::TxEnvelope> txs) {
  return AdmitBatch(std::move(txs)).results;
}

std::vector<core::Status> Mempool::Restore(
    std::vector<std::pair<uint64_t, protocol::TxEnvelope>> txs) {
  std::vector<core::Status> results;
  results.reserve(txs.size());
  std::function<void()> callback;
  {
    std::lock_guard lock(mu_);
    bool was_ready = order_.size() > not_durable_;
    for (auto& [seq, tx] : txs) {
      // Restored entries are on disk already; they keep their place in the sequence.
      if (seq < next_seq_) {
        results.push_back(core::Error::Internal("pending entries out of sequence order"));
        continue;
      }
      durable_seq_ = std::max(durable_seq_, seq);
      next_seq_ = seq + 1;  // a rejected entry's number is not reused either
      results.push_back(AdmitLocked(tx, seq));
    }
    if (!was_ready && order_.size() > not_durable_) callback = on_non_empty_;
  }
  if (callback) callback();
  return results;
}

void Mempool::MarkDurable(uint64_t seq) {
  std::function<void()> callback;
  {
    std::lock_guard lock(mu_);
    if (!options_.journaled || seq <= durable_seq_) return;
    bool was_ready = order_.size() > not_durable_;
    // The entries not yet durable are a suffix of order_ (sequence numbers increase).
    auto it = order_.end();
    while (it != order_.begin() && std::prev(it)->seq > durable_seq_) --it;
    for (; it != order_.end() && it->seq <= seq; ++it) --not_durable_;
    durable_seq_ = seq;
    if (!was_ready && order_.size() > not_durable_) callback = on_non_empty_;
  }
  if (callback) callback();
}

void Mempool::Discard(const std::vector<core::Hash256>& hashes) {
  std::lock_guard lock(mu_);
  bool removed = false;
  for (const core::Hash256& hash : hashes) {
    auto found = by_hash_.find(hash);
    if (found == by_hash_.end()) continue;
    EraseLocked(found->second);
    removed = true;
  }
  if (removed) RebuildLocked();
}

std::vector<uint64_t> Mempool::DeadUpTo(uint64_t seq) const {
  std::lock_guard lock(mu_);
  return std::vector<uint64_t>(dead_.begin(), dead_.upper_bound(seq));
}

void Mempool::ForgetDead(const std::vector<uint64_t>& deleted) {
  std::lock_guard lock(mu_);
  for (uint64_t seq : deleted) dead_.erase(seq);
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
    if (!DurableLocked(entry)) break;
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
    if (options_.journaled) dead_.insert(it->seq);
    it = EraseLocked(it);
  }
}

PendingRemoval Mempool::RemovalFor(const std::vector<core::Hash256>& committed) const {
  PendingRemoval removal;
  std::lock_guard lock(mu_);
  if (!options_.journaled) return removal;
  removal.committed.reserve(committed.size());
  for (const core::Hash256& hash : committed) {
    auto found = by_hash_.find(hash);
    if (found != by_hash_.end()) removal.committed.push_back(found->second->seq);
  }
  // A dead entry not yet durable may still be being written: the journal deletes it after.
  removal.dead.assign(dead_.begin(), dead_.upper_bound(durable_seq_));
  return removal;
}

size_t Mempool::Update(const std::vector<core::Hash256>& committed,
                       const std::vector<uint64_t>& dead_deleted) {
  std::lock_guard lock(mu_);
  for (uint64_t seq : dead_deleted) dead_.erase(seq);
  for (const core::Hash256& hash : committed) {
    auto found = by_hash_.find(hash);
    if (found == by_hash_.end()) continue;
    EraseLocked(found->second);
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

size_t Mempool::ready() const {
  std::lock_guard lock(mu_);
  return order_.size() - not_durable_;
}

size_t Mempool::dead() const {
  std::lock_guard lock(mu_);
  return dead_.size();
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
