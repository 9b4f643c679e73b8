// The job escrow lifecycle: job_escrow, job_settle, job_refund.
#include "chain_fixture.h"

namespace aitbc::chain {
namespace {

using testing::AddressOf;
using testing::Coins;
using testing::MakeReceipt;
using testing::Micro;

const core::Amount kExampleCost = Micro(250'000);  // ExampleMetrics at ExamplePrice

class EscrowRulesTest : public testing::ChainFixture {
 protected:
  // Alice escrows `amount` for job_id with the fixture's coordinator.
  void OpenJob(const std::string& job_id, core::Amount amount) {
    ASSERT_TRUE(Submit(EscrowTx(alice_, job_id, amount)).ok());
  }
};

TEST_F(EscrowRulesTest, EscrowLocksTheClientsFunds) {
  core::Amount before = BalanceOf(alice_);
  OpenJob("job-1", Coins(2));
  EXPECT_EQ(BalanceOf(alice_), before.Sub(Coins(2)).value().Sub(min_fee()).value());
  EXPECT_EQ(NonceOf(alice_), 0u);  // job transactions do not use the nonce
  auto escrow = EscrowOf("job-1");
  ASSERT_TRUE(escrow.has_value());
  EXPECT_EQ(escrow->client, AddressOf(alice_));
  EXPECT_EQ(escrow->coordinator, AddressOf(coordinator_));
  EXPECT_EQ(escrow->amount, Coins(2));
  EXPECT_EQ(escrow->fee, min_fee());
  EXPECT_EQ(escrow->status, EscrowStatus::kOpen);
  EXPECT_EQ(escrow->created_height, 1u);
  EXPECT_EQ(escrow->expiry_height, 50u);
  EXPECT_EQ(escrow->closed_height, 0u);
  EXPECT_TRUE(escrow->closing_tx.IsZero());
  EXPECT_EQ(Meta().supply.escrowed, Coins(2));
  ExpectSupplyIntact();
}

TEST_F(EscrowRulesTest, TheEscrowRecordsTheFeeItsTransactionPaid) {
  auto tx = Sign(alice_, 0,
                 protocol::JobEscrow{"job-1", Coins(1), AddressOf(coordinator_), Height() + 50},
                 Micro(7'777));
  ASSERT_TRUE(Submit(tx).ok());
  EXPECT_EQ(EscrowOf("job-1")->fee, Micro(7'777));
}

TEST_F(EscrowRulesTest, SameEscrowTransactionTwiceIsAlreadyExists) {
  auto tx = EscrowTx(alice_, "job-1", Coins(1));
  ASSERT_TRUE(Submit(tx).ok());
  EXPECT_CHAIN_ERROR(Submit(tx), kAlreadyExists, "escrow for job 'job-1' already exists (open)");
}

TEST_F(EscrowRulesTest, JobIdCannotBeReusedAfterTheEscrowCloses) {
  OpenJob("job-1", Coins(1));
  ASSERT_TRUE(Submit(RefundTx(coordinator_, "job-1")).ok());
  EXPECT_CHAIN_ERROR(Submit(EscrowTx(bob_, "job-1", Coins(1))), kAlreadyExists,
                     "already exists (refunded)");
}

TEST_F(EscrowRulesTest, EscrowBeyondBalanceIsInsufficientFunds) {
  EXPECT_CHAIN_ERROR(Submit(EscrowTx(alice_, "job-1", Coins(1'000))), kInsufficientFunds,
                     "the transaction needs");
  EXPECT_FALSE(EscrowOf("job-1").has_value());
}

TEST_F(EscrowRulesTest, ExpiryMustBeAfterTheCurrentHeight) {
  // The next block has height 1.
  EXPECT_CHAIN_ERROR(Submit(EscrowTx(alice_, "job-1", Coins(1), 1)), kInvalidArgument,
                     "expiry height 1 is not after the current height 1");
  EXPECT_CHAIN_ERROR(Submit(EscrowTx(alice_, "job-1", Coins(1), 0)), kInvalidArgument,
                     "is not after");
  EXPECT_TRUE(Submit(EscrowTx(alice_, "job-1", Coins(1), 2)).ok());
}

TEST_F(EscrowRulesTest, ExpiryAtMostMaxEscrowBlocksAhead) {
  // max_escrow_blocks is 100 and the next block has height 1.
  EXPECT_CHAIN_ERROR(Submit(EscrowTx(alice_, "job-1", Coins(1), 102)), kInvalidArgument,
                     "more than 100 blocks after the current height 1");
  EXPECT_TRUE(Submit(EscrowTx(alice_, "job-1", Coins(1), 101)).ok());
}

TEST_F(EscrowRulesTest, MalformedEscrowsAreInvalid) {
  EXPECT_CHAIN_ERROR(Submit(EscrowTx(alice_, "bad job!", Coins(1))), kInvalidArgument, "");
  EXPECT_CHAIN_ERROR(Submit(EscrowTx(alice_, "job-1", core::Amount())), kInvalidArgument,
                     "escrow of zero");
  auto with_nonce = Sign(
      alice_, 1, protocol::JobEscrow{"job-1", Coins(1), AddressOf(coordinator_), Height() + 5});
  EXPECT_CHAIN_ERROR(Submit(with_nonce), kInvalidArgument, "nonce 0");
}

TEST_F(EscrowRulesTest, SettlementPaysTheMinerAndReturnsTheRest) {
  OpenJob("job-1", Coins(1));
  core::Amount alice_before = BalanceOf(alice_);
  core::Amount coordinator_before = BalanceOf(coordinator_);
  auto tx = SettleTx("job-1", AddressOf(alice_), kExampleCost);
  ASSERT_TRUE(Submit(tx).ok());
  EXPECT_EQ(BalanceOf(miner_), kExampleCost);
  EXPECT_EQ(BalanceOf(alice_), alice_before.Add(Micro(750'000)).value());
  EXPECT_EQ(BalanceOf(coordinator_), coordinator_before.Sub(min_fee()).value());
  auto escrow = EscrowOf("job-1");
  ASSERT_TRUE(escrow.has_value());
  EXPECT_EQ(escrow->status, EscrowStatus::kSettled);
  EXPECT_EQ(escrow->closed_height, 2u);
  EXPECT_EQ(escrow->closing_tx, protocol::TxEnvelope::FromTx(tx).hash);
  EXPECT_EQ(escrow->amount_paid, kExampleCost);
  EXPECT_EQ(escrow->miner, AddressOf(miner_));
  EXPECT_EQ(escrow->result_hash, protocol::ResultHash("the answer to job-1"));
  EXPECT_EQ(Meta().supply.escrowed, core::Amount());
  ExpectSupplyIntact();
}

TEST_F(EscrowRulesTest, SettlementPaysNoRebate) {
  // The client got the job: it paid the miner's amount plus its escrow's network fee.
  core::Amount alice_before = BalanceOf(alice_);
  core::Amount coordinator_before = BalanceOf(coordinator_);
  OpenJob("job-1", Coins(1));
  ASSERT_TRUE(Submit(SettleTx("job-1", AddressOf(alice_), kExampleCost)).ok());
  EXPECT_EQ(BalanceOf(alice_), alice_before.Sub(kExampleCost).value().Sub(min_fee()).value());
  EXPECT_EQ(BalanceOf(coordinator_), coordinator_before.Sub(min_fee()).value());
  ExpectSupplyIntact();
}

TEST_F(EscrowRulesTest, PaymentIsCappedAtTheEscrow) {
  OpenJob("job-1", Micro(100'000));  // less than the 0.25 AITBC the work costs
  EXPECT_CHAIN_ERROR(Submit(SettleTx("job-1", AddressOf(alice_), kExampleCost)), kInvalidArgument,
                     "amount_paid 0.25 AITBC does not match the payment 0.1 AITBC");
  core::Amount alice_before = BalanceOf(alice_);
  ASSERT_TRUE(Submit(SettleTx("job-1", AddressOf(alice_), Micro(100'000))).ok());
  EXPECT_EQ(BalanceOf(miner_), Micro(100'000));
  EXPECT_EQ(BalanceOf(alice_), alice_before);
  ExpectSupplyIntact();
}

TEST_F(EscrowRulesTest, AmountPaidMustEqualThePaymentExactly) {
  OpenJob("job-1", Coins(1));
  EXPECT_CHAIN_ERROR(Submit(SettleTx("job-1", AddressOf(alice_), Micro(249'999))), kInvalidArgument,
                     "does not match the payment 0.25 AITBC");
  EXPECT_CHAIN_ERROR(Submit(SettleTx("job-1", AddressOf(alice_), Micro(250'001))), kInvalidArgument,
                     "does not match");
}

TEST_F(EscrowRulesTest, TokenPricingIsPartOfThePayment) {
  OpenJob("job-1", Coins(1));
  protocol::Metrics metrics{2'000, 10, 1'500, uint16_t{9'000}};
  protocol::Price price{Micro(10'000), Micro(40'000)};  // 0.02 + 0.06 AITBC
  auto receipt =
      MakeReceipt("job-1", AddressOf(alice_), AddressOf(miner_), Micro(80'000), metrics, price);
  ASSERT_TRUE(Submit(SettleTx(coordinator_, receipt, miner_)).ok());
  EXPECT_EQ(BalanceOf(miner_), Micro(80'000));
}

TEST_F(EscrowRulesTest, OnlyTheCoordinatorMaySettle) {
  OpenJob("job-1", Coins(1));
  auto receipt = MakeReceipt("job-1", AddressOf(alice_), AddressOf(miner_), kExampleCost);
  EXPECT_CHAIN_ERROR(Submit(SettleTx(stranger_, receipt, miner_)), kPermissionDenied,
                     "only the coordinator");
  EXPECT_CHAIN_ERROR(Submit(SettleTx(alice_, receipt, miner_)), kPermissionDenied,
                     "only the coordinator");
  // Not even the miner, with its own valid proof.
  EXPECT_CHAIN_ERROR(Submit(SettleTx(miner_, receipt, miner_)), kPermissionDenied,
                     "only the coordinator");
}

TEST_F(EscrowRulesTest, ReceiptClientMustBeTheEscrowsClient) {
  OpenJob("job-1", Coins(1));
  EXPECT_CHAIN_ERROR(Submit(SettleTx("job-1", AddressOf(bob_), kExampleCost)), kInvalidArgument,
                     "is not the escrow's client");
}

TEST_F(EscrowRulesTest, SettlingAnUnknownJobIsNotFound) {
  EXPECT_CHAIN_ERROR(Submit(SettleTx("job-404", AddressOf(alice_), kExampleCost)), kNotFound,
                     "no escrow for job 'job-404'");
}

TEST_F(EscrowRulesTest, SettlingTwiceIsRejected) {
  OpenJob("job-1", Coins(1));
  auto tx = SettleTx("job-1", AddressOf(alice_), kExampleCost);
  ASSERT_TRUE(Submit(tx).ok());
  EXPECT_CHAIN_ERROR(Submit(tx), kFailedPrecondition, "job 'job-1' is already settled");
}

TEST_F(EscrowRulesTest, SettleAndRefundInOneBlockOnlyOneCloses) {
  OpenJob("job-1", Coins(1));
  EXPECT_CHAIN_ERROR(
      Submit({SettleTx("job-1", AddressOf(alice_), kExampleCost), RefundTx(coordinator_, "job-1")}),
      kFailedPrecondition, "already settled");
}

TEST_F(EscrowRulesTest, RefundAfterSettlementIsRejected) {
  OpenJob("job-1", Coins(1));
  ASSERT_TRUE(Submit(SettleTx("job-1", AddressOf(alice_), kExampleCost)).ok());
  EXPECT_CHAIN_ERROR(Submit(RefundTx(coordinator_, "job-1")), kFailedPrecondition,
                     "already settled");
}

TEST_F(EscrowRulesTest, SettlementAfterRefundIsRejected) {
  OpenJob("job-1", Coins(1));
  ASSERT_TRUE(Submit(RefundTx(coordinator_, "job-1")).ok());
  EXPECT_CHAIN_ERROR(Submit(SettleTx("job-1", AddressOf(alice_), kExampleCost)),
                     kFailedPrecondition, "already refunded");
}

TEST_F(EscrowRulesTest, SettlementWithoutTheMinersSignatureIsRejectedOnVerification) {
  OpenJob("job-1", Coins(1));
  auto receipt = MakeReceipt("job-1", AddressOf(alice_), AddressOf(miner_), kExampleCost);
  // The coordinator forges the proof with its own key but names the miner's.
  protocol::JobSettle forged{receipt, miner_.public_key(), receipt.ToProof().Sign(coordinator_)};
  auto tx = Sign(coordinator_, 0, forged);
  protocol::Block block = BuildNext({tx});
  EXPECT_CHAIN_ERROR(machine_.ApplyBlock(state_, block, VerifySignatures::kYes), kUnauthenticated,
                     "invalid miner signature");
}

TEST_F(EscrowRulesTest, SettlementWithMetricsTheMinerDidNotSignIsRejectedOnVerification) {
  OpenJob("job-1", Coins(1));
  auto receipt = MakeReceipt("job-1", AddressOf(alice_), AddressOf(miner_), kExampleCost);
  protocol::JobSettle settle{receipt, miner_.public_key(), receipt.ToProof().Sign(miner_)};
  settle.receipt.metrics.compute_ms *= 2;  // inflate the work after the miner signed
  settle.receipt.amount_paid = Micro(500'000);
  protocol::Block block = BuildNext({Sign(coordinator_, 0, settle)});
  EXPECT_CHAIN_ERROR(machine_.ApplyBlock(state_, block, VerifySignatures::kYes), kUnauthenticated,
                     "miner signature");
}

TEST_F(EscrowRulesTest, MinerKeyMustMatchTheReceiptsMiner) {
  OpenJob("job-1", Coins(1));
  auto receipt = MakeReceipt("job-1", AddressOf(alice_), AddressOf(miner_), kExampleCost);
  EXPECT_CHAIN_ERROR(Submit(SettleTx(coordinator_, receipt, stranger_)), kInvalidArgument,
                     "miner key does not match");
}

TEST_F(EscrowRulesTest, ReceiptIdMustBeTheJobsReceiptId) {
  OpenJob("job-1", Coins(1));
  auto receipt = MakeReceipt("job-1", AddressOf(alice_), AddressOf(miner_), kExampleCost);
  receipt.receipt_id = protocol::ReceiptIdFor("job-2");
  EXPECT_CHAIN_ERROR(Submit(SettleTx(coordinator_, receipt, miner_)), kInvalidArgument,
                     "receipt id");
}

TEST_F(EscrowRulesTest, CoordinatorMayRefundAtAnyTime) {
  core::Amount before = BalanceOf(alice_);
  OpenJob("job-1", Coins(3));
  auto tx = RefundTx(coordinator_, "job-1");
  ASSERT_TRUE(Submit(tx).ok());
  EXPECT_EQ(BalanceOf(alice_), before);  // amount and escrow fee back: the job cost nothing
  auto escrow = EscrowOf("job-1");
  EXPECT_EQ(escrow->status, EscrowStatus::kRefunded);
  EXPECT_EQ(escrow->closed_height, 2u);
  EXPECT_EQ(escrow->closing_tx, protocol::TxEnvelope::FromTx(tx).hash);
  EXPECT_EQ(escrow->amount_paid, core::Amount());
  ExpectSupplyIntact();
}

TEST_F(EscrowRulesTest, CoordinatorRefundRebatesTheEscrowFeeFromItsOwnBalance) {
  core::Amount alice_before = BalanceOf(alice_);
  core::Amount coordinator_before = BalanceOf(coordinator_);
  core::Amount escrow_fee = Micro(5'000);  // above the minimum: the rebate is what was paid
  ASSERT_TRUE(
      Submit(Sign(alice_, 0,
                  protocol::JobEscrow{"job-1", Coins(2), AddressOf(coordinator_), Height() + 50},
                  escrow_fee))
          .ok());
  core::Amount proposer_before = BalanceOf(proposer_);
  ASSERT_TRUE(Submit(RefundTx(coordinator_, "job-1")).ok());
  EXPECT_EQ(BalanceOf(alice_), alice_before);
  // The coordinator paid its refund's fee (to the proposer) and the rebate (to the client).
  EXPECT_EQ(BalanceOf(coordinator_),
            coordinator_before.Sub(min_fee()).value().Sub(escrow_fee).value());
  EXPECT_EQ(BalanceOf(proposer_), proposer_before.Add(min_fee()).value());
  ExpectSupplyIntact();
}

TEST_F(EscrowRulesTest, CoordinatorThatCannotCoverTheRebateIsInsufficientFunds) {
  // The stranger (10 AITBC) coordinates a job whose escrow paid a 20 AITBC fee.
  ASSERT_TRUE(
      Submit(Sign(alice_, 0,
                  protocol::JobEscrow{"job-1", Coins(2), AddressOf(stranger_), Height() + 50},
                  Coins(20)))
          .ok());
  ChainMeta meta_before = Meta();
  core::Amount alice_before = BalanceOf(alice_);
  Account stranger_before = AccountOf(AddressOf(stranger_));
  EXPECT_CHAIN_ERROR(
      Submit(RefundTx(stranger_, "job-1")), kInsufficientFunds,
      "balance of " + AddressOf(stranger_).ToString() +
          " is 10 AITBC, the transaction needs 20.001 AITBC (rebate 20 AITBC + fee 0.001 AITBC): "
          "short by 10.001 AITBC");
  // Nothing changed: the escrow is still open and the balances are the same.
  EXPECT_EQ(Meta(), meta_before);
  EXPECT_EQ(EscrowOf("job-1")->status, EscrowStatus::kOpen);
  EXPECT_EQ(BalanceOf(alice_), alice_before);
  EXPECT_EQ(AccountOf(AddressOf(stranger_)), stranger_before);
  // Once funded, the same refund goes through and restores the client exactly.
  ASSERT_TRUE(Submit(TransferTx(bob_, AddressOf(stranger_), Coins(11))).ok());
  ASSERT_TRUE(Submit(RefundTx(stranger_, "job-1")).ok());
  EXPECT_EQ(BalanceOf(alice_), alice_before.Add(Coins(22)).value());
  ExpectSupplyIntact();
}

TEST_F(EscrowRulesTest, ClientMayNotRefundBeforeExpiry) {
  ASSERT_TRUE(Submit(EscrowTx(alice_, "job-1", Coins(1), 5)).ok());
  AdvanceTo(3);  // the next block is 4, one before the expiry
  EXPECT_CHAIN_ERROR(Submit(RefundTx(alice_, "job-1")), kPermissionDenied,
                     "only from its expiry at height 5 (now 4)");
}

TEST_F(EscrowRulesTest, ClientMayRefundFromTheExpiryHeight) {
  ASSERT_TRUE(Submit(EscrowTx(alice_, "job-1", Coins(1), 5)).ok());
  AdvanceTo(4);  // the next block is 5, the expiry height
  core::Amount before = BalanceOf(alice_);
  core::Amount coordinator_before = BalanceOf(coordinator_);
  ASSERT_TRUE(Submit(RefundTx(alice_, "job-1")).ok());
  // The escrow amount only, less the refund's own fee: no rebate of the escrow's fee.
  EXPECT_EQ(BalanceOf(alice_), before.Add(Coins(1)).value().Sub(min_fee()).value());
  EXPECT_EQ(BalanceOf(coordinator_), coordinator_before);
  EXPECT_EQ(EscrowOf("job-1")->status, EscrowStatus::kRefunded);
  ExpectSupplyIntact();
}

TEST_F(EscrowRulesTest, CoordinatorMaySettleAfterExpiryWhileOpen) {
  ASSERT_TRUE(Submit(EscrowTx(alice_, "job-1", Coins(1), 3)).ok());
  AdvanceTo(5);
  EXPECT_TRUE(Submit(SettleTx("job-1", AddressOf(alice_), kExampleCost)).ok());
}

TEST_F(EscrowRulesTest, StrangerMayNotRefund) {
  ASSERT_TRUE(Submit(EscrowTx(alice_, "job-1", Coins(1), 2)).ok());
  AdvanceTo(5);  // even after the expiry
  EXPECT_CHAIN_ERROR(Submit(RefundTx(stranger_, "job-1")), kPermissionDenied,
                     "only the coordinator or the client");
}

TEST_F(EscrowRulesTest, RefundingTwiceIsRejected) {
  OpenJob("job-1", Coins(1));
  auto tx = RefundTx(coordinator_, "job-1");
  ASSERT_TRUE(Submit(tx).ok());
  EXPECT_CHAIN_ERROR(Submit(tx), kFailedPrecondition, "already refunded");
}

TEST_F(EscrowRulesTest, RefundingAnUnknownJobIsNotFound) {
  EXPECT_CHAIN_ERROR(Submit(RefundTx(coordinator_, "job-404")), kNotFound, "no escrow");
}

TEST_F(EscrowRulesTest, AnAccountEmptiedIntoAnEscrowDisappearsAndComesBack) {
  // The stranger (10 AITBC, nonce 0) locks everything it has left after the fee.
  core::Amount all = Coins(10).Sub(min_fee()).value();
  ASSERT_TRUE(Submit(EscrowTx(stranger_, "job-1", all)).ok());
  EXPECT_FALSE(state_.GetAccount(AddressOf(stranger_)).value().has_value());
  ASSERT_TRUE(Submit(RefundTx(coordinator_, "job-1")).ok());
  EXPECT_EQ(BalanceOf(stranger_), Coins(10));  // the amount and the rebated fee
  ExpectSupplyIntact();
}

}  // namespace
}  // namespace aitbc::chain
