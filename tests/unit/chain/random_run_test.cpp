// A long deterministic random run: thousands of transactions of every type, valid and not,
// in 300 blocks, on a chain with a minimum fee (so escrows pay fees and coordinators' refunds
// pay rebates). After every block the supply is intact and the incremental LtHash equals the
// recomputed one; replaying the blocks on a fresh state gives the same hash at every height.
#include <iostream>
#include <map>

#include "chain_fixture.h"
#include "core/random.h"

namespace aitbc::chain {
namespace {

using testing::AddressOf;
using testing::Coins;
using testing::KeyFromByte;
using testing::Micro;

constexpr int kBlocks = 300;
constexpr int kMaxTxsPerBlock = 24;
constexpr int kParticipants = 8;  // key 1 is the proposer

class RandomRun {
 public:
  RandomRun() : machine_(MakeGenesis()), random_(20240601) {
    for (int i = 1; i <= kParticipants; ++i) keys_.push_back(KeyFromByte(static_cast<uint8_t>(i)));
    state_.Apply(machine_.GenesisDelta().value());
  }

  static protocol::Genesis MakeGenesis() {
    protocol::Genesis g;
    g.chain_id = "aitbc-random";
    g.genesis_time_ms = testing::kGenesisTimeMs;
    for (int i = 1; i <= kParticipants; ++i) {
      core::Address address = AddressOf(KeyFromByte(static_cast<uint8_t>(i)));
      g.accounts.push_back(
          {address, Coins(100 * static_cast<uint64_t>(i)), Coins(i == 1 ? 50 : 0)});
    }
    g.validators = {KeyFromByte(1).public_key()};
    g.params.min_fee = Micro(100);  // nonzero: fees and rebates move tokens in every block
    g.params.unbonding_delay_blocks = 4;
    g.params.max_escrow_blocks = 60;
    g.params.max_block_txs = 12;  // below kMaxTxsPerBlock, so some are deferred
    return g;
  }

  uint64_t Pick(uint64_t n) { return random_.Uniform(n); }
  bool Chance(uint64_t percent) { return Pick(100) < percent; }
  const core::PrivateKey& AnyKey() { return keys_[Pick(keys_.size())]; }
  const core::PrivateKey& Coordinator() { return keys_[1 + Pick(2)]; }  // keys 2 and 3
  const core::PrivateKey& Miner() { return keys_[6 + Pick(2)]; }        // keys 7 and 8

  Account AccountOf(const core::Address& a) const {
    return state_.GetAccount(a).value().value_or(Account{});
  }
  // Mostly up to the balance, sometimes more (insufficient funds).
  core::Amount SomeAmount(core::Amount available) {
    uint64_t cap = available.micro() / 3 + 2;
    if (Chance(10)) cap = available.micro() * 2 + 2;
    return Micro(1 + Pick(cap));
  }

  protocol::Transaction Sign(const core::PrivateKey& key, uint64_t nonce, protocol::Payload p) {
    core::Amount fee = Micro(100 + Pick(50));
    if (Chance(3)) fee = Micro(99);  // below the minimum
    protocol::Transaction tx{machine_.genesis().chain_id, {}, nonce, fee, std::move(p), {}};
    if (Chance(2)) tx.chain_id = "aitbc-elsewhere";
    tx.Sign(key);
    return tx;
  }
  uint64_t NextNonce(const core::PrivateKey& key) {
    core::Address a = AddressOf(key);
    auto it = nonces_.find(a);
    uint64_t nonce = it != nonces_.end() ? it->second : AccountOf(a).nonce;
    if (Chance(4)) return nonce + 1 + Pick(2);  // a gap
    nonces_[a] = nonce + 1;
    return nonce;
  }

