#include "protocol/block.h"

#include "protocol/limits.h"

namespace aitbc::protocol {
namespace {

constexpr std::string_view kBlockDomain{"aitbc/block/v1\0", 15};

core::Hash256 HashWithPrefix(uint8_t prefix, core::ByteView a, core::ByteView b = {}) {
  core::Sha256Hasher h;
  h.Update(core::ByteView(&prefix, 1));
  h.Update(a);
  h.Update(b);
  return h.Finish();
}

// RFC 6962 section 2.1: split at the largest power of two smaller than n.
core::Hash256 MerkleRange(const std::vector<core::Hash256>& leaves, size_t begin, size_t end) {
  size_t n = end - begin;
  if (n == 1) return HashWithPrefix(0x00, leaves[begin].view());
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  core::Hash256 left = MerkleRange(leaves, begin, begin + k);
  core::Hash256 right = MerkleRange(leaves, begin + k, end);
  return HashWithPrefix(0x01, left.view(), right.view());
}

}  // namespace

core::Bytes BlockHeader::Encode() const {
  core::Writer w(256);
  w.U8(kVersion);
  w.String(chain_id);
  w.U64(height);
  w.U64(time_ms);
  w.Fixed(prev_hash.view());
  w.Fixed(tx_root.view());
  w.U32(tx_count);
  w.Fixed(state_hash.view());
  w.Fixed(proposer.view());
  return w.Take();
}

core::Result<BlockHeader> BlockHeader::DecodeFrom(core::Reader& r) {
  AITBC_ASSIGN_OR_RETURN(uint8_t version, r.U8());
  if (version != kVersion) {
    return core::Error::InvalidArgument("unsupported block version " + std::to_string(version));
  }
  BlockHeader h;
  AITBC_ASSIGN_OR_RETURN(h.chain_id, r.String(kMaxChainIdBytes));
  AITBC_ASSIGN_OR_RETURN(h.height, r.U64());
  AITBC_ASSIGN_OR_RETURN(h.time_ms, r.U64());
  AITBC_TRY(r.Fixed(h.prev_hash.bytes));
  AITBC_TRY(r.Fixed(h.tx_root.bytes));
  AITBC_ASSIGN_OR_RETURN(h.tx_count, r.U32());
  AITBC_TRY(r.Fixed(h.state_hash.bytes));
  AITBC_TRY(r.Fixed(h.proposer.bytes));
  return h;
}

core::Hash256 BlockHeader::Hash() const { return core::Sha256(Encode()); }

core::Bytes BlockHeader::SigningMessage() const {
  core::Bytes encoded = Encode();
  core::Bytes message(kBlockDomain.begin(), kBlockDomain.end());
  message.insert(message.end(), encoded.begin(), encoded.end());
  return message;
}

core::Bytes Block::Encode() const {
  size_t size = 512;
  for (const auto& tx : txs) size += 4 + tx.bytes.size();
  core::Writer w(size);
  w.Fixed(header.Encode());
  w.Fixed(signature.view());
  w.U32(static_cast<uint32_t>(txs.size()));
  for (const auto& tx : txs) w.Var(tx.bytes);
  return w.Take();
}

core::Result<Block> Block::Decode(core::ByteView bytes) {
  if (bytes.size() > kMaxBlockBytes) {
    return core::Error::InvalidArgument("block exceeds the size limit");
  }
  core::Reader r(bytes);
  Block block;
  AITBC_ASSIGN_OR_RETURN(block.header, BlockHeader::DecodeFrom(r));
  AITBC_TRY(r.Fixed(block.signature.bytes));
  AITBC_ASSIGN_OR_RETURN(uint32_t count, r.U32());
  if (count != block.header.tx_count) {
    return core::Error::InvalidArgument("block carries " + std::to_string(count) +
                                        " transactions but its header says " +
                                        std::to_string(block.header.tx_count));
  }
  if (count > kMaxBlockTxs) return core::Error::InvalidArgument("too many transactions");
  // Each transaction takes at least 4 bytes; refuse counts the input cannot hold.
  if (count > r.remaining() / 4) {
    return core::Error::InvalidArgument("transaction count exceeds the block's size");
  }
  block.txs.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    AITBC_ASSIGN_OR_RETURN(core::Bytes raw, r.Var(kMaxTxBytes));
    auto tx = TxEnvelope::FromOwned(std::move(raw));
    if (!tx.ok()) return tx.error().WithContext("transaction " + std::to_string(i));
    block.txs.push_back(std::move(tx).value());
  }
  AITBC_TRY(r.ExpectEnd());
  if (TxRoot(block.txs) != block.header.tx_root) {
    return core::Error::InvalidArgument("transaction root does not match the transactions");
  }
  return block;
}

void Block::Sign(const core::PrivateKey& proposer_key) {
  header.proposer = proposer_key.public_key();
  signature = proposer_key.Sign(header.SigningMessage());
}

bool Block::VerifySignature() const {
  return core::Verify(header.proposer, header.SigningMessage(), signature);
}

core::Hash256 MerkleRoot(const std::vector<core::Hash256>& leaves) {
  if (leaves.empty()) return core::Sha256(core::ByteView());
  return MerkleRange(leaves, 0, leaves.size());
}

core::Hash256 TxRoot(const std::vector<TxEnvelope>& txs) {
  std::vector<core::Hash256> leaves;
  leaves.reserve(txs.size());
  for (const auto& tx : txs) leaves.push_back(tx.hash);
  return MerkleRoot(leaves);
}

}  // namespace aitbc::protocol
