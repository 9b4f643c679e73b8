// The real aitbc-miner executable (label e2e): init, start, ready.json, registration, SIGTERM,
// and a report that survives kill -9 in the outbox and is delivered after a restart.
#include <signal.h>

#include <gtest/gtest.h>

#include "coordinator_stand_in.h"
#include "core/file_util.h"
#include "core/key_file.h"
#include "process.h"

namespace aitbc::miner {
namespace {

using aitbc::testing::BinaryPath;
using aitbc::testing::Process;
using aitbc::testing::RunCommand;
using testing::CoordinatorStandIn;
using testing::MakeAssignment;

class MinerProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(coordinator_.Start().ok());
    datadir_ = dir_.path() + "/miner";
  }

  void Init() {
    auto init = RunCommand({BinaryPath("aitbc-miner"), "init", "--datadir", datadir_});
    ASSERT_TRUE(init.ok());
    ASSERT_EQ(init->exit_code, 0) << init->output;
  }

  core::Result<Process> Start(std::map<std::string, std::string> env = {}) {
    env.emplace("AITBC_MINER_KEY", coordinator_.options().miner_key);
    ::unlink((datadir_ + "/ready.json").c_str());
    return Process::Start({BinaryPath("aitbc-miner"), "start", "--datadir", datadir_,
                           "--coordinator", coordinator_.url(), "--listen", "127.0.0.1:0",
                           "--backend", "sim", "--sim-latency-ms", "50", "--no-gpu"},
                          {env, ""});
  }

  // Waits for ready.json and the registration; returns the miner's URL.
  std::string WaitServing(Process& miner, size_t registrations = 1) {
    auto ready = aitbc::testing::WaitForReadyFile(datadir_ + "/ready.json", 20'000, &miner);
    EXPECT_TRUE(ready.ok()) << (ready.ok() ? "" : ready.error().ToString());
    if (!ready.ok()) return "";
    EXPECT_TRUE(coordinator_.WaitFor("POST", "/v1/miners/register", registrations))
        << miner.Describe();
    return (*ready)["url"].get<std::string>();
  }

  aitbc::testing::TempDir dir_;
  std::string datadir_;
  CoordinatorStandIn coordinator_;
};

TEST_F(MinerProcessTest, InitCreatesTheKeyAndPrintsTheAddressOnce) {
  auto init = RunCommand({BinaryPath("aitbc-miner"), "init", "--datadir", datadir_});
  ASSERT_TRUE(init.ok());
  EXPECT_EQ(init->exit_code, 0) << init->output;
  EXPECT_NE(init->output.find("address: aitbc1"), std::string::npos) << init->output;
  EXPECT_NE(init->output.find("devnet key"), std::string::npos);
  EXPECT_TRUE(core::KeyFileIsPlaintext(datadir_ + "/miner_key.json").value_or(false));
  auto again = RunCommand({BinaryPath("aitbc-miner"), "init", "--datadir", datadir_});
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->exit_code, 0);
}

