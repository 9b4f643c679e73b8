// A small chain for the chain library's tests: fixed keys, a genesis, a MemoryState at its tip,
// and helpers that make signed transactions and commit them through BuildBlock + ApplyBlock.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "chain/state.h"
#include "chain/state_machine.h"
#include "core/keys.h"
#include "protocol/block.h"
#include "protocol/genesis.h"
#include "protocol/transaction.h"

namespace aitbc::chain::testing {

inline core::PrivateKey KeyFromByte(uint8_t b) {
  core::Bytes seed(32, b);
  return core::PrivateKey::FromSeed(seed).value();
}
inline core::Address AddressOf(const core::PrivateKey& key) {
  return core::Address::FromPublicKey(key.public_key());
}
inline core::Amount Coins(uint64_t coins) { return core::Amount::FromCoins(coins).value(); }
inline core::Amount Micro(uint64_t micro) { return core::Amount::FromMicro(micro); }

inline constexpr uint64_t kGenesisTimeMs = 1'700'000'000'000;
inline constexpr uint64_t kBlockIntervalMs = 1'000;

// The seed's example job: 12,500 ms at 0.02 AITBC/s costs 0.25 AITBC.
inline protocol::Metrics ExampleMetrics() { return {12'500, 20, 150, std::nullopt}; }
inline protocol::Price ExamplePrice() { return {Micro(20'000), core::Amount()}; }

// A receipt for job_id paying amount_paid, for the given metrics and price.
inline protocol::Receipt MakeReceipt(const std::string& job_id, const core::Address& client,
                                     const core::Address& miner, core::Amount amount_paid,
                                     protocol::Metrics metrics = ExampleMetrics(),
                                     protocol::Price price = ExamplePrice()) {
  protocol::Receipt r;
  r.receipt_id = protocol::ReceiptIdFor(job_id);
  r.job_id = job_id;
  r.client = client;
  r.miner = miner;
  r.amount_paid = amount_paid;
  r.result_hash = protocol::ResultHash("the answer to " + job_id);
  r.completed_at_ms = kGenesisTimeMs;
  r.metrics = metrics;
  r.price = price;
  return r;
}

// A chain from a variant of the fixture's genesis, at height 0.
struct OtherChain {
  explicit OtherChain(protocol::Genesis g) : machine(std::move(g)) {
    state.Apply(machine.GenesisDelta().value());
  }
  StateMachine machine;
  MemoryState state;
};

// A state holding exactly these accounts, with a default meta: reachable by no valid chain
// (the supply bounds every balance), to reach the overflow checks.
inline MemoryState StateWith(std::map<core::Address, Account> accounts) {
  MemoryState state;
  StateDelta delta;
  delta.accounts = std::move(accounts);
  state.Apply(delta);
  return state;
}

class ChainFixture : public ::testing::Test {
 protected:
  ChainFixture() : machine_(MakeGenesis()) {
    auto delta = machine_.GenesisDelta();
    EXPECT_TRUE(delta.ok()) << delta.error().ToString();
    if (delta.ok()) state_.Apply(*delta);
  }

  static protocol::Genesis MakeGenesis() {
    protocol::Genesis g;
    g.chain_id = "aitbc-test";
    g.genesis_time_ms = kGenesisTimeMs;
    g.accounts = {
        {AddressOf(KeyFromByte(2)), Coins(1'000), core::Amount()},  // alice
        {AddressOf(KeyFromByte(3)), Coins(1'000), core::Amount()},  // bob
        {AddressOf(KeyFromByte(4)), Coins(100), core::Amount()},    // coordinator
        {AddressOf(KeyFromByte(1)), core::Amount(), Coins(50)},     // proposer: stake only
        {AddressOf(KeyFromByte(6)), Coins(10), core::Amount()},     // stranger
    };
    g.validators = {KeyFromByte(1).public_key()};
    g.params.min_fee = Micro(1'000);
    g.params.unbonding_delay_blocks = 5;
    g.params.max_escrow_blocks = 100;
    return g;
  }

  const protocol::Genesis& genesis() const { return machine_.genesis(); }
  core::Amount min_fee() const { return genesis().params.min_fee; }

  ChainMeta Meta() const { return state_.GetMeta().value(); }
  uint64_t Height() const { return Meta().height; }
  uint64_t NextTime() const { return Meta().last_block_time_ms + kBlockIntervalMs; }
  // The context the next block's transactions run in.
  BlockContext NextContext() const {
    return BlockContext{Height() + 1, NextTime(), AddressOf(proposer_)};
  }

  Account AccountOf(const core::Address& address) const {
    return state_.GetAccount(address).value().value_or(Account{});
  }
  core::Amount BalanceOf(const core::PrivateKey& key) const {
    return AccountOf(AddressOf(key)).balance;
  }
  std::optional<Escrow> EscrowOf(const std::string& job_id) const {
    return state_.GetEscrow(job_id).value();
  }

  protocol::Transaction Sign(const core::PrivateKey& key, uint64_t nonce,
                             protocol::Payload payload) const {
    return Sign(key, nonce, std::move(payload), min_fee());
  }
  protocol::Transaction Sign(const core::PrivateKey& key, uint64_t nonce, protocol::Payload payload,
                             core::Amount fee) const {
    protocol::Transaction tx{genesis().chain_id, {}, nonce, fee, std::move(payload), {}};
    tx.Sign(key);
    return tx;
  }
  uint64_t NonceOf(const core::PrivateKey& key) const { return AccountOf(AddressOf(key)).nonce; }

  protocol::Transaction TransferTx(const core::PrivateKey& from, const core::Address& to,
                                   core::Amount amount) const {
    return Sign(from, NonceOf(from), protocol::Transfer{to, amount});
  }
  protocol::Transaction EscrowTx(const core::PrivateKey& client, const std::string& job_id,
                                 core::Amount amount, uint64_t expiry_height) const {
    return Sign(client, 0,
                protocol::JobEscrow{job_id, amount, AddressOf(coordinator_), expiry_height});
  }
  protocol::Transaction EscrowTx(const core::PrivateKey& client, const std::string& job_id,
                                 core::Amount amount) const {
    return EscrowTx(client, job_id, amount, Height() + 50);
  }
  protocol::Transaction SettleTx(const core::PrivateKey& sender, const protocol::Receipt& receipt,
                                 const core::PrivateKey& miner_key) const {
    protocol::JobSettle settle{receipt, miner_key.public_key(), receipt.ToProof().Sign(miner_key)};
    return Sign(sender, 0, std::move(settle));
  }
  // A settlement by the coordinator of the example job, paid to miner_.
  protocol::Transaction SettleTx(const std::string& job_id, const core::Address& client,
                                 core::Amount amount_paid) const {
    return SettleTx(coordinator_, MakeReceipt(job_id, client, AddressOf(miner_), amount_paid),
                    miner_);
  }
  // count transfers of 1 uaitbc from key to bob, with nonces 0..count-1.
  std::vector<protocol::TxEnvelope> TransferRun(const core::PrivateKey& key, uint64_t count) const {
    std::vector<protocol::TxEnvelope> out;
    for (uint64_t nonce = 0; nonce < count; ++nonce) {
      out.push_back(protocol::TxEnvelope::FromTx(
          Sign(key, nonce, protocol::Transfer{AddressOf(bob_), Micro(1)})));
    }
    return out;
  }
  protocol::Transaction RefundTx(const core::PrivateKey& sender, const std::string& job_id) const {
    return Sign(sender, 0, protocol::JobRefund{job_id});
  }
  protocol::Transaction StakeTx(const core::PrivateKey& key, core::Amount amount) const {
    return Sign(key, NonceOf(key), protocol::Stake{amount});
  }
  protocol::Transaction UnstakeTx(const core::PrivateKey& key, core::Amount amount) const {
    return Sign(key, NonceOf(key), protocol::Unstake{amount});
  }

  // Builds the next block from txs and, when BuildBlock rejected none, checks it through
  // ApplyBlock (verifying every signature) and commits it. Returns the first rejection
  // otherwise, committing nothing.
  core::Status Submit(const std::vector<protocol::Transaction>& txs) {
    std::vector<protocol::TxEnvelope> envelopes;
    for (const auto& tx : txs) envelopes.push_back(protocol::TxEnvelope::FromTx(tx));
    auto built = machine_.BuildBlock(state_, envelopes, NextTime(), proposer_);
    if (!built.ok()) return built.error();
    if (!built->rejected.empty()) return built->rejected.front().second;
    EXPECT_EQ(built->block.txs.size(), txs.size());
    return Commit(built->block);
  }
  core::Status Submit(const protocol::Transaction& tx) {
    return Submit(std::vector<protocol::Transaction>{tx});
  }

  // Validates block with every signature checked and applies it to the state.
  core::Status Commit(const protocol::Block& block) {
    AITBC_ASSIGN_OR_RETURN(AppliedBlock applied,
                           machine_.ApplyBlock(state_, block, VerifySignatures::kYes));
    state_.Apply(applied.delta);
    EXPECT_EQ(state_.RecomputeLtHash(), Meta().state_lthash);
    return core::Ok();
  }

  // Commits empty blocks until the chain is at height.
  void AdvanceTo(uint64_t height) {
    while (Height() < height) ASSERT_TRUE(Submit(std::vector<protocol::Transaction>{}).ok());
  }

  // A block built on the current state, not committed.
  protocol::Block BuildNext(const std::vector<protocol::Transaction>& txs) {
    std::vector<protocol::TxEnvelope> envelopes;
    for (const auto& tx : txs) envelopes.push_back(protocol::TxEnvelope::FromTx(tx));
    auto built = machine_.BuildBlock(state_, envelopes, NextTime(), proposer_);
    EXPECT_TRUE(built.ok()) << built.error().ToString();
    EXPECT_TRUE(built->rejected.empty());
    return built->block;
  }

  void ExpectSupplyIntact() const {
    ChainMeta meta = Meta();
    EXPECT_EQ(meta.supply.Total().value(), meta.genesis_supply);
    EXPECT_EQ(state_.RecomputeSupply().value(), meta.supply);
  }

  core::PrivateKey proposer_ = KeyFromByte(1);
  core::PrivateKey alice_ = KeyFromByte(2);
  core::PrivateKey bob_ = KeyFromByte(3);
  core::PrivateKey coordinator_ = KeyFromByte(4);
  core::PrivateKey miner_ = KeyFromByte(5);
  core::PrivateKey stranger_ = KeyFromByte(6);
  StateMachine machine_;
  MemoryState state_;
};

// Expects an error with the given code whose message contains text.
#define EXPECT_CHAIN_ERROR(expr, error_code, text)                           \
  do {                                                                       \
    auto chain_status_ = (expr);                                             \
    ASSERT_FALSE(chain_status_.ok()) << "expected " << #error_code;          \
    EXPECT_EQ(chain_status_.error().code(), core::ErrorCode::error_code)     \
        << chain_status_.error().ToString();                                 \
    EXPECT_NE(chain_status_.error().message().find(text), std::string::npos) \
        << chain_status_.error().ToString();                                 \
  } while (false)

}  // namespace aitbc::chain::testing
