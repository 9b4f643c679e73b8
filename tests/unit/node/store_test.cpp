#include "node/store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "core/file_util.h"
#include "failing_env.h"
#include "process.h"
#include "test_chain.h"

namespace aitbc::node {
namespace {

using testing::AddressOf;
using testing::Key;

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : machine_(testing::TestGenesis()) {}

  std::unique_ptr<Store> OpenStore() {
    auto store = Store::Open(dir_.path() + "/chain", machine_);
    EXPECT_TRUE(store.ok()) << store.error().ToString();
    return std::move(store).value();
  }

  // Builds and commits the next block with the given transactions; returns it.
  protocol::Block CommitNext(Store& store, std::vector<protocol::TxEnvelope> txs) {
    auto built = machine_.BuildBlock(store, txs, store.meta().last_block_time_ms + 1000, Key(100));
    EXPECT_TRUE(built.ok()) << built.error().ToString();
    EXPECT_TRUE(built->rejected.empty());
    auto status = store.CommitBlock(built->block, built->delta);
    EXPECT_TRUE(status.ok()) << status.error().ToString();
    return built->block;
  }

  aitbc::testing::TempDir dir_;
  chain::StateMachine machine_;
};

TEST_F(StoreTest, NewStoreHoldsGenesisState) {
  auto store = OpenStore();
  EXPECT_EQ(store->height(), 0u);
  auto genesis = machine_.GenesisDelta().value();
  EXPECT_EQ(store->meta(), genesis.meta);
  EXPECT_EQ(store->meta().last_block_hash, machine_.genesis().Hash());
  auto account = store->GetAccount(AddressOf(Key(1))).value();
  ASSERT_TRUE(account.has_value());
  EXPECT_EQ(account->balance.micro(), 1'000'000u);
  EXPECT_FALSE(store->GetAccount(AddressOf(Key(50))).value().has_value());
  EXPECT_FALSE(store->GetBlockBytes(1).value().has_value());
  auto check = store->VerifyState();
  ASSERT_TRUE(check.ok()) << check.error().ToString();
  EXPECT_EQ(check->accounts, 4u);
  EXPECT_EQ(check->state_hash, store->meta().state_hash);
}

TEST_F(StoreTest, CommitThenReopenGivesSameStateAndIndices) {
  const auto coordinator = Key(3);
  const auto miner = Key(60);
  protocol::Block b1, b2;
  protocol::TxEnvelope transfer = testing::Transfer(Key(1), AddressOf(Key(2)), 1000, 0);
  protocol::TxEnvelope escrow = testing::Escrow(Key(1), "job-1", 50'000, AddressOf(coordinator));
  protocol::TxEnvelope settle =
      testing::Settle(coordinator, miner, AddressOf(Key(1)), "job-1", 20'000);
  chain::ChainMeta meta;
  {
    auto store = OpenStore();
    b1 = CommitNext(*store, {transfer, escrow});
    b2 = CommitNext(*store, {settle});
    meta = store->meta();
    EXPECT_EQ(meta.height, 2u);
    EXPECT_EQ(meta.last_block_hash, b2.Hash());
  }
  auto store = OpenStore();
  EXPECT_EQ(store->meta(), meta);
  auto check = store->VerifyState();
  ASSERT_TRUE(check.ok()) << check.error().ToString();
  EXPECT_EQ(check->state_hash, meta.state_hash);
  EXPECT_EQ(check->escrows, 1u);

  // Accounts: the miner was paid 20,000 uaitbc (20 s at 1000 uaitbc/s).
  auto paid = store->GetAccount(AddressOf(miner)).value();
  ASSERT_TRUE(paid.has_value());
  EXPECT_EQ(paid->balance.micro(), 20'000u);
  auto sender = store->GetAccount(AddressOf(Key(1))).value();
  EXPECT_EQ(sender->nonce, 1u);
  auto closed = store->GetEscrow("job-1").value();
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->status, chain::EscrowStatus::kSettled);
  EXPECT_FALSE(store->GetEscrow("job-2").value().has_value());

  // Blocks by height and hash.
  auto block = store->GetBlock(2).value();
  ASSERT_TRUE(block.has_value());
  EXPECT_EQ(block->Hash(), b2.Hash());
  EXPECT_EQ(store->GetBlockBytes(1).value().value(), b1.Encode());
  EXPECT_EQ(store->GetBlockHeight(b1.Hash()).value().value(), 1u);
  EXPECT_FALSE(store->GetBlockHeight(core::Sha256("nope")).value().has_value());

  // Transactions by hash.
  auto tx = store->GetTx(escrow.hash).value();
  ASSERT_TRUE(tx.has_value());
  EXPECT_EQ(tx->location, (TxLocation{1, 1}));
  EXPECT_EQ(tx->tx.bytes, escrow.bytes);
  EXPECT_EQ(store->GetTxLocation(transfer.hash).value().value(), (TxLocation{1, 0}));
  EXPECT_FALSE(store->GetTx(core::Sha256("nope")).value().has_value());

  // Receipts by job id and receipt id.
  EXPECT_EQ(store->GetSettleTx("job-1").value().value(), settle.hash);
  EXPECT_FALSE(store->GetSettleTx("job-2").value().has_value());
  EXPECT_EQ(store->GetJobIdForReceipt(protocol::ReceiptIdFor("job-1")).value().value(), "job-1");
  EXPECT_FALSE(store->GetJobIdForReceipt("rcpt_x").value().has_value());
}

TEST_F(StoreTest, UnbondingEntriesAreStoredAndReleased) {
  auto store = OpenStore();
  protocol::Transaction stake;
  stake.nonce = 0;
  stake.fee = core::Amount::FromMicro(testing::kMinFee);
  stake.payload = protocol::Stake{core::Amount::FromMicro(5000)};
  protocol::Transaction unstake;
  unstake.nonce = 1;
  unstake.fee = core::Amount::FromMicro(testing::kMinFee);
  unstake.payload = protocol::Unstake{core::Amount::FromMicro(2000)};
  CommitNext(*store, {testing::Signed(stake, Key(2)), testing::Signed(unstake, Key(2))});
  // Unbonding delay 2: released at height 3.
  auto entries = store->GetUnbonding(3).value();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].amount.micro(), 2000u);
  EXPECT_TRUE(store->VerifyState().ok());
  CommitNext(*store, {});
  CommitNext(*store, {});
  EXPECT_TRUE(store->GetUnbonding(3).value().empty());
  auto account = store->GetAccount(AddressOf(Key(2))).value().value();
  EXPECT_EQ(account.stake.micro(), 3000u);
  EXPECT_EQ(account.unbonding.micro(), 0u);
  auto check = store->VerifyState();
  EXPECT_TRUE(check.ok()) << check.error().ToString();
}

TEST_F(StoreTest, CommitRefusesABlockOutOfOrder) {
  auto store = OpenStore();
  auto built = machine_.BuildBlock(*store, {}, 1'700'000'001'000, Key(100)).value();
  ASSERT_TRUE(store->CommitBlock(built.block, built.delta).ok());
  auto again = store->CommitBlock(built.block, built.delta);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), core::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store->height(), 1u);
}

