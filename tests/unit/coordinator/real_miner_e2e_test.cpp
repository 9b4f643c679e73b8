// The coordinator with the real aitbc-miner binary (its simulated backend): registration with
// the push credential, a job pushed, run, proven and settled on the chain; a running job
// cancelled by its client is stopped on the miner.
#include <gtest/gtest.h>

#include "cluster.h"
#include "core/file_util.h"
#include "protocol/json_codec.h"

namespace aitbc::coordinator {
namespace {

using aitbc::testing::BinaryPath;
using aitbc::testing::Process;
using net::Method;
using testing::Cluster;

// A real aitbc-miner (simulated backend, `latency_ms` per job, one slot) registered with the
// cluster's coordinator as its first miner, online.
struct RealMiner {
  std::optional<Process> process;
  std::string dir;
  std::string url;
  std::string address;
};

void StartRealMiner(Cluster& c, int latency_ms, RealMiner& out) {
  out.dir = c.dir() + "/miner";
  std::map<std::string, std::string> env = {{"AITBC_MINER_PASSPHRASE", ""}};
  auto init = aitbc::testing::RunCommand({BinaryPath("aitbc-miner"), "init", "--datadir", out.dir},
                                         60'000, env);
  ASSERT_TRUE(init.ok() && init->exit_code == 0) << (init.ok() ? init->output : "");
  auto miner = Process::Start({BinaryPath("aitbc-miner"),
                               "start",
                               "--datadir",
                               out.dir,
                               "--coordinator",
                               c.coordinator_url,
                               "--miner-key",
                               c.miners[0].api_key,
                               "--listen",
                               "127.0.0.1:0",
                               "--backend",
                               "sim",
                               "--sim-latency-ms",
                               std::to_string(latency_ms),
                               "--sim-models",
                               "real-sim-model",
                               "--slots",
                               "1",
                               "--price-per-second",
                               "0.02aitbc",
                               "--no-gpu",
                               "--log-file",
                               out.dir + "/miner.log"},
                              {.env = env});
  ASSERT_TRUE(miner.ok()) << miner.error().ToString();
  out.process.emplace(std::move(miner).value());
  auto ready = aitbc::testing::WaitForReadyFile(out.dir + "/ready.json", 60'000, &*out.process);
  ASSERT_TRUE(ready.ok()) << ready.error().ToString();
  out.address = ready->value("address", "");
  out.url = ready->value("url", "");

  ASSERT_TRUE(aitbc::testing::WaitUntil(
      [&] {
        auto r = c.Call(Method::kGet, "/v1/miners", c.admin.api_key);
        for (const auto& m : r.body.value("miners", nlohmann::json::array())) {
          if (m["miner_id"] == c.miners[0].miner_id && m["status"] == "online") return true;
        }
        return false;
      },
      30'000))
      << out.process->Describe();
}

class RealMinerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!core::FileExists(BinaryPath("aitbc-miner"))) GTEST_SKIP() << "aitbc-miner is not built";
  }

  // A cluster with one client and one real miner whose jobs take latency_ms.
  void StartCluster(int latency_ms) {
    testing::ClusterOptions options;
    options.clients = 1;
    options.poor_clients = 0;
    options.miners = 1;
    auto started = Cluster::Start(options);
    ASSERT_TRUE(started.ok()) << started.error().ToString();
    cluster_ = std::move(started).value();
    ASSERT_NO_FATAL_FAILURE(StartRealMiner(*cluster_, latency_ms, real_));
  }

  std::unique_ptr<Cluster> cluster_;
  RealMiner real_;
};

TEST_F(RealMinerTest, SimBackendMinerCompletesAJobAndIsPaid) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(50));
  Cluster& c = *cluster_;
  std::optional<Process>& miner = real_.process;
  std::string address = real_.address;

  auto submitted = c.Submit(c.clients[0], "real-sim-model", "1aitbc");
  ASSERT_EQ(submitted.status, 201) << submitted.body.dump();
  nlohmann::json job = c.WaitSettled(c.clients[0], submitted.body["job_id"]);
  ASSERT_EQ(job.value("status", ""), "completed") << job.dump() << miner->Describe();
  EXPECT_EQ(job["result"].get<std::string>().rfind("[simulated] ", 0), 0u) << job.dump();
  EXPECT_EQ(job["miner"], address);
  EXPECT_EQ(job["settlement"]["status"], "committed");
  auto escrow = c.chain().GetEscrow(submitted.body["job_id"]);
  ASSERT_TRUE(escrow.ok() && escrow->has_value());
  EXPECT_EQ((**escrow).status, "settled");
  EXPECT_EQ(c.Balance(address), (**escrow).amount_paid);
  EXPECT_EQ(protocol::AmountToJson((**escrow).amount_paid), job["cost"]);
  EXPECT_EQ(miner->Stop(10'000), 0);
}

// The client cancels a job the miner is running: the escrow is refunded, and the coordinator
// tells the miner, which frees its slot at once instead of computing a result nobody pays for.
TEST_F(RealMinerTest, CancellingARunningJobStopsItOnTheMiner) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(60'000));
  Cluster& c = *cluster_;
  net::BlockingHttpClient http;
  auto miner_status = [&]() -> nlohmann::json {
    net::ClientRequest request;
    request.url = net::Url::Parse(real_.url + "/v1/status").value();
    auto response = http.Send(std::move(request));
    if (!response.ok() || response->status != 200) return nlohmann::json::object();
    return nlohmann::json::parse(response->body, nullptr, false);
  };

  auto submitted = c.Submit(c.clients[0], "real-sim-model", "1aitbc");
  ASSERT_EQ(submitted.status, 201) << submitted.body.dump();
  std::string id = submitted.body["job_id"];
  ASSERT_TRUE(aitbc::testing::WaitUntil([&] { return miner_status().value("free_slots", -1) == 0; },
                                        30'000))
      << "the miner never started the job";
  ASSERT_TRUE(aitbc::testing::WaitUntil(
      [&] {
        return c.Call(Method::kGet, "/v1/jobs/" + id, c.clients[0].api_key)
                   .body.value("status", "") == "running";
      },
      30'000));

  auto cancelled = c.Call(Method::kPost, "/v1/jobs/" + id + "/cancel", c.clients[0].api_key);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body.dump();
  ASSERT_TRUE(aitbc::testing::WaitUntil(
      [&] {
        nlohmann::json s = miner_status();
        return s.value("free_slots", -1) == 1 &&
               s.value("running_jobs", nlohmann::json::array()).empty();
      },
      10'000))
      << "the miner still runs the cancelled job: " << miner_status().dump();
  nlohmann::json job = c.WaitSettled(c.clients[0], id);
  EXPECT_EQ(job.value("status", ""), "cancelled") << job.dump();
  auto escrow = c.chain().GetEscrow(id);
  ASSERT_TRUE(escrow.ok() && escrow->has_value());
  EXPECT_EQ((**escrow).status, "refunded");
  EXPECT_EQ(c.Balance(real_.address).micro(), 0u) << "the miner was paid for a cancelled job";
  EXPECT_EQ(real_.process->Stop(10'000), 0);  // flushes its log
  auto log = core::ReadFile(real_.dir + "/miner.log");
  ASSERT_TRUE(log.ok());
  EXPECT_NE(
      log->find("job " + id + ": stopped: the coordinator cancelled it (cancelled by the client)"),
      std::string::npos)
      << *log;
}

}  // namespace
}  // namespace aitbc::coordinator
