// Follower: keeps a non-proposing node in sync with its peers over the p2p port.
//
// For each peer (HOST:PORT, tried in order, the next one on failure) it first checks with
// GET /p2p/status that the peer runs the same chain (same genesis hash and chain id) and refuses
// to sync from it otherwise. Then it loops: GET /p2p/blocks?from=<height+1>&max=N&wait_ms=W
// (long-poll), verifies every transaction signature of the fetched blocks on verify_threads
// threads, validates each block with StateMachine::ApplyBlock against its own committed state
// (links, proposer, proposer signature, limits, every transaction, state hash) and commits it
// through the Ledger. A block that fails validation is never committed: the error is
// logged and kept in status().last_error, and the follower backs off and retries.
//
// Contract: runs on its own thread between Start() and Stop(); status() and peer_url() are
// thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "net/http_client.h"
#include "node/ledger.h"

namespace aitbc::node {

struct FollowerOptions {
  std::vector<std::string> peers;  // "HOST:PORT" of peers' p2p ports
  int64_t poll_wait_ms = 1000;     // long-poll duration for new blocks
  size_t max_blocks = 64;          // blocks per request
  size_t verify_threads = 2;       // transaction signatures are verified in parallel
  int64_t min_backoff_ms = 200;
  int64_t max_backoff_ms = 5000;
};

struct SyncStatus {
  bool catching_up = true;
  uint64_t peer_height = 0;
  std::string peer;        // the peer synced from (empty before the first success)
  std::string last_error;  // the last sync error (empty after a success)
};

class Follower {
 public:
  Follower(Ledger& ledger, FollowerOptions options);
  ~Follower();
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  void Start();
  void Stop();
  SyncStatus status() const;
  // The p2p URL of the peer in use (transactions are forwarded there); nullopt before a peer
  // has been checked.
  std::optional<net::Url> peer_url() const;

 private:
  void Run();
  // Checks the peer's chain; then fetches and commits blocks until an error or Stop().
  core::Status SyncFrom(const net::Url& peer);
  core::Status CheckPeer(const net::Url& peer);
  // One round: fetch up to max_blocks and commit them; returns how many were committed.
  core::Result<size_t> FetchAndApply(const net::Url& peer);
  void SetError(const std::string& peer, const core::Error& error);
  bool SleepMs(int64_t ms);  // false when stopped

  Ledger& ledger_;
  const FollowerOptions options_;
  std::unique_ptr<net::BlockingHttpClient> http_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  SyncStatus status_;
  std::optional<net::Url> peer_url_;
  std::thread thread_;
};

}  // namespace aitbc::node
