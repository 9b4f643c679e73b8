// stake, unstake and the release of unbonding stake; the genesis state.
#include <limits>

#include "chain_fixture.h"

namespace aitbc::chain {
namespace {

using testing::AddressOf;
using testing::Coins;
using testing::Micro;

class StakeRulesTest : public testing::ChainFixture {};

TEST_F(StakeRulesTest, StakeMovesBalanceToStake) {
  core::Amount before = BalanceOf(alice_);
  ASSERT_TRUE(Submit(StakeTx(alice_, Coins(40))).ok());
  Account a = AccountOf(AddressOf(alice_));
  EXPECT_EQ(a.stake, Coins(40));
  EXPECT_EQ(a.balance, before.Sub(Coins(40)).value().Sub(min_fee()).value());
  EXPECT_EQ(a.nonce, 1u);
  EXPECT_EQ(Meta().supply.staked, Coins(90));  // the proposer's 50 and alice's 40
  ExpectSupplyIntact();
}

TEST_F(StakeRulesTest, StakeBeyondBalanceIsInsufficientFunds) {
  EXPECT_CHAIN_ERROR(Submit(StakeTx(alice_, Coins(1'000))), kInsufficientFunds, "needs");
}

TEST_F(StakeRulesTest, ZeroStakeIsInvalid) {
  EXPECT_CHAIN_ERROR(Submit(StakeTx(alice_, core::Amount())), kInvalidArgument, "zero");
  EXPECT_CHAIN_ERROR(Submit(UnstakeTx(alice_, core::Amount())), kInvalidArgument, "zero");
}

TEST_F(StakeRulesTest, UnstakingMoreThanStakedIsInsufficientFunds) {
  ASSERT_TRUE(Submit(StakeTx(alice_, Coins(10))).ok());
  EXPECT_CHAIN_ERROR(Submit(UnstakeTx(alice_, Coins(11))), kInsufficientFunds,
                     "cannot unstake 11 AITBC");
  EXPECT_CHAIN_ERROR(Submit(UnstakeTx(bob_, Micro(1))), kInsufficientFunds, "cannot unstake");
}

TEST_F(StakeRulesTest, UnbondingIsReleasedExactlyAtTheReleaseHeight) {
  ASSERT_TRUE(Submit(StakeTx(alice_, Coins(10))).ok());   // height 1
  ASSERT_TRUE(Submit(UnstakeTx(alice_, Coins(4))).ok());  // height 2: releases at 2 + 5 = 7
  Account a = AccountOf(AddressOf(alice_));
  EXPECT_EQ(a.stake, Coins(6));
  EXPECT_EQ(a.unbonding, Coins(4));
  core::Amount balance = a.balance;
  auto entries = state_.GetUnbonding(7).value();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0], (UnbondingEntry{AddressOf(alice_), Coins(4), 7}));
  EXPECT_EQ(Meta().supply.unbonding, Coins(4));

  AdvanceTo(6);
  EXPECT_EQ(AccountOf(AddressOf(alice_)).unbonding, Coins(4));
  EXPECT_EQ(BalanceOf(alice_), balance);

  AdvanceTo(7);
  a = AccountOf(AddressOf(alice_));
  EXPECT_EQ(a.unbonding, core::Amount());
  EXPECT_EQ(a.balance, balance.Add(Coins(4)).value());
  EXPECT_EQ(a.stake, Coins(6));
  EXPECT_TRUE(state_.GetUnbonding(7).value().empty());
  EXPECT_EQ(Meta().supply.unbonding, core::Amount());
  ExpectSupplyIntact();
}

TEST_F(StakeRulesTest, SeveralUnstakesReleasingAtOneHeightAreAllPaid) {
  ASSERT_TRUE(Submit(StakeTx(alice_, Coins(10))).ok());
  ASSERT_TRUE(Submit(TransferTx(bob_, AddressOf(proposer_), Coins(1))).ok());  // for its fee
  ASSERT_TRUE(Submit({UnstakeTx(alice_, Coins(1)), Sign(alice_, 2, protocol::Unstake{Coins(2)}),
                      UnstakeTx(proposer_, Coins(5))})
                  .ok());
  uint64_t release = Height() + 5;
  EXPECT_EQ(state_.GetUnbonding(release).value().size(), 3u);
  core::Amount alice_balance = BalanceOf(alice_);
  core::Amount proposer_balance = BalanceOf(proposer_);
  AdvanceTo(release);
  EXPECT_EQ(BalanceOf(alice_), alice_balance.Add(Coins(3)).value());
  EXPECT_EQ(BalanceOf(proposer_), proposer_balance.Add(Coins(5)).value());
  EXPECT_EQ(AccountOf(AddressOf(proposer_)).stake, Coins(45));
  ExpectSupplyIntact();
}

TEST_F(StakeRulesTest, ZeroUnbondingDelayReleasesInTheNextBlock) {
  protocol::Genesis g = MakeGenesis();
  g.params.unbonding_delay_blocks = 0;
  testing::OtherChain chain(g);
  auto& [machine, state] = chain;
  auto unstake = [&](uint64_t nonce) {
    protocol::Transaction tx{g.chain_id, {}, nonce, min_fee(), protocol::Unstake{Coins(1)}, {}};
    tx.Sign(alice_);
    return protocol::TxEnvelope::FromTx(tx);
  };
  protocol::Transaction stake{g.chain_id, {}, 0, min_fee(), protocol::Stake{Coins(2)}, {}};
  stake.Sign(alice_);
  uint64_t time = testing::kGenesisTimeMs;
  for (const auto& tx : {protocol::TxEnvelope::FromTx(stake), unstake(1)}) {
    auto built = machine.BuildBlock(state, {tx}, ++time, proposer_);
    ASSERT_TRUE(built.ok() && built->rejected.empty());
    state.Apply(built->delta);
  }
  EXPECT_EQ(state.GetUnbonding(3).value().size(), 1u);  // unstaked at 2, released at 3
  auto empty = machine.BuildBlock(state, {}, ++time, proposer_);
  ASSERT_TRUE(empty.ok());
  state.Apply(empty->delta);
  EXPECT_EQ(state.GetAccount(AddressOf(alice_)).value()->unbonding, core::Amount());
}

TEST_F(StakeRulesTest, StakeOverflowIsInvalid) {
  MemoryState crafted = testing::StateWith(
      {{AddressOf(alice_),
        Account{Coins(100), 0, Micro(std::numeric_limits<uint64_t>::max() - 1), {}}}});
  StateOverlay overlay(crafted);
  EXPECT_CHAIN_ERROR(machine_.ApplyTx(overlay, StakeTx(alice_, Coins(1)), NextContext()),
                     kInvalidArgument, "overflow");
}

TEST_F(StakeRulesTest, UnbondingEntryLargerThanTheAccountsUnbondingIsCorruption) {
  MemoryState crafted;
  StateDelta delta;
  delta.accounts[AddressOf(alice_)] = Account{Coins(1), 0, {}, Micro(5)};
  delta.unbonding_added[1] = {UnbondingEntry{AddressOf(alice_), Micro(6), 1}};
  crafted.Apply(delta);
  StateOverlay overlay(crafted);
  EXPECT_CHAIN_ERROR(machine_.BeginBlock(overlay, BlockContext{1, 1, AddressOf(proposer_)}),
                     kCorruption, "exceeds the account's unbonding");
  EXPECT_EQ(overlay.LoadAccount(AddressOf(alice_)).value().unbonding, Micro(5));
}

class GenesisTest : public testing::ChainFixture {};

TEST_F(GenesisTest, GenesisStateHoldsTheAccountsAndTheMeta) {
  ChainMeta meta = Meta();
  EXPECT_EQ(meta.height, 0u);
  EXPECT_EQ(meta.last_block_hash, genesis().Hash());
  EXPECT_EQ(meta.last_block_time_ms, testing::kGenesisTimeMs);
  EXPECT_EQ(meta.genesis_supply, genesis().TotalSupply().value());
  EXPECT_EQ(meta.genesis_supply, Coins(2'160));
  EXPECT_EQ(meta.supply.balances, Coins(2'110));
  EXPECT_EQ(meta.supply.staked, Coins(50));
  EXPECT_EQ(meta.state_hash, meta.state_lthash.Digest());
  EXPECT_EQ(meta.state_lthash, state_.RecomputeLtHash());
  EXPECT_EQ(BalanceOf(alice_), Coins(1'000));
  EXPECT_EQ(AccountOf(AddressOf(proposer_)).stake, Coins(50));
  ExpectSupplyIntact();
}

TEST_F(GenesisTest, EmptyGenesisAccountsAreNotStored) {
  protocol::Genesis g = MakeGenesis();
  g.accounts.push_back({AddressOf(miner_), {}, {}});
  auto delta = StateMachine(g).GenesisDelta();
  ASSERT_TRUE(delta.ok());
  MemoryState state;
  state.Apply(*delta);
  EXPECT_FALSE(state.GetAccount(AddressOf(miner_)).value().has_value());
  EXPECT_EQ(state.RecomputeLtHash(), Meta().state_lthash);  // same state as without it
}

TEST_F(GenesisTest, DuplicateAccountsAreInvalid) {
  protocol::Genesis g = MakeGenesis();
  g.accounts.push_back(g.accounts.front());
  EXPECT_CHAIN_ERROR(StateMachine(g).GenesisDelta(), kInvalidArgument, "duplicate genesis account");
}

TEST_F(GenesisTest, GenesisWithoutValidatorsIsInvalid) {
  protocol::Genesis g = MakeGenesis();
  g.validators.clear();
  EXPECT_CHAIN_ERROR(StateMachine(g).GenesisDelta(), kInvalidArgument, "no validators");
}

TEST_F(GenesisTest, GenesisSupplyOverflowIsInvalid) {
  protocol::Genesis g = MakeGenesis();
  g.accounts.push_back({AddressOf(miner_), Micro(std::numeric_limits<uint64_t>::max()), {}});
  EXPECT_CHAIN_ERROR(StateMachine(g).GenesisDelta(), kInvalidArgument, "genesis total supply");
}

TEST_F(GenesisTest, DifferentGenesisGivesADifferentStateHash) {
  protocol::Genesis g = MakeGenesis();
  g.accounts[0].balance = Coins(999);
  EXPECT_NE(StateMachine(g).GenesisDelta()->meta.state_hash, Meta().state_hash);
}

}  // namespace
}  // namespace aitbc::chain
