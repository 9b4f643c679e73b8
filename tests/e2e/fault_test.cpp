// Faults on real processes: a miner killed with kill -9 in the middle of a job, the coordinator
// killed in the middle of a run of 200 jobs and restarted, the node restarted. After each, every
// job ends completed (paid once) or refunded, and the chain's total supply is unchanged.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <set>

#include "core/clock.h"
#include "core/file_util.h"
#include "e2e_util.h"
#include "net/http_client.h"
#include "net/json_rpc.h"
#include "net/retry.h"

namespace aitbc::e2e {
namespace {

constexpr const char* kPrompt = "What is machine learning?";
constexpr const char* kModel = "llama3.2:latest";

int64_t Now() { return core::SystemClock::Instance().SteadyMs(); }

client::SubmitRequest Request(int i = 0) {
  client::SubmitRequest r;
  r.spec.model = kModel;
  r.spec.prompt = std::string(kPrompt) + " #" + std::to_string(i);
  r.max_price = core::Amount::FromMicro(100'000);  // 0.1 AITBC
  return r;
}

// Polls until the job has a miner working on it.
core::Result<client::JobView> WaitUntilRunning(client::CoordinatorClient& api,
                                               const std::string& job_id) {
  const int64_t deadline = Now() + 30'000;
  while (Now() < deadline) {
    auto job = api.GetJob(job_id);
    if (job.ok() && (job->status == "running" || job->status == "assigned") &&
        !job->miner.empty()) {
      return job;
    }
    net::SleepMs(20);
  }
  return core::Error::Timeout("job " + job_id + " was never assigned");
}

// Every job is finished on the chain: a completed job's escrow settled once for exactly its
// cost, a failed or cancelled job's escrow refunded (or never locked). Returns the total paid.
core::Amount CheckJobsClosed(Cluster& c, const std::vector<std::string>& job_ids) {
  auto api = c.Client();
  core::Amount paid;
  for (const auto& id : job_ids) {
    auto job = WaitForSettledJob(*api, id, 120'000);
    EXPECT_TRUE(job.ok()) << id << ": " << (job.ok() ? "" : job.error().ToString());
    if (!job.ok()) continue;
    auto escrow = c.Node().GetEscrow(id);
    EXPECT_TRUE(escrow.ok());
    if (!escrow.ok()) continue;
    if (job->status == "completed") {
      EXPECT_TRUE(escrow->has_value()) << id;
      if (!escrow->has_value()) continue;
      EXPECT_EQ((*escrow)->status, "settled") << id;
      EXPECT_EQ((*escrow)->amount_paid, job->cost.value_or(core::Amount())) << id;
      EXPECT_EQ((*escrow)->miner.ToString(), job->miner) << id;
      paid = paid.Add((*escrow)->amount_paid).value();
    } else {
      EXPECT_TRUE(job->status == "failed" || job->status == "cancelled") << id << job->status;
      if (escrow->has_value()) EXPECT_EQ((*escrow)->status, "refunded") << id;
    }
  }
  return paid;
}

// The client's and the only miner's balances before a test's jobs.
struct OneMinerBalances {
  explicit OneMinerBalances(Cluster& c)
      : client(c.state().client_address),
        miner(c.state().miners[0].address),
        client_before(c.Balance(client)),
        miner_before(c.Balance(miner)) {}
  // The client paid exactly `paid`, the miner received it, and the supply is unchanged.
  void ExpectPaid(Cluster& c, core::Amount paid) const {
    EXPECT_EQ(c.Balance(client), client_before.Sub(paid).value());
    EXPECT_EQ(c.Balance(miner), miner_before.Add(paid).value());
    ExpectSupplyUnchanged(c);
  }
  std::string client, miner;
  core::Amount client_before, miner_before;
};

TEST(Faults, MinerKilledMidJobCompletesOnAnotherMinerPaidOnce) {
  ClusterOptions options;
  options.miners = 2;
  options.miner_args = {"--sim-latency-ms=3000"};
  options.coordinator_args = {"--heartbeat-interval-ms=300"};
  auto started = Cluster::Start(options);
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  Cluster& c = **started;
  const std::string client = c.state().client_address;
  const core::Amount client_before = c.Balance(client);
  const core::Amount m0_before = c.Balance(c.state().miners[0].address);
  const core::Amount m1_before = c.Balance(c.state().miners[1].address);

  auto api = c.Client();
  client::SubmitRequest request = Request();
  auto submitted = api->SubmitJob(request);
  ASSERT_TRUE(submitted.ok()) << submitted.error().ToString();
  auto running = WaitUntilRunning(*api, submitted->job_id);
  ASSERT_TRUE(running.ok()) << running.error().ToString() << c.Logs();
  const size_t victim = running->miner == c.state().miners[0].address ? 0 : 1;
  const size_t survivor = 1 - victim;
  ASSERT_EQ(running->miner, c.state().miners[victim].address);
  c.KillMiner(victim, SIGKILL);

  auto job = WaitForSettledJob(*api, submitted->job_id, 120'000);
  ASSERT_TRUE(job.ok()) << job.error().ToString() << c.Logs();
  EXPECT_EQ(job->status, "completed") << job->raw.dump() << c.Logs();
  EXPECT_EQ(job->miner, c.state().miners[survivor].address);
  // (A silent miner is not the job's fault: it does not count against the job's attempts.)
  const core::Amount cost = job->cost.value_or(core::Amount());
  EXPECT_GT(cost.micro(), 0u);

  net::EscrowInfo escrow = ChainEscrow(c, job->job_id);
  EXPECT_EQ(escrow.status, "settled");
  EXPECT_EQ(escrow.miner.ToString(), c.state().miners[survivor].address);
  EXPECT_EQ(c.Balance(client), client_before.Sub(cost).value());
  const core::Amount before[2] = {m0_before, m1_before};
  EXPECT_EQ(c.Balance(c.state().miners[survivor].address), before[survivor].Add(cost).value());
  EXPECT_EQ(c.Balance(c.state().miners[victim].address), before[victim]);
  ExpectSupplyUnchanged(c);
}

TEST(Faults, CoordinatorKilledDuring200JobsAndRestarted) {
  ClusterOptions options;
  options.miners = 2;
  // Jobs take a second and 32 run at once, so the kill finds many of them pending or running.
  options.miner_args = {"--sim-latency-ms=1000", "--slots=16"};
  options.coordinator_args = {"--heartbeat-interval-ms=500", "--rate-limit-per-s=0"};
  auto started = Cluster::Start(options);
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  Cluster& c = **started;
  const std::string client = c.state().client_address;
  const core::Amount client_before = c.Balance(client);
  core::Amount miners_before;
  for (const auto& m : c.state().miners)
    miners_before = miners_before.Add(c.Balance(m.address)).value();

  constexpr int kJobs = 200;
  std::vector<std::string> job_ids;
  auto api = c.Client();
  for (int i = 0; i < kJobs; ++i) {
    if (i == kJobs / 2) {
      auto page = api->ListJobs(100);
      ASSERT_TRUE(page.ok()) << page.error().ToString();
      size_t in_flight = std::count_if(page->jobs.begin(), page->jobs.end(),
                                       [](const client::JobView& j) { return !j.terminal(); });
      EXPECT_GT(in_flight, 0u) << "the kill should interrupt unfinished jobs";
      c.KillCoordinator(SIGKILL);
      ASSERT_TRUE(c.StartCoordinator().ok()) << c.Logs();
    }
    client::SubmitRequest request = Request(i);
    // A submission that fails even after its retries is sent again with the same
    // Idempotency-Key, so it can never create a second job.
    core::Result<client::JobView> job = api->SubmitJob(request);
    for (int again = 0; !job.ok() && again < 20; ++again) {
      net::SleepMs(250);
      job = api->SubmitJob(request);
    }
    ASSERT_TRUE(job.ok()) << i << ": " << job.error().ToString() << c.Logs();
    job_ids.push_back(job->job_id);
  }
  std::set<std::string> distinct(job_ids.begin(), job_ids.end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kJobs));

  // The coordinator knows exactly these jobs, once each.
  std::set<std::string> listed;
  std::string cursor;
  do {
    auto page = api->ListJobs(100, cursor);
    ASSERT_TRUE(page.ok()) << page.error().ToString();
    for (const auto& j : page->jobs) EXPECT_TRUE(listed.insert(j.job_id).second) << j.job_id;
    cursor = page->next_cursor;
  } while (!cursor.empty());
  EXPECT_EQ(listed, distinct);

  const core::Amount paid = CheckJobsClosed(c, job_ids);
  EXPECT_GT(paid.micro(), 0u);
  core::Amount miners_after;
  for (const auto& m : c.state().miners)
    miners_after = miners_after.Add(c.Balance(m.address)).value();
  EXPECT_EQ(c.Balance(client), client_before.Sub(paid).value());
  EXPECT_EQ(miners_after, miners_before.Add(paid).value());
  ExpectSupplyUnchanged(c);
}

TEST(Faults, NodeRestartedLosesNothing) {
  ClusterOptions options;
  options.miner_args = {"--sim-latency-ms=1500"};
  auto started = Cluster::Start(options);
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  Cluster& c = **started;
  const OneMinerBalances balances(c);

  auto api = c.Client();
  client::SubmitRequest first = Request(1);
  auto job1 = api->SubmitJob(first);
  ASSERT_TRUE(job1.ok()) << job1.error().ToString();
  ASSERT_TRUE(WaitUntilRunning(*api, job1->job_id).ok()) << c.Logs();
  auto before = c.Node().GetStatus();
  ASSERT_TRUE(before.ok());

  // The node crashes while the job runs and comes back on the same port.
  c.KillNode(SIGKILL);
  ASSERT_TRUE(c.StartNode().ok()) << c.Logs();
  auto after = c.Node().GetStatus();
  ASSERT_TRUE(after.ok());
  EXPECT_GE(after->height, before->height);
  auto block = c.Node().GetBlock(before->height);
  if (before->height > 0) {
    ASSERT_TRUE(block.ok()) << block.error().ToString();
    EXPECT_EQ(block->Hash(), before->last_block_hash);
  }

  // The job running during the restart settles, and a new one goes through.
  client::SubmitRequest second = Request(2);
  auto job2 = api->SubmitJob(second);
  ASSERT_TRUE(job2.ok()) << job2.error().ToString();
  const core::Amount paid = CheckJobsClosed(c, {job1->job_id, job2->job_id});
  auto done1 = api->GetJob(job1->job_id);
  auto done2 = api->GetJob(job2->job_id);
  ASSERT_TRUE(done1.ok() && done2.ok());
  EXPECT_EQ(done1->status, "completed") << done1->raw.dump() << c.Logs();
  EXPECT_EQ(done2->status, "completed") << done2->raw.dump();
  balances.ExpectPaid(c, paid);
}

// The node crashes right after it accepted a job's escrow into its mempool (the coordinator
// answered 201 and assigned the job) and before any block: the escrow must not be lost, since
// the miner is already working on the job and is paid from it.
TEST(Faults, NodeKilledRightAfterAcceptingAnEscrowKeepsIt) {
  ClusterOptions options;
  // No block for a minute: the accepted escrow stays in the node's mempool.
  options.block_time_ms = 60'000;
  options.node_args = {"--idle-block-time-ms", "60000"};
  // The coordinator re-broadcasts an escrow it has not seen committed only after 30 s, so what
  // the restarted node holds comes from its own disk. The job outlasts the restart.
  testing::TempDir config_dir;
  const std::string config = config_dir.path() + "/coordinator.toml";
  ASSERT_TRUE(core::WriteFileAtomic(config, "reconcile_after_ms = 30000\n").ok());
  options.coordinator_args = {"--config", config};
  options.miner_args = {"--sim-latency-ms=4000"};
  auto started = Cluster::Start(options);
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  Cluster& c = **started;
  const OneMinerBalances balances(c);

  auto api = c.Client();
  client::SubmitRequest request = Request(1);
  auto job = api->SubmitJob(request);  // 201: the node accepted the escrow
  ASSERT_TRUE(job.ok()) << job.error().ToString() << c.Logs();
  c.KillNode(SIGKILL);
  // Back with 3 s blocks: the first block comes 3 s after the start.
  ASSERT_TRUE(c.SetNodeArgs({"--block-time-ms", "3000", "--idle-block-time-ms", "3000"}).ok());
  ASSERT_TRUE(c.StartNode().ok()) << c.Logs();
  auto escrow = c.Node().GetEscrow(job->job_id);
  ASSERT_TRUE(escrow.ok()) << escrow.error().ToString();
  EXPECT_FALSE(escrow->has_value()) << "the escrow was committed before the kill";
  // It is in the node's mempool (the only transaction there: the job is still running, and the
  // coordinator re-broadcasts nothing for 30 s) ...
  net::BlockingHttpClient http;
  net::jsonrpc::BlockingClient rpc(http, net::Url::Parse(c.state().node.url).value());
  auto unconfirmed = rpc.Call("num_unconfirmed_txs", nlohmann::json::object());
  ASSERT_TRUE(unconfirmed.ok()) << unconfirmed.error().ToString();
  EXPECT_EQ((*unconfirmed)["n_txs"], 1) << unconfirmed->dump();
  // ... because the node restored it from its disk (its log is flushed once a second).
  const std::string restored = "mempool restored: 1 pending transactions re-admitted, 0 dropped";
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        auto log = core::ReadFile(c.state().node.log);
        return log.ok() && log->find(restored) != std::string::npos;
      },
      10'000, 50))
      << c.Logs();

  // The job completes on its miner and settles from that escrow.
  const core::Amount paid = CheckJobsClosed(c, {job->job_id});
  auto done = api->GetJob(job->job_id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->status, "completed") << done->raw.dump() << c.Logs();
  EXPECT_GT(paid.micro(), 0u);
  EXPECT_EQ(paid, done->cost.value_or(core::Amount()));
  balances.ExpectPaid(c, paid);
}

}  // namespace
}  // namespace aitbc::e2e
