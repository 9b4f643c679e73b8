// The deterministic state machine: checks and applies transactions and blocks.
//
// Contract: no I/O, no clock, no randomness: the same genesis and blocks give the same state
// hash on every machine. Signatures are checked only where the caller asks
// (VerifySignatures::kYes), so each signature is verified once: at mempool admission on the
// proposer, when a follower validates a peer's block. Thread-safe (holds only the genesis).
#pragma once

#include <cstdint>
#include <vector>

#include "chain/state.h"
#include "core/keys.h"
#include "protocol/block.h"
#include "protocol/genesis.h"

namespace aitbc::chain {

// What the rules need to know about the block being built or applied.
struct BlockContext {
  uint64_t height = 0;
  uint64_t time_ms = 0;
  core::Address proposer;  // receives the fees
};

enum class VerifySignatures { kNo, kYes };

struct AppliedBlock {
  StateDelta delta;
  core::Hash256 state_hash;
};

struct BuiltBlock {
  protocol::Block block;
  StateDelta delta;
  // Candidates left out because they are invalid against the state (with the reason), and
  // those that did not fit (to try again in the next block).
  std::vector<std::pair<core::Hash256, core::Error>> rejected;
  size_t deferred = 0;
};

class StateMachine {
 public:
  explicit StateMachine(protocol::Genesis genesis);

  const protocol::Genesis& genesis() const { return genesis_; }

  // The state at height 0. Apply to an empty store.
  core::Result<StateDelta> GenesisDelta() const;

  // Releases unbonding entries due at ctx.height. Call once per block before its transactions.
  core::Status BeginBlock(StateOverlay& state, const BlockContext& ctx) const;

  // Checks every stateless and stateful rule for tx at this point and applies it; on error the
  // overlay is unchanged. Rules: chain id, well-formedness, fee >= min_fee, nonce, balances with
  // checked arithmetic, escrow rules (docs/protocol.md, docs/chain.md). Signatures are not
  // checked here (the caller verified them once). The envelope overload uses the envelope's
  // hash (a settlement or refund records it in the escrow); the Transaction overload hashes
  // tx.Encode() itself.
  core::Status ApplyTx(StateOverlay& state, const protocol::TxEnvelope& tx,
                       const BlockContext& ctx) const;
  core::Status ApplyTx(StateOverlay& state, const protocol::Transaction& tx,
                       const BlockContext& ctx) const;

  // Validates a block against the committed state (header links, proposer, signature, tx
  // root, limits, every transaction, state hash) and returns what it changes, with the meta
  // advanced to the block (height, hash, time, supply, state hash). The block signature is
  // always verified; kYes also verifies every transaction's signatures (each once).
  core::Result<AppliedBlock> ApplyBlock(const StateReader& state, const protocol::Block& block,
                                        VerifySignatures verify) const;

  // Builds the next block from candidates in order, skipping invalid ones (listed in
  // `rejected`, the state unchanged by them), up to the genesis limits: the first candidate
  // that does not fit and every one after it are left for the next block (`deferred`, so a
  // sender's nonce sequence is never broken); a candidate too large for any block is rejected.
  // time_ms is raised to the previous block's time if it is earlier (and to 1 if 0). Signs it
  // with the proposer key, which must be the genesis proposer (kPermissionDenied otherwise).
  // The block passes ApplyBlock on the same state.
  core::Result<BuiltBlock> BuildBlock(const StateReader& state,
                                      const std::vector<protocol::TxEnvelope>& candidates,
                                      uint64_t time_ms, const core::PrivateKey& proposer) const;

 private:
  protocol::Genesis genesis_;
};

}  // namespace aitbc::chain
