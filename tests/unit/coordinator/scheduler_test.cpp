#include "coordinator/scheduler.h"

#include <gtest/gtest.h>

namespace aitbc::coordinator {
namespace {

core::Amount Micro(uint64_t v) { return core::Amount::FromMicro(v); }

MinerCandidate Miner(std::string id) {
  MinerCandidate m;
  m.miner_id = std::move(id);
  m.online = true;
  m.models = {"llama3"};
  m.slots = 4;
  m.price.per_second = Micro(20'000);
  return m;
}

JobNeeds Needs(uint64_t max_price = 1'000'000) { return JobNeeds{"llama3", Micro(max_price), {}}; }

TEST(SchedulerTest, NoMinersMeansNoChoice) { EXPECT_FALSE(ChooseMiner({}, Needs()).has_value()); }

TEST(SchedulerTest, IneligibleMinersAreExcluded) {
  MinerCandidate offline = Miner("offline");
  offline.online = false;
  MinerCandidate unhealthy = Miner("unhealthy");
  unhealthy.healthy = false;
  MinerCandidate other_model = Miner("other_model");
  other_model.models = {"mistral"};
  MinerCandidate full = Miner("full");
  full.active = full.slots;
  MinerCandidate expensive = Miner("expensive");
  expensive.price.per_second = Micro(1'000'001);
  MinerCandidate failed_before = Miner("failed_before");
  JobNeeds needs = Needs();
  needs.excluded = {"failed_before"};
  std::vector<MinerCandidate> miners = {offline, unhealthy, other_model,
                                        full,    expensive, failed_before};
  for (const auto& m : miners) EXPECT_FALSE(IsEligible(m, needs)) << m.miner_id;
  EXPECT_FALSE(ChooseMiner(miners, needs).has_value());
  miners.push_back(Miner("ok"));
  auto choice = ChooseMiner(miners, needs);
  ASSERT_TRUE(choice.has_value());
  EXPECT_EQ(choice->miner_id, "ok");
  EXPECT_EQ(choice->index, miners.size() - 1);
}

TEST(SchedulerTest, PriceEqualToMaximumIsEligible) {
  MinerCandidate m = Miner("m");
  m.price.per_second = Micro(500'000);
  EXPECT_TRUE(IsEligible(m, Needs(500'000)));
  EXPECT_FALSE(IsEligible(m, Needs(499'999)));
}

TEST(SchedulerTest, HigherStakeWins) {
  MinerCandidate a = Miner("a");
  MinerCandidate b = Miner("b");
  a.stake = Micro(100);
  b.stake = Micro(400);
  auto choice = ChooseMiner({a, b}, Needs());
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->miner_id, "b");
  ScoreWeights w;
  EXPECT_DOUBLE_EQ(choice->stake_term, w.stake * 1.0);
  // Without any stake the stake term is zero for everyone.
  a.stake = b.stake = Micro(0);
  EXPECT_DOUBLE_EQ(ChooseMiner({a, b}, Needs())->stake_term, 0.0);
}

TEST(SchedulerTest, BetterSuccessRateWins) {
  MinerCandidate a = Miner("a");
  MinerCandidate b = Miner("b");
  a.successes = 5;
  a.finished = 10;  // (5+1)/(10+2) = 0.5
  b.successes = 9;
  b.finished = 10;  // 10/12
  auto choice = ChooseMiner({a, b}, Needs());
  EXPECT_EQ(choice->miner_id, "b");
  EXPECT_NEAR(choice->reputation_term, 0.4 * 10.0 / 12.0, 1e-12);
}

TEST(SchedulerTest, FasterMinerWinsAtEqualSuccess) {
  MinerCandidate a = Miner("a");
  MinerCandidate b = Miner("b");
  a.successes = b.successes = 10;
  a.finished = b.finished = 10;
  a.avg_job_ms = 4000;
  b.avg_job_ms = 1000;
  auto choice = ChooseMiner({a, b}, Needs());
  EXPECT_EQ(choice->miner_id, "b");
  // a's speed factor is 1000/4000.
  ScoreWeights only_rep{0, 1, 0};
  std::vector<MinerCandidate> just_a_slow = {a, b};
  just_a_slow[1].online = false;  // alone, a is the fastest eligible: speed 1
  EXPECT_NEAR(ChooseMiner(just_a_slow, Needs(), only_rep)->score, 11.0 / 12.0, 1e-12);
}

TEST(SchedulerTest, MoreFreeCapacityWins) {
  MinerCandidate a = Miner("a");
  MinerCandidate b = Miner("b");
  a.active = 3;  // 1/4 free
  b.active = 1;  // 3/4 free
  auto choice = ChooseMiner({a, b}, Needs());
  EXPECT_EQ(choice->miner_id, "b");
  EXPECT_DOUBLE_EQ(choice->capacity_term, 0.2 * 0.75);
}

TEST(SchedulerTest, TiesGoToTheLowerPriceThenTheLowerId) {
  MinerCandidate a = Miner("a");
  MinerCandidate b = Miner("b");
  MinerCandidate c = Miner("c");
  b.price.per_second = Micro(10'000);
  c.price.per_second = Micro(10'000);
  EXPECT_EQ(ChooseMiner({a, c, b}, Needs())->miner_id, "b");
  EXPECT_EQ(ChooseMiner({a, b, c}, Needs())->miner_id, "b");
  b.price = c.price = a.price;
  EXPECT_EQ(ChooseMiner({c, b, a}, Needs())->miner_id, "a");
}

TEST(SchedulerTest, WeightsTradeStakeAgainstCapacity) {
  MinerCandidate staked_busy = Miner("staked_busy");
  staked_busy.stake = Micro(1000);
  staked_busy.active = 3;
  MinerCandidate idle = Miner("idle");
  EXPECT_EQ(ChooseMiner({staked_busy, idle}, Needs())->miner_id, "staked_busy");
  EXPECT_EQ(ChooseMiner({staked_busy, idle}, Needs(), ScoreWeights{0.1, 0.4, 0.5})->miner_id,
            "idle");
}

TEST(JobQueueTest, FifoPerModelWithRequeueAtTheFront) {
  JobQueue q;
  q.Push("m1", "j1");
  q.Push("m1", "j2");
  q.Push("m2", "j3");
  q.Push("m1", "j1");  // already queued: ignored
  EXPECT_EQ(q.size(), 3u);
  q.PushFront("m1", "j0");
  EXPECT_EQ(q.by_model().at("m1"), (std::list<std::string>{"j0", "j1", "j2"}));
  EXPECT_TRUE(q.Remove("j1"));
  EXPECT_FALSE(q.Remove("j1"));
  EXPECT_TRUE(q.Remove("j3"));
  EXPECT_EQ(q.by_model().count("m2"), 0u);
  EXPECT_FALSE(q.Contains("j3"));
  EXPECT_TRUE(q.Contains("j2"));
  EXPECT_EQ(q.size(), 2u);
}

}  // namespace
}  // namespace aitbc::coordinator
