// The seed's flow and its error paths, end to end: real aitbc-node, aitbc-coordinator and
// aitbc-miner processes on loopback, driven by the real `aitbc` command.
#include <gtest/gtest.h>

#include <signal.h>

#include <regex>

#include "e2e_util.h"
#include "fake_ollama_server.h"

namespace aitbc::e2e {
namespace {

constexpr const char* kPrompt = "What is machine learning?";
constexpr const char* kModel = "llama3.2:latest";

// One network with the simulated backend for the tests of this suite (they run in order and
// each measures balances before and after itself). The queue timeout is short so that a job no
// miner can take fails quickly.
class SeedFlowTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ClusterOptions options;
    options.coordinator_args = {"--queue-timeout-ms=2000"};
    auto started = Cluster::Start(options);
    if (started.ok()) {
      cluster_ = std::move(*started);
    } else {
      error_ = started.error().ToString();  // reported by every test
    }
  }
  static void TearDownTestSuite() { cluster_.reset(); }
  void SetUp() override { ASSERT_NE(cluster_, nullptr) << error_; }

  Cluster& c() { return *cluster_; }
  const std::string& miner_address() { return c().state().miners[0].address; }
  const std::string& client_address() { return c().state().client_address; }

  static inline std::unique_ptr<Cluster> cluster_;
  static inline std::string error_;
};

