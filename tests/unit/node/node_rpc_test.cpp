// JSON-RPC integration tests on a real aitbc-node process.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <thread>

#include "core/file_util.h"
#include "node/p2p_wire.h"
#include "node_harness.h"
#include "protocol/block.h"
#include "test_chain.h"

namespace aitbc::node {
namespace {

using nlohmann::json;
using testing::AddressOf;
using testing::Key;
using testing::NodeProcess;
using testing::Transfer;
using testing::TxParam;

// One node shared by the tests of this suite (they use different senders or read-only calls).
class NodeRpcTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new aitbc::testing::TempDir();
    std::string datadir = dir_->path() + "/node";
    auto init = testing::InitNodeDir(datadir, testing::TestGenesis(6), Key(100));
    ASSERT_TRUE(init.ok()) << init.error().ToString();
    auto node = NodeProcess::Start(datadir);
    ASSERT_TRUE(node.ok()) << node.error().ToString();
    node_ = node->release();
  }
  static void TearDownTestSuite() {
    delete node_;
    delete dir_;
  }
  void SetUp() override { ASSERT_NE(node_, nullptr); }
  void TearDown() override {
    if (HasFailure()) ADD_FAILURE() << node_->Describe();
  }

  // A call that must succeed.
  json Ok(const std::string& method, const json& params = json::object()) {
    auto result = node_->Call(method, params);
    EXPECT_TRUE(result.ok()) << method << " " << params.dump() << ": " << result.error().ToString();
    return result.ok() ? *result : json();
  }

  // The JSON-RPC error object answered to body.
  json ErrorOf(const std::string& body) {
    json answer = node_->Raw(body);
    EXPECT_TRUE(answer.contains("error")) << body << " -> " << answer.dump();
    return answer.value("error", json::object());
  }

  json Request(const std::string& method, const json& params) {
    return {{"jsonrpc", "2.0"}, {"id", 7}, {"method", method}, {"params", params}};
  }

  static aitbc::testing::TempDir* dir_;
  static NodeProcess* node_;
};

aitbc::testing::TempDir* NodeRpcTest::dir_ = nullptr;
NodeProcess* NodeRpcTest::node_ = nullptr;

TEST_F(NodeRpcTest, TheSeedsBroadcastTxSyncRequestWorksAsWritten) {
  auto tx = Transfer(Key(1), AddressOf(Key(7)), 250'000, 0);
  // Exactly the seed's body: no "id".
  std::string body = R"({"jsonrpc":"2.0","method":"broadcast_tx_sync","params":{"tx":")" +
                     TxParam(tx.bytes) + R"("}})";
  json answer = node_->Raw(body);
  ASSERT_TRUE(answer.contains("result")) << answer.dump();
  EXPECT_EQ(answer["jsonrpc"], "2.0");
  EXPECT_EQ(answer["result"]["code"], 0) << answer.dump();
  EXPECT_EQ(answer["result"]["hash"], tx.hash.ToHex());
  EXPECT_EQ(answer["result"]["codespace"], "aitbc");
  auto height = node_->WaitForTx(tx.hash.ToHex());
  ASSERT_TRUE(height.ok()) << height.error().ToString();
  json account = Ok("account", {{"address", AddressOf(Key(7)).ToString()}});
  EXPECT_EQ(account["balance"], "0.25aitbc");
}

TEST_F(NodeRpcTest, BroadcastTxCommitReturnsTheHeight) {
  auto tx = Transfer(Key(2), AddressOf(Key(8)), 1000, 0);
  json result = Ok("broadcast_tx_commit", {{"tx", TxParam(tx.bytes)}});
  EXPECT_EQ(result["check_tx"]["code"], 0) << result.dump();
  EXPECT_EQ(result["tx_result"]["code"], 0);
  EXPECT_EQ(result["hash"], tx.hash.ToHex());
  uint64_t height = result["height"].get<uint64_t>();
  EXPECT_GE(height, 1u);
  json found = Ok("tx", {{"hash", tx.hash.ToHex()}});
  EXPECT_EQ(found["height"], height);
  EXPECT_EQ(found["tx"], TxParam(tx.bytes));
  EXPECT_EQ(found["decoded"]["type"], "transfer");
  EXPECT_EQ(found["tx_result"]["code"], 0);
  // Committing the same transaction again returns where it already is.
  json again = Ok("broadcast_tx_commit", {{"tx", TxParam(tx.bytes)}});
  EXPECT_EQ(again["height"], height);
  // A rejected one answers at once with check_tx's code.
  json rejected =
      Ok("broadcast_tx_commit", {{"tx", TxParam(Transfer(Key(2), AddressOf(Key(8)), 1, 5).bytes)}});
  EXPECT_NE(rejected["check_tx"]["code"], 0);
  EXPECT_EQ(rejected["height"], 0);
}

