// MempoolJournal: group commit of admitted transactions, and their reload at start-up.
#include "node/mempool_journal.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <future>

namespace aitbc::node {

MempoolJournal::MempoolJournal(Store& store, Mempool& mempool, WriteObserver on_write)
    : store_(store), mempool_(mempool), on_write_(std::move(on_write)) {
  writer_ = std::thread([this] { Run(); });
}

MempoolJournal::~MempoolJournal() { Stop(); }

core::Result<RestoreStats> MempoolJournal::Restore(size_t verify_threads) {
  AITBC_ASSIGN_OR_RETURN(std::vector<PendingEntry> entries, store_.LoadPending());
  RestoreStats stats;
  stats.loaded = entries.size();
  if (entries.empty()) return stats;

  // Decode and verify (in parallel): the entries were written by this node after verification,
  // but a transaction with a bad signature in a block would make every follower refuse it.
  std::vector<core::Result<protocol::TxEnvelope>> decoded(entries.size(),
                                                          core::Error::Internal("unset"));
  auto check = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      auto tx = protocol::TxEnvelope::FromOwned(std::move(entries[i].tx));
      if (tx.ok()) {
        core::Status verified = tx->tx.VerifySignatures();
        if (!verified.ok()) tx = verified.error();
      }
      decoded[i] = std::move(tx);
    }
  };
  size_t threads = std::clamp<size_t>(verify_threads, 1, entries.size());
  std::vector<std::thread> workers;
  for (size_t t = 1; t < threads; ++t) {
    workers.emplace_back(check, entries.size() * t / threads, entries.size() * (t + 1) / threads);
  }
  check(0, entries.size() / threads);
  for (auto& worker : workers) worker.join();

  std::vector<uint64_t> dropped;
  std::vector<std::pair<uint64_t, protocol::TxEnvelope>> valid;
  std::vector<uint64_t> valid_seqs;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!decoded[i].ok()) {
      spdlog::warn("pending transaction #{} dropped at restore: {}", entries[i].seq,
                   decoded[i].error().ToString());
      dropped.push_back(entries[i].seq);
      continue;
    }
    valid_seqs.push_back(entries[i].seq);
    valid.emplace_back(entries[i].seq, std::move(decoded[i]).value());
  }
  std::vector<core::Hash256> hashes;
  for (const auto& [seq, tx] : valid) hashes.push_back(tx.hash);
  std::vector<core::Status> results = mempool_.Restore(std::move(valid));
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].ok()) {
      ++stats.restored;
      continue;
    }
    spdlog::info("pending transaction #{} ({}) dropped at restore: {}", valid_seqs[i],
                 hashes[i].ToHex(), results[i].error().ToString());
    dropped.push_back(valid_seqs[i]);
  }
  stats.dropped = dropped.size();
  AITBC_TRY(store_.WritePending({}, dropped));
  return stats;
}

void MempoolJournal::Admit(std::vector<protocol::TxEnvelope> txs, std::vector<Done> done) {
  std::lock_guard admit(admit_mu_);
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      for (auto& d : done) d(core::Error::Unavailable("node is shutting down"));
      return;
    }
  }
  Admitted admitted = mempool_.AdmitBatch(std::move(txs));
  Batch batch{std::move(admitted.results), std::move(done), std::move(admitted.entries),
              std::move(admitted.hashes)};
  std::lock_guard lock(mu_);
  queue_.push_back(std::move(batch));
  cv_.notify_one();
}

std::vector<core::Status> MempoolJournal::AdmitAndWait(std::vector<protocol::TxEnvelope> txs) {
  size_t n = txs.size();
  std::vector<std::promise<core::Status>> promises(n);
  std::vector<Done> done;
  done.reserve(n);
  for (auto& promise : promises) {
    done.push_back([&promise](core::Status status) { promise.set_value(std::move(status)); });
  }
  Admit(std::move(txs), std::move(done));
  std::vector<core::Status> results;
  results.reserve(n);
  for (auto& promise : promises) results.push_back(promise.get_future().get());
  return results;
}

void MempoolJournal::Run() {
  for (;;) {
    std::vector<Batch> batches;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      batches.assign(std::make_move_iterator(queue_.begin()),
                     std::make_move_iterator(queue_.end()));
      queue_.clear();
    }
    WriteAndAnswer(batches);
  }
}

void MempoolJournal::WriteAndAnswer(std::vector<Batch>& batches) {
  auto started = std::chrono::steady_clock::now();
  std::vector<PendingEntry> entries;
  for (Batch& batch : batches) {
    if (entries.empty()) {
      entries = std::move(batch.entries);
    } else {
      entries.insert(entries.end(), std::make_move_iterator(batch.entries.begin()),
                     std::make_move_iterator(batch.entries.end()));
    }
  }
  // Dropped entries may be deleted once their own write is behind or in this one: every
  // sequence number up to the highest written so far.
  if (!entries.empty()) highest_seq_ = std::max(highest_seq_, entries.back().seq);
  std::vector<uint64_t> dead = mempool_.DeadUpTo(highest_seq_);
  core::Status written = store_.WritePending(entries, dead);
  if (written.ok()) {
    mempool_.ForgetDead(dead);
    if (!entries.empty()) mempool_.MarkDurable(entries.back().seq);
    if (on_write_ && !entries.empty()) {
      on_write_(entries.size(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
  } else {
    spdlog::error("cannot persist {} accepted transactions: {}", entries.size(),
                  written.error().ToString());
    for (Batch& batch : batches) mempool_.Discard(batch.hashes);
  }
  for (Batch& batch : batches) {
    for (size_t i = 0; i < batch.done.size(); ++i) {
      core::Status status = std::move(batch.results[i]);
      if (status.ok() && !written.ok()) {
        status = written.error().WithContext("the transaction could not be persisted");
      }
      batch.done[i](std::move(status));
    }
  }
}

void MempoolJournal::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (writer_.joinable()) writer_.join();
}

}  // namespace aitbc::node
