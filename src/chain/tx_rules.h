// The transaction rules (internal to the chain library; StateMachine::ApplyTx is the public
// entry point).
//
// Contract: checks every rule of docs/chain.md for tx against the state and, only when all
// pass, writes its effects to the overlay; on error the overlay is unchanged. Signatures are
// not checked. tx_hash is recorded as the closing transaction of a settled or refunded escrow.
#pragma once

#include "chain/state.h"
#include "chain/state_machine.h"

namespace aitbc::chain {

core::Status ApplyTransaction(const protocol::Genesis& genesis, StateOverlay& state,
                              const protocol::Transaction& tx, const core::Hash256& tx_hash,
                              const BlockContext& ctx);

}  // namespace aitbc::chain
