// The genesis document: chain id, start time, initial accounts, validators and consensus
// parameters. Stored as JSON (genesis.json); its canonical binary encoding is hashed to give
// the first block's prev_hash, so two nodes with different genesis files never agree.
//
// Contract: FromJson validates everything (addresses, amounts, no duplicate accounts, at least
// one validator, total supply fits in uint64) and reports the first problem clearly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/address.h"
#include "core/amount.h"
#include "core/hash.h"
#include "core/keys.h"

namespace aitbc::protocol {

struct GenesisAccount {
  core::Address address;
  core::Amount balance;
  core::Amount stake;
  bool operator==(const GenesisAccount&) const = default;
};

struct ConsensusParams {
  core::Amount min_fee;                   // per transaction
  uint64_t unbonding_delay_blocks = 100;  // unstaked tokens return after this many blocks
  uint64_t max_block_txs = 20'000;
  uint64_t max_block_bytes = 8 << 20;
  uint64_t max_escrow_blocks = 100'000;  // an escrow's expiry may be at most this far ahead
  bool operator==(const ConsensusParams&) const = default;
};

struct Genesis {
  std::string chain_id;
  uint64_t genesis_time_ms = 0;
  std::vector<GenesisAccount> accounts;
  std::vector<core::PublicKey> validators;  // the first is the proposer
  ConsensusParams params;

  core::Bytes Encode() const;
  core::Hash256 Hash() const;
  core::Result<core::Amount> TotalSupply() const;
  nlohmann::json ToJson() const;
  static core::Result<Genesis> FromJson(const nlohmann::json& json);
  bool operator==(const Genesis&) const = default;
};

}  // namespace aitbc::protocol
