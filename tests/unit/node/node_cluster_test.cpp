// A proposer and followers as real processes: sync from genesis, late start, kill -9 and
// restart, forwarding, and followers refusing another chain or forged blocks.
#include <gtest/gtest.h>

#include "chain/state_machine.h"
#include "net/event_loop.h"
#include "net/http_server.h"
#include "node/p2p_wire.h"
#include "node_harness.h"
#include "test_chain.h"

namespace aitbc::node {
namespace {

using nlohmann::json;
using testing::AddressOf;
using testing::Key;
using testing::NodeProcess;
using testing::Transfer;
using testing::TxParam;

std::unique_ptr<NodeProcess> StartOrDie(const std::string& datadir,
                                        std::vector<std::string> extra = {}) {
  auto node = NodeProcess::Start(datadir, std::move(extra));
  EXPECT_TRUE(node.ok()) << node.error().ToString();
  return node.ok() ? std::move(node).value() : nullptr;
}

json BlockAt(NodeProcess& node, uint64_t height) {
  auto block = node.Call("block", {{"height", height}, {"decode", false}});
  EXPECT_TRUE(block.ok()) << block.error().ToString();
  return block.ok() ? *block : json();
}

// The follower's sync error once it reports one (empty, with a failure, after 20 s).
std::string WaitForSyncError(NodeProcess& follower) {
  std::string error;
  bool reported = aitbc::testing::WaitUntil(
      [&] {
        auto status = follower.Call("status");
        if (status.ok()) error = (*status)["sync_info"]["sync_error"].get<std::string>();
        return !error.empty();
      },
      20'000);
  EXPECT_TRUE(reported) << follower.Describe();
  return error;
}

void SendTransfers(NodeProcess& node, uint8_t sender, uint64_t first_nonce, uint64_t count) {
  for (uint64_t n = first_nonce; n < first_nonce + count; ++n) {
    auto verdict = node.Call(
        "broadcast_tx_sync",
        {{"tx", TxParam(Transfer(Key(sender), AddressOf(Key(sender + 1)), 100 + n, n).bytes)}});
    ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
    ASSERT_EQ((*verdict)["code"], 0) << verdict->dump();
  }
}

TEST(NodeClusterTest, ProposerAndTwoFollowersAgree) {
  aitbc::testing::TempDir dir;
  const protocol::Genesis genesis = testing::TestGenesis(4, 1'000'000'000);
  const std::string p_dir = dir.path() + "/proposer";
  const std::string a_dir = dir.path() + "/follower-a";
  const std::string b_dir = dir.path() + "/follower-b";
  ASSERT_TRUE(testing::InitNodeDir(p_dir, genesis, Key(100)).ok());
  ASSERT_TRUE(testing::InitNodeDir(a_dir, genesis, Key(101)).ok());
  ASSERT_TRUE(testing::InitNodeDir(b_dir, genesis, Key(102)).ok());

  auto p = StartOrDie(p_dir);
  ASSERT_TRUE(p);
  auto a = StartOrDie(a_dir, {"--peer", p->p2p_address()});
  ASSERT_TRUE(a);
  auto a_status = a->Call("status");
  ASSERT_TRUE(a_status.ok());
  EXPECT_EQ((*a_status)["node_info"]["role"], "follower");

  SendTransfers(*p, 1, 0, 30);
  ASSERT_TRUE(p->WaitForHeight(20)) << p->Describe();

  // B starts late and catches up from genesis.
  auto b = StartOrDie(b_dir, {"--peer", p->p2p_address()});
  ASSERT_TRUE(b);
  uint64_t target = p->Height();
  ASSERT_TRUE(b->WaitForHeight(target)) << b->Describe();
  EXPECT_EQ(BlockAt(*b, target)["block_id"], BlockAt(*p, target)["block_id"]);

  // A is killed with SIGKILL while blocks keep coming, then restarted: it catches up.
  a->process.Kill();
  SendTransfers(*p, 2, 0, 20);
  ASSERT_TRUE(p->WaitForHeight(target + 5));
  a = StartOrDie(a_dir, {"--peer", p->p2p_address()});
  ASSERT_TRUE(a);

  // A transaction sent to a follower is forwarded to the proposer and committed.
  auto forwarded = Transfer(Key(3), AddressOf(Key(1)), 777, 0);
  auto committed = a->Call("broadcast_tx_commit", {{"tx", TxParam(forwarded.bytes)}});
  ASSERT_TRUE(committed.ok()) << committed.error().ToString() << a->Describe();
  EXPECT_EQ((*committed)["check_tx"]["code"], 0) << committed->dump();
  EXPECT_GT((*committed)["height"].get<uint64_t>(), 0u);
  EXPECT_TRUE(p->WaitForTx(forwarded.hash.ToHex()).ok());
  // A follower answers broadcast_tx_sync with the proposer's verdict.
  auto rejected = b->Call("broadcast_tx_sync", {{"tx", TxParam(forwarded.bytes)}});
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ((*rejected)["error_code"], "already_exists") << rejected->dump();
  auto poor =
      b->Call("broadcast_tx_sync",
              {{"tx", TxParam(Transfer(Key(4), AddressOf(Key(1)), 2'000'000'000, 0).bytes)}});
  ASSERT_TRUE(poor.ok());
  EXPECT_EQ((*poor)["error_code"], "insufficient_funds") << poor->dump();

  // All three end at the same height and state.
  uint64_t common = p->Height();
  ASSERT_TRUE(a->WaitForHeight(common)) << a->Describe();
  ASSERT_TRUE(b->WaitForHeight(common)) << b->Describe();
  json reference = BlockAt(*p, common);
  for (NodeProcess* node : {a.get(), b.get()}) {
    json block = BlockAt(*node, common);
    EXPECT_EQ(block["block_id"], reference["block_id"]);
    EXPECT_EQ(block["block"]["header"]["state_hash"], reference["block"]["header"]["state_hash"]);
    auto supply = node->Call("supply");
    ASSERT_TRUE(supply.ok());
    EXPECT_EQ((*supply)["total"], (*supply)["genesis"]);
    auto status = node->Call("status");
    ASSERT_TRUE(status.ok());
    EXPECT_EQ((*status)["sync_info"]["sync_error"], "") << status->dump();
  }
  auto supply = p->Call("supply");
  ASSERT_TRUE(supply.ok());
  EXPECT_EQ((*supply)["total"], "4000aitbc");
}

TEST(NodeClusterTest, FollowerRefusesAPeerWithAnotherGenesis) {
  aitbc::testing::TempDir dir;
  const std::string p_dir = dir.path() + "/proposer";
  const std::string f_dir = dir.path() + "/follower";
  ASSERT_TRUE(testing::InitNodeDir(p_dir, testing::TestGenesis(4), Key(100)).ok());
  ASSERT_TRUE(testing::InitNodeDir(f_dir, testing::TestGenesis(5), Key(101)).ok());
  auto p = StartOrDie(p_dir);
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->WaitForHeight(2));
  auto f = StartOrDie(f_dir, {"--peer", p->p2p_address()});
  ASSERT_TRUE(f);
  std::string error = WaitForSyncError(*f);
  EXPECT_NE(error.find("another chain"), std::string::npos) << error;
  EXPECT_NE(error.find("refusing to sync"), std::string::npos) << error;
  EXPECT_EQ(f->Height(), 0u);
  // Without a usable peer, a follower cannot forward transactions: it says so.
  auto verdict = f->Call("broadcast_tx_sync",
                         {{"tx", TxParam(Transfer(Key(1), AddressOf(Key(2)), 5, 0).bytes)}});
  ASSERT_TRUE(verdict.ok());
  EXPECT_EQ((*verdict)["error_code"], "unavailable") << verdict->dump();
}

// A fake peer that claims the right genesis and serves one block at height 1.
class FakePeer {
 public:
  FakePeer(const protocol::Genesis& genesis, core::Bytes block) : loop_(1) {
    auto router = std::make_shared<net::Router>();
    std::string genesis_hash = genesis.Hash().ToHex();
    std::string chain_id = genesis.chain_id;
    router->Add(net::Method::kGet, "/p2p/status", [=](net::Request&) {
      return net::Response::Json(
          200, {{"chain_id", chain_id}, {"genesis_hash", genesis_hash}, {"height", 1}});
    });
    router->Add(net::Method::kGet, "/p2p/blocks", [block = std::move(block)](net::Request& r) {
      net::Response response;
      response.headers.Set("X-Aitbc-Height", "1");
      if (r.Query("from") == "1") response.body = EncodeFrames({block});
      return response;
    });
    server_ = std::make_unique<net::HttpServer>(loop_, router, net::ServerOptions{});
    port_ = server_->Start().value();
    loop_.RunInBackground();
  }
  ~FakePeer() {
    server_->Stop();
    loop_.Stop();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  net::EventLoop loop_;
  std::unique_ptr<net::HttpServer> server_;
  uint16_t port_ = 0;
};

TEST(NodeClusterTest, FollowerNeverAcceptsAForgedBlock) {
  const protocol::Genesis genesis = testing::TestGenesis(4);
  chain::StateMachine machine(genesis);
  chain::MemoryState state;
  state.Apply(machine.GenesisDelta().value());
  auto transfer = Transfer(Key(1), AddressOf(Key(2)), 1000, 0);
  auto valid = machine.BuildBlock(state, {transfer}, genesis.genesis_time_ms + 1000, Key(100));
  ASSERT_TRUE(valid.ok()) << valid.error().ToString();

  struct Forgery {
    std::string name;
    protocol::Block block;
  };
  std::vector<Forgery> forgeries;
  protocol::Block by_stranger = valid->block;
  by_stranger.Sign(Key(99));  // a key that is not the genesis proposer
  forgeries.push_back({"signed by a non-validator", by_stranger});
  protocol::Block wrong_state = valid->block;
  wrong_state.header.state_hash = core::Sha256("not the state");
  wrong_state.Sign(Key(100));
  forgeries.push_back({"wrong state hash", wrong_state});
  protocol::Block bad_signature = valid->block;
  bad_signature.signature.bytes[5] ^= 0x40;
  forgeries.push_back({"corrupted proposer signature", bad_signature});
  auto unsigned_tx = Transfer(Key(1), AddressOf(Key(3)), 5, 0);
  unsigned_tx.tx.signature.bytes[1] ^= 1;
  unsigned_tx = protocol::TxEnvelope::FromTx(unsigned_tx.tx);
  auto with_bad_tx =
      machine.BuildBlock(state, {unsigned_tx}, genesis.genesis_time_ms + 1000, Key(100));
  ASSERT_TRUE(with_bad_tx.ok());
  ASSERT_EQ(with_bad_tx->block.txs.size(), 1u);  // the builder does not check signatures
  forgeries.push_back({"transaction with a bad signature", with_bad_tx->block});

  for (const auto& forgery : forgeries) {
    SCOPED_TRACE(forgery.name);
    aitbc::testing::TempDir dir;
    FakePeer peer(genesis, forgery.block.Encode());
    const std::string f_dir = dir.path() + "/follower";
    ASSERT_TRUE(testing::InitNodeDir(f_dir, genesis, Key(101)).ok());
    auto f = StartOrDie(f_dir, {"--peer", peer.address()});
    ASSERT_TRUE(f);
    std::string error = WaitForSyncError(*f);
    EXPECT_NE(error.find("rejected block 1"), std::string::npos) << error;
    EXPECT_EQ(f->Height(), 0u);
  }
}

}  // namespace
}  // namespace aitbc::node
