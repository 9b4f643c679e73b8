// MempoolJournal: makes the proposer's mempool durable. A transaction is acknowledged as accepted
// only once its pending entry ("p" ‖ admission sequence → transaction bytes, docs/node.md) is on
// disk, and the entries are reloaded at start-up (Restore).
//
// Admit() admits a batch of verified transactions into the (journaled) mempool, in call order,
// and queues the batch for the journal's writer thread. The writer takes every batch queued
// since its last write (group commit), writes their accepted transactions' entries — and
// deletes the entries of transactions the mempool dropped since — in ONE fsync'd WriteBatch,
// marks them durable in the mempool (only then may a block include them), and then calls every
// callback of those batches, accepted or rejected (a duplicate of a transaction still being
// written is answered after it is on disk). If the write fails, the batch's accepted
// transactions are removed from the mempool and answered with the store's error (kIOError).
// The caller's thread never waits for a disk write.
//
// Restore() runs once before the node serves: it reloads the entries in sequence order,
// decodes them, verifies their signatures again (on `verify_threads` threads) and re-admits them
// against the committed state; entries that no longer decode, verify or apply (already
// committed, or invalid now) are deleted in one write.
//
// Contract: Admit() is thread-safe; callbacks run on the writer thread (or the caller's, after
// Stop(): kUnavailable). Stop() writes and answers what is queued, then joins the writer; it is
// idempotent and called by the destructor. The mempool must be journaled
// (MempoolOptions::journaled) and outlive the journal.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/result.h"
#include "node/mempool.h"
#include "node/store.h"
#include "protocol/transaction.h"

namespace aitbc::node {

struct RestoreStats {
  size_t loaded = 0;    // entries found on disk
  size_t restored = 0;  // re-admitted into the mempool
  size_t dropped = 0;   // deleted: undecodable, bad signature, committed or invalid now
};

class MempoolJournal {
 public:
  using Done = std::function<void(core::Status)>;
  // Called after each successful write with the number of entries written and its duration.
  using WriteObserver = std::function<void(size_t entries, double seconds)>;

  MempoolJournal(Store& store, Mempool& mempool, WriteObserver on_write = {});
  ~MempoolJournal();
  MempoolJournal(const MempoolJournal&) = delete;
  MempoolJournal& operator=(const MempoolJournal&) = delete;

  // Reloads the pending entries into the mempool (see above). kIOError/kCorruption when the
  // entries cannot be read or the dropped ones cannot be deleted.
  core::Result<RestoreStats> Restore(size_t verify_threads);

  // Admits txs (signature-verified) in order; done[i] is called once txs[i]'s verdict is final
  // (accepted and on disk, or rejected).
  void Admit(std::vector<protocol::TxEnvelope> txs, std::vector<Done> done);
  // Admit and wait for the verdicts (tests, tools).
  std::vector<core::Status> AdmitAndWait(std::vector<protocol::TxEnvelope> txs);

  void Stop();

 private:
  struct Batch {
    std::vector<core::Status> results;
    std::vector<Done> done;
    std::vector<PendingEntry> entries;
    std::vector<core::Hash256> hashes;
  };
  void Run();
  void WriteAndAnswer(std::vector<Batch>& batches);

  Store& store_;
  Mempool& mempool_;
  const WriteObserver on_write_;

  std::mutex admit_mu_;  // keeps admission order and queue order the same

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::deque<Batch> queue_;
  uint64_t highest_seq_ = 0;  // the highest sequence number written (writer thread only)
  std::thread writer_;
};

}  // namespace aitbc::node
