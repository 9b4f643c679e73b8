// MemoryState: the whole state in maps, for tests, tools and fuzzers.
#include "chain/state.h"
#include "chain/supply.h"

namespace aitbc::chain {

core::Result<std::optional<Account>> MemoryState::GetAccount(const core::Address& address) const {
  auto it = accounts_.find(address);
  if (it == accounts_.end()) return std::optional<Account>();
  return std::optional<Account>(it->second);
}

core::Result<std::optional<Escrow>> MemoryState::GetEscrow(std::string_view job_id) const {
  auto it = escrows_.find(job_id);
  if (it == escrows_.end()) return std::optional<Escrow>();
  return std::optional<Escrow>(it->second);
}

core::Result<std::vector<UnbondingEntry>> MemoryState::GetUnbonding(uint64_t height) const {
  auto it = unbonding_.find(height);
  if (it == unbonding_.end()) return std::vector<UnbondingEntry>();
  return it->second;
}

core::Result<ChainMeta> MemoryState::GetMeta() const { return meta_; }

void MemoryState::Apply(const StateDelta& delta) {
  for (const auto& [address, account] : delta.accounts) {
    if (account.IsEmpty()) {
      accounts_.erase(address);
    } else {
      accounts_[address] = account;
    }
  }
  for (const auto& [job_id, escrow] : delta.escrows) escrows_.insert_or_assign(job_id, escrow);
  for (uint64_t height : delta.unbonding_released) unbonding_.erase(height);
  for (const auto& [height, entries] : delta.unbonding_added) {
    auto& stored = unbonding_[height];
    stored.insert(stored.end(), entries.begin(), entries.end());
  }
  meta_ = delta.meta;
}

LtHash MemoryState::RecomputeLtHash() const {
  LtHash hash;
  for (const auto& [address, account] : accounts_) hash.Add(AccountElement(address, account));
  for (const auto& [job_id, escrow] : escrows_) hash.Add(EscrowElement(escrow));
  for (const auto& [height, entries] : unbonding_) {
    if (!entries.empty()) hash.Add(UnbondingElement(height, entries));
  }
  return hash;
}

core::Result<SupplyTotals> MemoryState::RecomputeSupply() const {
  SupplyChange supply;
  for (const auto& [address, account] : accounts_) supply.AddAccount(account, +1);
  for (const auto& [job_id, escrow] : escrows_) supply.AddEscrow(escrow, +1);
  return supply.ApplyTo(SupplyTotals{});
}

}  // namespace aitbc::chain