  protocol::Transaction RandomTx(uint64_t height) {
    const core::PrivateKey& sender = AnyKey();
    Account account = AccountOf(AddressOf(sender));
    switch (Pick(8)) {
      case 0:
      case 1: {
        core::Address to = Chance(15) ? AddressOf(KeyFromByte(static_cast<uint8_t>(100 + Pick(50))))
                                      : AddressOf(AnyKey());
        return Sign(sender, NextNonce(sender), protocol::Transfer{to, SomeAmount(account.balance)});
      }
      case 2:
      case 3: {
        std::string job_id = "job-" + std::to_string(next_job_++);
        if (!jobs_.empty() && Chance(5)) job_id = jobs_[Pick(jobs_.size())];  // duplicate
        jobs_.push_back(job_id);
        uint64_t expiry = height + 1 + Pick(64);  // sometimes beyond max_escrow_blocks
        if (Chance(3)) expiry = height;
        return Sign(sender, 0,
                    protocol::JobEscrow{job_id, SomeAmount(account.balance),
                                        AddressOf(Coordinator()), expiry});
      }
      case 4:
        return RandomSettle();
      case 5:
        return RandomRefund();
      case 6:
        return Sign(sender, NextNonce(sender), protocol::Stake{SomeAmount(account.balance)});
      default: {
        core::Amount amount = Micro(1 + Pick(account.stake.micro() + 3));
        return Sign(sender, NextNonce(sender), protocol::Unstake{amount});
      }
    }
  }

  std::optional<Escrow> SomeJob() {
    if (jobs_.empty()) return std::nullopt;
    return state_.GetEscrow(jobs_[Pick(jobs_.size())]).value();
  }

  protocol::Transaction RandomSettle() {
    auto escrow = SomeJob();
    std::string job_id = escrow ? escrow->job_id : "job-none";
    core::Address client = escrow ? escrow->client : AddressOf(AnyKey());
    if (Chance(5)) client = AddressOf(AnyKey());
    protocol::Metrics metrics{Pick(60'000), Pick(500), Pick(2'000), std::nullopt};
    protocol::Price price{Micro(Pick(50'000)), Micro(Pick(100'000))};
    core::Amount escrowed = escrow ? escrow->amount : Coins(1);
    core::Amount paid = protocol::Payment(metrics, price, escrowed).value();
    if (Chance(5)) paid = Micro(paid.micro() + 1);
    const core::PrivateKey& miner = Miner();
    auto receipt = testing::MakeReceipt(job_id, client, AddressOf(miner), paid, metrics, price);
    protocol::JobSettle settle{receipt, miner.public_key(), receipt.ToProof().Sign(miner)};
    const core::PrivateKey* sender = &Coordinator();
    for (const auto& key : keys_) {
      if (escrow && AddressOf(key) == escrow->coordinator && !Chance(5)) sender = &key;
    }
    return Sign(*sender, 0, std::move(settle));
  }

  protocol::Transaction RandomRefund() {
    auto escrow = SomeJob();
    std::string job_id = escrow ? escrow->job_id : "job-none";
    const core::PrivateKey* sender = &AnyKey();
    for (const auto& key : keys_) {
      if (!escrow) break;
      if (AddressOf(key) == escrow->coordinator && Chance(50)) sender = &key;
      if (AddressOf(key) == escrow->client && Chance(50)) sender = &key;
    }
    return Sign(*sender, 0, protocol::JobRefund{job_id});
  }

