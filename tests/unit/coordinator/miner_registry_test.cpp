#include "coordinator/miner_registry.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace aitbc::coordinator {
namespace {

protocol::MinerRegistration Registration(uint8_t key_byte, std::vector<std::string> models) {
  protocol::MinerRegistration r;
  r.url = "http://127.0.0.1:8005";
  r.public_key = testing::KeyFromByte(key_byte).public_key();
  r.models = std::move(models);
  r.slots = 2;
  r.price.per_second = core::Amount::FromMicro(20'000);
  r.backend = "ollama";
  return r;
}

TEST(MinerRegistryTest, RegistersWithAFreshPushKeyEachTime) {
  core::DeterministicRandom random(1);
  MinerRegistry registry(random, 1'000);
  MinerInfo& m = registry.Register("miner_a", Registration(3, {"llama3"}), 1'000, 0);
  std::string first = m.push_key;
  EXPECT_EQ(first.rfind("pk_", 0), 0u);
  EXPECT_EQ(first.size(), 3u + 64u);
  EXPECT_EQ(m.address, testing::AddressOf(testing::KeyFromByte(3)));
  EXPECT_TRUE(m.online);
  std::string second =
      registry.Register("miner_a", Registration(3, {"llama3"}), 2'000, 10).push_key;
  EXPECT_NE(second, first);
  EXPECT_EQ(registry.Find("miner_a")->registered_ms, 1'000);  // first registration kept
  EXPECT_EQ(registry.Serving("llama3").size(), 1u);
  EXPECT_TRUE(registry.Serving("mistral").empty());
}

TEST(MinerRegistryTest, HeartbeatsOfUnknownMinersAre404AndSilenceMeansOffline) {
  core::DeterministicRandom random(1);
  MinerRegistry registry(random, 1'000);
  protocol::MinerHeartbeat hb;
  hb.free_slots = 1;
  EXPECT_EQ(registry.Heartbeat("miner_x", hb, 0).error().code(), core::ErrorCode::kNotFound);
  registry.Register("miner_a", Registration(3, {"llama3"}), 0, 0);
  hb.backend_healthy = false;
  hb.models = {"llama3", "mistral"};
  ASSERT_TRUE(registry.Heartbeat("miner_a", hb, 2'000).ok());
  EXPECT_FALSE(registry.Find("miner_a")->healthy);
  EXPECT_EQ(registry.Serving("mistral").size(), 1u);
  EXPECT_TRUE(registry.ExpireSilent(5'000).empty());  // 3 s since the heartbeat: not more
  EXPECT_EQ(registry.ExpireSilent(5'001), std::vector<std::string>{"miner_a"});
  EXPECT_FALSE(registry.Find("miner_a")->online);
  EXPECT_EQ(registry.online_count(), 0u);
  ASSERT_TRUE(registry.Heartbeat("miner_a", hb, 6'000).ok());  // back
  EXPECT_EQ(registry.online_count(), 1u);
  ASSERT_TRUE(registry.Remove("miner_a").ok());
  EXPECT_EQ(registry.Remove("miner_a").error().code(), core::ErrorCode::kNotFound);
  EXPECT_EQ(registry.Heartbeat("miner_a", hb, 7'000).error().code(), core::ErrorCode::kNotFound);
  EXPECT_TRUE(registry.Candidates(7'000).empty());
}

TEST(MinerRegistryTest, ReputationIsKeptAndSurvivesTheStore) {
  core::DeterministicRandom random(1);
  MinerRegistry registry(random, 1'000);
  registry.Register("miner_a", Registration(3, {"llama3"}), 0, 0);
  registry.RecordOutcome("miner_a", true, 1'000);
  registry.RecordOutcome("miner_a", true, 2'000);
  registry.RecordOutcome("miner_a", false, 0);
  const MinerInfo& m = *registry.Find("miner_a");
  EXPECT_EQ(m.successes, 2u);
  EXPECT_EQ(m.finished, 3u);
  EXPECT_DOUBLE_EQ(m.avg_job_ms, 0.9 * 1'000 + 0.1 * 2'000);

  MinerRegistry reloaded(random, 1'000);
  ASSERT_TRUE(reloaded.Load({registry.Row(m)}).ok());
  const MinerInfo& r = *reloaded.Find("miner_a");
  EXPECT_EQ(r.successes, 2u);
  EXPECT_EQ(r.finished, 3u);
  EXPECT_EQ(r.registration.models, m.registration.models);
  EXPECT_FALSE(r.registered);  // must register again: no push key after a restart
  EXPECT_TRUE(r.push_key.empty());
  EXPECT_FALSE(reloaded.Load({MinerRow{"miner_b", "{\"registration\":5}"}}).ok());
  EXPECT_FALSE(reloaded.Load({MinerRow{"miner_b", "not json"}}).ok());
}

TEST(MinerRegistryTest, CandidatesReflectBusyMiners) {
  core::DeterministicRandom random(1);
  MinerRegistry registry(random, 1'000);
  MinerInfo& m = registry.Register("miner_a", Registration(3, {"llama3"}), 0, 0);
  m.active = 1;
  m.unavailable_until_steady_ms = 500;
  auto busy = registry.Candidates(100);
  ASSERT_EQ(busy.size(), 1u);
  EXPECT_FALSE(busy[0].online);
  EXPECT_EQ(busy[0].active, 1u);
  EXPECT_TRUE(registry.Candidates(500)[0].online);
}

}  // namespace
}  // namespace aitbc::coordinator