TEST_F(NodeRpcTest, BroadcastTxAsyncAnswersBeforeAdmission) {
  auto tx = Transfer(Key(3), AddressOf(Key(9)), 500, 0);
  json result = Ok("broadcast_tx_async", {{"tx", TxParam(tx.bytes)}});
  EXPECT_EQ(result["code"], 0);
  EXPECT_EQ(result["log"], "");
  EXPECT_EQ(result["hash"], tx.hash.ToHex());
  EXPECT_TRUE(node_->WaitForTx(tx.hash.ToHex()).ok());
  // Positional params work for single-parameter methods.
  json by_position = Ok("tx", json::array({tx.hash.ToHex()}));
  EXPECT_EQ(by_position["hash"], tx.hash.ToHex());
}

TEST_F(NodeRpcTest, EscrowSettleReceiptAndQueries) {
  const auto coordinator = Key(5);
  const auto miner = Key(61);
  auto escrow = testing::Escrow(Key(4), "job_123456", 300'000, AddressOf(coordinator));
  auto settle = testing::Settle(coordinator, miner, AddressOf(Key(4)), "job_123456", 12'500);
  json e = Ok("broadcast_tx_commit", {{"tx", TxParam(escrow.bytes)}});
  ASSERT_EQ(e["check_tx"]["code"], 0) << e.dump();
  json open = Ok("escrow", {{"job_id", "job_123456"}});
  EXPECT_EQ(open["status"], "open");
  EXPECT_EQ(open["amount"], "0.3aitbc");
  EXPECT_EQ(open["fee"], "0.00001aitbc");  // the escrow transaction's fee (kMinFee)
  EXPECT_TRUE(open["closing_tx"].is_null());
  json s = Ok("broadcast_tx_commit", {{"tx", TxParam(settle.bytes)}});
  ASSERT_EQ(s["check_tx"]["code"], 0) << s.dump();
  json settled = Ok("escrow", json::array({"job_123456"}));
  EXPECT_EQ(settled["status"], "settled");
  EXPECT_EQ(settled["amount_paid"], "0.0125aitbc");
  EXPECT_EQ(settled["miner"], AddressOf(miner).ToString());
  EXPECT_EQ(settled["closing_tx"], settle.hash.ToHex());

  json receipt = Ok("receipt", {{"job_id", "job_123456"}});
  EXPECT_EQ(receipt["tx_hash"], settle.hash.ToHex());
  EXPECT_EQ(receipt["height"], s["height"]);
  EXPECT_EQ(receipt["coordinator"], AddressOf(coordinator).ToString());
  EXPECT_EQ(receipt["miner_key"], miner.public_key().ToHex());
  EXPECT_EQ(receipt["receipt"]["job_id"], "job_123456");
  EXPECT_EQ(receipt["receipt"]["amount_paid"], "0.0125aitbc");
  json by_id = Ok("receipt", {{"receipt_id", protocol::ReceiptIdFor("job_123456")}});
  EXPECT_EQ(by_id["tx_hash"], settle.hash.ToHex());

  json miner_account = Ok("account", {{"address", AddressOf(miner).ToString()}});
  EXPECT_EQ(miner_account["balance"], "0.0125aitbc");

  // Not found errors say what is missing.
  auto none = node_->Call("escrow", {{"job_id", "job_none"}});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code(), core::ErrorCode::kNotFound);
  EXPECT_NE(none.error().message().find("job_none"), std::string::npos);
  auto no_receipt = node_->Call("receipt", {{"job_id", "job_none"}});
  ASSERT_FALSE(no_receipt.ok());
  EXPECT_EQ(no_receipt.error().code(), core::ErrorCode::kNotFound);
  EXPECT_FALSE(node_->Call("receipt", {{"receipt_id", "rcpt_none"}}).ok());
}

TEST_F(NodeRpcTest, StatusBlockBlockchainValidatorsGenesisSupply) {
  ASSERT_TRUE(node_->WaitForHeight(3));
  json status = Ok("status");
  EXPECT_EQ(status["node_info"]["network"], testing::kChainId);
  EXPECT_EQ(status["node_info"]["role"], "proposer");
  EXPECT_EQ(status["validator_info"]["pub_key"], Key(100).public_key().ToHex());
  EXPECT_EQ(status["sync_info"]["catching_up"], false);
  uint64_t height = status["sync_info"]["latest_block_height"].get<uint64_t>();

  json block = Ok("block", {{"height", 2}});
  EXPECT_EQ(block["block"]["header"]["height"], 2);
  EXPECT_EQ(block["block_id"]["hash"], block["block"]["header"]["hash"]);
  auto raw = core::Base64Decode(block["raw"].get<std::string>());
  ASSERT_TRUE(raw.ok());
  auto decoded = protocol::Block::Decode(*raw);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->Hash().ToHex(), block["block_id"]["hash"]);
  EXPECT_EQ(Ok("block", {{"height", "2"}})["block_id"], block["block_id"]);  // decimal string
  EXPECT_EQ(Ok("block", json::array({2}))["block_id"], block["block_id"]);
  json latest = Ok("block");
  EXPECT_GE(latest["block"]["header"]["height"].get<uint64_t>(), height);

  json chain = Ok("blockchain", {{"minHeight", 1}, {"maxHeight", 3}});
  ASSERT_EQ(chain["block_metas"].size(), 3u);
  EXPECT_EQ(chain["block_metas"][0]["header"]["height"], 3);  // newest first, like CometBFT
  EXPECT_EQ(chain["block_metas"][1]["block_id"], block["block_id"]);
  EXPECT_TRUE(chain["block_metas"][0].contains("num_txs"));
  ASSERT_TRUE(node_->WaitForHeight(25));
  EXPECT_EQ(Ok("blockchain")["block_metas"].size(), 20u);

  json validators = Ok("validators");
  ASSERT_EQ(validators["validators"].size(), 1u);
  EXPECT_EQ(validators["validators"][0]["address"], AddressOf(Key(100)).ToString());
  EXPECT_EQ(validators["validators"][0]["voting_power"], 1);

  json genesis = Ok("genesis");
  EXPECT_EQ(genesis["genesis"], testing::TestGenesis(6).ToJson());

  json supply = Ok("supply");
  EXPECT_EQ(supply["total"], supply["genesis"]);
  EXPECT_EQ(supply["genesis"], "6aitbc");

  json unconfirmed = Ok("num_unconfirmed_txs");
  EXPECT_TRUE(unconfirmed.contains("n_txs"));
  EXPECT_TRUE(unconfirmed.contains("total_bytes"));
  EXPECT_TRUE(Ok("health").is_object());
  json account = Ok("account", {{"address", AddressOf(Key(50)).ToString()}});
  EXPECT_EQ(account["balance"], "0aitbc");
  EXPECT_EQ(account["nonce"], 0);
  EXPECT_EQ(account["pending_nonce"], 0);
}

