#include "chain/tx_write_set.h"

namespace aitbc::chain {

core::Result<Account> TxWriteSet::LoadAccount(const core::Address& address) const {
  auto it = accounts_.find(address);
  if (it != accounts_.end()) return it->second;
  return state_.LoadAccount(address);
}

void TxWriteSet::PutAccount(const core::Address& address, const Account& account) {
  accounts_[address] = account;
}

core::Result<std::optional<Escrow>> TxWriteSet::GetEscrow(std::string_view job_id) const {
  auto it = escrows_.find(job_id);
  if (it != escrows_.end()) return std::optional<Escrow>(it->second);
  return state_.GetEscrow(job_id);
}

void TxWriteSet::PutEscrow(const Escrow& escrow) {
  escrows_.insert_or_assign(escrow.job_id, escrow);
}

void TxWriteSet::AddUnbonding(const UnbondingEntry& entry) { unbonding_.push_back(entry); }

core::Status TxWriteSet::Credit(const core::Address& address, core::Amount amount,
                                std::string_view what) {
  if (amount.micro() == 0) return core::Ok();
  AITBC_ASSIGN_OR_RETURN(Account account, LoadAccount(address));
  auto balance = account.balance.Add(amount);
  if (!balance.ok()) {
    return core::Error::InvalidArgument("crediting " + std::string(what) + " of " +
                                        amount.ToString() + " to " + address.ToString() +
                                        " overflows its balance of " + account.balance.ToString());
  }
  account.balance = *balance;
  PutAccount(address, account);
  return core::Ok();
}

void TxWriteSet::CommitTo(StateOverlay& state) const {
  for (const auto& [address, account] : accounts_) state.PutAccount(address, account);
  for (const auto& [job_id, escrow] : escrows_) state.PutEscrow(escrow);
  for (const auto& entry : unbonding_) state.AddUnbonding(entry);
}

}  // namespace aitbc::chain
