#include "node/mempool.h"

#include <gtest/gtest.h>

#include "node/store.h"
#include "process.h"
#include "test_chain.h"

namespace aitbc::node {
namespace {

using testing::AddressOf;
using testing::Key;
using testing::Transfer;

class MempoolTest : public ::testing::Test {
 protected:
  explicit MempoolTest(MempoolOptions options = {}) : machine_(testing::TestGenesis()) {
    store_ = Store::Open(dir_.path() + "/chain", machine_).value();
    mempool_ = std::make_unique<Mempool>(machine_, *store_, options);
  }

  // Builds a block from the mempool's candidates, commits it and updates the mempool.
  protocol::Block CommitFromMempool(size_t* dropped = nullptr) {
    auto candidates = mempool_->Candidates(1000, 1 << 20);
    auto built =
        machine_.BuildBlock(*store_, candidates, store_->meta().last_block_time_ms + 1000, Key(100))
            .value();
    EXPECT_TRUE(store_->CommitBlock(built.block, built.delta).ok());
    std::vector<core::Hash256> hashes;
    for (const auto& tx : built.block.txs) hashes.push_back(tx.hash);
    size_t n = mempool_->Update(hashes);
    if (dropped != nullptr) *dropped = n;
    return built.block;
  }

  aitbc::testing::TempDir dir_;
  chain::StateMachine machine_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Mempool> mempool_;
};

TEST_F(MempoolTest, SecondSpendOfTheSameBalanceIsRejected) {
  // Key(1) holds 1,000,000: the first transfer spends 900,010 of it.
  ASSERT_TRUE(mempool_->Admit(Transfer(Key(1), AddressOf(Key(2)), 900'000, 0)).ok());
  auto second = mempool_->Admit(Transfer(Key(1), AddressOf(Key(3)), 200'000, 1));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), core::ErrorCode::kInsufficientFunds);
  EXPECT_EQ(mempool_->size(), 1u);
  // The recipient's pending balance already counts the first transfer.
  auto pending = mempool_->PendingAccount(AddressOf(Key(2))).value().value();
  EXPECT_EQ(pending.balance.micro(), 1'900'000u);
  auto sender = mempool_->PendingAccount(AddressOf(Key(1))).value().value();
  EXPECT_EQ(sender.nonce, 1u);
}

TEST_F(MempoolTest, NoncesMustFollowThePendingNonce) {
  auto gap = mempool_->Admit(Transfer(Key(1), AddressOf(Key(2)), 10, 1));
  ASSERT_FALSE(gap.ok());
  EXPECT_NE(gap.error().message().find("nonce"), std::string::npos) << gap.error().ToString();
  std::vector<protocol::TxEnvelope> batch;
  for (uint64_t n = 0; n < 5; ++n) batch.push_back(Transfer(Key(1), AddressOf(Key(2)), 10, n));
  batch.push_back(Transfer(Key(1), AddressOf(Key(2)), 10, 7));  // gap
  batch.push_back(Transfer(Key(1), AddressOf(Key(2)), 10, 3));  // already used
  auto results = mempool_->Admit(batch);
  ASSERT_EQ(results.size(), 7u);
  for (size_t i = 0; i < 5; ++i) EXPECT_TRUE(results[i].ok()) << results[i].error().ToString();
  EXPECT_FALSE(results[5].ok());
  EXPECT_FALSE(results[6].ok());
  // Candidates come out in arrival (so nonce) order.
  auto candidates = mempool_->Candidates(100, 1 << 20);
  ASSERT_EQ(candidates.size(), 5u);
  for (uint64_t n = 0; n < 5; ++n) EXPECT_EQ(candidates[n].tx.nonce, n);
  EXPECT_EQ(mempool_->Candidates(2, 1 << 20).size(), 2u);
  EXPECT_EQ(mempool_->Candidates(100, candidates[0].bytes.size() * 3).size(), 3u);
}

TEST_F(MempoolTest, DuplicatesAndCommittedTransactionsAreRejected) {
  auto tx = Transfer(Key(1), AddressOf(Key(2)), 10, 0);
  ASSERT_TRUE(mempool_->Admit(tx).ok());
  EXPECT_TRUE(mempool_->Contains(tx.hash));
  auto dup = mempool_->Admit(tx);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), core::ErrorCode::kAlreadyExists);
  EXPECT_EQ(dup.error().message(), "transaction already in mempool");

  CommitFromMempool();
  EXPECT_EQ(mempool_->size(), 0u);
  EXPECT_EQ(mempool_->bytes(), 0u);
  EXPECT_FALSE(mempool_->Contains(tx.hash));
  auto replay = mempool_->Admit(tx);
  ASSERT_FALSE(replay.ok());
  EXPECT_EQ(replay.error().code(), core::ErrorCode::kAlreadyExists);
  EXPECT_EQ(replay.error().message(), "transaction already committed at height 1");
}

TEST_F(MempoolTest, InvalidTransactionsAreRejectedWithTheRulesError) {
  protocol::Transaction wrong_chain;
  wrong_chain.chain_id = "other-chain";
  wrong_chain.fee = core::Amount::FromMicro(testing::kMinFee);
  wrong_chain.payload = protocol::Transfer{AddressOf(Key(2)), core::Amount::FromMicro(1)};
  EXPECT_FALSE(mempool_->Admit(testing::Signed(wrong_chain, Key(1))).ok());
  auto low_fee = mempool_->Admit(Transfer(Key(1), AddressOf(Key(2)), 10, 0, 1));
  EXPECT_FALSE(low_fee.ok());
  auto unfunded = mempool_->Admit(Transfer(Key(50), AddressOf(Key(2)), 10, 0));
  ASSERT_FALSE(unfunded.ok());
  EXPECT_EQ(unfunded.error().code(), core::ErrorCode::kInsufficientFunds);
  EXPECT_EQ(mempool_->size(), 0u);
}

class SmallMempoolTest : public MempoolTest {
 protected:
  SmallMempoolTest() : MempoolTest(MempoolOptions{3, 1 << 20}) {}
};

TEST_F(SmallMempoolTest, CountLimit) {
  for (uint64_t n = 0; n < 3; ++n) {
    ASSERT_TRUE(mempool_->Admit(Transfer(Key(1), AddressOf(Key(2)), 10, n)).ok());
  }
  auto full = mempool_->Admit(Transfer(Key(1), AddressOf(Key(2)), 10, 3));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code(), core::ErrorCode::kResourceExhausted);
  EXPECT_NE(full.error().message().find("mempool full"), std::string::npos);
  // A block frees room.
  CommitFromMempool();
  EXPECT_TRUE(mempool_->Admit(Transfer(Key(1), AddressOf(Key(2)), 10, 3)).ok());
}

class TinyBytesMempoolTest : public MempoolTest {
 protected:
  TinyBytesMempoolTest() : MempoolTest(MempoolOptions{1000, 300}) {}
};

TEST_F(TinyBytesMempoolTest, ByteLimit) {
  auto tx = Transfer(Key(1), AddressOf(Key(2)), 10, 0);
  size_t fit = 300 / tx.bytes.size();
  ASSERT_GE(fit, 1u);
  for (uint64_t n = 0; n < fit; ++n) {
    ASSERT_TRUE(mempool_->Admit(Transfer(Key(1), AddressOf(Key(2)), 10, n)).ok());
  }
  auto full = mempool_->Admit(Transfer(Key(1), AddressOf(Key(2)), 10, fit));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code(), core::ErrorCode::kResourceExhausted);
  EXPECT_LE(mempool_->bytes(), 300u);
}

TEST_F(MempoolTest, UpdateRemovesIncludedAndDropsNowInvalid) {
  // Two pending transfers from Key(1) (nonces 0 and 1), and a block committed elsewhere that
  // uses nonce 0 with a different transaction: both pending ones become invalid.
  ASSERT_TRUE(mempool_->Admit(Transfer(Key(1), AddressOf(Key(2)), 10, 0)).ok());
  ASSERT_TRUE(mempool_->Admit(Transfer(Key(1), AddressOf(Key(2)), 10, 1)).ok());
  ASSERT_TRUE(mempool_->Admit(Transfer(Key(3), AddressOf(Key(2)), 10, 0)).ok());
  auto competing = Transfer(Key(1), AddressOf(Key(4)), 999'985, 0);
  auto built = machine_.BuildBlock(*store_, {competing}, 1'700'000'001'000, Key(100)).value();
  ASSERT_TRUE(store_->CommitBlock(built.block, built.delta).ok());
  size_t dropped = mempool_->Update({competing.hash});
  // Nonce 0 is now used and nonce 1 cannot pay 10 + fee from the 5 left: both dropped.
  EXPECT_EQ(dropped, 2u);
  EXPECT_EQ(mempool_->size(), 1u);
  auto left = mempool_->Candidates(10, 1 << 20);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].tx.sender, Key(3).public_key());
  // The pending state was rebuilt over the new committed state.
  auto sender = mempool_->PendingAccount(AddressOf(Key(1))).value().value();
  EXPECT_EQ(sender.nonce, 1u);
  // Nonce 1 is the next one now, but 5 uaitbc cannot pay for it.
  auto poor = mempool_->Admit(Transfer(Key(1), AddressOf(Key(2)), 10, 1));
  ASSERT_FALSE(poor.ok());
  EXPECT_EQ(poor.error().code(), core::ErrorCode::kInsufficientFunds);
}

TEST_F(MempoolTest, PartialBlockKeepsTheRestPending) {
  for (uint64_t n = 0; n < 6; ++n) {
    ASSERT_TRUE(mempool_->Admit(Transfer(Key(2), AddressOf(Key(1)), 10, n)).ok());
  }
  auto candidates = mempool_->Candidates(4, 1 << 20);
  auto built = machine_.BuildBlock(*store_, candidates, 1'700'000'001'000, Key(100)).value();
  ASSERT_TRUE(store_->CommitBlock(built.block, built.delta).ok());
  std::vector<core::Hash256> hashes;
  for (const auto& tx : built.block.txs) hashes.push_back(tx.hash);
  EXPECT_EQ(mempool_->Update(hashes), 0u);
  EXPECT_EQ(mempool_->size(), 2u);
  auto block = CommitFromMempool();
  EXPECT_EQ(block.txs.size(), 2u);
  EXPECT_EQ(store_->GetAccount(AddressOf(Key(2))).value()->nonce, 6u);
}

TEST_F(MempoolTest, EscrowThenSettleInTheSamePendingSet) {
  const auto coordinator = Key(3);
  const auto miner = Key(61);
  auto escrow = testing::Escrow(Key(1), "job-7", 40'000, AddressOf(coordinator));
  auto settle = testing::Settle(coordinator, miner, AddressOf(Key(1)), "job-7", 12'500);
  // Settling before the escrow exists is rejected; after it, accepted while both are pending.
  EXPECT_FALSE(mempool_->Admit(settle).ok());
  ASSERT_TRUE(mempool_->Admit(escrow).ok());
  auto status = mempool_->Admit(settle);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  // A second escrow for the same job is a replay even while pending.
  EXPECT_FALSE(
      mempool_->Admit(testing::Escrow(Key(2), "job-7", 1000, AddressOf(coordinator))).ok());
  auto block = CommitFromMempool();
  ASSERT_EQ(block.txs.size(), 2u);
  EXPECT_EQ(store_->GetAccount(AddressOf(miner)).value()->balance.micro(), 12'500u);
  EXPECT_EQ(store_->GetEscrow("job-7").value()->status, chain::EscrowStatus::kSettled);
}

TEST_F(MempoolTest, NonEmptyCallbackFiresOnTheFirstTransaction) {
  int calls = 0;
  mempool_->SetOnNonEmpty([&] { ++calls; });
  ASSERT_TRUE(mempool_->Admit(Transfer(Key(1), AddressOf(Key(2)), 10, 0)).ok());
  ASSERT_TRUE(mempool_->Admit(Transfer(Key(1), AddressOf(Key(2)), 10, 1)).ok());
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace aitbc::node
