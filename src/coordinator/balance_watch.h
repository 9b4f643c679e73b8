// BalanceWatch: the coordinator's own account pays the fee of every settle and refund and, with
// each refund, the client's escrow-fee rebate (docs/coordinator.md, "Fees"). Run dry, it leaves
// clients' funds locked in escrow until someone funds it, so it is watched while running, not
// only at start.
//
// Every interval the watch reads the account from the node and publishes
// aitbc_coordinator_balance_uaitbc and aitbc_coordinator_refunds_covered (refunds the balance
// pays for at fee + rebate). While fewer than kLowBalanceRefunds are covered it logs a
// LOW BALANCE warning naming the account to fund: at the first reading, then at most every
// warn_every_ms while it stays low; once funded again it says so. On a chain without a minimum
// fee nothing is spent: it only publishes the balance (refunds covered: -1, unlimited).
//
// Contract: Start() once. Readings arrive on the loop's threads and use `this`: the owner stops
// the loop before destroying the watch. A failed reading is logged at debug and retried at the
// next interval (the node being down is reported elsewhere).
#pragma once

#include <cstdint>
#include <mutex>

#include "core/address.h"
#include "core/amount.h"
#include "core/clock.h"
#include "net/chain_client.h"
#include "net/event_loop.h"
#include "net/metrics.h"

namespace aitbc::coordinator {

// Below this many refunds covered, the balance is low.
inline constexpr uint64_t kLowBalanceRefunds = 1'000;

struct BalanceWatchOptions {
  int64_t interval_ms = 60'000;
  int64_t warn_every_ms = 600'000;
};

class BalanceWatch {
 public:
  BalanceWatch(net::EventLoop& loop, net::ChainClient& chain, net::MetricsRegistry& metrics,
               const core::Clock& clock, core::Address address, core::Amount min_fee,
               BalanceWatchOptions options);
  BalanceWatch(const BalanceWatch&) = delete;
  BalanceWatch& operator=(const BalanceWatch&) = delete;

  // Reads the balance now, then every interval.
  void Start();

  // How many refunds (min_fee for the refund + min_fee rebated) `balance` pays for; min_fee 0:
  // UINT64_MAX.
  static uint64_t RefundsCovered(core::Amount balance, core::Amount min_fee);

 private:
  void Check();
  void OnReading(core::Result<net::AccountInfo> account);

  net::EventLoop& loop_;
  net::ChainClient& chain_;
  const core::Clock& clock_;
  const core::Address address_;
  const core::Amount min_fee_;
  const BalanceWatchOptions options_;
  net::Gauge& balance_gauge_;
  net::Gauge& refunds_gauge_;

  std::mutex mu_;
  bool reported_ = false;  // the first reading has been logged
  bool low_ = false;       // the last reading was low
  int64_t last_warning_ms_ = 0;
};

}  // namespace aitbc::coordinator