TEST_F(StoreTest, OpeningWithAnotherGenesisIsRefused) {
  { OpenStore(); }
  protocol::Genesis other = testing::TestGenesis(5);
  chain::StateMachine other_machine(other);
  auto store = Store::Open(dir_.path() + "/chain", other_machine);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), core::ErrorCode::kFailedPrecondition);
  EXPECT_NE(store.error().message().find("another genesis"), std::string::npos);
}

// A database written in another storage format (an older node's, or one without the format key:
// format 1) is refused with both formats named, before any of its state is read.
TEST_F(StoreTest, AnotherStorageFormatIsRefused) {
  { OpenStore(); }
  auto rewrite = [&](const char* value) {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir_.path() + "/chain", &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    std::string before;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), "v", &before).ok());
    if (value == nullptr) {
      ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), "v").ok());
    } else {
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "v", value).ok());
    }
  };
  {
    auto store = OpenStore();  // a new database records the current format and reopens
    ASSERT_NE(store, nullptr);
  }
  rewrite("3");
  auto newer = Store::Open(dir_.path() + "/chain", machine_);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.error().code(), core::ErrorCode::kFailedPrecondition);
  EXPECT_NE(newer.error().message().find("storage format 3; this aitbc-node reads format 2"),
            std::string::npos)
      << newer.error().message();

  rewrite(nullptr);
  auto unversioned = Store::Open(dir_.path() + "/chain", machine_);
  ASSERT_FALSE(unversioned.ok());
  EXPECT_NE(unversioned.error().message().find("storage format 1;"), std::string::npos)
      << unversioned.error().message();
  EXPECT_NE(unversioned.error().message().find("new data directory"), std::string::npos);
}

