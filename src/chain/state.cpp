// Encodings of the state's records and of the elements that enter the LtHash.
#include "chain/state.h"

#include <array>

#include "protocol/limits.h"

namespace aitbc::chain {
namespace {

// One-byte prefixes that keep the three kinds of LtHash element apart.
constexpr uint8_t kAccountPrefix = 'a';
constexpr uint8_t kEscrowPrefix = 'e';
constexpr uint8_t kUnbondingPrefix = 'u';

core::Result<core::Address> ReadAddress(core::Reader& r) {
  std::array<uint8_t, 20> bytes{};
  AITBC_TRY(r.Fixed(bytes));
  return core::Address(bytes);
}

core::Result<core::Amount> ReadAmount(core::Reader& r) {
  AITBC_ASSIGN_OR_RETURN(uint64_t micro, r.U64());
  return core::Amount::FromMicro(micro);
}

core::Result<core::Hash256> ReadHash(core::Reader& r) {
  core::Hash256 hash;
  AITBC_TRY(r.Fixed(hash.bytes));
  return hash;
}

void EncodeAccountTo(const Account& a, core::Writer& w) {
  w.U64(a.balance.micro());
  w.U64(a.nonce);
  w.U64(a.stake.micro());
  w.U64(a.unbonding.micro());
}

void EncodeSupplyTo(const SupplyTotals& s, core::Writer& w) {
  w.U64(s.balances.micro());
  w.U64(s.staked.micro());
  w.U64(s.unbonding.micro());
  w.U64(s.escrowed.micro());
}

core::Result<SupplyTotals> DecodeSupplyFrom(core::Reader& r) {
  SupplyTotals s;
  AITBC_ASSIGN_OR_RETURN(s.balances, ReadAmount(r));
  AITBC_ASSIGN_OR_RETURN(s.staked, ReadAmount(r));
  AITBC_ASSIGN_OR_RETURN(s.unbonding, ReadAmount(r));
  AITBC_ASSIGN_OR_RETURN(s.escrowed, ReadAmount(r));
  return s;
}

}  // namespace

bool Account::IsEmpty() const {
  return balance.micro() == 0 && nonce == 0 && stake.micro() == 0 && unbonding.micro() == 0;
}

core::Bytes Account::Encode() const {
  core::Writer w(32);
  EncodeAccountTo(*this, w);
  return w.Take();
}

core::Result<Account> Account::Decode(core::ByteView bytes) {
  core::Reader r(bytes);
  Account a;
  AITBC_ASSIGN_OR_RETURN(a.balance, ReadAmount(r));
  AITBC_ASSIGN_OR_RETURN(a.nonce, r.U64());
  AITBC_ASSIGN_OR_RETURN(a.stake, ReadAmount(r));
  AITBC_ASSIGN_OR_RETURN(a.unbonding, ReadAmount(r));
  AITBC_TRY(r.ExpectEnd());
  return a;
}

std::string_view EscrowStatusName(EscrowStatus status) {
  switch (status) {
    case EscrowStatus::kOpen:
      return "open";
    case EscrowStatus::kSettled:
      return "settled";
    case EscrowStatus::kRefunded:
      return "refunded";
  }
  return "unknown";
}

core::Bytes Escrow::Encode() const {
  core::Writer w(256);
  w.String(job_id);
  w.Fixed(client.view());
  w.Fixed(coordinator.view());
  w.U64(amount.micro());
  w.U64(fee.micro());
  w.U64(expiry_height);
  w.U8(static_cast<uint8_t>(status));
  w.U64(created_height);
  w.U64(closed_height);
  w.Fixed(closing_tx.view());
  w.U64(amount_paid.micro());
  w.Fixed(miner.view());
  w.Fixed(result_hash.view());
  return w.Take();
}

core::Result<Escrow> Escrow::Decode(core::ByteView bytes) {
  core::Reader r(bytes);
  Escrow e;
  AITBC_ASSIGN_OR_RETURN(e.job_id, r.String(protocol::kMaxJobIdBytes));
  AITBC_ASSIGN_OR_RETURN(e.client, ReadAddress(r));
  AITBC_ASSIGN_OR_RETURN(e.coordinator, ReadAddress(r));
  AITBC_ASSIGN_OR_RETURN(e.amount, ReadAmount(r));
  AITBC_ASSIGN_OR_RETURN(e.fee, ReadAmount(r));
  AITBC_ASSIGN_OR_RETURN(e.expiry_height, r.U64());
  AITBC_ASSIGN_OR_RETURN(uint8_t status, r.U8());
  if (status < static_cast<uint8_t>(EscrowStatus::kOpen) ||
      status > static_cast<uint8_t>(EscrowStatus::kRefunded)) {
    return core::Error::InvalidArgument("unknown escrow status " + std::to_string(status));
  }
  e.status = static_cast<EscrowStatus>(status);
  AITBC_ASSIGN_OR_RETURN(e.created_height, r.U64());
  AITBC_ASSIGN_OR_RETURN(e.closed_height, r.U64());
  AITBC_ASSIGN_OR_RETURN(e.closing_tx, ReadHash(r));
  AITBC_ASSIGN_OR_RETURN(e.amount_paid, ReadAmount(r));
  AITBC_ASSIGN_OR_RETURN(e.miner, ReadAddress(r));
  AITBC_ASSIGN_OR_RETURN(e.result_hash, ReadHash(r));
  AITBC_TRY(r.ExpectEnd());
  return e;
}

core::Result<core::Amount> SupplyTotals::Total() const {
  AITBC_ASSIGN_OR_RETURN(core::Amount total, balances.Add(staked));
  AITBC_ASSIGN_OR_RETURN(total, total.Add(unbonding));
  return total.Add(escrowed);
}

core::Bytes ChainMeta::Encode() const {
  core::Writer w(2048 + 256);
  w.U64(height);
  w.Fixed(last_block_hash.view());
  w.U64(last_block_time_ms);
  w.Fixed(state_hash.view());
  w.Fixed(state_lthash.Encode());
  EncodeSupplyTo(supply, w);
  w.U64(genesis_supply.micro());
  return w.Take();
}

core::Result<ChainMeta> ChainMeta::Decode(core::ByteView bytes) {
  core::Reader r(bytes);
  ChainMeta m;
  AITBC_ASSIGN_OR_RETURN(m.height, r.U64());
  AITBC_ASSIGN_OR_RETURN(m.last_block_hash, ReadHash(r));
  AITBC_ASSIGN_OR_RETURN(m.last_block_time_ms, r.U64());
  AITBC_ASSIGN_OR_RETURN(m.state_hash, ReadHash(r));
  std::array<uint8_t, LtHash::kLanes * 2> lanes{};
  AITBC_TRY(r.Fixed(lanes));
  AITBC_ASSIGN_OR_RETURN(m.state_lthash, LtHash::Decode(lanes));
  AITBC_ASSIGN_OR_RETURN(m.supply, DecodeSupplyFrom(r));
  AITBC_ASSIGN_OR_RETURN(m.genesis_supply, ReadAmount(r));
  AITBC_TRY(r.ExpectEnd());
  return m;
}

core::Bytes AccountElement(const core::Address& address, const Account& account) {
  core::Writer w(1 + 20 + 32);
  w.U8(kAccountPrefix);
  w.Fixed(address.view());
  EncodeAccountTo(account, w);
  return w.Take();
}

core::Bytes EscrowElement(const Escrow& escrow) {
  core::Writer w(256);
  w.U8(kEscrowPrefix);
  w.Fixed(escrow.Encode());
  return w.Take();
}

core::Bytes UnbondingElement(uint64_t height, const std::vector<UnbondingEntry>& entries) {
  core::Writer w(1 + 8 + 4 + entries.size() * 36);
  w.U8(kUnbondingPrefix);
  w.U64(height);
  w.U32(static_cast<uint32_t>(entries.size()));
  for (const auto& e : entries) {
    w.Fixed(e.address.view());
    w.U64(e.amount.micro());
    w.U64(e.release_height);
  }
  return w.Take();
}

}  // namespace aitbc::chain