  StateMachine machine_;
  MemoryState state_;
  core::DeterministicRandom random_;
  std::vector<core::PrivateKey> keys_;
  std::map<core::Address, uint64_t> nonces_;  // within the block being generated
  std::vector<std::string> jobs_;
  uint64_t next_job_ = 0;
};

TEST(RandomRunTest, InvariantsHoldAfterEveryBlockAndReplayIsDeterministic) {
  RandomRun run;
  const core::PrivateKey proposer = KeyFromByte(1);
  std::vector<core::Bytes> blocks;
  std::vector<core::Hash256> state_hashes;
  std::map<protocol::TxType, int> accepted;
  size_t candidates_total = 0;
  size_t rejected_total = 0;
  size_t deferred_total = 0;
  size_t rebated_refunds = 0;  // refunds by the coordinator, which pay the escrow fee back
  uint64_t time = testing::kGenesisTimeMs;

  for (int b = 0; b < kBlocks; ++b) {
    ChainMeta meta = run.state_.GetMeta().value();
    run.nonces_.clear();
    std::vector<protocol::TxEnvelope> candidates;
    int n = static_cast<int>(run.Pick(kMaxTxsPerBlock + 1));
    for (int i = 0; i < n; ++i) {
      candidates.push_back(protocol::TxEnvelope::FromTx(run.RandomTx(meta.height + 1)));
    }
    candidates_total += candidates.size();
    time += run.Pick(2'000);
    auto built = run.machine_.BuildBlock(run.state_, candidates, time, proposer);
    ASSERT_TRUE(built.ok()) << built.error().ToString();
    rejected_total += built->rejected.size();
    deferred_total += built->deferred;
    for (const auto& tx : built->block.txs) ++accepted[tx.tx.type()];

    auto applied = run.machine_.ApplyBlock(run.state_, built->block, VerifySignatures::kYes);
    ASSERT_TRUE(applied.ok()) << "block " << b + 1 << ": " << applied.error().ToString();
    ASSERT_EQ(applied->state_hash, built->block.header.state_hash);
    ASSERT_EQ(applied->delta.meta, built->delta.meta);
    run.state_.Apply(applied->delta);
    for (const auto& tx : built->block.txs) {
      const auto* refund = std::get_if<protocol::JobRefund>(&tx.tx.payload);
      if (refund == nullptr) continue;
      auto escrow = run.state_.GetEscrow(refund->job_id).value();
      ASSERT_TRUE(escrow.has_value());
      ASSERT_GE(escrow->fee, run.machine_.genesis().params.min_fee);
      if (tx.tx.sender_address() == escrow->coordinator) ++rebated_refunds;
    }

    ChainMeta after = run.state_.GetMeta().value();
    ASSERT_EQ(after.height, meta.height + 1);
    ASSERT_EQ(after.supply.Total().value(), after.genesis_supply) << "height " << after.height;
    ASSERT_EQ(run.state_.RecomputeSupply().value(), after.supply) << "height " << after.height;
    ASSERT_EQ(run.state_.RecomputeLtHash(), after.state_lthash) << "height " << after.height;
    ASSERT_EQ(after.state_hash, after.state_lthash.Digest());
    blocks.push_back(built->block.Encode());
    state_hashes.push_back(after.state_hash);
  }

  // The run exercised every type, and both outcomes.
  for (auto type :
       {protocol::TxType::kTransfer, protocol::TxType::kJobEscrow, protocol::TxType::kJobSettle,
        protocol::TxType::kJobRefund, protocol::TxType::kStake, protocol::TxType::kUnstake}) {
    EXPECT_GE(accepted[type], 20) << protocol::TxTypeName(type);
  }
  EXPECT_GE(candidates_total, 3'000u);
  EXPECT_GE(rejected_total, 300u);
  EXPECT_GE(deferred_total, 10u);
  EXPECT_GE(rebated_refunds, 10u);
  std::cout << candidates_total << " candidates, " << rejected_total << " rejected, "
            << deferred_total << " deferred\n";

  // Replay from the wire on a fresh state.
  StateMachine machine(RandomRun::MakeGenesis());
  MemoryState replay;
  replay.Apply(machine.GenesisDelta().value());
  for (size_t i = 0; i < blocks.size(); ++i) {
    auto block = protocol::Block::Decode(blocks[i]);
    ASSERT_TRUE(block.ok()) << block.error().ToString();
    auto applied = machine.ApplyBlock(replay, *block, VerifySignatures::kYes);
    ASSERT_TRUE(applied.ok()) << "replaying block " << i + 1 << ": " << applied.error().ToString();
    ASSERT_EQ(applied->state_hash, state_hashes[i]) << "height " << i + 1;
    replay.Apply(applied->delta);
  }
  EXPECT_EQ(replay.GetMeta().value(), run.state_.GetMeta().value());
  EXPECT_EQ(replay.RecomputeLtHash(), run.state_.RecomputeLtHash());
}

}  // namespace
}  // namespace aitbc::chain