TEST_F(StoreTest, UnopenableDirectoryIsAnIOError) {
  std::string file = dir_.path() + "/file";
  ASSERT_TRUE(core::WriteFileAtomic(file, "x").ok());
  auto store = Store::Open(file + "/chain", machine_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), core::ErrorCode::kIOError);
}

// Writes value under key directly into the database, behind the store's back.
void WriteRaw(const std::string& path, const std::string& key, const std::string& value) {
  rocksdb::DB* raw = nullptr;
  rocksdb::Options options;
  ASSERT_TRUE(rocksdb::DB::Open(options, path, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key, value).ok());
}

std::string AccountKey(const core::Address& address) {
  return "a" + std::string(core::AsString(address.view()));
}

TEST_F(StoreTest, VerifyStateDetectsAnUndecodableAccount) {
  { OpenStore(); }
  WriteRaw(dir_.path() + "/chain", AccountKey(AddressOf(Key(1))), "garbage");
  auto store = OpenStore();
  auto check = store->VerifyState();
  ASSERT_FALSE(check.ok());
  EXPECT_EQ(check.error().code(), core::ErrorCode::kCorruption);
  EXPECT_NE(check.error().message().find("undecodable"), std::string::npos);
  auto read = store->GetAccount(AddressOf(Key(1)));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code(), core::ErrorCode::kCorruption);
}

TEST_F(StoreTest, VerifyStateDetectsAChangedBalance) {
  { OpenStore(); }
  chain::Account forged;
  forged.balance = core::Amount::FromMicro(999'999'999);
  core::Bytes encoded = forged.Encode();
  WriteRaw(dir_.path() + "/chain", AccountKey(AddressOf(Key(1))),
           std::string(core::AsString(encoded)));
  auto store = OpenStore();
  auto check = store->VerifyState();
  ASSERT_FALSE(check.ok());
  EXPECT_EQ(check.error().code(), core::ErrorCode::kCorruption);
  EXPECT_NE(check.error().message().find("mismatch"), std::string::npos);
}

TEST_F(StoreTest, VerifyStateDetectsAnExtraAccount) {
  { OpenStore(); }
  chain::Account extra;
  extra.balance = core::Amount::FromMicro(5);
  core::Bytes encoded = extra.Encode();
  WriteRaw(dir_.path() + "/chain", AccountKey(AddressOf(Key(77))),
           std::string(core::AsString(encoded)));
  auto check = OpenStore()->VerifyState();
  ASSERT_FALSE(check.ok());
  EXPECT_EQ(check.error().code(), core::ErrorCode::kCorruption);
}

TEST_F(StoreTest, CorruptedMetaIsRefusedAtOpen) {
  { OpenStore(); }
  WriteRaw(dir_.path() + "/chain", "m", "short");
  auto store = Store::Open(dir_.path() + "/chain", machine_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), core::ErrorCode::kCorruption);
}

// ---- Pending transactions ("p" entries) ------------------------------------------------------

std::vector<uint64_t> Seqs(const std::vector<PendingEntry>& entries) {
  std::vector<uint64_t> seqs;
  for (const auto& e : entries) seqs.push_back(e.seq);
  return seqs;
}

PendingEntry Entry(uint64_t seq, const protocol::TxEnvelope& tx) { return {seq, tx.bytes}; }

