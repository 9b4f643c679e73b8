// Pinned state hashes (tests/vectors/chain_genesis.json): a change to any encoding, the LtHash
// or a rule's effect changes them, so such a change cannot go unnoticed.
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "chain_fixture.h"

namespace aitbc::chain {
namespace {

using testing::AddressOf;
using testing::Coins;
using testing::KeyFromByte;
using testing::Micro;

nlohmann::json LoadVector() {
  const char* env = std::getenv("AITBC_SOURCE_DIR");
  std::string root = (env != nullptr && *env != '\0') ? env : AITBC_TEST_SOURCE_DIR;
  std::ifstream in(root + "/tests/vectors/chain_genesis.json");
  EXPECT_TRUE(in.good()) << "cannot open tests/vectors/chain_genesis.json under " << root;
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

// The fixed transactions of block 1 (keys from fixed seeds; Ed25519 signing is deterministic).
std::vector<protocol::TxEnvelope> Block1Transactions(const protocol::Genesis& g) {
  auto alice = KeyFromByte(2);
  auto bob = KeyFromByte(3);
  auto coordinator = KeyFromByte(4);
  auto miner = KeyFromByte(5);
  auto sign = [&g](const core::PrivateKey& key, uint64_t nonce, protocol::Payload payload) {
    protocol::Transaction tx{g.chain_id, {}, nonce, Micro(1'000), std::move(payload), {}};
    tx.Sign(key);
    return protocol::TxEnvelope::FromTx(tx);
  };
  auto receipt =
      testing::MakeReceipt("vector-job", AddressOf(alice), AddressOf(miner), Micro(250'000));
  return {
      sign(alice, 0, protocol::Transfer{AddressOf(bob), Micro(1'500'000)}),
      sign(alice, 0, protocol::JobEscrow{"vector-job", Coins(2), AddressOf(coordinator), 40}),
      sign(coordinator, 0,
           protocol::JobSettle{receipt, miner.public_key(), receipt.ToProof().Sign(miner)}),
      sign(bob, 0, protocol::Stake{Coins(10)}),
      sign(bob, 1, protocol::Unstake{Coins(4)}),
      sign(alice, 0, protocol::JobEscrow{"vector-job-2", Coins(1), AddressOf(coordinator), 9}),
  };
}

TEST(ChainVectorsTest, GenesisAndFirstBlockStateHashesArePinned) {
  nlohmann::json vector = LoadVector();
  auto genesis = protocol::Genesis::FromJson(vector.at("genesis"));
  ASSERT_TRUE(genesis.ok()) << genesis.error().ToString();
  StateMachine machine(*genesis);
  auto genesis_delta = machine.GenesisDelta();
  ASSERT_TRUE(genesis_delta.ok()) << genesis_delta.error().ToString();
  const nlohmann::json& expected = vector.at("expected");
  EXPECT_EQ(genesis->Hash().ToHex(), expected.at("genesis_hash").get<std::string>());
  EXPECT_EQ(genesis_delta->meta.state_hash.ToHex(),
            expected.at("genesis_state_hash").get<std::string>());

  MemoryState state;
  state.Apply(*genesis_delta);
  uint64_t time_ms = vector.at("block1_time_ms").get<uint64_t>();
  auto built = machine.BuildBlock(state, Block1Transactions(*genesis), time_ms, KeyFromByte(1));
  ASSERT_TRUE(built.ok()) << built.error().ToString();
  ASSERT_TRUE(built->rejected.empty()) << built->rejected.front().second.ToString();
  EXPECT_EQ(built->block.header.state_hash.ToHex(),
            expected.at("block1_state_hash").get<std::string>());
  EXPECT_EQ(built->block.Hash().ToHex(), expected.at("block1_hash").get<std::string>());
  auto applied = machine.ApplyBlock(state, built->block, VerifySignatures::kYes);
  ASSERT_TRUE(applied.ok()) << applied.error().ToString();
  state.Apply(applied->delta);
  EXPECT_EQ(state.RecomputeLtHash(), applied->delta.meta.state_lthash);
  EXPECT_EQ(applied->delta.meta.supply.Total().value(), genesis->TotalSupply().value());
}

}  // namespace
}  // namespace aitbc::chain
