// The coordinator with the real aitbc-miner binary (its simulated backend): registration with
// the push credential, a job pushed, run, proven and settled on the chain.
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

TEST(RealMinerTest, SimBackendMinerCompletesAJobAndIsPaid) {
  if (!core::FileExists(BinaryPath("aitbc-miner"))) {
    GTEST_SKIP() << "aitbc-miner is not built";
  }
  testing::ClusterOptions options;
  options.clients = 1;
  options.poor_clients = 0;
  options.miners = 1;
  auto started = Cluster::Start(options);
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  Cluster& c = **started;
  std::string miner_dir = c.dir() + "/miner";
  std::map<std::string, std::string> env = {{"AITBC_MINER_PASSPHRASE", ""}};
  auto init = aitbc::testing::RunCommand(
      {BinaryPath("aitbc-miner"), "init", "--datadir", miner_dir}, 60'000, env);
  ASSERT_TRUE(init.ok() && init->exit_code == 0) << (init.ok() ? init->output : "");
  auto miner = Process::Start({BinaryPath("aitbc-miner"),
                               "start",
                               "--datadir",
                               miner_dir,
                               "--coordinator",
                               c.coordinator_url,
                               "--miner-key",
                               c.miners[0].api_key,
                               "--listen",
                               "127.0.0.1:0",
                               "--backend",
                               "sim",
                               "--sim-latency-ms",
                               "50",
                               "--sim-models",
                               "real-sim-model",
                               "--slots",
                               "2",
                               "--price-per-second",
                               "0.02aitbc",
                               "--no-gpu",
                               "--log-file",
                               miner_dir + "/miner.log"},
                              {.env = env});
  ASSERT_TRUE(miner.ok()) << miner.error().ToString();
  auto ready = aitbc::testing::WaitForReadyFile(miner_dir + "/ready.json", 60'000, &*miner);
  ASSERT_TRUE(ready.ok()) << ready.error().ToString();
  std::string address = ready->value("address", "");

  ASSERT_TRUE(aitbc::testing::WaitUntil(
      [&] {
        auto r = c.Call(Method::kGet, "/v1/miners", c.admin.api_key);
        for (const auto& m : r.body.value("miners", nlohmann::json::array())) {
          if (m["miner_id"] == c.miners[0].miner_id && m["status"] == "online") return true;
        }
        return false;
      },
      30'000))
      << miner->Describe();

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

}  // namespace
}  // namespace aitbc::coordinator