TEST_F(StoreTest, PendingEntriesAreWrittenDeletedAndReloadedInSequenceOrder) {
  std::vector<protocol::TxEnvelope> txs;
  for (uint64_t n = 0; n < 5; ++n)
    txs.push_back(testing::Transfer(Key(1), AddressOf(Key(2)), 1, n));
  {
    auto store = OpenStore();
    EXPECT_TRUE(store->LoadPending().value().empty());
    // Written out of order and across the byte boundaries of the big-endian key (255, 256).
    ASSERT_TRUE(
        store->WritePending({Entry(256, txs[2]), Entry(3, txs[0]), Entry(255, txs[1])}, {}).ok());
    ASSERT_TRUE(store->WritePending({Entry(1'000'000, txs[3])}, {}).ok());
  }
  auto store = OpenStore();  // reopened: the entries are durable
  auto loaded = store->LoadPending().value();
  EXPECT_EQ(Seqs(loaded), (std::vector<uint64_t>{3, 255, 256, 1'000'000}));
  EXPECT_EQ(loaded[0].tx, txs[0].bytes);
  EXPECT_EQ(loaded[3].tx, txs[3].bytes);
  // One batch puts one entry and deletes two (one of them absent: deleting is idempotent); an
  // entry put and removed in the same batch ends up deleted.
  ASSERT_TRUE(store->WritePending({Entry(7, txs[4]), Entry(8, txs[4])}, {255, 3, 99, 8}).ok());
  EXPECT_EQ(Seqs(store->LoadPending().value()), (std::vector<uint64_t>{7, 256, 1'000'000}));
  EXPECT_TRUE(store->WritePending({}, {}).ok());
  // The state commitment does not cover pending entries.
  EXPECT_TRUE(store->VerifyState().ok());
}

TEST_F(StoreTest, ABlockDeletesItsPendingEntriesInTheSameBatch) {
  auto store = OpenStore();
  auto a = testing::Transfer(Key(1), AddressOf(Key(2)), 5, 0);
  auto b = testing::Transfer(Key(1), AddressOf(Key(2)), 5, 1);
  ASSERT_TRUE(store->WritePending({Entry(1, a), Entry(2, b)}, {}).ok());
  auto built =
      machine_.BuildBlock(*store, {a}, store->meta().last_block_time_ms + 1000, Key(100)).value();
  // A refused commit writes nothing: the entries stay.
  auto skipped = built;
  skipped.block.header.height = 5;
  EXPECT_FALSE(store->CommitBlock(skipped.block, skipped.delta, {1}).ok());
  EXPECT_EQ(Seqs(store->LoadPending().value()), (std::vector<uint64_t>{1, 2}));
  ASSERT_TRUE(store->CommitBlock(built.block, built.delta, {1}).ok());
  EXPECT_EQ(Seqs(store->LoadPending().value()), (std::vector<uint64_t>{2}));
  EXPECT_TRUE(store->GetTxLocation(a.hash).value().has_value());
  EXPECT_FALSE(store->GetTxLocation(b.hash).value().has_value());
}

TEST_F(StoreTest, AFailedWriteIsAnIOErrorAndWritesNothing) {
  testing::FailingEnv failing;
  StoreOptions options;
  options.env = failing.env.get();
  auto a = testing::Transfer(Key(1), AddressOf(Key(2)), 5, 0);
  {
    auto store = Store::Open(dir_.path() + "/chain", machine_, options).value();
    ASSERT_TRUE(store->WritePending({Entry(1, a)}, {}).ok());
    failing.fs->fail_wal = true;
    auto put = store->WritePending({Entry(2, a)}, {1});
    ASSERT_FALSE(put.ok());
    EXPECT_EQ(put.error().code(), core::ErrorCode::kIOError) << put.error().ToString();
    EXPECT_NE(put.error().message().find("pending"), std::string::npos);
    auto built =
        machine_.BuildBlock(*store, {a}, store->meta().last_block_time_ms + 1000, Key(100)).value();
    auto commit = store->CommitBlock(built.block, built.delta, {1});
    ASSERT_FALSE(commit.ok());
    EXPECT_EQ(commit.error().code(), core::ErrorCode::kIOError);
    EXPECT_EQ(store->height(), 0u);
    failing.fs->fail_wal = false;
  }
  auto store = OpenStore();
  EXPECT_EQ(Seqs(store->LoadPending().value()), (std::vector<uint64_t>{1}));
  EXPECT_EQ(store->height(), 0u);
}

TEST_F(StoreTest, AMalformedPendingKeyIsCorruption) {
  { OpenStore(); }
  WriteRaw(dir_.path() + "/chain", "pshort", "x");
  auto loaded = OpenStore()->LoadPending();
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code(), core::ErrorCode::kCorruption);
}

