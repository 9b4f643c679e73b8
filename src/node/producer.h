// Producer: block production on the proposer (proof of authority, one proposer: the node whose
// key is genesis.validators[0]).
//
// Timing: when the mempool holds ready transactions (on disk, Mempool::ready()), a block is
// built as soon as block_time_ms has passed since the previous one; otherwise an empty block is
// built once idle_block_time_ms has passed. Blocks take at most the genesis limits of
// transactions and bytes (the rest waits for the next block). Each block is built from the
// mempool's candidates in arrival order with StateMachine::BuildBlock (signatures were verified at
// admission), signed with the proposer key and committed through the Ledger.
//
// Contract: runs on its own thread between Start() and Stop(). Wake() (thread-safe) tells it
// that transactions arrived. A failed build or commit is logged and retried at the next tick;
// it never commits a block the state machine did not build.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "core/keys.h"
#include "node/ledger.h"
#include "node/mempool.h"

namespace aitbc::node {

struct ProducerOptions {
  int64_t block_time_ms = 1000;
  int64_t idle_block_time_ms = 10'000;
};

// What one produced block cost, for metrics.
struct ProducedBlock {
  uint64_t height = 0;
  size_t txs = 0;
  double build_seconds = 0;   // BuildBlock
  double commit_seconds = 0;  // store write, mempool update, notifications
};

class Producer {
 public:
  Producer(Ledger& ledger, Mempool& mempool, core::PrivateKey key, ProducerOptions options,
           const core::Clock& clock, std::function<void(const ProducedBlock&)> on_block = {});
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  void Start();
  void Stop();
  void Wake();
  // Builds and commits one block now (tests and the loop).
  core::Result<ProducedBlock> ProduceOne();

 private:
  void Run();

  Ledger& ledger_;
  Mempool& mempool_;
  const core::PrivateKey key_;
  const ProducerOptions options_;
  const core::Clock& clock_;
  std::function<void(const ProducedBlock&)> on_block_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace aitbc::node