TEST_F(NodeRpcTest, JsonRpcProtocolErrors) {
  EXPECT_EQ(ErrorOf("{not json")["code"], -32700);
  EXPECT_EQ(ErrorOf("42")["code"], -32600);
  EXPECT_EQ(ErrorOf(R"({"jsonrpc":"1.0","id":1,"method":"status"})")["code"], -32600);
  json unknown = ErrorOf(R"({"jsonrpc":"2.0","id":1,"method":"no_such_method"})");
  EXPECT_EQ(unknown["code"], -32601);
  EXPECT_NE(unknown["message"].get<std::string>().find("no_such_method"), std::string::npos);
  // A batch answers each request.
  json batch = node_->Raw(R"([{"jsonrpc":"2.0","id":1,"method":"health"},)"
                          R"({"jsonrpc":"2.0","id":2,"method":"nope"}])");
  ASSERT_TRUE(batch.is_array()) << batch.dump();
  EXPECT_EQ(batch.size(), 2u);
}

TEST_F(NodeRpcTest, InvalidParamsNameTheField) {
  auto message_of = [&](const std::string& method, const json& params) {
    json error = ErrorOf(Request(method, params).dump());
    EXPECT_EQ(error["code"], -32602) << method << " " << params.dump() << " -> " << error.dump();
    return error.value("message", std::string());
  };
  EXPECT_NE(message_of("broadcast_tx_sync", json::object()).find("params.tx is required"),
            std::string::npos);
  EXPECT_NE(message_of("broadcast_tx_sync", {{"tx", 5}}).find("params.tx must be a string"),
            std::string::npos);
  EXPECT_NE(message_of("broadcast_tx_sync", {{"tx", "***"}}).find("params.tx must be base64"),
            std::string::npos);
  EXPECT_NE(message_of("broadcast_tx_async", {{"tx", "a"}}).find("params.tx must be base64"),
            std::string::npos);
  EXPECT_NE(message_of("broadcast_tx_commit", json::array()).find("params.tx"), std::string::npos);
  EXPECT_NE(message_of("block", {{"height", -1}}).find("params.height"), std::string::npos);
  EXPECT_NE(message_of("block", {{"height", "12x"}}).find("params.height"), std::string::npos);
  EXPECT_NE(message_of("block", {{"height", 0}}).find("params.height"), std::string::npos);
  EXPECT_NE(message_of("blockchain", {{"minHeight", 5}, {"maxHeight", 2}}).find("minHeight"),
            std::string::npos);
  EXPECT_NE(message_of("tx", {{"hash", "abc"}}).find("params.hash"), std::string::npos);
  EXPECT_NE(message_of("account", {{"address", "aitbc1xyz"}}).find("params.address"),
            std::string::npos);
  EXPECT_NE(message_of("account", json::object()).find("params.address is required"),
            std::string::npos);
  EXPECT_NE(message_of("escrow", {{"job_id", "bad id!"}}).find("params.job_id"), std::string::npos);
  EXPECT_NE(message_of("tx", json::array({"a", "b"})).find("positional"), std::string::npos);

  auto missing_block = node_->Call("block", {{"height", 1'000'000}});
  ASSERT_FALSE(missing_block.ok());
  EXPECT_EQ(missing_block.error().code(), core::ErrorCode::kNotFound);
  auto missing_tx = node_->Call("tx", {{"hash", core::Sha256("none").ToHex()}});
  ASSERT_FALSE(missing_tx.ok());
  EXPECT_EQ(missing_tx.error().code(), core::ErrorCode::kNotFound);
}

