#include "protocol/block.h"

#include <gtest/gtest.h>

#include "test_keys.h"

namespace aitbc::protocol {
namespace {

using core::Amount;

Block MakeBlock(size_t tx_count) {
  auto key = testing::KeyFromByte(1);
  auto to = core::Address::FromPublicKey(testing::KeyFromByte(2).public_key());
  Block block;
  for (size_t i = 0; i < tx_count; ++i) {
    Transaction tx{"aitbc-test", {}, i, Amount(), Transfer{to, Amount::FromMicro(1 + i)}, {}};
    tx.Sign(key);
    block.txs.push_back(TxEnvelope::FromTx(tx));
  }
  block.header.chain_id = "aitbc-test";
  block.header.height = 4;
  block.header.time_ms = 1'700'000'000'000;
  block.header.prev_hash = core::Sha256(std::string_view("prev"));
  block.header.tx_root = TxRoot(block.txs);
  block.header.tx_count = static_cast<uint32_t>(tx_count);
  block.header.state_hash = core::Sha256(std::string_view("state"));
  block.Sign(testing::KeyFromByte(5));
  return block;
}

TEST(MerkleTest, Rfc6962Structure) {
  core::Hash256 a = core::Sha256(std::string_view("a"));
  core::Hash256 b = core::Sha256(std::string_view("b"));
  core::Hash256 c = core::Sha256(std::string_view("c"));
  auto leaf = [](const core::Hash256& h) {
    core::Bytes in = {0x00};
    in.insert(in.end(), h.bytes.begin(), h.bytes.end());
    return core::Sha256(in);
  };
  auto node = [](const core::Hash256& l, const core::Hash256& r) {
    core::Bytes in = {0x01};
    in.insert(in.end(), l.bytes.begin(), l.bytes.end());
    in.insert(in.end(), r.bytes.begin(), r.bytes.end());
    return core::Sha256(in);
  };
  EXPECT_EQ(MerkleRoot({}), core::Sha256(core::ByteView()));
  EXPECT_EQ(MerkleRoot({a}), leaf(a));
  EXPECT_EQ(MerkleRoot({a, b}), node(leaf(a), leaf(b)));
  // Three leaves split 2 + 1; no duplicated last leaf (so [a,b,c] != [a,b,c,c]).
  EXPECT_EQ(MerkleRoot({a, b, c}), node(node(leaf(a), leaf(b)), leaf(c)));
  EXPECT_NE(MerkleRoot({a, b, c}), MerkleRoot({a, b, c, c}));
}

TEST(BlockTest, RoundTripAndSignature) {
  for (size_t n : {0, 1, 3}) {
    Block block = MakeBlock(n);
    core::Bytes bytes = block.Encode();
    auto decoded = Block::Decode(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
    EXPECT_EQ(decoded->header, block.header);
    EXPECT_EQ(decoded->txs.size(), n);
    EXPECT_TRUE(decoded->VerifySignature());
    EXPECT_EQ(decoded->Encode(), bytes);
    EXPECT_EQ(decoded->Hash(), block.Hash());
  }
}

TEST(BlockTest, SignatureCoversTheHeader) {
  Block block = MakeBlock(1);
  block.header.height = 5;
  EXPECT_FALSE(block.VerifySignature());
}

TEST(BlockTest, DecodeRejectsInconsistentBlocks) {
  Block block = MakeBlock(2);
  block.header.tx_root = core::Sha256(std::string_view("wrong"));
  EXPECT_NE(Block::Decode(block.Encode()).error().message().find("root"), std::string::npos);

  block = MakeBlock(2);
  block.header.tx_count = 3;
  EXPECT_NE(Block::Decode(block.Encode()).error().message().find("header says"), std::string::npos);

  core::Bytes bytes = MakeBlock(2).Encode();
  for (size_t cut = 0; cut < bytes.size(); cut += 7) {
    EXPECT_FALSE(Block::Decode(core::ByteView(bytes.data(), cut)).ok());
  }
  bytes.push_back(1);
  EXPECT_FALSE(Block::Decode(bytes).ok());
}

}  // namespace
}  // namespace aitbc::protocol