TEST(ExtractTxBytesTest, FindsEachTransactionAndRejectsBadIndices) {
  protocol::Block block;
  block.header.chain_id = testing::kChainId;
  block.header.height = 1;
  for (uint64_t i = 0; i < 3; ++i) {
    block.txs.push_back(testing::Transfer(Key(1), AddressOf(Key(2)), 1 + i, i));
  }
  block.header.tx_count = 3;
  block.header.tx_root = protocol::TxRoot(block.txs);
  core::Bytes encoded = block.Encode();
  for (uint32_t i = 0; i < 3; ++i)
    EXPECT_EQ(ExtractTxBytes(encoded, i).value(), block.txs[i].bytes);
  EXPECT_EQ(ExtractTxBytes(encoded, 3).error().code(), core::ErrorCode::kNotFound);
  encoded.resize(encoded.size() - 5);
  EXPECT_FALSE(ExtractTxBytes(encoded, 2).ok());
}

// Pending entries of the transactions of block `height`: sequence numbers height * 1000 + k.
constexpr uint64_t kSeqsPerBlock = 1000;

// A child process commits blocks with transfers in a loop until it is killed with SIGKILL. Like
// the node, it first writes the block's transactions as pending entries (one batch), then
// commits the block with their deletion (another batch).
[[noreturn]] void CommitForever(const std::string& path) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  chain::StateMachine machine(testing::TestGenesis(4, 1'000'000'000));
  auto opened = Store::Open(path, machine);
  if (!opened.ok()) _exit(3);
  Store& store = **opened;
  for (;;) {
    uint64_t height = store.height();
    std::vector<protocol::TxEnvelope> txs;
    for (uint8_t sender = 1; sender <= 4; ++sender) {
      uint64_t nonce = store.GetAccount(AddressOf(Key(sender))).value()->nonce;
      for (uint64_t k = 0; k < 25; ++k) {
        txs.push_back(testing::Transfer(Key(sender), AddressOf(Key(sender % 4 + 1)),
                                        1 + (height + k) % 7, nonce + k));
      }
    }
    std::vector<PendingEntry> pending;
    std::vector<uint64_t> seqs;
    for (size_t k = 0; k < txs.size(); ++k) {
      seqs.push_back((height + 1) * kSeqsPerBlock + k);
      pending.push_back({seqs.back(), txs[k].bytes});
    }
    if (!store.WritePending(pending, {}).ok()) _exit(5);
    auto built = machine.BuildBlock(store, txs, 1'700'000'000'000 + height + 1, Key(100));
    if (!built.ok() || !store.CommitBlock(built->block, built->delta, seqs).ok()) _exit(4);
  }
}

TEST(StoreCrashTest, KilledWhileCommittingReopensAtLastCommittedBlock) {
  aitbc::testing::TempDir dir;
  const std::string path = dir.path() + "/chain";
  chain::StateMachine machine(testing::TestGenesis(4, 1'000'000'000));
  uint64_t last_height = 0;
  const int kill_after_ms[] = {30, 120, 250, 75, 400, 10};
  for (int delay : kill_after_ms) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) CommitForever(path);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);

    auto store = Store::Open(path, machine);
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    chain::ChainMeta meta = (*store)->meta();
    EXPECT_GE(meta.height, last_height);
    last_height = meta.height;
    auto check = (*store)->VerifyState();
    ASSERT_TRUE(check.ok()) << "after kill at " << delay << " ms: " << check.error().ToString();
    EXPECT_EQ(check->state_hash, meta.state_hash);
    // Every block up to the meta's height is there, linked, and nothing beyond it.
    if (meta.height > 0) {
      auto top = (*store)->GetBlock(meta.height).value();
      ASSERT_TRUE(top.has_value());
      EXPECT_EQ(top->Hash(), meta.last_block_hash);
      EXPECT_EQ(top->header.state_hash, meta.state_hash);
    }
    EXPECT_FALSE((*store)->GetBlockBytes(meta.height + 1).value().has_value());
    // No transaction is both committed and pending: the only pending entries are all those of
    // the next block's transactions (killed between the two batches) or none.
    auto pending = (*store)->LoadPending().value();
    EXPECT_TRUE(pending.empty() || pending.size() == 100) << pending.size();
    for (const auto& entry : pending) {
      EXPECT_EQ(entry.seq / kSeqsPerBlock, meta.height + 1);
      core::Hash256 hash = core::Sha256(entry.tx);
      EXPECT_FALSE((*store)->GetTxLocation(hash).value().has_value()) << entry.seq;
    }
  }
  EXPECT_GT(last_height, 0u);
}

}  // namespace
}  // namespace aitbc::node
