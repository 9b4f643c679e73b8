// TxPipeline: verifies transaction signatures on a small pool of threads (off the RPC I/O
// thread) and hands the verified transactions to a sink IN SUBMISSION ORDER, in batches, so a
// sender's consecutive nonces submitted in order are admitted in order even when verified on
// different threads.
//
// Each transaction's signatures (the sender's and, for job_settle, the miner's) are verified
// exactly once here. A transaction that fails verification is answered kUnauthenticated and not
// passed on. The sink receives the verified transactions with their callbacks and must call
// every callback exactly once (at once or later, from any thread).
//
// Contract: Submit() is thread-safe and never blocks on verification; its callback runs on a
// pipeline thread (or on the caller's thread when the queue is full: kResourceExhausted, or the
// pipeline is stopped: kUnavailable). Stop() answers what is still queued with kUnavailable and
// joins the threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/result.h"
#include "protocol/transaction.h"

namespace aitbc::node {

class TxPipeline {
 public:
  using Done = std::function<void(core::Status)>;
  using Sink = std::function<void(std::vector<protocol::TxEnvelope> txs, std::vector<Done> done)>;

  struct Options {
    size_t threads = 2;
    size_t max_queued = 200'000;  // transactions waiting for verification or delivery
    size_t max_chunk = 256;       // transactions one thread takes at a time
  };

  TxPipeline(Options options, Sink sink);
  ~TxPipeline();
  TxPipeline(const TxPipeline&) = delete;
  TxPipeline& operator=(const TxPipeline&) = delete;

  void Submit(protocol::TxEnvelope tx, Done done);
  void Stop();
  size_t queued() const;

 private:
  struct Item {
    protocol::TxEnvelope tx;
    Done done;
    bool valid = false;
    std::string error;
  };
  struct Chunk {
    std::vector<Item> items;
    bool verified = false;
  };

  void Work();
  // Hands every verified chunk at the head of the order to the sink.
  void Deliver();

  const Options options_;
  const Sink sink_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::deque<Item> incoming_;
  std::deque<std::shared_ptr<Chunk>> in_order_;
  size_t queued_ = 0;

  std::mutex deliver_mu_;  // held while taking ready chunks and calling the sink
  std::vector<std::thread> threads_;
};

}  // namespace aitbc::node
