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
  // checked arithmetic, escrow rules (docs/protocol.md).
  core::Status ApplyTx(StateOverlay& state, const protocol::Transaction& tx,
                       const BlockContext& ctx) const;

  // Validates a block against the committed state (header links, proposer, signature, tx
  // root, every transaction, state hash) and returns what it changes.
  core::Result<AppliedBlock> ApplyBlock(const StateReader& state, const protocol::Block& block,
                                        VerifySignatures verify) const;

  // Builds the next block from candidates in order, skipping invalid ones, up to the
  // genesis limits; signs it with the proposer key.
  core::Result<BuiltBlock> BuildBlock(const StateReader& state,
                                      const std::vector<protocol::TxEnvelope>& candidates,
                                      uint64_t time_ms, const core::PrivateKey& proposer) const;

 private:
  protocol::Genesis genesis_;
};

}  // namespace aitbc::chain