// Step by step: submission, escrow on the chain, assignment, running, inference, completion
// with proof, receipt, settlement in a block, balances, and the final output.
TEST_F(SeedFlowTest, SubmitWaitAndVerify) {
  const core::Amount client_before = c().Balance(client_address());
  const core::Amount miner_before = c().Balance(miner_address());

  testing::CommandResult run =
      c().Aitbc({"submit", "inference", "--prompt", kPrompt, "--model", kModel, "--wait"});
  ASSERT_EQ(run.exit_code, 0) << run.output << c().Logs();

  // The seed's final output.
  auto out = Summary(run.output);
  const std::string job_id = out["Job ID"];
  ASSERT_FALSE(job_id.empty()) << run.output;
  EXPECT_NE(run.output.find("Waiting for " + job_id + ": pending"), std::string::npos)
      << run.output;
  EXPECT_EQ(out["Status"], "completed");
  EXPECT_FALSE(out["Result"].empty());
  EXPECT_EQ(out["Receipt"], protocol::ReceiptIdFor(job_id)) << "settlement should be committed";
  EXPECT_TRUE(std::regex_match(out["Completed in"], std::regex("[0-9]+(\\.[0-9])? seconds?")))
      << out["Completed in"];
  auto cost = core::Amount::Parse(out["Cost"]);
  ASSERT_TRUE(cost.ok()) << out["Cost"];
  EXPECT_GT(cost->micro(), 0u);

  // The coordinator's record: every step happened.
  auto api = c().Client();
  auto job = api->GetJob(job_id);
  ASSERT_TRUE(job.ok()) << job.error().ToString();
  EXPECT_EQ(job->status, "completed");
  EXPECT_EQ(job->model, kModel);
  EXPECT_TRUE(job->submitted_at_ms && job->assigned_at_ms && job->started_at_ms &&
              job->completed_at_ms);
  EXPECT_EQ(job->miner, miner_address());
  EXPECT_EQ(job->cost.value(), *cost);
  EXPECT_EQ(job->escrow.status, "committed");
  EXPECT_GT(job->escrow.block_height, 0u);
  EXPECT_TRUE(job->settlement.committed());
  EXPECT_GE(job->settlement.block_height, job->escrow.block_height);

  // The chain: the escrow was locked by the client for this coordinator and settled to the miner.
  net::EscrowInfo escrow = ChainEscrow(c(), job_id);
  EXPECT_EQ(escrow.status, "settled");
  EXPECT_EQ(escrow.client.ToString(), client_address());
  EXPECT_EQ(escrow.coordinator.ToString(), c().state().coordinator.address);
  EXPECT_EQ(escrow.miner.ToString(), miner_address());
  EXPECT_EQ(escrow.amount_paid, *cost);
  EXPECT_EQ(escrow.amount, job->escrow.amount.value());
  auto escrow_tx = c().Node().GetTx(core::Hash256::FromHex(job->escrow.tx_hash).value());
  ASSERT_TRUE(escrow_tx.ok()) << escrow_tx.error().ToString();
  EXPECT_EQ(escrow_tx->tx.tx.type(), protocol::TxType::kJobEscrow);
  EXPECT_EQ(escrow_tx->height, job->escrow.block_height);
  auto settle_tx = c().Node().GetTx(core::Hash256::FromHex(job->settlement.tx_hash).value());
  ASSERT_TRUE(settle_tx.ok()) << settle_tx.error().ToString();
  EXPECT_EQ(settle_tx->tx.tx.type(), protocol::TxType::kJobSettle);
  EXPECT_EQ(settle_tx->height, job->settlement.block_height);
  EXPECT_EQ(escrow.closing_tx, settle_tx->tx.hash);

  // The receipt verifies against the chain and both signatures.
  testing::CommandResult verify = c().Aitbc({"receipt", out["Receipt"], "--verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_EQ(Count(verify.output, "\u2713"), 7u) << verify.output;
  EXPECT_NE(verify.output.find("Receipt verified."), std::string::npos);

  // The client paid exactly the cost, the miner got exactly the cost, nothing was created.
  EXPECT_EQ(c().Balance(client_address()), client_before.Sub(*cost).value());
  EXPECT_EQ(c().Balance(miner_address()), miner_before.Add(*cost).value());
  ExpectSupplyUnchanged(c());

  // The other views of the same job.
  testing::CommandResult status = c().Aitbc({"status", job_id});
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_EQ(Summary(status.output)["Status"], "completed");
  testing::CommandResult jobs = c().Aitbc({"jobs"});
  EXPECT_EQ(jobs.exit_code, 0);
  EXPECT_NE(jobs.output.find(job_id), std::string::npos) << jobs.output;
  testing::CommandResult json = c().Aitbc({"status", job_id, "--json"});
  ASSERT_EQ(json.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(json.output)["job_id"], job_id);
  testing::CommandResult block =
      c().Aitbc({"node", "block", std::to_string(job->settlement.block_height)});
  EXPECT_EQ(block.exit_code, 0);
  EXPECT_NE(block.output.find(job->settlement.tx_hash), std::string::npos) << block.output;
  testing::CommandResult miners = c().Aitbc({"miner", "list"});
  EXPECT_EQ(miners.exit_code, 0) << miners.output;
  EXPECT_NE(miners.output.find(miner_address()), std::string::npos) << miners.output;
}

TEST_F(SeedFlowTest, JsonOutput) {
  testing::CommandResult run = c().Aitbc(
      {"-q", "submit", "inference", "--prompt", kPrompt, "--model", kModel, "--wait", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  nlohmann::json json = nlohmann::json::parse(run.output, nullptr, false);
  ASSERT_TRUE(json.is_object()) << run.output;
  EXPECT_EQ(json["status"], "completed");
  EXPECT_TRUE(json["result"].is_string());
}

TEST_F(SeedFlowTest, InvalidPromptIsRejectedWith400) {
  const core::Amount client_before = c().Balance(client_address());
  testing::CommandResult run =
      c().Aitbc({"submit", "inference", "--prompt", "", "--model", kModel});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("error: the coordinator rejected the job: prompt is empty (400)"),
            std::string::npos)
      << run.output;
  EXPECT_EQ(Count(run.output, "retrying"), 0u);
  EXPECT_EQ(c().Balance(client_address()), client_before);
}

TEST_F(SeedFlowTest, MaxPriceAboveTheBalanceIsRejectedWith402) {
  testing::CommandResult run = c().Aitbc(
      {"submit", "inference", "--prompt", kPrompt, "--model", kModel, "--max-price", "5000aitbc"});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("error: insufficient funds: "), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("(402)"), std::string::npos) << run.output;
}

TEST_F(SeedFlowTest, WrongApiKeyIsRejectedWith401) {
  testing::CommandResult run = c().Aitbc({"status", "job_x"}, {{"CLIENT_API_KEY", "nope"}});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("(401)"), std::string::npos) << run.output;
}

TEST_F(SeedFlowTest, UnknownJobIs404) {
  testing::CommandResult run = c().Aitbc({"status", "job_doesnotexist"});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("error: not found: "), std::string::npos) << run.output;
}

