// The ledger's state: accounts, escrows, unbonding entries and chain metadata, behind a read
// interface (StateReader) that the node implements over RocksDB and tests implement in memory,
// and a copy-on-write layer (StateOverlay) that records what a block changes (StateDelta).
//
// Contract: no I/O here. StateReader implementations must be safe for concurrent readers.
// StateOverlay is single-threaded; it reads through to its base for keys it has not written.
// The base must not change while an overlay over it is in use: Finish() reads the old values
// of the changed entries from it to update the LtHash and the supply totals.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/amount.h"
#include "core/encoding.h"
#include "core/hash.h"
#include "protocol/receipt.h"

namespace aitbc::chain {

struct Account {
  core::Amount balance;
  uint64_t nonce = 0;      // number of nonce-using transactions committed from this account
  core::Amount stake;      // bonded
  core::Amount unbonding;  // unstaked, waiting for release

  bool IsEmpty() const;
  core::Bytes Encode() const;
  static core::Result<Account> Decode(core::ByteView bytes);
  bool operator==(const Account&) const = default;
};

enum class EscrowStatus : uint8_t { kOpen = 1, kSettled = 2, kRefunded = 3 };
std::string_view EscrowStatusName(EscrowStatus status);

struct Escrow {
  std::string job_id;
  core::Address client;
  core::Address coordinator;
  core::Amount amount;
  // The fee its job_escrow transaction paid: the coordinator's refund pays it back (rebate).
  core::Amount fee;
  uint64_t expiry_height = 0;
  EscrowStatus status = EscrowStatus::kOpen;
  uint64_t created_height = 0;
  uint64_t closed_height = 0;  // 0 while open
  core::Hash256 closing_tx;    // settle or refund transaction; zero while open
  core::Amount amount_paid;    // to the miner (settled only)
  core::Address miner;         // settled only
  core::Hash256 result_hash;   // settled only

  core::Bytes Encode() const;
  static core::Result<Escrow> Decode(core::ByteView bytes);
  bool operator==(const Escrow&) const = default;
};

// Tokens returning from stake to balance at release_height.
struct UnbondingEntry {
  core::Address address;
  core::Amount amount;
  uint64_t release_height = 0;
  bool operator==(const UnbondingEntry&) const = default;
};

// Running totals, so the supply invariant is checked in O(1) after every block.
struct SupplyTotals {
  core::Amount balances;
  core::Amount staked;
  core::Amount unbonding;
  core::Amount escrowed;  // open escrows only

  core::Result<core::Amount> Total() const;
  bool operator==(const SupplyTotals&) const = default;
};

// LtHash16 (Bellare–Micciancio / Facebook's homomorphic "lattice hash"): a 1024-lane vector of
// 16-bit integers. The state's hash is the sum of H(key ‖ value) over all entries, so a block
// updates it by subtracting each changed entry's old value and adding its new one — cost
// proportional to what changed, not to the state's size — and the result commits to the
// whole state. state_hash = SHA-256 of the 2048 bytes.
// H(element) = BLAKE2b-512(key "aitbc/lthash/v1\0", u32be(i) || element) for i = 0..31,
// concatenated (2048 bytes) and read as 1024 little-endian u16 lanes; Add and Remove are
// lane-wise wrapping addition and subtraction, so the order of updates does not matter.
class LtHash {
 public:
  static constexpr size_t kLanes = 1024;
  void Add(core::ByteView element);
  void Remove(core::ByteView element);
  core::Hash256 Digest() const;
  core::Bytes Encode() const;  // 2048 bytes, little-endian lanes
  static core::Result<LtHash> Decode(core::ByteView bytes);
  bool operator==(const LtHash&) const = default;

 private:
  std::array<uint16_t, kLanes> lanes_{};
};

// Chain metadata after the last committed block (height 0: genesis applied, no block yet).
struct ChainMeta {
  uint64_t height = 0;
  core::Hash256 last_block_hash;  // genesis hash at height 0
  uint64_t last_block_time_ms = 0;
  core::Hash256 state_hash;
  LtHash state_lthash;
  SupplyTotals supply;
  core::Amount genesis_supply;