// broadcast_tx_sync's verdict for bytes.
json Verdict(NodeProcess& node, const core::Bytes& bytes) {
  auto result = node.Call("broadcast_tx_sync", {{"tx", TxParam(bytes)}});
  EXPECT_TRUE(result.ok()) << result.error().ToString();
  return result.ok() ? *result : json();
}

TEST_F(NodeRpcTest, RejectedTransactionsSayWhy) {
  // Undecodable bytes.
  json garbage = Verdict(*node_, core::Bytes{1, 2, 3});
  EXPECT_NE(garbage["code"], 0);
  EXPECT_EQ(garbage["error_code"], "invalid_argument");
  EXPECT_NE(garbage["log"].get<std::string>().find("cannot decode transaction"), std::string::npos);

  // A signature that does not match.
  auto forged = Transfer(Key(6), AddressOf(Key(9)), 10, 0);
  forged.tx.signature.bytes[0] ^= 1;
  json bad_signature = Verdict(*node_, forged.tx.Encode());
  EXPECT_NE(bad_signature["code"], 0);
  EXPECT_EQ(bad_signature["error_code"], "unauthenticated") << bad_signature.dump();

  // Signed for another chain.
  protocol::Transaction other_chain;
  other_chain.chain_id = "another-chain";
  other_chain.fee = core::Amount::FromMicro(testing::kMinFee);
  other_chain.payload = protocol::Transfer{AddressOf(Key(9)), core::Amount::FromMicro(10)};
  json wrong_chain = Verdict(*node_, testing::Signed(other_chain, Key(6)).bytes);
  EXPECT_NE(wrong_chain["code"], 0);
  EXPECT_NE(wrong_chain["log"].get<std::string>().find("chain"), std::string::npos)
      << wrong_chain.dump();

  // More than the balance.
  json poor = Verdict(*node_, Transfer(Key(6), AddressOf(Key(9)), 5'000'000, 0).bytes);
  EXPECT_EQ(poor["error_code"], "insufficient_funds") << poor.dump();
  EXPECT_EQ(poor["code"], TxResultCode(core::ErrorCode::kInsufficientFunds));

  // Replays: the same transaction, and another one reusing a committed nonce.
  auto tx = Transfer(Key(6), AddressOf(Key(9)), 10, 0);
  ASSERT_EQ(Verdict(*node_, tx.bytes)["code"], 0);
  json pending_again = Verdict(*node_, tx.bytes);
  EXPECT_EQ(pending_again["error_code"], "already_exists");
  EXPECT_EQ(pending_again["duplicate"], true);
  ASSERT_TRUE(node_->WaitForTx(tx.hash.ToHex()).ok());
  json committed_again = Verdict(*node_, tx.bytes);
  EXPECT_EQ(committed_again["error_code"], "already_exists");
  EXPECT_NE(committed_again["log"].get<std::string>().find("already committed"), std::string::npos);
  json reused_nonce = Verdict(*node_, Transfer(Key(6), AddressOf(Key(9)), 11, 0).bytes);
  EXPECT_NE(reused_nonce["code"], 0);
  EXPECT_NE(reused_nonce["log"].get<std::string>().find("nonce"), std::string::npos)
      << reused_nonce.dump();
  // A nonce gap.
  json gap = Verdict(*node_, Transfer(Key(6), AddressOf(Key(9)), 11, 5).bytes);
  EXPECT_NE(gap["code"], 0);
}

TEST_F(NodeRpcTest, MetricsAndHealthz) {
  auto metrics = node_->Get("/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(metrics->status, 200);
  for (const char* name :
       {"aitbc_node_height", "aitbc_mempool_txs", "aitbc_mempool_bytes",
        "aitbc_txs_committed_total", "aitbc_block_time_seconds_bucket", "aitbc_block_build_seconds",
        "aitbc_txs_per_second", "aitbc_rpc_requests_total"}) {
    EXPECT_NE(metrics->body.find(name), std::string::npos) << name;
  }
  auto health = node_->Get("/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  EXPECT_NE(health->body.find("\"ok\""), std::string::npos);
}