TEST_F(SeedFlowTest, ModelNoMinerServesIsRejectedWith400) {
  testing::CommandResult run =
      c().Aitbc({"submit", "inference", "--prompt", kPrompt, "--model", "nope:latest"});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("error: the coordinator rejected the job: "), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("nope:latest"), std::string::npos) << run.output;
}

// The seed's "miner unavailable": the only miner serving the model is gone (killed, so it could
// not deregister). A job waits in the queue, fails after the queue timeout, and its escrow is
// refunded; a job cancelled while it waits is refunded too.
TEST_F(SeedFlowTest, NoMinerAvailableFailsAfterTheQueueTimeoutAndRefunds) {
  const core::Amount client_before = c().Balance(client_address());
  const core::Amount miner_before = c().Balance(miner_address());
  c().KillMiner(0, SIGKILL);

  testing::CommandResult submit =
      c().Aitbc({"submit", "inference", "--prompt", kPrompt, "--model", kModel});
  ASSERT_EQ(submit.exit_code, 0) << submit.output;
  const std::string cancelled_id = Summary(submit.output)["Job ID"];
  testing::CommandResult cancel = c().Aitbc({"cancel", cancelled_id});
  EXPECT_EQ(cancel.exit_code, 0) << cancel.output;
  EXPECT_EQ(Summary(cancel.output)["Status"], "cancelled") << cancel.output;
  testing::CommandResult again = c().Aitbc({"cancel", cancelled_id});
  EXPECT_EQ(again.exit_code, 2) << again.output;
  EXPECT_NE(again.output.find("(409)"), std::string::npos) << again.output;

  testing::CommandResult run =
      c().Aitbc({"submit", "inference", "--prompt", kPrompt, "--model", kModel, "--wait"});
  EXPECT_EQ(run.exit_code, 4) << run.output << c().Logs();
  auto out = Summary(run.output);
  EXPECT_EQ(out["Status"], "failed") << run.output;
  EXPECT_FALSE(out["Error"].empty()) << run.output;
  EXPECT_EQ(out["Cost"], "0 AITBC");
  const std::string failed_id = out["Job ID"];
  ASSERT_FALSE(failed_id.empty());

  auto api = c().Client();
  for (const std::string& id : {cancelled_id, failed_id}) {
    auto job = WaitForSettledJob(*api, id);
    ASSERT_TRUE(job.ok()) << job.error().ToString();
    EXPECT_EQ(job->settlement.type, "refund") << id;
    EXPECT_EQ(ChainEscrow(c(), id).status, "refunded") << id;
  }
  EXPECT_EQ(c().Balance(client_address()), client_before);
  EXPECT_EQ(c().Balance(miner_address()), miner_before);
  ExpectSupplyUnchanged(c());

  // The miner comes back for the tests that follow.
  ASSERT_TRUE(c().StartMiner(0).ok()) << c().Logs();
  ASSERT_TRUE(c().WaitForMiners(1).ok());
}

TEST_F(SeedFlowTest, WalletTransferFromTheFaucet) {
  testing::CommandResult created =
      c().Aitbc({"wallet", "create", "--name", "bob", "--insecure-no-passphrase"});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const std::string bob = Summary(created.output)["Address"];
  testing::CommandResult sent = c().Aitbc(
      {"wallet", "transfer", "--name", "faucet", "--to", bob, "--amount", "1.5aitbc", "--wait"});
  ASSERT_EQ(sent.exit_code, 0) << sent.output;
  EXPECT_NE(sent.output.find("Committed in block"), std::string::npos) << sent.output;
  testing::CommandResult balance = c().Aitbc({"wallet", "balance", "--name", "bob"});
  EXPECT_EQ(balance.exit_code, 0);
  EXPECT_EQ(Summary(balance.output)["Balance"], "1.5 AITBC") << balance.output;
  testing::CommandResult broke = c().Aitbc(
      {"wallet", "transfer", "--name", "bob", "--to", c().state().faucet_address, "--amount", "2"});
  EXPECT_EQ(broke.exit_code, 2) << broke.output;
  EXPECT_NE(broke.output.find("insufficient funds"), std::string::npos) << broke.output;
  ExpectSupplyUnchanged(c());
}

