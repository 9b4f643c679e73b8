// Unit tests of the node's smaller parts: the verification pipeline, the ledger's waiters, the
// p2p wire format, RPC params, the TOML configuration and `init`.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "core/file_util.h"
#include "core/key_file.h"
#include "node/config.h"
#include "node/init.h"
#include "node/ledger.h"
#include "node/p2p_wire.h"
#include "node/rpc_params.h"
#include "node/store.h"
#include "node/tx_pipeline.h"
#include "process.h"
#include "test_chain.h"

namespace aitbc::node {
namespace {

using nlohmann::json;
using testing::AddressOf;
using testing::Key;
using testing::Transfer;

// ---- TxPipeline --------------------------------------------------------------------------

struct Collected {
  std::mutex mu;
  std::vector<uint64_t> delivered;  // nonces, in delivery order
};

TEST(TxPipelineTest, DeliversVerifiedTransactionsInSubmissionOrder) {
  Collected collected;
  TxPipeline pipeline(TxPipeline::Options{3, 10'000, 7}, [&](std::vector<protocol::TxEnvelope> txs,
                                                             std::vector<TxPipeline::Done> done) {
    {
      std::lock_guard lock(collected.mu);
      for (const auto& tx : txs) collected.delivered.push_back(tx.tx.nonce);
    }
    for (auto& d : done) d(core::Ok());
  });
  const uint64_t n = 300;
  std::vector<std::promise<core::Status>> results(n);
  for (uint64_t i = 0; i < n; ++i) {
    pipeline.Submit(Transfer(Key(1), AddressOf(Key(2)), 1, i),
                    [&results, i](core::Status s) { results[i].set_value(std::move(s)); });
  }
  for (auto& r : results) EXPECT_TRUE(r.get_future().get().ok());
  std::lock_guard lock(collected.mu);
  ASSERT_EQ(collected.delivered.size(), n);
  for (uint64_t i = 0; i < n; ++i) EXPECT_EQ(collected.delivered[i], i);
}

TEST(TxPipelineTest, BadSignaturesAreAnsweredAndNotDelivered) {
  std::atomic<int> delivered{0};
  TxPipeline pipeline(TxPipeline::Options{2, 100, 4}, [&](std::vector<protocol::TxEnvelope> txs,
                                                          std::vector<TxPipeline::Done> done) {
    delivered += static_cast<int>(txs.size());
    for (auto& d : done) d(core::Ok());
  });
  auto forged = Transfer(Key(1), AddressOf(Key(2)), 1, 0);
  forged.tx.signature.bytes[3] ^= 1;
  std::promise<core::Status> result;
  pipeline.Submit(forged, [&](core::Status s) { result.set_value(std::move(s)); });
  core::Status status = result.get_future().get();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), core::ErrorCode::kUnauthenticated);
  EXPECT_NE(status.error().message().find("invalid signature"), std::string::npos);
  EXPECT_EQ(delivered.load(), 0);
}

TEST(TxPipelineTest, FullQueueAndStoppedPipelineRefuse) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> entered;
  std::atomic<bool> first{true};
  std::vector<TxPipeline::Done> held;
  std::mutex held_mu;
  TxPipeline pipeline(TxPipeline::Options{1, 2, 1},
                      [&](std::vector<protocol::TxEnvelope>, std::vector<TxPipeline::Done> done) {
                        if (first.exchange(false)) entered.set_value();
                        released.wait();  // the sink blocks: the only thread is held here
                        std::lock_guard lock(held_mu);
                        for (auto& d : done) held.push_back(std::move(d));
                      });
  std::atomic<int> answered{0};
  auto count = [&](core::Status) { ++answered; };
  // The first transaction holds the thread in the sink; the next two fill the queue.
  pipeline.Submit(Transfer(Key(1), AddressOf(Key(2)), 1, 0), count);
  entered.get_future().wait();
  pipeline.Submit(Transfer(Key(1), AddressOf(Key(2)), 1, 1), count);
  pipeline.Submit(Transfer(Key(1), AddressOf(Key(2)), 1, 2), count);
  std::promise<core::Status> third;
  pipeline.Submit(Transfer(Key(1), AddressOf(Key(2)), 1, 3),
                  [&](core::Status s) { third.set_value(std::move(s)); });
  core::Status full = third.get_future().get();
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code(), core::ErrorCode::kResourceExhausted);
  release.set_value();
  pipeline.Stop();
  {
    std::lock_guard lock(held_mu);
    for (auto& d : held) d(core::Ok());
  }
  std::promise<core::Status> after;
  pipeline.Submit(Transfer(Key(1), AddressOf(Key(2)), 1, 4),
                  [&](core::Status s) { after.set_value(std::move(s)); });
  core::Status stopped = after.get_future().get();
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().code(), core::ErrorCode::kUnavailable);
  // Every queued transaction was answered once (delivered, or refused by Stop()).
  EXPECT_EQ(answered.load(), 3);
}