  core::Bytes Encode() const;
  static core::Result<ChainMeta> Decode(core::ByteView bytes);
  bool operator==(const ChainMeta&) const = default;
};

class StateReader {
 public:
  virtual ~StateReader() = default;
  virtual core::Result<std::optional<Account>> GetAccount(const core::Address& address) const = 0;
  virtual core::Result<std::optional<Escrow>> GetEscrow(std::string_view job_id) const = 0;
  // Entries releasing exactly at `height`.
  virtual core::Result<std::vector<UnbondingEntry>> GetUnbonding(uint64_t height) const = 0;
  virtual core::Result<ChainMeta> GetMeta() const = 0;
};

// Everything one block (or genesis) changes; the node writes it in one atomic batch.
// Apply it as: put every account (delete those that are IsEmpty()), put every escrow, delete
// the unbonding entries of every height in unbonding_released, then append unbonding_added to
// the entries stored at their height, then store meta. Only entries that changed are listed.
struct StateDelta {
  std::map<core::Address, Account> accounts;  // an IsEmpty() account means: delete it
  std::map<std::string, Escrow> escrows;
  std::map<uint64_t, std::vector<UnbondingEntry>> unbonding_added;  // by release height
  std::vector<uint64_t> unbonding_released;  // heights whose entries were paid out
  ChainMeta meta;
};

class StateOverlay final : public StateReader {
 public:
  explicit StateOverlay(const StateReader& base);

  core::Result<std::optional<Account>> GetAccount(const core::Address& address) const override;
  core::Result<std::optional<Escrow>> GetEscrow(std::string_view job_id) const override;
  core::Result<std::vector<UnbondingEntry>> GetUnbonding(uint64_t height) const override;
  core::Result<ChainMeta> GetMeta() const override;

  // Account (default-constructed if absent).
  core::Result<Account> LoadAccount(const core::Address& address) const;
  void PutAccount(const core::Address& address, const Account& account);
  void PutEscrow(const Escrow& escrow);
  void AddUnbonding(const UnbondingEntry& entry);
  void ReleaseUnbonding(uint64_t height);
  void PutMeta(const ChainMeta& meta);

  // Updates the meta's LtHash with every entry changed since construction (old value out,
  // new value in), sets meta.state_hash to its digest, updates meta.supply from the same
  // old/new values (so the totals are derived from the entries themselves, not from
  // bookkeeping in the rules) and returns the delta. Errors only when the base cannot be read
  // or the totals leave the uint64 range (a bug). The overlay must not be used afterwards.
  core::Result<StateDelta> Finish();

 private:
  const StateReader& base_;
  std::map<core::Address, Account> accounts_;
  std::map<std::string, Escrow, std::less<>> escrows_;
  std::map<uint64_t, std::vector<UnbondingEntry>> unbonding_added_;
  std::vector<uint64_t> unbonding_released_;
  std::optional<ChainMeta> meta_;
};

// The state in memory: for tests, tools and fuzzers. Apply() merges a delta.
class MemoryState final : public StateReader {
 public:
  core::Result<std::optional<Account>> GetAccount(const core::Address& address) const override;
  core::Result<std::optional<Escrow>> GetEscrow(std::string_view job_id) const override;
  core::Result<std::vector<UnbondingEntry>> GetUnbonding(uint64_t height) const override;
  core::Result<ChainMeta> GetMeta() const override;
  void Apply(const StateDelta& delta);
  // Recomputes the LtHash from every entry (to check the incremental one).
  LtHash RecomputeLtHash() const;
  // Recomputes the supply totals from every entry (to check meta.supply); errors on overflow.
  core::Result<SupplyTotals> RecomputeSupply() const;

 private:
  std::map<core::Address, Account> accounts_;
  std::map<std::string, Escrow, std::less<>> escrows_;
  std::map<uint64_t, std::vector<UnbondingEntry>> unbonding_;
  ChainMeta meta_;
};

// The bytes that enter the LtHash for each kind of entry ("a" ‖ address ‖ account, ...).
core::Bytes AccountElement(const core::Address& address, const Account& account);
core::Bytes EscrowElement(const Escrow& escrow);
core::Bytes UnbondingElement(uint64_t height, const std::vector<UnbondingEntry>& entries);

}  // namespace aitbc::chain
