// StateOverlay: copy-on-write writes over a base reader, turned into a StateDelta by Finish().
#include <algorithm>

#include "chain/state.h"
#include "chain/supply.h"

namespace aitbc::chain {
namespace {

// An account as the LtHash and the store see it: empty accounts do not exist.
std::optional<Account> Stored(std::optional<Account> account) {
  if (account && account->IsEmpty()) return std::nullopt;
  return account;
}

}  // namespace

StateOverlay::StateOverlay(const StateReader& base) : base_(base) {}

core::Result<std::optional<Account>> StateOverlay::GetAccount(const core::Address& address) const {
  auto it = accounts_.find(address);
  if (it != accounts_.end()) return Stored(it->second);
  return base_.GetAccount(address);
}

core::Result<std::optional<Escrow>> StateOverlay::GetEscrow(std::string_view job_id) const {
  auto it = escrows_.find(job_id);
  if (it != escrows_.end()) return std::optional<Escrow>(it->second);
  return base_.GetEscrow(job_id);
}

core::Result<std::vector<UnbondingEntry>> StateOverlay::GetUnbonding(uint64_t height) const {
  std::vector<UnbondingEntry> entries;
  bool released = std::find(unbonding_released_.begin(), unbonding_released_.end(), height) !=
                  unbonding_released_.end();
  if (!released) {
    AITBC_ASSIGN_OR_RETURN(entries, base_.GetUnbonding(height));
  }
  auto it = unbonding_added_.find(height);
  if (it != unbonding_added_.end()) {
    entries.insert(entries.end(), it->second.begin(), it->second.end());
  }
  return entries;
}

core::Result<ChainMeta> StateOverlay::GetMeta() const {
  if (meta_) return *meta_;
  return base_.GetMeta();
}

core::Result<Account> StateOverlay::LoadAccount(const core::Address& address) const {
  AITBC_ASSIGN_OR_RETURN(std::optional<Account> account, GetAccount(address));
  return account.value_or(Account{});
}

void StateOverlay::PutAccount(const core::Address& address, const Account& account) {
  accounts_[address] = account;
}

void StateOverlay::PutEscrow(const Escrow& escrow) {
  escrows_.insert_or_assign(escrow.job_id, escrow);
}

void StateOverlay::AddUnbonding(const UnbondingEntry& entry) {
  unbonding_added_[entry.release_height].push_back(entry);
}

void StateOverlay::ReleaseUnbonding(uint64_t height) {
  unbonding_added_.erase(height);
  if (std::find(unbonding_released_.begin(), unbonding_released_.end(), height) ==
      unbonding_released_.end()) {
    unbonding_released_.push_back(height);
  }
}

void StateOverlay::PutMeta(const ChainMeta& meta) { meta_ = meta; }

core::Result<StateDelta> StateOverlay::Finish() {
  AITBC_ASSIGN_OR_RETURN(ChainMeta meta, GetMeta());
  StateDelta delta;
  SupplyChange supply;
  LtHash& lthash = meta.state_lthash;

  for (const auto& [address, account] : accounts_) {
    AITBC_ASSIGN_OR_RETURN(std::optional<Account> raw_old, base_.GetAccount(address));
    bool unchanged = raw_old ? (*raw_old == account && !account.IsEmpty()) : account.IsEmpty();
    if (unchanged) continue;
    std::optional<Account> old = Stored(raw_old);
    if (old) {
      lthash.Remove(AccountElement(address, *old));
      supply.AddAccount(*old, -1);
    }
    if (!account.IsEmpty()) {
      lthash.Add(AccountElement(address, account));
      supply.AddAccount(account, +1);
    }
    delta.accounts.emplace(address, account);
  }

  for (const auto& [job_id, escrow] : escrows_) {
    AITBC_ASSIGN_OR_RETURN(std::optional<Escrow> old, base_.GetEscrow(job_id));
    if (old == escrow) continue;
    if (old) {
      lthash.Remove(EscrowElement(*old));
      supply.AddEscrow(*old, -1);
    }
    lthash.Add(EscrowElement(escrow));
    supply.AddEscrow(escrow, +1);
    delta.escrows.emplace(job_id, escrow);
  }

  std::vector<uint64_t> heights = unbonding_released_;
  for (const auto& [height, entries] : unbonding_added_) heights.push_back(height);
  std::sort(heights.begin(), heights.end());
  heights.erase(std::unique(heights.begin(), heights.end()), heights.end());
  for (uint64_t height : heights) {
    AITBC_ASSIGN_OR_RETURN(std::vector<UnbondingEntry> old, base_.GetUnbonding(height));
    AITBC_ASSIGN_OR_RETURN(std::vector<UnbondingEntry> now, GetUnbonding(height));
    if (old == now) continue;
    if (!old.empty()) lthash.Remove(UnbondingElement(height, old));
    if (!now.empty()) lthash.Add(UnbondingElement(height, now));
  }

  AITBC_ASSIGN_OR_RETURN(meta.supply, supply.ApplyTo(meta.supply));
  meta.state_hash = lthash.Digest();
  delta.unbonding_added = std::move(unbonding_added_);
  delta.unbonding_released = std::move(unbonding_released_);
  delta.meta = std::move(meta);
  return delta;
}

}  // namespace aitbc::chain