TEST(NodeRpcMempoolTest, FullMempoolCommitTimeoutAndConfigFile) {
  aitbc::testing::TempDir dir;
  std::string datadir = dir.path() + "/node";
  ASSERT_TRUE(testing::InitNodeDir(datadir, testing::TestGenesis(), Key(100)).ok());
  // The file sets a moniker, a commit timeout and a mempool of 1; the flag raises it to 2.
  std::string config = dir.path() + "/node.toml";
  ASSERT_TRUE(core::WriteFileAtomic(config,
                                    "moniker = \"from-file\"\nmempool_max_txs = 1\n"
                                    "commit_timeout_ms = 300\n")
                  .ok());
  // No block for a minute: the mempool only fills.
  auto node =
      NodeProcess::Start(datadir, {"--config", config, "--mempool-max-txs", "2", "--block-time-ms",
                                   "60000", "--idle-block-time-ms", "60000"});
  ASSERT_TRUE(node.ok()) << node.error().ToString();
  auto status = (*node)->Call("status");
  ASSERT_TRUE(status.ok());
  EXPECT_EQ((*status)["node_info"]["moniker"], "from-file");
  for (uint64_t n = 0; n < 2; ++n) {
    EXPECT_EQ(Verdict(**node, Transfer(Key(1), AddressOf(Key(2)), 10, n).bytes)["code"], 0);
  }
  json full = Verdict(**node, Transfer(Key(1), AddressOf(Key(2)), 10, 2).bytes);
  EXPECT_EQ(full["error_code"], "resource_exhausted") << full.dump();
  EXPECT_NE(full["log"].get<std::string>().find("mempool full"), std::string::npos);
  auto unconfirmed = (*node)->Call("num_unconfirmed_txs");
  ASSERT_TRUE(unconfirmed.ok());
  EXPECT_EQ((*unconfirmed)["n_txs"], 2);
  auto account = (*node)->Call("account", {{"address", AddressOf(Key(1)).ToString()}});
  EXPECT_EQ((*account)["nonce"], 0);
  EXPECT_EQ((*account)["pending_nonce"], 2);
  // A pending transaction is not found yet, and waiting for its commit times out.
  auto pending = Transfer(Key(1), AddressOf(Key(2)), 10, 0);
  auto tx = (*node)->Call("tx", {{"hash", pending.hash.ToHex()}});
  ASSERT_FALSE(tx.ok());
  EXPECT_NE(tx.error().message().find("mempool"), std::string::npos);
  auto commit = (*node)->Call("broadcast_tx_commit", {{"tx", TxParam(pending.bytes)}});
  ASSERT_FALSE(commit.ok());
  EXPECT_EQ(commit.error().code(), core::ErrorCode::kTimeout) << commit.error().ToString();
}

TEST(NodeRpcCrashTest, KilledMidStreamRestartsWithTheSameChain) {
  aitbc::testing::TempDir dir;
  std::string datadir = dir.path() + "/node";
  const uint8_t kSenders = 4;
  ASSERT_TRUE(testing::InitNodeDir(datadir, testing::TestGenesis(kSenders), Key(100)).ok());
  std::vector<protocol::TxEnvelope> txs;
  for (uint64_t n = 0; n < 60; ++n) {
    for (uint8_t s = 1; s <= kSenders; ++s) {
      txs.push_back(Transfer(Key(s), AddressOf(Key(s % kSenders + 1)), 1 + n, n));
    }
  }
  auto first = NodeProcess::Start(datadir);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  // Stream transactions (the first third waiting for admission, so blocks are being committed);
  // kill -9 in the middle of the stream.
  json observed;
  for (size_t i = 0; i < txs.size(); ++i) {
    const char* method = i < txs.size() / 3 ? "broadcast_tx_sync" : "broadcast_tx_async";
    (*first)->Call(method, {{"tx", TxParam(txs[i].bytes)}}).value_or(json());
    if (i == txs.size() / 3) {
      ASSERT_TRUE((*first)->WaitForHeight(3)) << (*first)->Describe();
      auto status = (*first)->Call("status");
      ASSERT_TRUE(status.ok());
      observed = (*status)["sync_info"];
    }
    if (i == txs.size() * 3 / 4) break;
  }
  (*first)->process.Kill();
  ASSERT_FALSE(observed.is_null());
  uint64_t observed_height = observed["latest_block_height"].get<uint64_t>();

  // The chain restarts (the node verifies its state commitment at start-up) with every block
  // observed before the kill unchanged.
  auto check = aitbc::testing::RunCommand(
      {aitbc::testing::BinaryPath("aitbc-node"), "check", "--datadir", datadir});
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->exit_code, 0) << check->output;
  auto second = NodeProcess::Start(datadir);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  NodeProcess& node = **second;
  EXPECT_GE(node.Height(), observed_height);
  ASSERT_GE(observed_height, 3u);
  auto block = node.Call("block", {{"height", observed_height}});
  ASSERT_TRUE(block.ok());
  EXPECT_EQ((*block)["block_id"]["hash"], observed["latest_block_hash"]);
  EXPECT_EQ((*block)["block"]["header"]["state_hash"], observed["latest_app_hash"]);

  // Re-send everything: each transaction ends up committed exactly once.
  for (const auto& tx : txs) {
    auto verdict = node.Call("broadcast_tx_sync", {{"tx", TxParam(tx.bytes)}});
    ASSERT_TRUE(verdict.ok());
    bool accepted = (*verdict)["code"] == 0 || verdict->value("duplicate", false);
    EXPECT_TRUE(accepted) << verdict->dump();
  }
  ASSERT_TRUE(node.WaitForTx(txs.back().hash.ToHex()).ok()) << node.Describe();
  for (uint8_t s = 1; s <= kSenders; ++s) {
    auto account = node.Call("account", {{"address", AddressOf(Key(s)).ToString()}});
    ASSERT_TRUE(account.ok());
    EXPECT_EQ((*account)["nonce"], 60) << "sender " << int(s);
  }
  size_t committed = 0;
  uint64_t top = node.Height();
  for (uint64_t h = 1; h <= top; ++h) {
    auto block = node.Call("block", {{"height", h}, {"decode", false}});
    ASSERT_TRUE(block.ok());
    committed += (*block)["block"]["data"]["txs"].size();
  }
  EXPECT_EQ(committed, txs.size());  // none twice
  auto supply = node.Call("supply");
  ASSERT_TRUE(supply.ok());
  EXPECT_EQ((*supply)["total"], (*supply)["genesis"]);
}

