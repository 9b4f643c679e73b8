#include "node/mempool.h"

#include <gtest/gtest.h>

#include <rocksdb/db.h>

#include "failing_env.h"
#include "node/ledger.h"
#include "node/mempool_journal.h"
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

// ---- Durability: the journaled mempool, its journal and its restore ------------------------

class JournaledMempoolTest : public ::testing::Test {
 protected:
  JournaledMempoolTest() : machine_(testing::TestGenesis()), loop_(1) {
    Open();
    loop_.RunInBackground();
  }
  ~JournaledMempoolTest() override {
    Close();
    loop_.Stop();
  }

  // The proposer's parts over the store in dir_.
  void Open(StoreOptions options = {}) {
    store_ = Store::Open(dir_.path() + "/chain", machine_, options).value();
    MempoolOptions mempool;
    mempool.journaled = true;
    mempool_ = std::make_unique<Mempool>(machine_, *store_, mempool);
    journal_ = std::make_unique<MempoolJournal>(*store_, *mempool_);
    ledger_ = std::make_unique<Ledger>(machine_, *store_, loop_);
    ledger_->SetMempool(mempool_.get());
  }
  void Close() {
    if (ledger_) ledger_->Shutdown();
    ledger_.reset();
    journal_.reset();
    mempool_.reset();
    store_.reset();
  }
  // A restart of the node: everything reopened over the same directory, and the restore.
  RestoreStats Restart(size_t verify_threads = 2) {
    Close();
    Open();
    auto stats = journal_->Restore(verify_threads);
    EXPECT_TRUE(stats.ok()) << stats.error().ToString();
    return stats.ok() ? *stats : RestoreStats{};
  }

  core::Status AdmitOne(protocol::TxEnvelope tx) {
    std::vector<protocol::TxEnvelope> one;
    one.push_back(std::move(tx));
    return journal_->AdmitAndWait(std::move(one)).front();
  }

  // Commits a block through the ledger (as the producer does), from the mempool's candidates or
  // from the given transactions.
  protocol::Block Commit(std::optional<std::vector<protocol::TxEnvelope>> txs = std::nullopt) {
    auto candidates = txs ? *txs : mempool_->Candidates(1000, 1 << 20);
    auto built =
        machine_.BuildBlock(*store_, candidates, store_->meta().last_block_time_ms + 1000, Key(100))
            .value();
    auto status = ledger_->Commit(built.block, built.delta);
    EXPECT_TRUE(status.ok()) << status.error().ToString();
    return built.block;
  }

  std::vector<uint64_t> PendingSeqs() {
    std::vector<uint64_t> seqs;
    auto entries = store_->LoadPending().value();
    for (const auto& entry : entries) seqs.push_back(entry.seq);
    return seqs;
  }
  std::vector<core::Bytes> PendingTxs() {
    std::vector<core::Bytes> txs;
    auto entries = store_->LoadPending().value();
    for (auto& entry : entries) txs.push_back(std::move(entry.tx));
    return txs;
  }