// The coordinator unreachable: three retries with backoff, then one sentence and exit code 3.
TEST(CoordinatorUnreachable, RetriesThreeTimesThenSaysSo) {
  testing::TempDir home;
  std::string url = "http://127.0.0.1:" + std::to_string(testing::ClosedPort());
  auto result = testing::RunCommand(
      {testing::BinaryPath("aitbc"), "submit", "inference", "--prompt", kPrompt, "--model", kModel},
      60'000, {{"AITBC_URL", url}, {"CLIENT_API_KEY", "aitbc_client_x_y"}, {"HOME", home.path()}});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->exit_code, 3) << result->output;
  EXPECT_EQ(Count(result->output, "retrying in "), 3u) << result->output;
  EXPECT_NE(result->output.find("(attempt 4 of 4)"), std::string::npos) << result->output;
  EXPECT_NE(
      result->output.find("error: cannot reach the coordinator at " + url + " after 3 retries"),
      std::string::npos)
      << result->output;
}

// The same flow against an Ollama-protocol server (Ollama is not ours, so a fake is fair).
class OllamaFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ollama_.Start().ok());
    ClusterOptions options;
    options.backend = "ollama";
    options.ollama_url = ollama_.url();
    options.coordinator_args = {"--queue-timeout-ms=3000"};
    auto started = Cluster::Start(options);
    ASSERT_TRUE(started.ok()) << started.error().ToString();
    cluster_ = std::move(*started);
    miner_ = cluster_->state().miners[0].address;
    client_ = cluster_->state().client_address;
    client_before_ = cluster_->Balance(client_);
    miner_before_ = cluster_->Balance(miner_);
  }
  // Runs the seed's command with --wait.
  testing::CommandResult SubmitAndWait() {
    return cluster_->Aitbc(
        {"submit", "inference", "--prompt", kPrompt, "--model", kModel, "--wait"});
  }
  size_t InferenceCalls() {
    return ollama_.count("POST", "/api/generate") + ollama_.count("POST", "/api/chat");
  }
  void TearDown() override {
    cluster_.reset();
    ollama_.Stop();
  }

  miner::testing::FakeOllamaServer ollama_;
  std::unique_ptr<Cluster> cluster_;
  std::string miner_, client_;
  core::Amount client_before_, miner_before_;
};

TEST_F(OllamaFlowTest, SeedFlowThroughOllama) {
  Cluster& c = *cluster_;
  testing::CommandResult run = SubmitAndWait();
  ASSERT_EQ(run.exit_code, 0) << run.output << c.Logs();
  auto out = Summary(run.output);
  EXPECT_EQ(out["Status"], "completed");
  EXPECT_EQ(out["Result"], ollama_.FullText());
  EXPECT_GE(InferenceCalls(), 1u);
  auto cost = core::Amount::Parse(out["Cost"]);
  ASSERT_TRUE(cost.ok()) << run.output;
  testing::CommandResult verify = c.Aitbc({"receipt", out["Job ID"], "--verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_EQ(c.Balance(client_), client_before_.Sub(*cost).value());
  EXPECT_EQ(c.Balance(miner_), miner_before_.Add(*cost).value());
  ExpectSupplyUnchanged(c);
}

// An Ollama error: the job fails and nothing is paid.
TEST_F(OllamaFlowTest, OllamaErrorFailsTheJobAndNothingIsPaid) {
  Cluster& c = *cluster_;
  ollama_.set_mode(miner::testing::OllamaMode::kFail);
  testing::CommandResult run = SubmitAndWait();
  EXPECT_EQ(run.exit_code, 4) << run.output << c.Logs();
  auto out = Summary(run.output);
  EXPECT_EQ(out["Status"], "failed") << run.output;
  EXPECT_EQ(out["Cost"], "0 AITBC");
  EXPECT_GE(InferenceCalls(), 1u);
  auto api = c.Client();
  auto job = WaitForSettledJob(*api, out["Job ID"]);
  ASSERT_TRUE(job.ok()) << job.error().ToString();
  EXPECT_EQ(ChainEscrow(c, out["Job ID"]).status, "refunded");
  EXPECT_EQ(c.Balance(client_), client_before_);
  EXPECT_EQ(c.Balance(miner_), miner_before_);
  ExpectSupplyUnchanged(c);
}

}  // namespace
}  // namespace aitbc::e2e
