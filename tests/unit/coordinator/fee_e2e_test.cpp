// Money with a minimum fee, end to end (a real aitbc-node and aitbc-coordinator): a failed or
// cancelled job leaves the client's balance exactly as it was before the submission (the
// coordinator's refund rebates the escrow's fee), a completed job costs the client the amount
// paid to the miner plus its escrow's fee, and a coordinator that cannot pay a refund says so,
// keeps retrying, and refunds once funded.
#include <gtest/gtest.h>

#include "cluster.h"
#include "core/file_util.h"
#include "net/metrics.h"
#include "protocol/json_codec.h"
#include "protocol/transaction.h"

namespace aitbc::coordinator {
namespace {

using net::Method;
using testing::Cluster;
using testing::ClusterOptions;
using testing::HttpResult;
using testing::KeyInfo;
using Mode = SimMinerOptions::Mode;

core::Amount Micro(uint64_t v) { return core::Amount::FromMicro(v); }
constexpr uint64_t kFee = 10'000;  // 0.01 AITBC: these clusters' min_fee

ClusterOptions FeeOptions() {
  ClusterOptions options;
  options.clients = 1;
  options.poor_clients = 0;
  options.miners = 4;
  options.min_fee = "0.01aitbc";
  return options;
}

std::string CoordinatorLog(Cluster& c) {
  return core::ReadFile(c.coordinator_dir + "/coordinator.log").value_or("");
}

bool LogContains(Cluster& c, const std::string& text) {
  return CoordinatorLog(c).find(text) != std::string::npos;
}

// A value of the coordinator's /metrics (a series without labels); -2 when absent.
double CoordinatorMetric(Cluster& c, const std::string& name) {
  return net::SampleValue(c.Call(Method::kGet, "/metrics", "").response.body, name).value_or(-2);
}

nlohmann::json WaitStatus(Cluster& c, const KeyInfo& client, const std::string& id,
                          const std::string& status) {
  nlohmann::json last;
  aitbc::testing::WaitUntil(
      [&] {
        HttpResult r = c.Call(Method::kGet, "/v1/jobs/" + id, client.api_key);
        last = r.body;
        return r.status == 200 && last.value("status", "") == status;
      },
      20'000, 50);
  return last;
}

TEST(FeeTest, FailedJobsCostTheClientNothingAndCompletedOnesTheCostPlusTheEscrowFee) {
  ClusterOptions options = FeeOptions();
  options.coordinator_funds = "100aitbc";
  auto started = Cluster::Start(options);
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  Cluster& c = **started;
  const KeyInfo& client = c.clients[0];
  // 100 AITBC pays for 5,000 refunds at 0.02 AITBC: not low.
  EXPECT_FALSE(LogContains(c, "LOW BALANCE")) << CoordinatorLog(c);

  // Cancelled while running.
  c.AddMiner(0, {"hang-model"}, Mode::kHang);
  core::Amount client_before = c.Balance(client.address);
  core::Amount coordinator_before = c.Balance(c.coordinator_address);
  HttpResult cancelled = c.Submit(client, "hang-model", "2aitbc");
  ASSERT_EQ(cancelled.status, 201) << cancelled.body.dump();
  EXPECT_EQ(cancelled.body["escrow"]["fee"], "0.01aitbc");
  std::string cancel_id = cancelled.body["job_id"];
  WaitStatus(c, client, cancel_id, "running");
  ASSERT_EQ(c.Call(Method::kPost, "/v1/jobs/" + cancel_id + "/cancel", client.api_key).status, 200);
  nlohmann::json job = c.WaitSettled(client, cancel_id);
  ASSERT_EQ(job.value("status", ""), "cancelled") << job.dump();
  EXPECT_EQ(job["settlement"]["type"], "refund");
  EXPECT_EQ(job["cost"], "0aitbc");
  EXPECT_EQ(c.Balance(client.address), client_before);
  // The coordinator paid its refund's fee and the rebate of the client's escrow fee.
  EXPECT_EQ(c.Balance(c.coordinator_address), coordinator_before.Sub(Micro(2 * kFee)).value());
  auto escrow = c.chain().GetEscrow(cancel_id);
  ASSERT_TRUE(escrow.ok() && escrow->has_value());
  EXPECT_EQ((**escrow).status, "refunded");
  EXPECT_EQ((**escrow).fee, Micro(kFee));
  c.RemoveMiners();

  // Failed: no miner accepts it within the queue timeout (4 s).
  c.AddMiner(1, {"busy-model"}, Mode::kRefuse);
  client_before = c.Balance(client.address);
  coordinator_before = c.Balance(c.coordinator_address);
  HttpResult failed = c.Submit(client, "busy-model", "1aitbc");
  ASSERT_EQ(failed.status, 201) << failed.body.dump();
  job = c.WaitSettled(client, failed.body["job_id"]);
  ASSERT_EQ(job.value("status", ""), "failed") << job.dump();
  EXPECT_EQ(job["settlement"]["type"], "refund");
  EXPECT_EQ(c.Balance(client.address), client_before);
  EXPECT_EQ(c.Balance(c.coordinator_address), coordinator_before.Sub(Micro(2 * kFee)).value());
  c.RemoveMiners();

  // Completed: 500 ms at 0.02 AITBC/s = 0.01 AITBC to the miner, plus the escrow's fee.
  SimMiner& miner = c.AddMiner(2, {"paid-model"});
  client_before = c.Balance(client.address);
  coordinator_before = c.Balance(c.coordinator_address);
  core::Amount miner_before = c.Balance(miner.address().ToString());
  HttpResult paid = c.Submit(client, "paid-model", "1aitbc");
  ASSERT_EQ(paid.status, 201) << paid.body.dump();
  job = c.WaitSettled(client, paid.body["job_id"]);
  ASSERT_EQ(job.value("status", ""), "completed") << job.dump();
  EXPECT_EQ(job["cost"], "0.01aitbc");  // what the miner was paid
  EXPECT_EQ(job["escrow"]["fee"], "0.01aitbc");
  EXPECT_EQ(c.Balance(client.address), client_before.Sub(Micro(10'000 + kFee)).value());
  EXPECT_EQ(c.Balance(miner.address().ToString()), miner_before.Add(Micro(10'000)).value());
  EXPECT_EQ(c.Balance(c.coordinator_address), coordinator_before.Sub(Micro(kFee)).value());

  EXPECT_EQ(c.chain().GetSupply()->total, c.genesis_supply);
}

TEST(FeeTest, AnUnfundedCoordinatorKeepsTheRefundPendingAndPaysItOnceFunded) {
  ClusterOptions options = FeeOptions();
  // A refund costs the coordinator 0.02 AITBC (fee + rebate); it holds 0.015.
  options.coordinator_funds = "0.015aitbc";
  options.coordinator_flags.insert(options.coordinator_flags.end(), {"--balance-check-ms", "200"});
  core::PrivateKey funder = core::PrivateKey::FromSeed(core::Bytes(32, 0x42)).value();
  core::Address funder_address = core::Address::FromPublicKey(funder.public_key());
  options.extra_funds = {funder_address.ToString() + "=5aitbc"};
  auto started = Cluster::Start(options);
  ASSERT_TRUE(started.ok()) << started.error().ToString();
  Cluster& c = **started;
  const KeyInfo& client = c.clients[0];
  EXPECT_TRUE(aitbc::testing::WaitUntil(
      [&] {
        return LogContains(c, "LOW BALANCE: the coordinator's account " + c.coordinator_address +
                                  " holds 0.015 AITBC");
      },
      10'000, 50))
      << CoordinatorLog(c);
  EXPECT_EQ(CoordinatorMetric(c, "aitbc_coordinator_balance_uaitbc"), 15'000);
  EXPECT_EQ(CoordinatorMetric(c, "aitbc_coordinator_refunds_covered"), 0);

  c.AddMiner(0, {"hang-model"}, Mode::kHang);
  core::Amount client_before = c.Balance(client.address);
  HttpResult submitted = c.Submit(client, "hang-model", "2aitbc");
  ASSERT_EQ(submitted.status, 201) << submitted.body.dump();
  std::string id = submitted.body["job_id"];
  WaitStatus(c, client, id, "running");
  ASSERT_EQ(c.Call(Method::kPost, "/v1/jobs/" + id + "/cancel", client.api_key).status, 200);

  // The node refuses the refund; the coordinator names the shortfall and keeps the job pending.
  EXPECT_TRUE(aitbc::testing::WaitUntil(
      [&] { return LogContains(c, "job " + id + ": the node refused its refund"); }, 20'000, 100))
      << CoordinatorLog(c);
  std::string log = CoordinatorLog(c);
  EXPECT_NE(log.find("short by 0.005 AITBC"), std::string::npos) << log;
  EXPECT_NE(log.find("stays locked in escrow"), std::string::npos) << log;
  HttpResult pending = c.Call(Method::kGet, "/v1/jobs/" + id, client.api_key);
  ASSERT_EQ(pending.status, 200);
  EXPECT_EQ(pending.body["status"], "cancelled");
  EXPECT_EQ(pending.body["settlement"]["type"], "refund");
  EXPECT_EQ(pending.body["settlement"]["status"], "pending");
  auto open = c.chain().GetEscrow(id);
  ASSERT_TRUE(open.ok() && open->has_value());
  EXPECT_EQ((**open).status, "open");
  EXPECT_EQ(c.Balance(client.address),
            client_before.Sub(core::Amount::FromCoins(2).value()).value().Sub(Micro(kFee)).value());

  // Funding the coordinator lets the retried refund through: the client is made whole.
  protocol::Transaction transfer;
  transfer.chain_id = "aitbc-coord-test";
  transfer.nonce = 0;
  transfer.fee = Micro(kFee);
  transfer.payload =
      protocol::Transfer{core::Address::Parse(c.coordinator_address).value(), Micro(1'000'000)};
  transfer.Sign(funder);
  auto envelope = protocol::TxEnvelope::FromTx(transfer);
  auto sent = c.chain().BroadcastTx(envelope.bytes);
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();
  ASSERT_TRUE(c.chain().WaitForTx(envelope.hash, 30'000).ok());
  nlohmann::json job = c.WaitSettled(client, id, 60'000);
  ASSERT_EQ(job["settlement"].value("status", ""), "committed") << job.dump() << c.Describe();
  EXPECT_EQ(c.chain().GetEscrow(id)->value().status, "refunded");
  EXPECT_EQ(c.Balance(client.address), client_before);
  // 0.015 + 1 received − 0.02 for the refund.
  EXPECT_EQ(c.Balance(c.coordinator_address), Micro(15'000 + 1'000'000 - 2 * kFee));
  // The watch sees the new balance (read every 200 ms here); 0.995 pays for 49 more refunds.
  EXPECT_TRUE(aitbc::testing::WaitUntil(
      [&] {
        return CoordinatorMetric(c, "aitbc_coordinator_balance_uaitbc") == 995'000 &&
               CoordinatorMetric(c, "aitbc_coordinator_refunds_covered") == 49;
      },
      10'000, 50));

  EXPECT_EQ(c.chain().GetSupply()->total, c.genesis_supply);
}

}  // namespace
}  // namespace aitbc::coordinator