  aitbc::testing::TempDir dir_;
  chain::StateMachine machine_;
  net::EventLoop loop_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Mempool> mempool_;
  std::unique_ptr<MempoolJournal> journal_;
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(JournaledMempoolTest, AcceptedTransactionsAreOnDiskWhenAnswered) {
  auto a = Transfer(Key(1), AddressOf(Key(2)), 10, 0);
  auto b = Transfer(Key(1), AddressOf(Key(2)), 10, 1);
  auto gap = Transfer(Key(1), AddressOf(Key(2)), 10, 5);
  auto results = journal_->AdmitAndWait({a, gap, b});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_FALSE(results[1].ok());
  EXPECT_TRUE(results[2].ok());
  // A duplicate is answered as before (after the entry it duplicates is on disk).
  auto dup = AdmitOne(a);
  ASSERT_FALSE(dup.ok());
  EXPECT_TRUE(IsDuplicateTx(dup.error()));
  EXPECT_EQ(PendingTxs(), (std::vector<core::Bytes>{a.bytes, b.bytes}));
  EXPECT_EQ(PendingSeqs(), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(mempool_->ready(), 2u);
  EXPECT_EQ(mempool_->Candidates(10, 1 << 20).size(), 2u);
}

TEST_F(JournaledMempoolTest, TransactionsNotYetOnDiskAreNoCandidates) {
  // Admitted directly (the journal does not write these): pending, but not ready.
  int calls = 0;
  mempool_->SetOnNonEmpty([&] { ++calls; });
  Admitted admitted = mempool_->AdmitBatch(
      {Transfer(Key(1), AddressOf(Key(2)), 10, 0), Transfer(Key(1), AddressOf(Key(2)), 10, 1)});
  ASSERT_EQ(admitted.entries.size(), 2u);
  EXPECT_EQ(admitted.entries[0].seq, 1u);
  EXPECT_EQ(admitted.entries[1].seq, 2u);
  EXPECT_EQ(mempool_->size(), 2u);
  EXPECT_EQ(mempool_->ready(), 0u);
  EXPECT_TRUE(mempool_->Candidates(10, 1 << 20).empty());
  EXPECT_EQ(calls, 0);
  // They count for admission already: nonce 1 is taken.
  EXPECT_FALSE(mempool_->Admit(Transfer(Key(1), AddressOf(Key(2)), 10, 1)).ok());
  mempool_->MarkDurable(1);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(mempool_->ready(), 1u);
  auto candidates = mempool_->Candidates(10, 1 << 20);
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates[0].tx.nonce, 0u);
  mempool_->MarkDurable(2);
  mempool_->MarkDurable(1);  // older news changes nothing
  EXPECT_EQ(mempool_->ready(), 2u);
  EXPECT_EQ(calls, 1);
}

TEST_F(JournaledMempoolTest, ABlockDeletesItsTransactionsEntries) {
  std::vector<protocol::TxEnvelope> txs;
  for (uint64_t n = 0; n < 4; ++n) txs.push_back(Transfer(Key(2), AddressOf(Key(1)), 10, n));
  for (const auto& status : journal_->AdmitAndWait(txs)) ASSERT_TRUE(status.ok());
  // A block with the first two: their entries go with it, the others stay.
  auto block = Commit(std::vector<protocol::TxEnvelope>{txs[0], txs[1]});
  ASSERT_EQ(block.txs.size(), 2u);
  EXPECT_EQ(PendingSeqs(), (std::vector<uint64_t>{3, 4}));
  Commit();
  EXPECT_TRUE(PendingSeqs().empty());
  EXPECT_EQ(mempool_->size(), 0u);
  EXPECT_EQ(Restart().loaded, 0u);
}

// Key(1) has two pending transfers (nonces 0 and 1) and Key(3) one; then a block committed with
// a competing nonce 0 of Key(1) makes both of Key(1)'s invalid: the mempool drops them.
class DroppedEntriesTest : public JournaledMempoolTest {
 protected:
  void SetUp() override {
    for (const auto& status :
         journal_->AdmitAndWait({Transfer(Key(1), AddressOf(Key(2)), 10, 0),
                                 Transfer(Key(1), AddressOf(Key(2)), 10, 1),
                                 Transfer(Key(3), AddressOf(Key(2)), 10, 0)})) {
      ASSERT_TRUE(status.ok());
    }
    Commit(std::vector<protocol::TxEnvelope>{Transfer(Key(1), AddressOf(Key(4)), 999'985, 0)});
    ASSERT_EQ(mempool_->size(), 1u);
    ASSERT_EQ(mempool_->dead(), 2u);
    // Deleted lazily: still on disk until the next write.
    ASSERT_EQ(PendingSeqs(), (std::vector<uint64_t>{1, 2, 3}));
  }
};

TEST_F(DroppedEntriesTest, TheNextAdmissionDeletesThem) {
  ASSERT_TRUE(AdmitOne(Transfer(Key(2), AddressOf(Key(1)), 10, 0)).ok());
  EXPECT_EQ(PendingSeqs(), (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(mempool_->dead(), 0u);
}

TEST_F(DroppedEntriesTest, TheNextBlockDeletesThem) {
  auto block = Commit();
  EXPECT_EQ(block.txs.size(), 1u);
  EXPECT_TRUE(PendingSeqs().empty());
  EXPECT_EQ(mempool_->dead(), 0u);
}

TEST_F(DroppedEntriesTest, ARestartDropsThemIfStillInvalid) {
  RestoreStats stats = Restart();
  EXPECT_EQ(stats.loaded, 3u);
  EXPECT_EQ(stats.restored, 1u);
  EXPECT_EQ(stats.dropped, 2u);
  EXPECT_EQ(PendingSeqs(), (std::vector<uint64_t>{3}));
  EXPECT_EQ(mempool_->size(), 1u);
}

TEST_F(JournaledMempoolTest, RestoreReadmitsInSequenceOrderAndDeletesTheRest) {
  auto committed = Transfer(Key(3), AddressOf(Key(2)), 10, 0);
  Commit(std::vector<protocol::TxEnvelope>{committed});
  auto first = Transfer(Key(1), AddressOf(Key(2)), 10, 0);
  auto second = Transfer(Key(1), AddressOf(Key(2)), 20, 1);
  auto early = Transfer(Key(1), AddressOf(Key(2)), 30, 2);  // before nonce 1: a gap
  auto forged = Transfer(Key(2), AddressOf(Key(1)), 10, 0);
  forged.bytes.back() ^= 0x01;  // the last byte of the signature
  auto escrow = testing::Escrow(Key(4), "job-1", 5000, AddressOf(Key(3)));
  ASSERT_TRUE(store_
                  ->WritePending({{10, first.bytes},
                                  {11, core::Bytes{1, 2, 3}},
                                  {12, forged.bytes},
                                  {13, early.bytes},
                                  {14, second.bytes},
                                  {15, committed.bytes},
                                  {300, escrow.bytes}},
                                 {})
                  .ok());

  RestoreStats stats = Restart(3);
  EXPECT_EQ(stats.loaded, 7u);
  EXPECT_EQ(stats.restored, 3u);
  EXPECT_EQ(stats.dropped, 4u);
  EXPECT_EQ(PendingSeqs(), (std::vector<uint64_t>{10, 14, 300}));
  // In sequence order, ready for the next block at once (they are on disk).
  auto candidates = mempool_->Candidates(10, 1 << 20);
  ASSERT_EQ(candidates.size(), 3u);
  EXPECT_EQ(candidates[0].hash, first.hash);
  EXPECT_EQ(candidates[1].hash, second.hash);
  EXPECT_EQ(candidates[2].hash, escrow.hash);
  EXPECT_EQ(mempool_->PendingAccount(AddressOf(Key(1))).value()->nonce, 2u);
  // New admissions follow them in the sequence.
  ASSERT_TRUE(AdmitOne(early).ok());
  EXPECT_EQ(PendingSeqs(), (std::vector<uint64_t>{10, 14, 300, 301}));
  // The block commits them once each; nothing is left pending.
  auto block = Commit();
  EXPECT_EQ(block.txs.size(), 4u);
  EXPECT_TRUE(PendingSeqs().empty());
  EXPECT_EQ(store_->GetAccount(AddressOf(Key(1))).value()->nonce, 3u);
}

TEST_F(JournaledMempoolTest, RestoreWithNothingStoredAndWithAMalformedEntry) {
  RestoreStats stats = Restart(1);
  EXPECT_EQ(stats.loaded, 0u);
  EXPECT_EQ(mempool_->size(), 0u);
  Close();
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir_.path() + "/chain", &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "p123", "x").ok());
  }
  Open();
  auto restored = journal_->Restore(2);
  ASSERT_FALSE(restored.ok());
  EXPECT_EQ(restored.error().code(), core::ErrorCode::kCorruption);
}

TEST_F(JournaledMempoolTest, AFailedWriteRejectsItsTransactionsAndKeepsThemOut) {
  Close();
  testing::FailingEnv failing;
  StoreOptions options;
  options.env = failing.env.get();
  Open(options);
  auto a = Transfer(Key(1), AddressOf(Key(2)), 10, 0);
  ASSERT_TRUE(AdmitOne(a).ok());
  failing.fs->fail_wal = true;
  auto results = journal_->AdmitAndWait({Transfer(Key(1), AddressOf(Key(2)), 10, 1),
                                         Transfer(Key(2), AddressOf(Key(1)), 10, 0),
                                         Transfer(Key(1), AddressOf(Key(2)), 10, 9)});
  ASSERT_EQ(results.size(), 3u);
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_FALSE(results[i].ok());
    EXPECT_EQ(results[i].error().code(), core::ErrorCode::kIOError)
        << results[i].error().ToString();
    EXPECT_NE(results[i].error().message().find("could not be persisted"), std::string::npos);
  }
  // A rejected transaction keeps its own verdict.
  ASSERT_FALSE(results[2].ok());
  EXPECT_EQ(results[2].error().code(), core::ErrorCode::kFailedPrecondition)
      << results[2].error().ToString();
  // Only what is on disk stays pending, and may go into a block.
  EXPECT_EQ(mempool_->size(), 1u);
  auto candidates = mempool_->Candidates(10, 1 << 20);
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates[0].hash, a.hash);
  EXPECT_EQ(mempool_->PendingAccount(AddressOf(Key(1))).value()->nonce, 1u);
  failing.fs->fail_wal = false;
  Close();
}

TEST_F(JournaledMempoolTest, AStoppedJournalRefuses) {
  journal_->Stop();
  auto status = AdmitOne(Transfer(Key(1), AddressOf(Key(2)), 10, 0));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), core::ErrorCode::kUnavailable);
  EXPECT_EQ(mempool_->size(), 0u);
}

}  // namespace
}  // namespace aitbc::node
