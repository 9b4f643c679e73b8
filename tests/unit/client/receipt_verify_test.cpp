#include "client/receipt_verify.h"

#include <gtest/gtest.h>

namespace aitbc::client {
namespace {

core::PrivateKey KeyFromByte(uint8_t b) {
  core::Bytes seed(32, b);
  return core::PrivateKey::FromSeed(seed).value();
}

// A consistent set of evidence: a job_settle by the escrow's coordinator, signed by the miner,
// in block 14 signed by the genesis validator.
class ReceiptVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    receipt_.job_id = "job_123456";
    receipt_.receipt_id = protocol::ReceiptIdFor(receipt_.job_id);
    receipt_.client = core::Address::FromPublicKey(client_.public_key());
    receipt_.miner = core::Address::FromPublicKey(miner_.public_key());
    receipt_.result_hash = protocol::ResultHash("Machine learning is ...");
    receipt_.completed_at_ms = 1738162218000;
    receipt_.metrics.compute_ms = 12500;
    receipt_.metrics.completion_tokens = 150;
    receipt_.price.per_second = core::Amount::FromMicro(20000);  // 0.02 AITBC/s
    receipt_.amount_paid = core::Amount::FromMicro(250000);      // the seed's 0.25 AITBC

    escrow_.job_id = receipt_.job_id;
    escrow_.client = receipt_.client;
    escrow_.coordinator = core::Address::FromPublicKey(coordinator_.public_key());
    escrow_.amount = core::Amount::FromMicro(1000000);
    escrow_.status = "settled";
    escrow_.amount_paid = receipt_.amount_paid;
    escrow_.miner = receipt_.miner;
    Rebuild();
  }

  // Re-signs everything from receipt_ (call after changing it).
  void Rebuild(const core::PrivateKey* signer = nullptr) {
    protocol::Transaction tx;
    tx.chain_id = "aitbc-test";
    tx.payload =
        protocol::JobSettle{receipt_, miner_.public_key(), receipt_.ToProof().Sign(miner_)};
    tx.Sign(signer ? *signer : coordinator_);
    net::TxInfo info;
    info.tx = protocol::TxEnvelope::FromTx(tx);
    info.height = 14;
    info.index = 1;

    protocol::Transaction other;
    other.chain_id = "aitbc-test";
    other.nonce = 3;
    other.payload = protocol::Transfer{receipt_.client, core::Amount::FromMicro(5)};
    other.Sign(client_);

    protocol::Block block;
    block.header.chain_id = "aitbc-test";
    block.header.height = 14;
    block.header.time_ms = 1738162219000;
    block.txs = {protocol::TxEnvelope::FromTx(other), info.tx};
    block.header.tx_count = 2;
    block.header.tx_root = protocol::TxRoot(block.txs);
    block.Sign(validator_);

    escrow_.closing_tx = info.tx.hash;
    ev_ = ReceiptEvidence{};
    ev_.receipt.receipt = receipt_;
    ev_.receipt.block_height = 14;
    ev_.receipt.settle_tx = info.tx.hash.ToHex();
    ev_.receipt.coordinator = escrow_.coordinator.ToString();
    ev_.settle_tx = info;
    ev_.escrow = escrow_;
    ev_.block = block;
    ev_.validators = {validator_.public_key()};
  }

  // Runs the checks and returns the index of the only failed one (or -1 / -2 for none / many).
  int OnlyFailure() {
    auto checks = VerifyReceipt(ev_);
    EXPECT_EQ(checks.size(), 7u);
    int failed = -1;
    for (size_t i = 0; i < checks.size(); ++i) {
      if (checks[i].ok) continue;
      if (failed != -1) return -2;
      failed = static_cast<int>(i);
    }
    return failed;
  }

  core::PrivateKey client_ = KeyFromByte(1);
  core::PrivateKey miner_ = KeyFromByte(2);
  core::PrivateKey coordinator_ = KeyFromByte(3);
  core::PrivateKey validator_ = KeyFromByte(4);
  protocol::Receipt receipt_;
  net::EscrowInfo escrow_;
  ReceiptEvidence ev_;
};

TEST_F(ReceiptVerifyTest, ConsistentEvidencePassesEveryCheck) {
  auto checks = VerifyReceipt(ev_);
  ASSERT_EQ(checks.size(), 7u);
  for (const auto& c : checks) EXPECT_TRUE(c.ok) << c.name << ": " << c.detail;
  EXPECT_TRUE(AllPassed(checks));
  EXPECT_NE(checks[5].detail.find("block 14"), std::string::npos);
}

TEST_F(ReceiptVerifyTest, MissingSettlementFailsEverythingThatNeedsIt) {
  ev_.settle_tx.reset();
  ev_.settle_tx_error = "the settlement is not committed yet";
  auto checks = VerifyReceipt(ev_);
  EXPECT_FALSE(AllPassed(checks));
  EXPECT_FALSE(checks[0].ok);
  EXPECT_EQ(checks[0].detail, "the settlement is not committed yet");
  EXPECT_FALSE(checks[1].ok);
  EXPECT_FALSE(checks[2].ok);
  EXPECT_FALSE(checks[3].ok);
  EXPECT_FALSE(checks[5].ok);
}

TEST_F(ReceiptVerifyTest, WrongTransactionType) {
  ev_.settle_tx->tx = ev_.block->txs[0];  // the transfer
  auto checks = VerifyReceipt(ev_);
  EXPECT_FALSE(checks[0].ok);
  EXPECT_NE(checks[0].detail.find("transfer"), std::string::npos);
}