// ---- Ledger --------------------------------------------------------------------------------

class LedgerTest : public ::testing::Test {
 protected:
  LedgerTest() : machine_(testing::TestGenesis()), loop_(1) {
    store_ = Store::Open(dir_.path() + "/chain", machine_).value();
    ledger_ = std::make_unique<Ledger>(machine_, *store_, loop_);
    loop_.RunInBackground();
  }
  ~LedgerTest() override {
    ledger_->Shutdown();
    loop_.Stop();
  }
  protocol::Block CommitNext(std::vector<protocol::TxEnvelope> txs) {
    auto built =
        machine_.BuildBlock(*store_, txs, store_->meta().last_block_time_ms + 1000, Key(100))
            .value();
    EXPECT_TRUE(ledger_->Commit(built.block, built.delta).ok());
    return built.block;
  }

  aitbc::testing::TempDir dir_;
  chain::StateMachine machine_;
  net::EventLoop loop_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(LedgerTest, TxWaitersFireOnCommitAtOnceWhenCommittedAndOnTimeout) {
  auto tx = Transfer(Key(1), AddressOf(Key(2)), 5, 0);
  std::promise<core::Result<TxLocation>> waited;
  ledger_->WaitForTx(tx.hash, 60'000, [&](core::Result<TxLocation> r) { waited.set_value(r); });
  std::vector<protocol::Block> seen;
  CommitNext({tx});
  auto location = waited.get_future().get();
  ASSERT_TRUE(location.ok());
  EXPECT_EQ(*location, (TxLocation{1, 0}));

  std::promise<core::Result<TxLocation>> already;
  ledger_->WaitForTx(tx.hash, 60'000, [&](core::Result<TxLocation> r) { already.set_value(r); });
  EXPECT_TRUE(already.get_future().get().ok());

  std::promise<core::Result<TxLocation>> never;
  ledger_->WaitForTx(core::Sha256("never"), 20,
                     [&](core::Result<TxLocation> r) { never.set_value(r); });
  auto timeout = never.get_future().get();
  ASSERT_FALSE(timeout.ok());
  EXPECT_EQ(timeout.error().code(), core::ErrorCode::kTimeout);
}

TEST_F(LedgerTest, HeightWaitersListenersAndShutdown) {
  std::vector<uint64_t> heights;
  ledger_->AddListener([&](const protocol::Block& b) { heights.push_back(b.header.height); });
  std::promise<bool> at_two;
  ledger_->WaitForHeight(2, 60'000, [&](bool ok) { at_two.set_value(ok); });
  std::promise<bool> timed_out;
  ledger_->WaitForHeight(50, 20, [&](bool ok) { timed_out.set_value(ok); });
  EXPECT_FALSE(timed_out.get_future().get());
  CommitNext({});
  CommitNext({});
  EXPECT_TRUE(at_two.get_future().get());
  EXPECT_EQ(heights, (std::vector<uint64_t>{1, 2}));
  std::promise<bool> reached;
  ledger_->WaitForHeight(1, 60'000, [&](bool ok) { reached.set_value(ok); });
  EXPECT_TRUE(reached.get_future().get());

  std::promise<bool> pending_height;
  std::promise<core::Result<TxLocation>> pending_tx;
  ledger_->WaitForHeight(9, 60'000, [&](bool ok) { pending_height.set_value(ok); });
  ledger_->WaitForTx(core::Sha256("x"), 60'000,
                     [&](core::Result<TxLocation> r) { pending_tx.set_value(r); });
  ledger_->Shutdown();
  EXPECT_FALSE(pending_height.get_future().get());
  auto tx = pending_tx.get_future().get();
  ASSERT_FALSE(tx.ok());
  EXPECT_EQ(tx.error().code(), core::ErrorCode::kUnavailable);
  std::promise<core::Result<TxLocation>> late;
  ledger_->WaitForTx(core::Sha256("y"), 60'000,
                     [&](core::Result<TxLocation> r) { late.set_value(r); });
  EXPECT_FALSE(late.get_future().get().ok());
}

TEST_F(LedgerTest, ACommitFailureIsReported) {
  auto built = machine_.BuildBlock(*store_, {}, 1'700'000'001'000, Key(100)).value();
  ASSERT_TRUE(ledger_->Commit(built.block, built.delta).ok());
  auto again = ledger_->Commit(built.block, built.delta);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), core::ErrorCode::kFailedPrecondition);
}

// ---- p2p wire ------------------------------------------------------------------------------

TEST(P2pWireTest, FramesRoundTripAndRejectMalformedBodies) {
  std::vector<core::Bytes> items = {{1, 2, 3}, {}, core::Bytes(300, 7)};
  std::string body = EncodeFrames(items);
  auto back = DecodeFrames(body, 1000, 10);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, items);
  EXPECT_TRUE(DecodeFrames("", 10, 10)->empty());
  EXPECT_FALSE(DecodeFrames(body, 100, 10).ok());  // item above the limit
  EXPECT_FALSE(DecodeFrames(body, 1000, 2).ok());  // too many items
  EXPECT_FALSE(DecodeFrames(body.substr(0, body.size() - 1), 1000, 10).ok());  // truncated
  EXPECT_FALSE(DecodeFrames(std::string("\0\0", 2), 1000, 10).ok());
}

TEST(P2pWireTest, VerdictsRoundTrip) {
  core::Hash256 hash = core::Sha256("tx");
  json accepted = TxResultJson(hash, core::Ok());
  EXPECT_EQ(accepted["code"], 0);
  EXPECT_EQ(accepted["hash"], hash.ToHex());
  EXPECT_FALSE(accepted.contains("error_code"));
  EXPECT_TRUE(StatusFromTxResult(json::parse(accepted.dump())).ok());
  json rejected = TxResultJson(hash, core::Error::InsufficientFunds("balance 5 < 10"));
  EXPECT_EQ(rejected["code"], TxResultCode(core::ErrorCode::kInsufficientFunds));
  EXPECT_EQ(rejected["error_code"], "insufficient_funds");
  core::Status back = StatusFromTxResult(json::parse(rejected.dump()));
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error(), core::Error::InsufficientFunds("balance 5 < 10"));
  EXPECT_EQ(StatusFromTxResult(json::array()).error().code(), core::ErrorCode::kCorruption);
  EXPECT_EQ(StatusFromTxResult({{"code", "x"}}).error().code(), core::ErrorCode::kCorruption);
  EXPECT_EQ(StatusFromTxResult({{"code", 3}}).error().code(), core::ErrorCode::kInternal);
}

// ---- RPC params ----------------------------------------------------------------------------

TEST(RpcParamsTest, NamedAndPositional) {
  EXPECT_EQ(*NamedParams(json::array({5, "x"}), {"height", "decode"}),
            (json{{"height", 5}, {"decode", "x"}}));
  EXPECT_EQ(*NamedParams(json{{"a", 1}}, {"height"}), (json{{"a", 1}}));
  EXPECT_EQ(*NamedParams(nullptr, {"height"}), json::object());
  EXPECT_EQ(*NamedParams(json::array({nullptr}), {"height"}), json::object());
  EXPECT_FALSE(NamedParams(json::array({1, 2}), {"height"}).ok());
  EXPECT_FALSE(NamedParams(json(5), {"height"}).ok());
}

TEST(RpcParamsTest, IntegersAcceptNumbersAndDecimalStrings) {
  EXPECT_EQ(*OptionalU64Param({{"h", 7}}, "h"), 7u);
  EXPECT_EQ(*OptionalU64Param({{"h", "18446744073709551615"}}, "h"), UINT64_MAX);
  EXPECT_FALSE(OptionalU64Param({{"h", "18446744073709551616"}}, "h").ok());
  EXPECT_FALSE(OptionalU64Param({{"h", -1}}, "h").ok());
  EXPECT_FALSE(OptionalU64Param({{"h", 1.5}}, "h").ok());
  EXPECT_FALSE(OptionalU64Param({{"h", ""}}, "h").ok());
  EXPECT_FALSE(OptionalU64Param({{"h", "+1"}}, "h").ok());
  EXPECT_FALSE(OptionalU64Param(json::object(), "h")->has_value());
  auto error = OptionalU64Param({{"height", true}}, "height");
  EXPECT_EQ(error.error().message(),
            "params.height must be a non-negative integer or a decimal string");
  EXPECT_EQ(error.error().code(), core::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(OptionalBoolParam({{"b", 1}}, "b").ok());
  EXPECT_TRUE(OptionalBoolParam({{"b", false}}, "b")->has_value());
}

TEST(RpcParamsTest, BytesHashesAndAddresses) {
  EXPECT_EQ(*Base64Param({{"tx", "AQID"}}, "tx"), (core::Bytes{1, 2, 3}));
  EXPECT_NE(Base64Param({{"tx", "AQI"}}, "tx").error().message().find("params.tx must be base64"),
            std::string::npos);
  EXPECT_EQ(Base64Param(json::object(), "tx").error().message(), "params.tx is required");
  core::Hash256 hash = core::Sha256("h");
  EXPECT_EQ(*HashParam({{"hash", hash.ToHex()}}, "hash"), hash);
  EXPECT_EQ(*HashParam({{"hash", "0x" + hash.ToHex()}}, "hash"), hash);
  EXPECT_FALSE(HashParam({{"hash", "00"}}, "hash").ok());
  core::Address address = AddressOf(Key(1));
  EXPECT_EQ(*AddressParam({{"address", address.ToString()}}, "address"), address);
  EXPECT_FALSE(AddressParam({{"address", "aitbc1bad"}}, "address").ok());
  EXPECT_FALSE(StringParam({{"s", 1}}, "s").ok());
}

// ---- Configuration -------------------------------------------------------------------------

TEST(ConfigTest, TomlFileSetsOptions) {
  aitbc::testing::TempDir dir;
  std::string path = dir.path() + "/node.toml";
  ASSERT_TRUE(core::WriteFileAtomic(path, R"(
listen = "127.0.0.1:9006"
peers = ["a:1", "b:2"]
block_time_ms = 250
fsync = false
moniker = "toml-node"
)")
                  .ok());
  NodeConfig config;
  config.datadir = "/d";
  ASSERT_TRUE(LoadConfigFile(path, config).ok());
  EXPECT_EQ(config.listen, "127.0.0.1:9006");
  EXPECT_EQ(config.peers, (std::vector<std::string>{"a:1", "b:2"}));
  EXPECT_EQ(config.block_time_ms, 250);
  EXPECT_FALSE(config.fsync);
  EXPECT_EQ(config.moniker, "toml-node");
  EXPECT_EQ(config.p2p_listen, "127.0.0.1:8007");  // untouched
  EXPECT_TRUE(config.Validate().ok());
}

TEST(ConfigTest, TomlErrorsNameTheKey) {
  aitbc::testing::TempDir dir;
  auto error_for = [&](const std::string& text) {
    std::string path = dir.path() + "/bad.toml";
    EXPECT_TRUE(core::WriteFileAtomic(path, text).ok());
    NodeConfig config;
    auto status = LoadConfigFile(path, config);
    EXPECT_FALSE(status.ok()) << text;
    return status.ok() ? std::string() : status.error().message();
  };
  EXPECT_NE(error_for("colour = 1").find("unknown key 'colour'"), std::string::npos);
  EXPECT_NE(error_for("block_time_ms = \"fast\"").find("block_time_ms"), std::string::npos);
  EXPECT_NE(error_for("block_time_ms = -5").find("block_time_ms"), std::string::npos);
  EXPECT_NE(error_for("fsync = 1").find("fsync"), std::string::npos);
  EXPECT_NE(error_for("peers = [1]").find("peers"), std::string::npos);
  EXPECT_NE(error_for("listen = ").find("line 1"), std::string::npos);
  NodeConfig config;
  EXPECT_FALSE(LoadConfigFile(dir.path() + "/missing.toml", config).ok());
}

TEST(ConfigTest, ValidateChecksRanges) {
  NodeConfig config;
  EXPECT_NE(config.Validate().error().message().find("--datadir"), std::string::npos);
  config.datadir = "/d";
  EXPECT_TRUE(config.Validate().ok());
  NodeConfig c = config;
  c.block_time_ms = 0;
  EXPECT_FALSE(c.Validate().ok());
  c = config;
  c.idle_block_time_ms = 10;
  EXPECT_FALSE(c.Validate().ok());
  c = config;
  c.mempool_max_txs = 0;
  EXPECT_FALSE(c.Validate().ok());
  c = config;
  c.verify_threads = 0;
  EXPECT_FALSE(c.Validate().ok());
  c = config;
  c.commit_timeout_ms = 0;
  EXPECT_FALSE(c.Validate().ok());
}

// ---- init ----------------------------------------------------------------------------------

TEST(InitTest, DevnetGenesisWithFundsAndTheNodeAsValidator) {
  aitbc::testing::TempDir dir;
  core::DeterministicRandom random(7);
  core::FakeClock clock;
  InitOptions options;
  options.datadir = dir.path() + "/node";
  options.chain_id = "my-devnet";
  options.fund = {AddressOf(Key(1)).ToString() + "=10", AddressOf(Key(2)).ToString() + "=0.5aitbc"};
  options.stake = {AddressOf(Key(1)).ToString() + "=2"};
  options.min_fee = "10uaitbc";
  options.unbonding_delay = 7;
  auto result = InitDatadir(options, random, clock);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  auto genesis = ReadGenesisFile(GenesisPath(options.datadir));
  ASSERT_TRUE(genesis.ok());
  EXPECT_EQ(*genesis, result->genesis);
  EXPECT_EQ(genesis->chain_id, "my-devnet");
  EXPECT_EQ(genesis->TotalSupply()->micro(), 12'500'000u);
  EXPECT_EQ(genesis->params.min_fee.micro(), 10u);
  EXPECT_EQ(genesis->params.unbonding_delay_blocks, 7u);
  auto key = core::ReadKeyFile(NodeKeyPath(options.datadir), "");
  ASSERT_TRUE(key.ok());
  ASSERT_EQ(genesis->validators.size(), 1u);
  EXPECT_EQ(genesis->validators[0], key->public_key());
  EXPECT_EQ(result->address, core::Address::FromPublicKey(key->public_key()).ToString());
  EXPECT_TRUE(*core::KeyFileIsPlaintext(NodeKeyPath(options.datadir)));

  // Never over an existing node.
  auto again = InitDatadir(options, random, clock);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), core::ErrorCode::kAlreadyExists);
}

TEST(InitTest, CopiesAGenesisAndUsesAGivenEncryptedKey) {
  aitbc::testing::TempDir dir;
  core::DeterministicRandom random(8);
  core::FakeClock clock;
  std::string genesis_file = dir.path() + "/genesis-in.json";
  ASSERT_TRUE(core::WriteFileAtomic(genesis_file, testing::TestGenesis().ToJson().dump()).ok());
  core::KeyFileOptions cheap;
  cheap.opslimit = 1;
  cheap.memlimit = 8192;
  std::string key_file = dir.path() + "/key-in.json";
  ASSERT_TRUE(core::WriteKeyFile(key_file, Key(100), "pw", random, cheap).ok());
  InitOptions options;
  options.datadir = dir.path() + "/node";
  options.genesis_file = genesis_file;
  options.validator_key_file = key_file;
  options.passphrase = "pw";
  auto result = InitDatadir(options, random, clock);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(result->genesis, testing::TestGenesis());
  EXPECT_EQ(result->public_key, Key(100).public_key().ToHex());
  EXPECT_FALSE(*core::KeyFileIsPlaintext(NodeKeyPath(options.datadir)));
  EXPECT_FALSE(core::ReadKeyFile(NodeKeyPath(options.datadir), "").ok());
  EXPECT_EQ(core::ReadKeyFile(NodeKeyPath(options.datadir), "pw")->public_key(),
            Key(100).public_key());
}

TEST(InitTest, BadArgumentsAreRefused) {
  aitbc::testing::TempDir dir;
  core::DeterministicRandom random(9);
  core::FakeClock clock;
  auto error_for = [&](InitOptions options) {
    static int n = 0;
    options.datadir = dir.path() + "/node" + std::to_string(n++);
    auto result = InitDatadir(options, random, clock);
    EXPECT_FALSE(result.ok());
    return result.ok() ? std::string() : result.error().message();
  };
  InitOptions o;
  o.fund = {"no-equals-sign"};
  EXPECT_NE(error_for(o).find("ADDRESS=AMOUNT"), std::string::npos);
  o.fund = {"aitbc1bad=5"};
  EXPECT_NE(error_for(o).find("--fund"), std::string::npos);
  o.fund = {AddressOf(Key(1)).ToString() + "=lots"};
  EXPECT_NE(error_for(o).find("amount"), std::string::npos);
  o = InitOptions{};
  o.stake = {"x=1"};
  EXPECT_NE(error_for(o).find("--stake"), std::string::npos);
  o = InitOptions{};
  o.min_fee = "-1";
  EXPECT_NE(error_for(o).find("--min-fee"), std::string::npos);
  o = InitOptions{};
  o.genesis_file = dir.path() + "/missing.json";
  EXPECT_FALSE(error_for(o).empty());
  o = InitOptions{};
  o.validator_key_file = dir.path() + "/missing-key.json";
  EXPECT_FALSE(error_for(o).empty());
  std::string not_json = dir.path() + "/not.json";
  ASSERT_TRUE(core::WriteFileAtomic(not_json, "{").ok());
  o = InitOptions{};
  o.genesis_file = not_json;
  EXPECT_NE(error_for(o).find("not JSON"), std::string::npos);
  EXPECT_FALSE(InitDatadir(InitOptions{}, random, clock).ok());  // no datadir
}

}  // namespace
}  // namespace aitbc::node
