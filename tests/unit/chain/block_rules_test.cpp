// BuildBlock and ApplyBlock: header links, proposer, signature, limits, state hash.
#include <functional>

#include "chain_fixture.h"

namespace aitbc::chain {
namespace {

using testing::AddressOf;
using testing::Coins;
using testing::Micro;

class BlockRulesTest : public testing::ChainFixture {
 protected:
  // A valid next block with a few transactions.
  protocol::Block ValidBlock() {
    return BuildNext({TransferTx(alice_, AddressOf(bob_), Coins(1)),
                      EscrowTx(bob_, "job-1", Coins(2)), StakeTx(stranger_, Coins(1))});
  }
  auto Apply(const protocol::Block& block) {
    return machine_.ApplyBlock(state_, block, VerifySignatures::kYes);
  }
  // Re-signs after a header field was changed, so that only that field is wrong.
  void Resign(protocol::Block& block) { block.Sign(proposer_); }
};

TEST_F(BlockRulesTest, BuiltBlockPassesApplyBlockWithTheSameDelta) {
  std::vector<protocol::TxEnvelope> candidates;
  for (const auto& tx : {TransferTx(alice_, AddressOf(bob_), Coins(1)),
                         EscrowTx(bob_, "job-1", Coins(2)), StakeTx(stranger_, Coins(1))}) {
    candidates.push_back(protocol::TxEnvelope::FromTx(tx));
  }
  auto built = machine_.BuildBlock(state_, candidates, NextTime(), proposer_);
  ASSERT_TRUE(built.ok()) << built.error().ToString();
  EXPECT_TRUE(built->rejected.empty());
  EXPECT_EQ(built->deferred, 0u);
  const protocol::BlockHeader& h = built->block.header;
  EXPECT_EQ(h.chain_id, genesis().chain_id);
  EXPECT_EQ(h.height, 1u);
  EXPECT_EQ(h.time_ms, NextTime());
  EXPECT_EQ(h.prev_hash, genesis().Hash());
  EXPECT_EQ(h.tx_count, 3u);
  EXPECT_EQ(h.tx_root, protocol::TxRoot(candidates));
  EXPECT_EQ(h.proposer, proposer_.public_key());
  EXPECT_TRUE(built->block.VerifySignature());
  EXPECT_EQ(built->delta.meta.height, 1u);
  EXPECT_EQ(built->delta.meta.last_block_hash, built->block.Hash());
  EXPECT_EQ(built->delta.meta.state_hash, h.state_hash);

  // It survives the wire and validates to the same delta.
  auto decoded = protocol::Block::Decode(built->block.Encode());
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  auto applied = Apply(*decoded);
  ASSERT_TRUE(applied.ok()) << applied.error().ToString();
  EXPECT_EQ(applied->state_hash, h.state_hash);
  EXPECT_EQ(applied->delta.meta, built->delta.meta);
  EXPECT_EQ(applied->delta.accounts, built->delta.accounts);
  EXPECT_EQ(applied->delta.escrows, built->delta.escrows);
  state_.Apply(applied->delta);
  EXPECT_EQ(state_.RecomputeLtHash(), Meta().state_lthash);
  ExpectSupplyIntact();
}

TEST_F(BlockRulesTest, BuildBlockSkipsInvalidCandidatesAndKeepsTheRest) {
  auto good1 = protocol::TxEnvelope::FromTx(TransferTx(alice_, AddressOf(bob_), Coins(1)));
  auto bad =
      protocol::TxEnvelope::FromTx(Sign(bob_, 9, protocol::Transfer{AddressOf(alice_), Coins(1)}));
  auto good2 = protocol::TxEnvelope::FromTx(Sign(alice_, 1, protocol::Stake{Coins(1)}));
  auto replay = good1;
  auto built = machine_.BuildBlock(state_, {good1, bad, good2, replay}, NextTime(), proposer_);
  ASSERT_TRUE(built.ok());
  ASSERT_EQ(built->block.txs.size(), 2u);
  EXPECT_EQ(built->block.txs[0].hash, good1.hash);
  EXPECT_EQ(built->block.txs[1].hash, good2.hash);
  ASSERT_EQ(built->rejected.size(), 2u);
  EXPECT_EQ(built->rejected[0].first, bad.hash);
  EXPECT_EQ(built->rejected[0].second.code(), core::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(built->rejected[1].first, replay.hash);
  EXPECT_TRUE(Commit(built->block).ok());
}

TEST_F(BlockRulesTest, BuildBlockWithNothingValidGivesAnEmptyBlock) {
  auto bad = protocol::TxEnvelope::FromTx(TransferTx(alice_, AddressOf(bob_), Coins(5'000)));
  auto built = machine_.BuildBlock(state_, {bad}, NextTime(), proposer_);
  ASSERT_TRUE(built.ok());
  EXPECT_TRUE(built->block.txs.empty());
  EXPECT_EQ(built->block.header.state_hash, Meta().state_hash);  // nothing changed
  EXPECT_TRUE(Commit(built->block).ok());
}

TEST_F(BlockRulesTest, BuildBlockRaisesAnEarlierTimeToThePreviousBlocksTime) {
  auto built = machine_.BuildBlock(state_, {}, 5, proposer_);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->block.header.time_ms, testing::kGenesisTimeMs);
  EXPECT_TRUE(Commit(built->block).ok());
}

TEST_F(BlockRulesTest, OnlyTheGenesisProposerMayBuildBlocks) {
  EXPECT_CHAIN_ERROR(machine_.BuildBlock(state_, {}, NextTime(), stranger_), kPermissionDenied,
                     "is not the chain's proposer");
}

TEST_F(BlockRulesTest, BuildBlockDefersWhatExceedsTheTransactionLimit) {
  protocol::Genesis g = MakeGenesis();
  g.params.max_block_txs = 2;
  testing::OtherChain chain(g);
  auto& [machine, state] = chain;
  std::vector<protocol::TxEnvelope> candidates = TransferRun(alice_, 5);
  auto built = machine.BuildBlock(state, candidates, NextTime(), proposer_);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->block.txs.size(), 2u);
  EXPECT_EQ(built->deferred, 3u);
  EXPECT_TRUE(built->rejected.empty());
  ASSERT_TRUE(machine.ApplyBlock(state, built->block, VerifySignatures::kYes).ok());
  state.Apply(built->delta);
  candidates.erase(candidates.begin(), candidates.begin() + 2);
  auto next = machine.BuildBlock(state, candidates, NextTime() + 1, proposer_);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->block.txs.size(), 2u);
  EXPECT_EQ(next->deferred, 1u);
  EXPECT_EQ(next->block.txs[0].hash, candidates[0].hash);
}

TEST_F(BlockRulesTest, BuildBlockDefersWhatExceedsTheSizeLimit) {
  protocol::Genesis g = MakeGenesis();
  g.params.max_block_bytes = 1024;
  testing::OtherChain chain(g);
  auto& [machine, state] = chain;
  std::vector<protocol::TxEnvelope> candidates = TransferRun(alice_, 10);
  auto built = machine.BuildBlock(state, candidates, NextTime(), proposer_);
  ASSERT_TRUE(built.ok());
  EXPECT_GT(built->block.txs.size(), 0u);
  EXPECT_LT(built->block.txs.size(), 10u);
  EXPECT_EQ(built->block.txs.size() + built->deferred, 10u);
  EXPECT_LE(built->block.Encode().size(), 1024u);
  // One more transaction would not have fitted.
  protocol::Block bigger = built->block;
  bigger.txs.push_back(candidates[bigger.txs.size()]);
  EXPECT_GT(bigger.Encode().size(), 1024u);
  EXPECT_TRUE(machine.ApplyBlock(state, built->block, VerifySignatures::kYes).ok());
}

TEST_F(BlockRulesTest, CandidateTooLargeForAnyBlockIsRejected) {
  protocol::Genesis g = MakeGenesis();
  g.params.max_block_bytes = 1024;
  testing::OtherChain chain(g);
  auto& [machine, state] = chain;
  // No valid transaction is this large; an envelope from a buggy caller could be.
  auto huge = protocol::TxEnvelope::FromTx(TransferTx(alice_, AddressOf(bob_), Micro(1)));
  huge.bytes.resize(2'000);
  auto built = machine.BuildBlock(state, {huge}, NextTime(), proposer_);
  ASSERT_TRUE(built.ok());
  ASSERT_EQ(built->rejected.size(), 1u);
  EXPECT_EQ(built->rejected[0].second.code(), core::ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(built->deferred, 0u);
}

// A header field changed and the block re-signed, so that only that field is wrong.
struct HeaderTamper {
  const char* what;
  std::function<void(protocol::BlockHeader&)> tamper;
  core::ErrorCode code;
  std::string message;
};

TEST_F(BlockRulesTest, TamperedHeaderFieldsAreEachRejectedWithAClearMessage) {
  const std::vector<HeaderTamper> cases = {
      {"chain id", [](auto& h) { h.chain_id = "aitbc-other"; }, core::ErrorCode::kInvalidArgument,
       "block for chain 'aitbc-other', this chain is"},
      {"height ahead", [](auto& h) { h.height = 2; }, core::ErrorCode::kFailedPrecondition,
       "block height 2 does not follow the chain's height 0"},
      {"height zero", [](auto& h) { h.height = 0; }, core::ErrorCode::kFailedPrecondition,
       "block height 0 does not follow"},
      {"prev hash", [](auto& h) { h.prev_hash.bytes[0] ^= 1; }, core::ErrorCode::kInvalidArgument,
       "block 1 has prev_hash"},
      {"time before the previous block", [](auto& h) { h.time_ms = testing::kGenesisTimeMs - 1; },
       core::ErrorCode::kInvalidArgument, "is before the previous block's time"},
      {"time zero", [](auto& h) { h.time_ms = 0; }, core::ErrorCode::kInvalidArgument,
       "block time is zero"},
      {"tx root", [](auto& h) { h.tx_root.bytes[3] ^= 1; }, core::ErrorCode::kInvalidArgument,
       "tx_root does not match its transactions"},
      {"tx count", [](auto& h) { h.tx_count = 2; }, core::ErrorCode::kInvalidArgument,
       "header says 2 transactions, the block carries 3"},
  };
  const protocol::Block valid = ValidBlock();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    protocol::Block block = valid;
    c.tamper(block.header);
    Resign(block);
    auto applied = Apply(block);
    ASSERT_FALSE(applied.ok());
    EXPECT_EQ(applied.error().code(), c.code) << applied.error().ToString();
    EXPECT_NE(applied.error().message().find(c.message), std::string::npos)
        << applied.error().ToString();
  }
  EXPECT_TRUE(Apply(valid).ok());
}

TEST_F(BlockRulesTest, AnAppliedBlockCannotBeAppliedAgain) {
  protocol::Block block = ValidBlock();
  ASSERT_TRUE(Commit(block).ok());
  EXPECT_CHAIN_ERROR(Apply(block), kFailedPrecondition, "block height 1 does not follow");
}

TEST_F(BlockRulesTest, TimeEqualToThePreviousBlocksIsAllowed) {
  protocol::Block block = ValidBlock();
  block.header.time_ms = testing::kGenesisTimeMs;
  Resign(block);
  EXPECT_TRUE(Apply(block).ok());
}

TEST_F(BlockRulesTest, BlockFromAnotherProposerIsRejected) {
  protocol::Block block = ValidBlock();
  block.Sign(stranger_);  // validly signed, by the wrong key
  EXPECT_CHAIN_ERROR(
      Apply(block), kPermissionDenied,
      "block proposer " + AddressOf(stranger_).ToString() + " is not the chain's proposer");
}

TEST_F(BlockRulesTest, BadBlockSignatureIsRejectedEvenWithoutTransactionVerification) {
  protocol::Block block = ValidBlock();
  block.signature.bytes[10] ^= 1;
  EXPECT_CHAIN_ERROR(machine_.ApplyBlock(state_, block, VerifySignatures::kNo), kUnauthenticated,
                     "invalid proposer signature on block 1");
}

TEST_F(BlockRulesTest, TamperedHeaderWithoutResigningFailsTheSignature) {
  protocol::Block block = ValidBlock();
  block.header.state_hash.bytes[0] ^= 1;
  EXPECT_CHAIN_ERROR(Apply(block), kUnauthenticated, "invalid proposer signature");
}

TEST_F(BlockRulesTest, WrongStateHashIsCorruption) {
  protocol::Block block = ValidBlock();
  core::Hash256 computed = block.header.state_hash;
  block.header.state_hash.bytes[0] ^= 1;
  Resign(block);
  EXPECT_CHAIN_ERROR(Apply(block), kCorruption,
                     "state hash mismatch at height 1: block says " +
                         block.header.state_hash.ToHex() + ", computed " + computed.ToHex());
}

TEST_F(BlockRulesTest, ReorderedTransactionsAreRejected) {
  auto t0 = TransferTx(alice_, AddressOf(bob_), Coins(1));
  auto t1 = Sign(alice_, 1, protocol::Transfer{AddressOf(bob_), Coins(1)});
  protocol::Block block = BuildNext({t0, t1});
  std::swap(block.txs[0], block.txs[1]);
  block.header.tx_root = protocol::TxRoot(block.txs);
  Resign(block);
  EXPECT_CHAIN_ERROR(Apply(block), kFailedPrecondition, "transaction 0");
}

TEST_F(BlockRulesTest, BlockWithOneInvalidTransactionIsRejectedWhole) {
  protocol::Block block = BuildNext({TransferTx(alice_, AddressOf(bob_), Coins(1)),
                                     TransferTx(bob_, AddressOf(alice_), Coins(1))});
  auto invalid = protocol::TxEnvelope::FromTx(TransferTx(stranger_, AddressOf(bob_), Coins(500)));
  block.txs.push_back(invalid);
  block.header.tx_count = 3;
  block.header.tx_root = protocol::TxRoot(block.txs);
  Resign(block);
  ChainMeta before = Meta();
  auto applied = Apply(block);
  EXPECT_CHAIN_ERROR(applied, kInsufficientFunds,
                     "transaction 2 (" + invalid.hash.ToHex() + "): balance of");
  EXPECT_EQ(Meta(), before);
  EXPECT_EQ(BalanceOf(bob_), Coins(1'000));
}

TEST_F(BlockRulesTest, BlockOverTheTransactionLimitIsRejected) {
  protocol::Genesis g = MakeGenesis();
  g.params.max_block_txs = 1;
  protocol::Block block = ValidBlock();  // same chain id, genesis hash differs only in params
  block.header.prev_hash = g.Hash();
  Resign(block);
  testing::OtherChain strict(g);
  EXPECT_CHAIN_ERROR(strict.machine.ApplyBlock(strict.state, block, VerifySignatures::kYes),
                     kInvalidArgument, "block has 3 transactions, the limit is 1");
}

TEST_F(BlockRulesTest, BlockOverTheSizeLimitIsRejected) {
  protocol::Genesis g = MakeGenesis();
  g.params.max_block_bytes = 1024;
  auto built = machine_.BuildBlock(state_, TransferRun(alice_, 8), NextTime(), proposer_);
  ASSERT_TRUE(built.ok());
  protocol::Block block = built->block;
  block.header.prev_hash = g.Hash();
  Resign(block);
  testing::OtherChain strict(g);
  EXPECT_CHAIN_ERROR(strict.machine.ApplyBlock(strict.state, block, VerifySignatures::kYes),
                     kInvalidArgument, "exceeds the limit of 1024");
}

TEST_F(BlockRulesTest, EmptyBlocksAdvanceTheChain) {
  AdvanceTo(3);
  EXPECT_EQ(Height(), 3u);
  EXPECT_EQ(Meta().last_block_time_ms, testing::kGenesisTimeMs + 3 * testing::kBlockIntervalMs);
  ExpectSupplyIntact();
}

}  // namespace
}  // namespace aitbc::chain