TEST_F(ReceiptVerifyTest, CoordinatorShowsAnotherReceipt) {
  ev_.receipt.receipt.amount_paid = core::Amount::FromMicro(1);
  EXPECT_EQ(OnlyFailure(), -2);  // differs from the chain, and is not the cost either
  auto checks = VerifyReceipt(ev_);
  EXPECT_FALSE(checks[1].ok);
  EXPECT_NE(checks[1].detail.find("amount_paid"), std::string::npos);

  Rebuild();
  ev_.receipt.receipt.completed_at_ms += 1;
  EXPECT_EQ(OnlyFailure(), 1);
}

TEST_F(ReceiptVerifyTest, SettledByAnotherKeyThanTheEscrowsCoordinator) {
  core::PrivateKey impostor = KeyFromByte(9);
  Rebuild(&impostor);
  EXPECT_EQ(OnlyFailure(), 2);
}

TEST_F(ReceiptVerifyTest, ReceiptNamesAnotherCoordinator) {
  ev_.receipt.coordinator = core::Address::FromPublicKey(KeyFromByte(9).public_key()).ToString();
  EXPECT_EQ(OnlyFailure(), 2);
}

TEST_F(ReceiptVerifyTest, TamperedTransactionSignature) {
  ev_.settle_tx->tx.tx.signature.bytes[0] ^= 1;
  EXPECT_EQ(OnlyFailure(), 2);
}

TEST_F(ReceiptVerifyTest, EscrowUnknown) {
  ev_.escrow.reset();
  ev_.escrow_error = "node down";
  auto checks = VerifyReceipt(ev_);
  EXPECT_FALSE(checks[2].ok);
  EXPECT_FALSE(checks[4].ok);
  EXPECT_NE(checks[4].detail.find("node down"), std::string::npos);
}

TEST_F(ReceiptVerifyTest, BadMinerSignature) {
  auto& settle = std::get<protocol::JobSettle>(ev_.settle_tx->tx.tx.payload);
  settle.miner_signature.bytes[5] ^= 1;
  auto checks = VerifyReceipt(ev_);
  EXPECT_FALSE(checks[3].ok);
  EXPECT_EQ(checks[3].detail, "the signature does not verify");
}

TEST_F(ReceiptVerifyTest, MinerKeyIsNotTheReceiptsMiner) {
  auto& settle = std::get<protocol::JobSettle>(ev_.settle_tx->tx.tx.payload);
  settle.miner_key = KeyFromByte(8).public_key();
  auto checks = VerifyReceipt(ev_);
  EXPECT_FALSE(checks[3].ok);
  EXPECT_NE(checks[3].detail.find("not the receipt's miner"), std::string::npos);
}

TEST_F(ReceiptVerifyTest, CoordinatorShowsAnotherMinerSignature) {
  core::Signature other = ev_.receipt.receipt.ToProof().Sign(KeyFromByte(8));
  ev_.receipt.miner_signature = other;
  EXPECT_EQ(OnlyFailure(), 3);
}

TEST_F(ReceiptVerifyTest, OverchargeIsCaught) {
  receipt_.amount_paid = core::Amount::FromMicro(260000);  // the miner signed, but it is not due
  Rebuild();
  EXPECT_EQ(OnlyFailure(), 4);
  EXPECT_NE(VerifyReceipt(ev_)[4].detail.find("0.25 AITBC is due"), std::string::npos);
}

TEST_F(ReceiptVerifyTest, PaymentIsCappedByTheEscrow) {
  escrow_.amount = core::Amount::FromMicro(100000);
  receipt_.amount_paid = core::Amount::FromMicro(100000);
  Rebuild();
  EXPECT_EQ(OnlyFailure(), -1);
}

TEST_F(ReceiptVerifyTest, EscrowNotSettledOrClosedByAnotherTx) {
  ev_.escrow->status = "open";
  EXPECT_EQ(OnlyFailure(), 4);
  Rebuild();
  ev_.escrow->closing_tx = core::Sha256("other");
  EXPECT_EQ(OnlyFailure(), 4);
}

TEST_F(ReceiptVerifyTest, BlockDoesNotContainTheTransaction) {
  ev_.block->txs.pop_back();
  ev_.block->header.tx_count = 1;
  ev_.block->header.tx_root = protocol::TxRoot(ev_.block->txs);
  ev_.block->Sign(validator_);
  EXPECT_EQ(OnlyFailure(), 5);
}

TEST_F(ReceiptVerifyTest, BlockTxRootDoesNotMatch) {
  ev_.block->header.tx_root = core::Sha256("x");
  ev_.block->Sign(validator_);
  EXPECT_EQ(OnlyFailure(), 5);
}

TEST_F(ReceiptVerifyTest, HeightsDisagree) {
  ev_.receipt.block_height = 13;
  EXPECT_EQ(OnlyFailure(), 5);
  Rebuild();
  ev_.block->header.height = 15;
  ev_.block->Sign(validator_);
  EXPECT_EQ(OnlyFailure(), 5);
}

TEST_F(ReceiptVerifyTest, BlockMissing) {
  ev_.block.reset();
  ev_.block_error = "not found";
  auto checks = VerifyReceipt(ev_);
  EXPECT_FALSE(checks[5].ok);
  EXPECT_FALSE(checks[6].ok);
}

TEST_F(ReceiptVerifyTest, BlockSignatureInvalid) {
  ev_.block->signature.bytes[0] ^= 1;
  EXPECT_EQ(OnlyFailure(), 6);
}

TEST_F(ReceiptVerifyTest, ProposerIsNotAValidator) {
  ev_.block->Sign(KeyFromByte(7));
  EXPECT_EQ(OnlyFailure(), 6);
  ev_.validators.clear();
  EXPECT_EQ(OnlyFailure(), 6);
}

}  // namespace
}  // namespace aitbc::client
