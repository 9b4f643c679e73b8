// Rules common to every transaction (chain id, fee, nonce, funds, overflow) and transfers.
#include <limits>

#include "chain_fixture.h"

namespace aitbc::chain {
namespace {

using testing::AddressOf;
using testing::Coins;
using testing::Micro;

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

class TransferRulesTest : public testing::ChainFixture {
 protected:
  // Alice with 100 AITBC and bob 5 uaitbc short of the largest balance.
  MemoryState NearlyFullBob() const {
    return testing::StateWith({{AddressOf(alice_), Account{Coins(100), 0, {}, {}}},
                               {AddressOf(bob_), Account{Micro(kMax - 5), 0, {}, {}}}});
  }
};

TEST_F(TransferRulesTest, TransferMovesAmountAndPaysTheFeeToTheProposer) {
  core::Amount alice_before = BalanceOf(alice_);
  core::Amount bob_before = BalanceOf(bob_);
  ASSERT_TRUE(Submit(TransferTx(alice_, AddressOf(bob_), Coins(5))).ok());
  EXPECT_EQ(BalanceOf(alice_), alice_before.Sub(Coins(5)).value().Sub(min_fee()).value());
  EXPECT_EQ(BalanceOf(bob_), bob_before.Add(Coins(5)).value());
  EXPECT_EQ(BalanceOf(proposer_), min_fee());
  EXPECT_EQ(NonceOf(alice_), 1u);
  EXPECT_EQ(NonceOf(bob_), 0u);
  ExpectSupplyIntact();
}

TEST_F(TransferRulesTest, FeesOfEveryTransactionInABlockGoToTheProposer) {
  auto t1 = Sign(alice_, 0, protocol::Transfer{AddressOf(bob_), Coins(1)}, Micro(5'000));
  auto t2 = Sign(alice_, 1, protocol::Transfer{AddressOf(bob_), Coins(1)}, Micro(7'000));
  auto t3 = Sign(bob_, 0, protocol::Stake{Coins(3)}, Micro(1'000));
  ASSERT_TRUE(Submit({t1, t2, t3}).ok());
  EXPECT_EQ(BalanceOf(proposer_), Micro(13'000));
  EXPECT_EQ(Meta().supply.Total().value(), Meta().genesis_supply);
  ExpectSupplyIntact();
}

TEST_F(TransferRulesTest, ProposerPayingItsOwnFeeKeepsIt) {
  ASSERT_TRUE(Submit(TransferTx(alice_, AddressOf(proposer_), Coins(1))).ok());
  core::Amount before = BalanceOf(proposer_);
  ASSERT_TRUE(Submit(TransferTx(proposer_, AddressOf(bob_), Micro(10))).ok());
  EXPECT_EQ(BalanceOf(proposer_), before.Sub(Micro(10)).value());
  ExpectSupplyIntact();
}

TEST_F(TransferRulesTest, TransferToSelfCostsOnlyTheFee) {
  core::Amount before = BalanceOf(alice_);
  ASSERT_TRUE(Submit(TransferTx(alice_, AddressOf(alice_), Coins(7))).ok());
  EXPECT_EQ(BalanceOf(alice_), before.Sub(min_fee()).value());
  EXPECT_EQ(NonceOf(alice_), 1u);
  ExpectSupplyIntact();
}

TEST_F(TransferRulesTest, TransferToANewAccountCreatesIt) {
  auto fresh = testing::KeyFromByte(77);
  EXPECT_FALSE(state_.GetAccount(AddressOf(fresh)).value().has_value());
  ASSERT_TRUE(Submit(TransferTx(alice_, AddressOf(fresh), Micro(1))).ok());
  EXPECT_EQ(BalanceOf(fresh), Micro(1));
}

TEST_F(TransferRulesTest, WrongChainIdIsInvalid) {
  auto tx = TransferTx(alice_, AddressOf(bob_), Coins(1));
  tx.chain_id = "aitbc-other";
  tx.Sign(alice_);
  EXPECT_CHAIN_ERROR(Submit(tx), kInvalidArgument, "transaction for chain 'aitbc-other'");
}

TEST_F(TransferRulesTest, FeeBelowMinimumIsInvalid) {
  auto tx = Sign(alice_, 0, protocol::Transfer{AddressOf(bob_), Coins(1)}, Micro(999));
  EXPECT_CHAIN_ERROR(Submit(tx), kInvalidArgument, "below the minimum fee");
  auto exact = Sign(alice_, 0, protocol::Transfer{AddressOf(bob_), Coins(1)}, Micro(1'000));
  EXPECT_TRUE(Submit(exact).ok());
}

TEST_F(TransferRulesTest, ReplayedNonceIsRejected) {
  auto tx = TransferTx(alice_, AddressOf(bob_), Coins(1));
  ASSERT_TRUE(Submit(tx).ok());
  EXPECT_CHAIN_ERROR(Submit(tx), kFailedPrecondition, "expected nonce 1, got 0");
}

TEST_F(TransferRulesTest, SameTransactionTwiceInOneBlockIsRejected) {
  auto tx = TransferTx(alice_, AddressOf(bob_), Coins(1));
  EXPECT_CHAIN_ERROR(Submit({tx, tx}), kFailedPrecondition, "expected nonce 1");
}

TEST_F(TransferRulesTest, NonceFromTheFutureIsRejected) {
  auto tx = Sign(alice_, 3, protocol::Transfer{AddressOf(bob_), Coins(1)});
  EXPECT_CHAIN_ERROR(Submit(tx), kFailedPrecondition, "expected nonce 0, got 3");
}

TEST_F(TransferRulesTest, ConsecutiveNoncesInOneBlock) {
  auto t0 = Sign(alice_, 0, protocol::Transfer{AddressOf(bob_), Coins(1)});
  auto t1 = Sign(alice_, 1, protocol::Stake{Coins(2)});
  auto t2 = Sign(alice_, 2, protocol::Unstake{Coins(1)});
  ASSERT_TRUE(Submit({t0, t1, t2}).ok());
  EXPECT_EQ(NonceOf(alice_), 3u);
}

TEST_F(TransferRulesTest, TransferBeyondBalanceIsInsufficientFunds) {
  EXPECT_CHAIN_ERROR(Submit(TransferTx(alice_, AddressOf(bob_), Coins(1'001))), kInsufficientFunds,
                     "the transaction needs");
}

TEST_F(TransferRulesTest, BalanceThatCoversTheAmountButNotTheFeeIsInsufficient) {
  // The stranger holds exactly 10 AITBC.
  EXPECT_CHAIN_ERROR(Submit(TransferTx(stranger_, AddressOf(bob_), Coins(10))), kInsufficientFunds,
                     "+ fee");
  EXPECT_TRUE(
      Submit(TransferTx(stranger_, AddressOf(bob_), Coins(10).Sub(min_fee()).value())).ok());
}

TEST_F(TransferRulesTest, AccountWithoutBalanceCannotPayAFee) {
  // The proposer has only stake: unstaking needs a fee from the balance.
  EXPECT_CHAIN_ERROR(Submit(UnstakeTx(proposer_, Coins(1))), kInsufficientFunds, "needs");
}

TEST_F(TransferRulesTest, ZeroTransferIsInvalid) {
  EXPECT_CHAIN_ERROR(Submit(TransferTx(alice_, AddressOf(bob_), core::Amount())), kInvalidArgument,
                     "transfer of zero");
}

TEST_F(TransferRulesTest, AmountPlusFeeOverflowIsInvalid) {
  auto tx = TransferTx(alice_, AddressOf(bob_), Micro(kMax));
  EXPECT_CHAIN_ERROR(Submit(tx), kInvalidArgument, "overflow");
}

// A state no valid chain reaches (the supply bounds every balance), to reach the overflow
// checks on credits.
TEST_F(TransferRulesTest, CreditBeyondUint64IsAnOverflowError) {
  MemoryState crafted = NearlyFullBob();
  StateOverlay overlay(crafted);
  auto tx = TransferTx(alice_, AddressOf(bob_), Micro(10));
  EXPECT_CHAIN_ERROR(machine_.ApplyTx(overlay, tx, NextContext()), kInvalidArgument, "overflow");
  EXPECT_TRUE(machine_
                  .ApplyTx(overlay, TransferTx(alice_, AddressOf(bob_), Micro(5)),
                           BlockContext{1, testing::kGenesisTimeMs, AddressOf(proposer_)})
                  .ok());
}

TEST_F(TransferRulesTest, FeeCreditOverflowingTheProposerIsAnError) {
  MemoryState crafted =
      testing::StateWith({{AddressOf(alice_), Account{Coins(100), 0, {}, {}}},
                          {AddressOf(proposer_), Account{Micro(kMax), 0, {}, {}}}});
  StateOverlay overlay(crafted);
  EXPECT_CHAIN_ERROR(
      machine_.ApplyTx(overlay, TransferTx(alice_, AddressOf(bob_), Micro(10)), NextContext()),
      kInvalidArgument, "crediting the fee");
}

TEST_F(TransferRulesTest, SignaturesAreNotCheckedByApplyTx) {
  auto tx = TransferTx(alice_, AddressOf(bob_), Coins(1));
  tx.signature.bytes[0] ^= 1;
  ASSERT_FALSE(tx.VerifySignatures().ok());
  StateOverlay overlay(state_);
  EXPECT_TRUE(machine_.ApplyTx(overlay, tx, NextContext()).ok());
}

TEST_F(TransferRulesTest, BadSignatureIsRejectedByApplyBlockWithVerification) {
  auto tx = TransferTx(alice_, AddressOf(bob_), Coins(1));
  tx.signature.bytes[5] ^= 0x40;
  protocol::Block block = BuildNext({tx});  // the proposer trusts its mempool
  auto applied = machine_.ApplyBlock(state_, block, VerifySignatures::kYes);
  EXPECT_CHAIN_ERROR(applied, kUnauthenticated, "invalid transaction signature");
  EXPECT_NE(applied.error().message().find("transaction 0 (" + block.txs[0].hash.ToHex() + ")"),
            std::string::npos);
  EXPECT_TRUE(machine_.ApplyBlock(state_, block, VerifySignatures::kNo).ok());
}

TEST_F(TransferRulesTest, ApplyTxFromEnvelopeAndFromTransactionAgree) {
  auto tx = TransferTx(alice_, AddressOf(bob_), Coins(1));
  StateOverlay a(state_);
  StateOverlay b(state_);
  ASSERT_TRUE(machine_.ApplyTx(a, tx, NextContext()).ok());
  ASSERT_TRUE(machine_.ApplyTx(b, protocol::TxEnvelope::FromTx(tx), NextContext()).ok());
  EXPECT_EQ(a.Finish()->meta, b.Finish()->meta);
}

// Deltas equal in everything a store would write.
void ExpectSameDelta(const StateDelta& a, const StateDelta& b) {
  EXPECT_EQ(a.accounts, b.accounts);
  EXPECT_EQ(a.escrows, b.escrows);
  EXPECT_EQ(a.unbonding_added, b.unbonding_added);
  EXPECT_EQ(a.unbonding_released, b.unbonding_released);
  EXPECT_EQ(a.meta, b.meta);
}

TEST_F(TransferRulesTest, FailingTransactionsLeaveTheOverlayUnchanged) {
  auto good = TransferTx(alice_, AddressOf(bob_), Coins(1));
  StateOverlay expected(state_);
  ASSERT_TRUE(machine_.ApplyTx(expected, good, NextContext()).ok());

  StateOverlay overlay(state_);
  ASSERT_TRUE(machine_.ApplyTx(overlay, good, NextContext()).ok());
  const std::vector<protocol::Transaction> failing = {
      Sign(alice_, 1, protocol::Transfer{AddressOf(bob_), Coins(5'000)}),  // funds
      Sign(alice_, 0, protocol::Transfer{AddressOf(bob_), Coins(1)}),      // nonce
      Sign(alice_, 1, protocol::Unstake{Coins(1)}),                        // no stake
      RefundTx(alice_, "no-such-job"),                                     // not found
      Sign(alice_, 0, protocol::JobEscrow{"job-x", Coins(1), AddressOf(coordinator_), 1}),
  };
  for (const auto& tx : failing) {
    EXPECT_FALSE(machine_.ApplyTx(overlay, tx, NextContext()).ok());
  }
  ExpectSameDelta(*overlay.Finish(), *expected.Finish());
}

TEST_F(TransferRulesTest, FailureAfterTheSenderWasChargedLeavesTheOverlayUnchanged) {
  MemoryState crafted = NearlyFullBob();
  StateOverlay overlay(crafted);
  // The sender is charged first, then crediting bob overflows.
  ASSERT_FALSE(
      machine_.ApplyTx(overlay, TransferTx(alice_, AddressOf(bob_), Micro(10)), NextContext())
          .ok());
  EXPECT_EQ(overlay.LoadAccount(AddressOf(alice_)).value(), (Account{Coins(100), 0, {}, {}}));
  StateDelta finished = *overlay.Finish();
  EXPECT_TRUE(finished.accounts.empty());
  EXPECT_EQ(finished.meta.state_lthash, crafted.GetMeta()->state_lthash);
  EXPECT_EQ(finished.meta.supply, crafted.GetMeta()->supply);
}

}  // namespace
}  // namespace aitbc::chain
