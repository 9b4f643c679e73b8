// Block validation (ApplyBlock) and production (BuildBlock): docs/chain.md, "Blocks".
#include <algorithm>

#include "chain/state_machine.h"
#include "chain/supply.h"
#include "chain/tx_rules.h"

namespace aitbc::chain {
namespace {

// Encoded size of a block: header, signature, count, and each transaction with its length.
size_t BlockSizeWithoutTxs(const protocol::BlockHeader& header) {
  return header.Encode().size() + sizeof(core::Signature::bytes) + 4;
}
size_t TxSizeInBlock(const protocol::TxEnvelope& tx) { return 4 + tx.bytes.size(); }

std::string TxLabel(size_t index, const protocol::TxEnvelope& tx) {
  return "transaction " + std::to_string(index) + " (" + tx.hash.ToHex() + ")";
}

core::Result<core::PublicKey> Proposer(const protocol::Genesis& genesis) {
  if (genesis.validators.empty()) {
    return core::Error::FailedPrecondition("the genesis has no validators");
  }
  return genesis.validators.front();
}

// Moves the meta to the block just applied and checks the supply invariant.
core::Status AdvanceMeta(ChainMeta& meta, const protocol::BlockHeader& header) {
  meta.height = header.height;
  meta.last_block_hash = header.Hash();
  meta.last_block_time_ms = header.time_ms;
  return CheckSupplyInvariant(meta);
}

core::Status CheckHeader(const protocol::Genesis& genesis, const ChainMeta& meta,
                         const protocol::Block& block) {
  const protocol::BlockHeader& h = block.header;
  if (h.chain_id != genesis.chain_id) {
    return core::Error::InvalidArgument("block for chain '" + h.chain_id + "', this chain is '" +
                                        genesis.chain_id + "'");
  }
  if (h.height == 0 || h.height - 1 != meta.height) {
    return core::Error::FailedPrecondition("block height " + std::to_string(h.height) +
                                           " does not follow the chain's height " +
                                           std::to_string(meta.height));
  }
  if (h.prev_hash != meta.last_block_hash) {
    return core::Error::InvalidArgument("block " + std::to_string(h.height) + " has prev_hash " +
                                        h.prev_hash.ToHex() + ", the chain's last block is " +
                                        meta.last_block_hash.ToHex());
  }
  if (h.time_ms == 0) return core::Error::InvalidArgument("block time is zero");
  if (h.time_ms < meta.last_block_time_ms) {
    return core::Error::InvalidArgument("block time " + std::to_string(h.time_ms) +
                                        " is before the previous block's time " +
                                        std::to_string(meta.last_block_time_ms));
  }
  AITBC_ASSIGN_OR_RETURN(core::PublicKey proposer, Proposer(genesis));
  if (h.proposer != proposer) {
    return core::Error::PermissionDenied(
        "block proposer " + core::Address::FromPublicKey(h.proposer).ToString() +
        " is not the chain's proposer " + core::Address::FromPublicKey(proposer).ToString());
  }
  if (!block.VerifySignature()) {
    return core::Error::Unauthenticated("invalid proposer signature on block " +
                                        std::to_string(h.height));
  }
  if (h.tx_count != block.txs.size()) {
    return core::Error::InvalidArgument("block header says " + std::to_string(h.tx_count) +
                                        " transactions, the block carries " +
                                        std::to_string(block.txs.size()));
  }
  if (h.tx_root != protocol::TxRoot(block.txs)) {
    return core::Error::InvalidArgument("block tx_root does not match its transactions");
  }
  const protocol::ConsensusParams& params = genesis.params;
  if (block.txs.size() > params.max_block_txs) {
    return core::Error::InvalidArgument("block has " + std::to_string(block.txs.size()) +
                                        " transactions, the limit is " +
                                        std::to_string(params.max_block_txs));
  }
  size_t size = BlockSizeWithoutTxs(h);
  for (const auto& tx : block.txs) size += TxSizeInBlock(tx);
  if (size > params.max_block_bytes) {
    return core::Error::InvalidArgument("block of " + std::to_string(size) +
                                        " bytes exceeds the limit of " +
                                        std::to_string(params.max_block_bytes));
  }
  return core::Ok();
}

}  // namespace

core::Result<AppliedBlock> StateMachine::ApplyBlock(const StateReader& state,
                                                    const protocol::Block& block,
                                                    VerifySignatures verify) const {
  AITBC_ASSIGN_OR_RETURN(ChainMeta meta, state.GetMeta());
  AITBC_TRY(CheckHeader(genesis_, meta, block));
  const protocol::BlockHeader& h = block.header;
  BlockContext ctx{h.height, h.time_ms, core::Address::FromPublicKey(h.proposer)};
  StateOverlay overlay(state);
  AITBC_TRY(BeginBlock(overlay, ctx));
  for (size_t i = 0; i < block.txs.size(); ++i) {
    const protocol::TxEnvelope& tx = block.txs[i];
    if (verify == VerifySignatures::kYes) {
      auto verified = tx.tx.VerifySignatures();
      if (!verified.ok()) return verified.error().WithContext(TxLabel(i, tx));
    }
    auto applied = ApplyTransaction(genesis_, overlay, tx.tx, tx.hash, ctx);
    if (!applied.ok()) return applied.error().WithContext(TxLabel(i, tx));
  }
  AITBC_ASSIGN_OR_RETURN(StateDelta delta, overlay.Finish());
  AITBC_TRY(AdvanceMeta(delta.meta, h));
  if (delta.meta.state_hash != h.state_hash) {
    return core::Error::Corruption("state hash mismatch at height " + std::to_string(h.height) +
                                   ": block says " + h.state_hash.ToHex() + ", computed " +
                                   delta.meta.state_hash.ToHex());
  }
  core::Hash256 state_hash = delta.meta.state_hash;
  return AppliedBlock{std::move(delta), state_hash};
}

core::Result<BuiltBlock> StateMachine::BuildBlock(
    const StateReader& state, const std::vector<protocol::TxEnvelope>& candidates, uint64_t time_ms,
    const core::PrivateKey& proposer) const {
  AITBC_ASSIGN_OR_RETURN(core::PublicKey expected_proposer, Proposer(genesis_));
  if (proposer.public_key() != expected_proposer) {
    return core::Error::PermissionDenied(
        "key " + core::Address::FromPublicKey(proposer.public_key()).ToString() +
        " is not the chain's proposer " +
        core::Address::FromPublicKey(expected_proposer).ToString());
  }
  AITBC_ASSIGN_OR_RETURN(ChainMeta meta, state.GetMeta());
  BuiltBlock built;
  protocol::BlockHeader& h = built.block.header;
  h.chain_id = genesis_.chain_id;
  h.height = meta.height + 1;
  h.time_ms = std::max<uint64_t>({time_ms, meta.last_block_time_ms, 1});
  h.prev_hash = meta.last_block_hash;
  h.proposer = proposer.public_key();

  BlockContext ctx{h.height, h.time_ms, core::Address::FromPublicKey(h.proposer)};
  StateOverlay overlay(state);
  AITBC_TRY(BeginBlock(overlay, ctx));
  const protocol::ConsensusParams& params = genesis_.params;
  const size_t empty_size = BlockSizeWithoutTxs(h);
  size_t size = empty_size;
  std::vector<protocol::TxEnvelope>& txs = built.block.txs;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const protocol::TxEnvelope& tx = candidates[i];
    size_t tx_size = TxSizeInBlock(tx);
    if (empty_size + tx_size > params.max_block_bytes) {
      built.rejected.emplace_back(tx.hash, core::Error::PayloadTooLarge(
                                               "transaction of " + std::to_string(tx.bytes.size()) +
                                               " bytes cannot fit in a block of at most " +
                                               std::to_string(params.max_block_bytes) + " bytes"));
      continue;
    }
    if (txs.size() >= params.max_block_txs || size + tx_size > params.max_block_bytes) {
      built.deferred = candidates.size() - i;
      break;
    }
    auto applied = ApplyTransaction(genesis_, overlay, tx.tx, tx.hash, ctx);
    if (!applied.ok()) {
      built.rejected.emplace_back(tx.hash, std::move(applied).error());
      continue;
    }
    txs.push_back(tx);
    size += tx_size;
  }
  AITBC_ASSIGN_OR_RETURN(built.delta, overlay.Finish());
  h.tx_root = protocol::TxRoot(txs);
  h.tx_count = static_cast<uint32_t>(txs.size());
  h.state_hash = built.delta.meta.state_hash;
  AITBC_TRY(AdvanceMeta(built.delta.meta, h));
  built.block.Sign(proposer);
  return built;
}

}  // namespace aitbc::chain
