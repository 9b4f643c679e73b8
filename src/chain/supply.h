// Supply totals derived from the state's entries (internal to the chain library).
//
// Contract: SupplyChange sums signed contributions of accounts and escrows in 128-bit integers,
// so adding and removing in any order never overflows; ApplyTo() checks that each resulting
// total fits in uint64 and reports kInternal otherwise (the state would be inconsistent).
#pragma once

#include "chain/state.h"

namespace aitbc::chain {

class SupplyChange {
 public:
  // sign: +1 to count an entry in, -1 to take it out.
  void AddAccount(const Account& account, int sign);
  void AddEscrow(const Escrow& escrow, int sign);
  core::Result<SupplyTotals> ApplyTo(const SupplyTotals& base) const;

 private:
  __int128 balances_ = 0;
  __int128 staked_ = 0;
  __int128 unbonding_ = 0;
  __int128 escrowed_ = 0;
};

// The supply invariant: meta.supply.Total() == meta.genesis_supply. kInternal if violated
// (tokens were created or destroyed: a bug, never an input error).
core::Status CheckSupplyInvariant(const ChainMeta& meta);

}  // namespace aitbc::chain
