// net::RpcChainClient / BlockingChainClient against a real aitbc-node process.
#include "net/chain_client.h"

#include <gtest/gtest.h>

#include <future>

#include "node_harness.h"
#include "test_chain.h"

namespace aitbc::node {
namespace {

using testing::AddressOf;
using testing::Key;
using testing::Transfer;

class ChainClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new aitbc::testing::TempDir();
    std::string datadir = dir_->path() + "/node";
    auto init = testing::InitNodeDir(datadir, testing::TestGenesis(4), Key(100));
    ASSERT_TRUE(init.ok()) << init.error().ToString();
    auto node = testing::NodeProcess::Start(datadir);
    ASSERT_TRUE(node.ok()) << node.error().ToString();
    node_ = node->release();
  }
  static void TearDownTestSuite() {
    delete node_;
    delete dir_;
  }
  void SetUp() override {
    ASSERT_NE(node_, nullptr);
    url_ = *net::Url::Parse("http://127.0.0.1:" + std::to_string(node_->rpc_port));
  }

  static aitbc::testing::TempDir* dir_;
  static testing::NodeProcess* node_;
  net::Url url_;
};

aitbc::testing::TempDir* ChainClientTest::dir_ = nullptr;
testing::NodeProcess* ChainClientTest::node_ = nullptr;

TEST_F(ChainClientTest, BroadcastWaitAndQuery) {
  net::BlockingChainClient client(url_);
  auto tx = Transfer(Key(1), AddressOf(Key(9)), 123'456, 0);
  auto hash = client.BroadcastTx(tx.bytes);
  ASSERT_TRUE(hash.ok()) << hash.error().ToString();
  EXPECT_EQ(*hash, tx.hash);
  // Re-broadcasting an accepted transaction succeeds.
  auto again = client.BroadcastTx(tx.bytes);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  auto height = client.WaitForTx(tx.hash, 30'000);
  ASSERT_TRUE(height.ok()) << height.error().ToString();
  EXPECT_TRUE(client.BroadcastTx(tx.bytes).ok());  // also once committed

  auto info = client.GetTx(tx.hash);
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_EQ(info->height, *height);
  EXPECT_EQ(info->tx.bytes, tx.bytes);
  auto block = client.GetBlock(*height);
  ASSERT_TRUE(block.ok()) << block.error().ToString();
  EXPECT_EQ(block->header.height, *height);
  EXPECT_EQ(block->txs.at(info->index).hash, tx.hash);

  auto account = client.GetAccount(AddressOf(Key(9)));
  ASSERT_TRUE(account.ok()) << account.error().ToString();
  EXPECT_EQ(account->balance.micro(), 123'456u);
  auto sender = client.GetAccount(AddressOf(Key(1)));
  ASSERT_TRUE(sender.ok());
  EXPECT_EQ(sender->nonce, 1u);
  EXPECT_EQ(sender->pending_nonce, 1u);

  auto status = client.GetStatus();
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(status->chain_id, testing::kChainId);
  EXPECT_GE(status->height, *height);
  auto genesis = client.GetGenesis();
  ASSERT_TRUE(genesis.ok()) << genesis.error().ToString();
  EXPECT_EQ(*genesis, testing::TestGenesis(4));
  auto supply = client.GetSupply();
  ASSERT_TRUE(supply.ok()) << supply.error().ToString();
  EXPECT_EQ(supply->total, supply->genesis);
  EXPECT_EQ(supply->total.micro(), 4'000'000u);
}

TEST_F(ChainClientTest, EscrowLookups) {
  net::BlockingChainClient client(url_);
  auto none = client.GetEscrow("job-none");
  ASSERT_TRUE(none.ok()) << none.error().ToString();
  EXPECT_FALSE(none->has_value());
  auto escrow = testing::Escrow(Key(2), "job-cc", 5000, AddressOf(Key(3)));
  ASSERT_TRUE(client.BroadcastTx(escrow.bytes).ok());
  ASSERT_TRUE(client.WaitForTx(escrow.hash, 30'000).ok());
  auto found = client.GetEscrow("job-cc");
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->status, "open");
  EXPECT_EQ((*found)->amount.micro(), 5000u);
  EXPECT_EQ((*found)->fee.micro(), testing::kMinFee);
  EXPECT_EQ((*found)->client, AddressOf(Key(2)));
  EXPECT_EQ((*found)->coordinator, AddressOf(Key(3)));
  // A second escrow for the job is rejected with the chain's error (not a duplicate).
  auto replay = client.BroadcastTx(testing::Escrow(Key(4), "job-cc", 10, AddressOf(Key(3))).bytes);
  ASSERT_FALSE(replay.ok());
  EXPECT_EQ(replay.error().code(), core::ErrorCode::kAlreadyExists);
}

TEST_F(ChainClientTest, RejectionsCarryTheNodesErrorCode) {
  net::BlockingChainClient client(url_);
  auto poor = client.BroadcastTx(Transfer(Key(4), AddressOf(Key(1)), 50'000'000, 0).bytes);
  ASSERT_FALSE(poor.ok());
  EXPECT_EQ(poor.error().code(), core::ErrorCode::kInsufficientFunds);
  auto forged = Transfer(Key(4), AddressOf(Key(1)), 5, 0);
  forged.tx.signature.bytes[0] ^= 1;
  auto bad = client.BroadcastTx(forged.tx.Encode());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), core::ErrorCode::kUnauthenticated);
  auto missing = client.GetTx(core::Sha256("missing"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), core::ErrorCode::kNotFound);
  auto beyond = client.GetBlock(1'000'000);
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.error().code(), core::ErrorCode::kNotFound);
}

TEST_F(ChainClientTest, BatchBroadcastKeepsOrder) {
  net::EventLoop loop(1);
  loop.RunInBackground();
  {
    net::RpcChainClient client(loop, url_);
    std::vector<core::Bytes> txs;
    for (uint64_t n = 0; n < 5; ++n) {
      txs.push_back(Transfer(Key(3), AddressOf(Key(1)), 10, n).bytes);
    }
    txs.push_back(Transfer(Key(3), AddressOf(Key(1)), 10, 9).bytes);  // a nonce gap
    std::promise<std::vector<core::Result<core::Hash256>>> promise;
    client.BroadcastTxs(txs, [&](std::vector<core::Result<core::Hash256>> results) {
      EXPECT_TRUE(loop.InLoopThread());
      promise.set_value(std::move(results));
    });
    auto results = promise.get_future().get();
    std::promise<size_t> none;
    client.BroadcastTxs({}, [&](std::vector<core::Result<core::Hash256>> r) {
      EXPECT_TRUE(loop.InLoopThread());
      none.set_value(r.size());
    });
    EXPECT_EQ(none.get_future().get(), 0u);
    ASSERT_EQ(results.size(), 6u);
    for (size_t i = 0; i < 5; ++i) {
      ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].error().ToString();
      EXPECT_EQ(*results[i], core::Sha256(txs[i]));
    }
    EXPECT_FALSE(results[5].ok());
  }
  loop.Stop();
}

TEST(ChainClientUnreachableTest, UnavailableWhenNoNodeListens) {
  net::BlockingChainClient client(*net::Url::Parse("http://127.0.0.1:1"), 2000);
  auto status = client.GetStatus();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), core::ErrorCode::kUnavailable) << status.error().ToString();
  auto broadcast = client.BroadcastTx(core::Bytes{1});
  ASSERT_FALSE(broadcast.ok());
  EXPECT_EQ(broadcast.error().code(), core::ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace aitbc::node
