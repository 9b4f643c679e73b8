#include "coordinator/chain_follower.h"

#include <spdlog/spdlog.h>

namespace aitbc::coordinator {

struct ChainFollower::State {
  std::atomic<bool> stopped{false};
  int64_t errors_logged_ms = 0;
};

ChainFollower::ChainFollower(net::EventLoop& loop, net::ChainClient& chain,
                             const core::Clock& clock, int64_t poll_ms, OnBlock on_block)
    : loop_(loop),
      chain_(chain),
      clock_(clock),
      poll_ms_(poll_ms),
      on_block_(std::move(on_block)),
      state_(std::make_shared<State>()) {}

ChainFollower::~ChainFollower() { Stop(); }

void ChainFollower::Start(uint64_t next_height) {
  next_ = next_height == 0 ? 1 : next_height;
  loop_.Post([this] { Poll(); });
}

void ChainFollower::Stop() { state_->stopped = true; }

void ChainFollower::Schedule(int64_t delay_ms) {
  if (state_->stopped) return;
  loop_.RunAfter(delay_ms, [this, state = state_] {
    if (!state->stopped) Poll();
  });
}

void ChainFollower::Poll() {
  chain_.GetStatus([this, state = state_](core::Result<net::ChainStatus> status) {
    if (state->stopped) return;
    if (!status.ok()) {
      int64_t now = clock_.SteadyMs();
      if (now - state->errors_logged_ms > 5'000) {
        spdlog::warn("chain follower: node status failed: {}", status.error().ToString());
        state->errors_logged_ms = now;
      }
      Schedule(poll_ms_);
      return;
    }
    last_ok_ms_ = clock_.SteadyMs();
    tip_ = status->height;
    if (next_ <= status->height) {
      Fetch();
    } else {
      Schedule(poll_ms_);
    }
  });
}

void ChainFollower::Fetch() {
  uint64_t height = next_;
  chain_.GetBlock(height, [this, height, state = state_](core::Result<protocol::Block> block) {
    if (state->stopped) return;
    if (!block.ok()) {
      spdlog::warn("chain follower: block {} failed: {}", height, block.error().ToString());
      Schedule(poll_ms_);
      return;
    }
    on_block_(std::move(block).value(), [this, height, state] {
      if (state->stopped) return;
      next_ = height + 1;
      if (next_ <= tip_) {
        loop_.Post([this, state] {
          if (!state->stopped) Fetch();
        });
      } else {
        loop_.Post([this, state] {
          if (!state->stopped) Poll();
        });
      }
    });
  });
}

}  // namespace aitbc::coordinator
