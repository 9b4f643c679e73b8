#include "coordinator/broadcaster.h"

#include <memory>

namespace aitbc::coordinator {

void TxBroadcaster::Broadcast(core::Bytes tx, Done done) {
  {
    std::lock_guard lock(mu_);
    queued_.push_back(std::move(tx));
    callbacks_.push_back(std::move(done));
  }
  SendSome();
}

void TxBroadcaster::SendSome() {
  std::vector<core::Bytes> txs;
  auto callbacks = std::make_shared<std::vector<Done>>();
  {
    std::lock_guard lock(mu_);
    if (queued_.empty() || in_flight_ >= max_in_flight_) return;
    size_t n = std::min(queued_.size(), max_batch_);
    txs.assign(std::make_move_iterator(queued_.begin()),
               std::make_move_iterator(queued_.begin() + static_cast<ptrdiff_t>(n)));
    callbacks->assign(std::make_move_iterator(callbacks_.begin()),
                      std::make_move_iterator(callbacks_.begin() + static_cast<ptrdiff_t>(n)));
    queued_.erase(queued_.begin(), queued_.begin() + static_cast<ptrdiff_t>(n));
    callbacks_.erase(callbacks_.begin(), callbacks_.begin() + static_cast<ptrdiff_t>(n));
    ++in_flight_;
  }
  auto finish = [this, callbacks](std::vector<core::Result<core::Hash256>> results) {
    {
      std::lock_guard lock(mu_);
      --in_flight_;
    }
    for (size_t i = 0; i < callbacks->size(); ++i) {
      if (i < results.size()) {
        (*callbacks)[i](std::move(results[i]));
      } else {
        (*callbacks)[i](core::Error::Internal("node answered fewer results than transactions"));
      }
    }
    SendSome();
  };
  if (txs.size() == 1) {
    chain_.BroadcastTx(std::move(txs.front()), [finish](core::Result<core::Hash256> r) {
      std::vector<core::Result<core::Hash256>> results;
      results.push_back(std::move(r));
      finish(std::move(results));
    });
  } else {
    chain_.BroadcastTxs(std::move(txs), finish);
  }
}

}  // namespace aitbc::coordinator
