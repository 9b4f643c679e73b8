// Crash recovery: the coordinator is killed with SIGKILL in the middle of a run of jobs and
// restarted; every job must end completed and settled, or failed and refunded, and the chain
// must show each escrow closed exactly once by the transaction the coordinator reports. Runs on
// SQLite and, when AITBC_TEST_PG_URL is set, on PostgreSQL.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "cluster.h"
#include "core/random.h"
#include "protocol/json_codec.h"

namespace aitbc::coordinator {
namespace {

using net::Method;
using testing::Cluster;
using testing::ClusterOptions;
using testing::HttpResult;

class RestartTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RestartTest, KillNineMidRunLosesNoJobAndPaysNoneTwice) {
  constexpr int kJobs = 50;
  ClusterOptions options;
  options.clients = 1;
  options.poor_clients = 0;
  options.miners = 4;
  options.coordinator_flags = {"--allow-sim-miners",
                               "--queue-timeout-ms",
                               "60000",
                               "--start-timeout-ms",
                               "3000",
                               "--run-timeout-ms",
                               "6000",
                               "--heartbeat-interval-ms",
                               "300",
                               "--restart-grace-ms",
                               "1500",
                               "--rate-limit-per-s",
                               "0"};
  if (GetParam() == "postgresql") {
    const char* url = std::getenv("AITBC_TEST_PG_URL");
    if (url == nullptr || *url == '\0') {
      GTEST_SKIP() << "AITBC_TEST_PG_URL is not set (scripts/test starts a PostgreSQL server)";
    }
    std::string base = url;
    options.db = base + (base.find('?') == std::string::npos ? "?" : "&") + "aitbc_schema=r_" +
                 core::HexEncode(core::SystemRandom::Instance().RandomBytes(6));
  }
  auto started = Cluster::Start(options);
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  Cluster& c = **started;
  const auto& client = c.clients[0];
  std::vector<SimMiner*> miners;
  for (size_t i = 0; i < 4; ++i) {
    miners.push_back(
        &c.AddMiner(i, {"restart-model"}, SimMinerOptions::Mode::kComplete, 20'000, 400));
  }

  std::vector<std::string> ids;
  for (int i = 0; i < kJobs; ++i) {
    HttpResult r = c.Submit(client, "restart-model", "1aitbc");
    ASSERT_EQ(r.status, 201) << r.body.dump();
    ids.push_back(r.body["job_id"]);
  }
  auto completed = [&] {
    size_t n = 0;
    for (SimMiner* m : miners) n += m->completed();
    return n;
  };
  ASSERT_TRUE(aitbc::testing::WaitUntil([&] { return completed() >= 12; }, 60'000)) << c.Describe();
  c.KillCoordinator();
  ASSERT_TRUE(c.StartCoordinator().ok()) << c.Describe();

  std::set<std::string> closing_txs;
  core::Amount paid;
  for (const std::string& id : ids) {
    nlohmann::json job = c.WaitSettled(client, id, 90'000);
    ASSERT_TRUE(job.is_object() && job.contains("settlement")) << id << " " << c.Describe();
    std::string status = job.value("status", "");
    ASSERT_TRUE(status == "completed" || status == "failed") << job.dump();
    ASSERT_EQ(job["settlement"]["status"], "committed") << job.dump();
    auto escrow = c.chain().GetEscrow(id);
    ASSERT_TRUE(escrow.ok() && escrow->has_value()) << id;
    const net::EscrowInfo& e = **escrow;
    EXPECT_EQ(e.status, status == "completed" ? "settled" : "refunded") << job.dump();
    EXPECT_EQ(e.closing_tx.ToHex(), job["settlement"]["tx_hash"]) << job.dump();
    EXPECT_EQ(e.closed_height, job["settlement"]["block_height"]) << job.dump();
    EXPECT_TRUE(closing_txs.insert(e.closing_tx.ToHex()).second);
    if (status == "completed") {
      EXPECT_EQ(protocol::AmountToJson(e.amount_paid), job["cost"]);
      paid = paid.Add(e.amount_paid).value();
    }
  }
  // The miners got exactly what the settled escrows paid: nobody was paid twice.
  core::Amount earned;
  for (SimMiner* m : miners) earned = earned.Add(c.Balance(m->address().ToString())).value();
  EXPECT_EQ(earned, paid);
  EXPECT_EQ(c.chain().GetSupply()->total, c.genesis_supply);
  HttpResult listed = c.Call(Method::kGet, "/v1/jobs?limit=100", client.api_key);
  EXPECT_EQ(listed.body["jobs"].size(), static_cast<size_t>(kJobs));
}

INSTANTIATE_TEST_SUITE_P(Backends, RestartTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace aitbc::coordinator
