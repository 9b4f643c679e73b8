// ChainFollower: follows the node's blocks so the coordinator learns when its escrow, settle and
// refund transactions commit, and at which height.
//
// It polls GetStatus every poll_ms; while the tip is ahead it fetches the next block with
// GetBlock and hands it to on_block, which must call `resume` once it has durably recorded what
// it needed (the coordinator persists the height it processed with the job updates, and starts
// from there after a restart). Node errors are logged and retried after poll_ms.
//
// Contract: thread-safe accessors; callbacks run on the chain client's threads, one block at a
// time, in height order.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "core/clock.h"
#include "net/chain_client.h"
#include "net/event_loop.h"

namespace aitbc::coordinator {

class ChainFollower {
 public:
  using OnBlock = std::function<void(protocol::Block block, std::function<void()> resume)>;

  ChainFollower(net::EventLoop& loop, net::ChainClient& chain, const core::Clock& clock,
                int64_t poll_ms, OnBlock on_block);
  ~ChainFollower();

  // Starts following from `next_height` (the first block not yet processed).
  void Start(uint64_t next_height);
  void Stop();

  // The last tip height the node reported (0 before the first answer).
  uint64_t tip() const { return tip_.load(); }
  uint64_t next_height() const { return next_.load(); }
  // Steady-clock ms of the last successful GetStatus (0: never): for /healthz.
  int64_t last_ok_steady_ms() const { return last_ok_ms_.load(); }

 private:
  void Poll();
  void Fetch();
  void Schedule(int64_t delay_ms);

  struct State;
  net::EventLoop& loop_;
  net::ChainClient& chain_;
  const core::Clock& clock_;
  int64_t poll_ms_;
  OnBlock on_block_;
  std::atomic<uint64_t> tip_{0};
  std::atomic<uint64_t> next_{1};
  std::atomic<int64_t> last_ok_ms_{0};
  std::shared_ptr<State> state_;
};

}  // namespace aitbc::coordinator