TEST_F(MinerProcessTest, AnEncryptedKeyNeedsItsPassphraseToStart) {
  auto init = RunCommand({BinaryPath("aitbc-miner"), "init", "--datadir", datadir_}, 60'000,
                         {{"AITBC_MINER_PASSPHRASE", "correct horse"}});
  ASSERT_TRUE(init.ok());
  ASSERT_EQ(init->exit_code, 0) << init->output;
  EXPECT_FALSE(core::KeyFileIsPlaintext(datadir_ + "/miner_key.json").value_or(true));
  EXPECT_EQ(init->output.find("devnet key"), std::string::npos);

  auto without = Start();
  ASSERT_TRUE(without.ok());
  auto code = without->Wait(20'000);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1);
  EXPECT_NE(without->Describe().find("passphrase"), std::string::npos) << without->Describe();

  auto with = Start({{"AITBC_MINER_PASSPHRASE", "correct horse"}});
  ASSERT_TRUE(with.ok());
  EXPECT_FALSE(WaitServing(*with).empty());
  EXPECT_EQ(with->Stop(), 0);
}

TEST_F(MinerProcessTest, StartWithoutAKeyOrAMinerKeyFailsClearly) {
  auto no_key = Start();
  ASSERT_TRUE(no_key.ok());
  auto code = no_key->Wait(20'000);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1);
  EXPECT_NE(no_key->Describe().find("aitbc-miner init"), std::string::npos) << no_key->Describe();

  Init();
  auto no_miner_key = RunCommand({BinaryPath("aitbc-miner"), "start", "--datadir", datadir_});
  ASSERT_TRUE(no_miner_key.ok());
  EXPECT_EQ(no_miner_key->exit_code, 2);
  EXPECT_NE(no_miner_key->output.find("AITBC_MINER_KEY"), std::string::npos);
}

TEST_F(MinerProcessTest, ServesRegistersAndDeregistersOnSigterm) {
  Init();
  auto miner = Start();
  ASSERT_TRUE(miner.ok()) << miner.error().ToString();
  std::string url = WaitServing(*miner);
  ASSERT_FALSE(url.empty());
  net::BlockingHttpClient client;
  net::ClientRequest health;
  health.url = net::Url::Parse(url + "/healthz").value();
  auto answer = client.Send(health);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->status, 200);

  ASSERT_TRUE(aitbc::testing::WaitUntil(
      [&] {
        auto a = coordinator_.Assign(url, MakeAssignment("job_p1"));
        return a.ok() && a->status == 202;
      },
      10'000));
  ASSERT_TRUE(coordinator_.WaitFor("POST", "/v1/jobs/job_p1/complete", 1));
  EXPECT_EQ(miner->Stop(20'000), 0) << miner->Describe();
  EXPECT_EQ(coordinator_.count("DELETE", "/v1/miners/" + coordinator_.miner_id()), 1u);
}

TEST_F(MinerProcessTest, AReportInTheOutboxSurvivesKill9AndIsDeliveredAfterRestart) {
  Init();
  coordinator_.set_final_status(503);  // the coordinator refuses reports for now
  auto miner = Start();
  ASSERT_TRUE(miner.ok());
  std::string url = WaitServing(*miner);
  ASSERT_FALSE(url.empty());
  protocol::AssignRequest assignment = MakeAssignment("job_k9");
  ASSERT_TRUE(aitbc::testing::WaitUntil(
      [&] {
        auto a = coordinator_.Assign(url, assignment);
        return a.ok() && a->status == 202;
      },
      10'000));
  std::string outbox_file = datadir_ + "/outbox/job_k9.json";
  ASSERT_TRUE(aitbc::testing::WaitUntil([&] { return core::FileExists(outbox_file); }, 10'000));
  ASSERT_TRUE(coordinator_.WaitFor("POST", "/v1/jobs/job_k9/complete", 1));
  miner->Kill();  // kill -9: no shutdown, no deregistration
  EXPECT_TRUE(core::FileExists(outbox_file));
  EXPECT_EQ(coordinator_.count("DELETE", "/v1/miners/" + coordinator_.miner_id()), 0u);

  coordinator_.set_final_status(200);
  size_t before = coordinator_.count("POST", "/v1/jobs/job_k9/complete");
  auto restarted = Start();
  ASSERT_TRUE(restarted.ok());
  ASSERT_FALSE(WaitServing(*restarted, 2).empty());
  ASSERT_TRUE(coordinator_.WaitFor("POST", "/v1/jobs/job_k9/complete", before + 1, 15'000))
      << restarted->Describe();
  ASSERT_TRUE(aitbc::testing::WaitUntil([&] { return !core::FileExists(outbox_file); }, 10'000))
      << restarted->Describe();
  auto delivered = coordinator_.requests("POST", "/v1/jobs/job_k9/complete").back();
  auto complete = protocol::CompleteRequest::FromJson(delivered.json);
  ASSERT_TRUE(complete.ok());
  protocol::Proof proof{"job_k9", protocol::ResultHash(complete->result), complete->metrics,
                        assignment.price};
  EXPECT_TRUE(proof.Verify(complete->proof.public_key, complete->proof.signature));
  auto registration = protocol::MinerRegistration::FromJson(
      coordinator_.requests("POST", "/v1/miners/register").back().json);
  ASSERT_TRUE(registration.ok());
  EXPECT_EQ(registration->public_key, complete->proof.public_key);
  EXPECT_EQ(restarted->Stop(20'000), 0) << restarted->Describe();
}

}  // namespace
}  // namespace aitbc::miner
