// The writes of one transaction, staged until every rule has passed (internal to the chain
// library).
//
// Contract: reads see the staged writes first, then the overlay; nothing reaches the overlay
// until CommitTo(), which cannot fail. So a transaction that fails half-way leaves the overlay
// exactly as it was. Single-threaded, short-lived, refers to the overlay it was made from.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "chain/state.h"

namespace aitbc::chain {

class TxWriteSet {
 public:
  explicit TxWriteSet(const StateOverlay& state) : state_(state) {}

  core::Result<Account> LoadAccount(const core::Address& address) const;
  void PutAccount(const core::Address& address, const Account& account);
  core::Result<std::optional<Escrow>> GetEscrow(std::string_view job_id) const;
  void PutEscrow(const Escrow& escrow);
  void AddUnbonding(const UnbondingEntry& entry);

  // Adds amount to the balance of address; kInvalidArgument "... overflows" if it cannot.
  core::Status Credit(const core::Address& address, core::Amount amount, std::string_view what);

  void CommitTo(StateOverlay& state) const;

 private:
  const StateOverlay& state_;
  std::map<core::Address, Account> accounts_;
  std::map<std::string, Escrow, std::less<>> escrows_;
  std::vector<UnbondingEntry> unbonding_;
};

}  // namespace aitbc::chain
