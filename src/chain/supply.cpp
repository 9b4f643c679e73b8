#include "chain/supply.h"

#include <limits>
#include <string>

namespace aitbc::chain {
namespace {

core::Result<core::Amount> Adjust(core::Amount total, __int128 change, const char* what) {
  __int128 value = static_cast<__int128>(total.micro()) + change;
  if (value < 0 || value > static_cast<__int128>(std::numeric_limits<uint64_t>::max())) {
    return core::Error::Internal(std::string("supply total of ") + what +
                                 " leaves the uint64 range");
  }
  return core::Amount::FromMicro(static_cast<uint64_t>(value));
}

}  // namespace

void SupplyChange::AddAccount(const Account& account, int sign) {
  balances_ += sign * static_cast<__int128>(account.balance.micro());
  staked_ += sign * static_cast<__int128>(account.stake.micro());
  unbonding_ += sign * static_cast<__int128>(account.unbonding.micro());
}

void SupplyChange::AddEscrow(const Escrow& escrow, int sign) {
  if (escrow.status == EscrowStatus::kOpen) {
    escrowed_ += sign * static_cast<__int128>(escrow.amount.micro());
  }
}

core::Result<SupplyTotals> SupplyChange::ApplyTo(const SupplyTotals& base) const {
  SupplyTotals out;
  AITBC_ASSIGN_OR_RETURN(out.balances, Adjust(base.balances, balances_, "balances"));
  AITBC_ASSIGN_OR_RETURN(out.staked, Adjust(base.staked, staked_, "stakes"));
  AITBC_ASSIGN_OR_RETURN(out.unbonding, Adjust(base.unbonding, unbonding_, "unbonding"));
  AITBC_ASSIGN_OR_RETURN(out.escrowed, Adjust(base.escrowed, escrowed_, "open escrows"));
  return out;
}

core::Status CheckSupplyInvariant(const ChainMeta& meta) {
  auto total = meta.supply.Total();
  if (!total.ok())
    return core::Error::Internal("total supply overflows at height " + std::to_string(meta.height));
  if (*total != meta.genesis_supply) {
    return core::Error::Internal("supply invariant violated at height " +
                                 std::to_string(meta.height) + ": total " + total->ToString() +
                                 ", genesis supply " + meta.genesis_supply.ToString());
  }
  return core::Ok();
}

}  // namespace aitbc::chain
