// Blocks: header, proposer signature and transactions (docs/protocol.md, "Blocks").
//
// Contract: pure values, thread-safe. Block::Decode accepts only the canonical encoding and
// checks that tx_count and tx_root match the transactions; it does not verify signatures or
// apply transactions (the chain does).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/hash.h"
#include "core/keys.h"
#include "protocol/transaction.h"

namespace aitbc::protocol {

struct BlockHeader {
  static constexpr uint8_t kVersion = 1;

  std::string chain_id;
  uint64_t height = 0;
  uint64_t time_ms = 0;
  core::Hash256 prev_hash;
  core::Hash256 tx_root;
  uint32_t tx_count = 0;
  core::Hash256 state_hash;
  core::PublicKey proposer;

  core::Bytes Encode() const;
  static core::Result<BlockHeader> DecodeFrom(core::Reader& r);
  core::Hash256 Hash() const;  // SHA-256 of Encode()
  core::Bytes SigningMessage() const;
  bool operator==(const BlockHeader&) const = default;
};

struct Block {
  BlockHeader header;
  core::Signature signature;
  std::vector<TxEnvelope> txs;

  core::Hash256 Hash() const { return header.Hash(); }
  core::Bytes Encode() const;
  static core::Result<Block> Decode(core::ByteView bytes);
  void Sign(const core::PrivateKey& proposer_key);  // sets header.proposer
  bool VerifySignature() const;
};

// RFC 6962 Merkle tree hash over transaction hashes.
core::Hash256 MerkleRoot(const std::vector<core::Hash256>& leaves);
core::Hash256 TxRoot(const std::vector<TxEnvelope>& txs);

}  // namespace aitbc::protocol