// ---- Durable mempool: what broadcast_tx_sync accepted survives kill -9 ----------------------

struct Restored {
  size_t restored = 0, dropped = 0, stored = 0;
  bool found = false;
};

size_t LogSize(const std::string& datadir) {
  auto log = core::ReadFile(datadir + "/node.log");
  return log.ok() ? log->size() : 0;
}

// The "mempool restored: R ... re-admitted, D dropped (S stored)" line a start wrote to the
// node's log after `offset` (the log's size before that start), waiting for the log to be
// flushed (at least once a second).
Restored RestoreLog(const std::string& datadir, size_t offset) {
  Restored out;
  aitbc::testing::WaitUntil(
      [&] {
        auto log = core::ReadFile(datadir + "/node.log");
        if (!log.ok()) return false;
        size_t pos = log->find("mempool restored: ", offset);
        if (pos == std::string::npos) return false;
        out.found = std::sscanf(log->c_str() + pos,
                                "mempool restored: %zu pending transactions re-admitted, %zu "
                                "dropped (%zu stored)",
                                &out.restored, &out.dropped, &out.stored) == 3;
        return true;
      },
      10'000, 50);
  return out;
}

uint64_t PendingCount(NodeProcess& node) {
  auto unconfirmed = node.Call("num_unconfirmed_txs");
  EXPECT_TRUE(unconfirmed.ok());
  return unconfirmed.ok() ? (*unconfirmed)["n_txs"].get<uint64_t>() : 0;
}

// Every transaction of blocks 1..top, with the number of times each was committed.
std::map<std::string, int> CommittedTxs(NodeProcess& node) {
  std::map<std::string, int> seen;
  uint64_t top = node.Height();
  for (uint64_t h = 1; h <= top; ++h) {
    auto block = node.Call("block", {{"height", h}});
    EXPECT_TRUE(block.ok());
    if (!block.ok()) continue;
    for (const auto& tx : (*block)["block"]["data"]["txs"]) {
      auto bytes = core::Base64Decode(tx.get<std::string>());
      if (bytes.ok()) ++seen[core::Sha256(*bytes).ToHex()];
    }
  }
  return seen;
}

void ExpectSupplyUnchanged(NodeProcess& node) {
  auto supply = node.Call("supply");
  ASSERT_TRUE(supply.ok());
  EXPECT_EQ((*supply)["total"], (*supply)["genesis"]);
}

TEST(NodeDurableMempoolTest, AcceptedTransactionsSurviveKillNine) {
  aitbc::testing::TempDir dir;
  std::string datadir = dir.path() + "/node";
  ASSERT_TRUE(testing::InitNodeDir(datadir, testing::TestGenesis(3), Key(100)).ok());
  // No block for a minute: whatever is accepted stays in the mempool.
  const std::vector<std::string> no_blocks = {"--block-time-ms", "60000", "--idle-block-time-ms",
                                              "60000"};
  auto first = NodeProcess::Start(datadir, no_blocks);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  std::vector<protocol::TxEnvelope> txs;
  // An escrow, then transfers; the first one by broadcast_tx_async (answered before admission):
  // the broadcast_tx_sync answers after it cover it, as admission and writes keep their order.
  txs.push_back(testing::Escrow(Key(3), "job-durable", 5000, AddressOf(Key(2))));
  for (uint64_t n = 0; n < 4; ++n) {
    txs.push_back(Transfer(Key(1), AddressOf(Key(2)), 100 + n, n));
    txs.push_back(Transfer(Key(2), AddressOf(Key(3)), 200 + n, n));
  }
  auto async = (*first)->Call("broadcast_tx_async", {{"tx", TxParam(txs[0].bytes)}});
  ASSERT_TRUE(async.ok());
  EXPECT_EQ((*async)["code"], 0);
  for (size_t i = 1; i < txs.size(); ++i) {
    json verdict = Verdict(**first, txs[i].bytes);
    ASSERT_EQ(verdict["code"], 0) << verdict.dump();
  }
  // Killed at once: nothing was committed, everything is only pending.
  EXPECT_EQ(PendingCount(**first), txs.size());
  EXPECT_EQ((*first)->Height(), 0u);
  (*first)->process.Kill();

  // Restarted (still without blocks): the mempool is back, in order (the nonces follow).
  size_t log_offset = LogSize(datadir);
  auto second = NodeProcess::Start(datadir, no_blocks);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  EXPECT_EQ(PendingCount(**second), txs.size()) << (*second)->Describe();
  Restored restored = RestoreLog(datadir, log_offset);
  ASSERT_TRUE(restored.found) << (*second)->Describe();
  EXPECT_EQ(restored.restored, txs.size());
  EXPECT_EQ(restored.dropped, 0u);
  auto account = (*second)->Call("account", {{"address", AddressOf(Key(1)).ToString()}});
  ASSERT_TRUE(account.ok());
  EXPECT_EQ((*account)["nonce"], 0);
  EXPECT_EQ((*account)["pending_nonce"], 4);
  // They are pending, so a re-broadcast is a duplicate, and a conflicting spend is refused.
  json again = Verdict(**second, txs[1].bytes);
  EXPECT_EQ(again["duplicate"], true) << again.dump();
  json reuse = Verdict(**second, Transfer(Key(1), AddressOf(Key(3)), 7, 0).bytes);
  EXPECT_NE(reuse["code"], 0);
  // A clean stop keeps them too.
  EXPECT_EQ((*second)->process.Stop(), 0);

  // With blocks again: each is committed exactly once, and nothing stays pending.
  log_offset = LogSize(datadir);
  auto third = NodeProcess::Start(datadir);
  ASSERT_TRUE(third.ok()) << third.error().ToString();
  NodeProcess& node = **third;
  EXPECT_EQ(RestoreLog(datadir, log_offset).restored, txs.size());
  for (const auto& tx : txs) ASSERT_TRUE(node.WaitForTx(tx.hash.ToHex()).ok()) << node.Describe();
  auto committed = CommittedTxs(node);
  EXPECT_EQ(committed.size(), txs.size());
  for (const auto& [hash, times] : committed) EXPECT_EQ(times, 1) << hash;
  EXPECT_EQ(PendingCount(node), 0u);
  auto escrow = node.Call("escrow", {{"job_id", "job-durable"}});
  ASSERT_TRUE(escrow.ok());
  EXPECT_EQ((*escrow)["status"], "open");
  ExpectSupplyUnchanged(node);
  EXPECT_EQ(node.process.Stop(), 0);
  log_offset = LogSize(datadir);
  auto fourth = NodeProcess::Start(datadir);
  ASSERT_TRUE(fourth.ok());
  Restored last = RestoreLog(datadir, log_offset);
  EXPECT_TRUE(last.found);
  EXPECT_EQ(last.stored, 0u);
}

TEST(NodeDurableMempoolTest, KilledRightAfterABlockNothingIsBothCommittedAndPending) {
  aitbc::testing::TempDir dir;
  std::string datadir = dir.path() + "/node";
  const uint8_t kSenders = 4;
  ASSERT_TRUE(testing::InitNodeDir(datadir, testing::TestGenesis(kSenders), Key(100)).ok());
  auto first = NodeProcess::Start(datadir, {"--block-time-ms", "150"});
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  // broadcast_tx_sync one after another; kill -9 as soon as a block commits after some of them
  // (so the block's batch has just deleted its transactions' entries, and later ones wait).
  std::vector<protocol::TxEnvelope> accepted;
  uint64_t height = (*first)->Height();
  bool killed = false;
  for (uint64_t n = 0; n < 200 && !killed; ++n) {
    for (uint8_t s = 1; s <= kSenders; ++s) {
      auto tx = Transfer(Key(s), AddressOf(Key(s % kSenders + 1)), 1 + n, n);
      json verdict = Verdict(**first, tx.bytes);
      ASSERT_EQ(verdict["code"], 0) << verdict.dump();
      accepted.push_back(tx);
    }
    uint64_t now = (*first)->Height();
    if (now > height && accepted.size() > 40) {
      (*first)->process.Kill();
      killed = true;
    }
    height = now;
  }
  ASSERT_TRUE(killed);

  size_t log_offset = LogSize(datadir);
  auto second = NodeProcess::Start(datadir, {"--block-time-ms", "150"});
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  NodeProcess& node = **second;
  // Nothing committed was still stored as pending (it would have been dropped as committed).
  Restored restored = RestoreLog(datadir, log_offset);
  ASSERT_TRUE(restored.found) << node.Describe();
  EXPECT_EQ(restored.dropped, 0u);
  EXPECT_EQ(restored.restored, restored.stored);
  // Every accepted transaction is committed exactly once, without being sent again.
  for (const auto& tx : accepted) {
    ASSERT_TRUE(node.WaitForTx(tx.hash.ToHex()).ok()) << node.Describe();
  }
  auto committed = CommittedTxs(node);
  EXPECT_EQ(committed.size(), accepted.size());
  for (const auto& [hash, times] : committed) EXPECT_EQ(times, 1) << hash;
  ExpectSupplyUnchanged(node);
}

}  // namespace
}  // namespace aitbc::node

