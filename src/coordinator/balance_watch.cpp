#include "coordinator/balance_watch.h"

#include <limits>

#include <spdlog/spdlog.h>

namespace aitbc::coordinator {

BalanceWatch::BalanceWatch(net::EventLoop& loop, net::ChainClient& chain,
                           net::MetricsRegistry& metrics, const core::Clock& clock,
                           core::Address address, core::Amount min_fee, BalanceWatchOptions options)
    : loop_(loop),
      chain_(chain),
      clock_(clock),
      address_(address),
      min_fee_(min_fee),
      options_(options),
      balance_gauge_(metrics.GetGauge("aitbc_coordinator_balance_uaitbc",
                                      "The coordinator account's balance (micro-AITBC)")),
      refunds_gauge_(metrics.GetGauge(
          "aitbc_coordinator_refunds_covered",
          "Refunds (fee + escrow-fee rebate) the coordinator's balance pays for; -1: no fee")) {}

namespace {

// What one refund costs the coordinator: its fee + the client's escrow-fee rebate (saturating,
// so an absurd min_fee covers no refunds rather than overflowing).
core::Amount PerRefund(core::Amount min_fee) {
  return min_fee.Add(min_fee).value_or(
      core::Amount::FromMicro(std::numeric_limits<uint64_t>::max()));
}

}  // namespace

uint64_t BalanceWatch::RefundsCovered(core::Amount balance, core::Amount min_fee) {
  if (min_fee.micro() == 0) return std::numeric_limits<uint64_t>::max();
  return balance.micro() / PerRefund(min_fee).micro();
}

void BalanceWatch::Start() { Check(); }

void BalanceWatch::Check() {
  chain_.GetAccount(address_,
                    [this](core::Result<net::AccountInfo> account) { OnReading(account); });
  loop_.RunAfter(options_.interval_ms, [this] { Check(); });
}

void BalanceWatch::OnReading(core::Result<net::AccountInfo> account) {
  core::Amount balance;
  if (account.ok()) {
    balance = account->balance;
  } else if (account.error().code() != core::ErrorCode::kNotFound) {  // never funded: 0
    spdlog::debug("reading the coordinator's balance: {}", account.error().ToString());
    return;
  }
  balance_gauge_.Set(static_cast<double>(balance.micro()));
  uint64_t refunds = RefundsCovered(balance, min_fee_);
  bool unlimited = refunds == std::numeric_limits<uint64_t>::max();
  refunds_gauge_.Set(unlimited ? -1.0 : static_cast<double>(refunds));
  if (unlimited) return;

  int64_t now = clock_.SteadyMs();
  bool low = refunds < kLowBalanceRefunds;
  core::Amount per_refund = PerRefund(min_fee_);
  std::lock_guard lock(mu_);
  if (low && (!reported_ || !low_ || now - last_warning_ms_ >= options_.warn_every_ms)) {
    spdlog::warn(
        "LOW BALANCE: the coordinator's account {} holds {}. On this chain (minimum fee {}) each "
        "settlement costs it {} and each refund {} (its fee + the client's escrow-fee rebate), so "
        "it can pay for only {} refunds. Fund {}: a refund it cannot pay is retried until it "
        "can, and meanwhile the client's funds stay locked in escrow.",
        address_.ToString(), balance.ToString(), min_fee_.ToString(), min_fee_.ToString(),
        per_refund.ToString(), refunds, address_.ToString());
    last_warning_ms_ = now;
  } else if (!low && (!reported_ || low_)) {
    spdlog::info("coordinator account {} holds {}: {} refunds at {} each (fee + rebate){}",
                 address_.ToString(), balance.ToString(), refunds, per_refund.ToString(),
                 low_ ? "; the balance is no longer low" : "");
  }
  reported_ = true;
  low_ = low;
}

}  // namespace aitbc::coordinator
