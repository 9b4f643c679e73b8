// The arithmetic of the coordinator's balance watch: how many refunds a balance pays for. The
// watch itself runs against a real node in FeeTest (fee_e2e_test.cpp).
#include "coordinator/balance_watch.h"

#include <gtest/gtest.h>

#include <limits>

namespace aitbc::coordinator {
namespace {

core::Amount Micro(uint64_t v) { return core::Amount::FromMicro(v); }

TEST(BalanceWatchTest, ARefundCostsTheFeeAndTheRebate) {
  EXPECT_EQ(BalanceWatch::RefundsCovered(Micro(15'000), Micro(10'000)), 0u);
  EXPECT_EQ(BalanceWatch::RefundsCovered(Micro(20'000), Micro(10'000)), 1u);
  EXPECT_EQ(BalanceWatch::RefundsCovered(Micro(995'000), Micro(10'000)), 49u);
  EXPECT_EQ(BalanceWatch::RefundsCovered(Micro(0), Micro(1)), 0u);
}

TEST(BalanceWatchTest, NoFeeMeansUnlimitedAndAHugeFeeDoesNotOverflow) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(BalanceWatch::RefundsCovered(Micro(0), Micro(0)), kMax);
  EXPECT_EQ(BalanceWatch::RefundsCovered(Micro(kMax), Micro(kMax / 2 + 1)), 1u);
  EXPECT_EQ(BalanceWatch::RefundsCovered(Micro(kMax - 1), Micro(kMax / 2 + 1)), 0u);
}

}  // namespace
}  // namespace aitbc::coordinator
