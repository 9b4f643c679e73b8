// StateMachine: genesis and the start of a block (unbonding releases).
#include "chain/state_machine.h"

#include <set>

#include "chain/supply.h"
#include "chain/tx_write_set.h"

namespace aitbc::chain {

StateMachine::StateMachine(protocol::Genesis genesis) : genesis_(std::move(genesis)) {}

core::Result<StateDelta> StateMachine::GenesisDelta() const {
  if (genesis_.chain_id.empty()) return core::Error::InvalidArgument("genesis has no chain id");
  if (genesis_.validators.empty()) {
    return core::Error::InvalidArgument("genesis has no validators");
  }
  MemoryState empty;
  StateOverlay state(empty);
  std::set<core::Address> seen;
  for (const auto& g : genesis_.accounts) {
    if (!seen.insert(g.address).second) {
      return core::Error::InvalidArgument("duplicate genesis account " + g.address.ToString());
    }
    Account account;
    account.balance = g.balance;
    account.stake = g.stake;
    state.PutAccount(g.address, account);
  }
  ChainMeta meta;
  meta.height = 0;
  meta.last_block_hash = genesis_.Hash();
  meta.last_block_time_ms = genesis_.genesis_time_ms;
  auto supply = genesis_.TotalSupply();
  if (!supply.ok()) return supply.error().WithContext("genesis total supply");
  meta.genesis_supply = *supply;
  state.PutMeta(meta);
  AITBC_ASSIGN_OR_RETURN(StateDelta delta, state.Finish());
  AITBC_TRY(CheckSupplyInvariant(delta.meta));
  return delta;
}

core::Status StateMachine::BeginBlock(StateOverlay& state, const BlockContext& ctx) const {
  AITBC_ASSIGN_OR_RETURN(std::vector<UnbondingEntry> due, state.GetUnbonding(ctx.height));
  if (due.empty()) return core::Ok();
  TxWriteSet writes(state);
  for (const auto& entry : due) {
    AITBC_ASSIGN_OR_RETURN(Account account, writes.LoadAccount(entry.address));
    auto unbonding = account.unbonding.Sub(entry.amount);
    if (!unbonding.ok()) {
      return core::Error::Corruption(
          "unbonding entry of " + entry.amount.ToString() + " for " + entry.address.ToString() +
          " at height " + std::to_string(ctx.height) + " exceeds the account's unbonding " +
          account.unbonding.ToString());
    }
    account.unbonding = *unbonding;
    writes.PutAccount(entry.address, account);
    AITBC_TRY(writes.Credit(entry.address, entry.amount, "released stake"));
  }
  writes.CommitTo(state);
  state.ReleaseUnbonding(ctx.height);
  return core::Ok();
}

}  // namespace aitbc::chain