namespace aitbc::node {
namespace {

aitbc::testing::CommandResult RunNodeCommand(std::vector<std::string> args) {
  args.insert(args.begin(), aitbc::testing::BinaryPath("aitbc-node"));
  auto result = aitbc::testing::RunCommand(args);
  EXPECT_TRUE(result.ok());
  return result.ok() ? *result : aitbc::testing::CommandResult{};
}

TEST(NodeCliTest, InitStartStopCheckAndTheirErrors) {
  aitbc::testing::TempDir dir;
  const std::string datadir = dir.path() + "/node";
  EXPECT_EQ(RunNodeCommand({}).exit_code, 2);         // a subcommand is required
  EXPECT_EQ(RunNodeCommand({"start"}).exit_code, 2);  // --datadir is required
  auto init = RunNodeCommand({"init", "--datadir", datadir, "--fund",
                              AddressOf(Key(1)).ToString() + "=5", "--chain-id", "cli-test"});
  ASSERT_EQ(init.exit_code, 0) << init.output;
  EXPECT_NE(init.output.find("devnet key"), std::string::npos) << init.output;
  EXPECT_NE(init.output.find("\"chain_id\":\"cli-test\""), std::string::npos);
  auto again = RunNodeCommand({"init", "--datadir", datadir});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("refusing to overwrite"), std::string::npos) << again.output;
  auto bad_fund = RunNodeCommand({"init", "--datadir", dir.path() + "/other", "--fund", "nope"});
  EXPECT_EQ(bad_fund.exit_code, 1);
  EXPECT_NE(bad_fund.output.find("ADDRESS=AMOUNT"), std::string::npos) << bad_fund.output;

  auto no_chain = RunNodeCommand({"check", "--datadir", datadir});
  EXPECT_EQ(no_chain.exit_code, 1);
  EXPECT_NE(no_chain.output.find("no chain database"), std::string::npos) << no_chain.output;
  auto bad_listen = RunNodeCommand({"start", "--datadir", datadir, "--listen", "nowhere"});
  EXPECT_EQ(bad_listen.exit_code, 1) << bad_listen.output;
  auto bad_config =
      RunNodeCommand({"start", "--datadir", datadir, "--config", dir.path() + "/none.toml"});
  EXPECT_EQ(bad_config.exit_code, 1) << bad_config.output;

  // A devnet node made by init is its own proposer; SIGTERM stops it cleanly.
  auto node = NodeProcess::Start(datadir);
  ASSERT_TRUE(node.ok()) << node.error().ToString();
  ASSERT_TRUE((*node)->WaitForHeight(2)) << (*node)->Describe();
  auto status = (*node)->Call("status");
  ASSERT_TRUE(status.ok());
  EXPECT_EQ((*status)["node_info"]["role"], "proposer");
  EXPECT_EQ((*status)["node_info"]["network"], "cli-test");
  auto supply = (*node)->Call("supply");
  EXPECT_EQ((*supply)["total"], "5aitbc");
  // A second node cannot take a port in use, nor open a data directory in use.
  const std::string second = dir.path() + "/second";
  ASSERT_EQ(RunNodeCommand({"init", "--datadir", second}).exit_code, 0);
  auto port_taken = RunNodeCommand(
      {"start", "--datadir", second, "--listen", "127.0.0.1:" + std::to_string((*node)->rpc_port)});
  EXPECT_EQ(port_taken.exit_code, 1);
  EXPECT_NE(port_taken.output.find("RPC on"), std::string::npos) << port_taken.output;
  auto dir_taken = RunNodeCommand(
      {"start", "--datadir", datadir, "--listen", "127.0.0.1:0", "--p2p-listen", "127.0.0.1:0"});
  EXPECT_EQ(dir_taken.exit_code, 1);
  EXPECT_NE(dir_taken.output.find("io_error"), std::string::npos) << dir_taken.output;
  EXPECT_TRUE(core::FileExists(datadir + "/ready.json"));  // the running node's is untouched
  EXPECT_EQ((*node)->process.Stop(), 0) << (*node)->Describe();
  EXPECT_FALSE(core::FileExists(datadir + "/ready.json"));
  auto check = RunNodeCommand({"check", "--datadir", datadir});
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("\"ok\":true"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("\"total_supply\":\"5aitbc\""), std::string::npos) << check.output;
}

}  // namespace
}  // namespace aitbc::node
