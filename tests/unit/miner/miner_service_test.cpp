// The miner service in-process over real HTTP on loopback: the assign API (auth, slots under
// concurrent assignments, 409, price, bad bodies, deadlines), /v1/status, /metrics, /healthz,
// and its interplay with a coordinator stand-in (registration, push keys, heartbeats and
// re-registration, signed proofs, reports retried across a coordinator restart, 409/400
// answers, GPU metrics from an injected sampler, graceful shutdown, cancellation).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <latch>
#include <thread>

#include <gtest/gtest.h>

#include "coordinator_stand_in.h"
#include "core/file_util.h"
#include "fake_ollama_server.h"
#include "miner/app.h"
#include "miner/sim_backend.h"
#include "process.h"
#include "protocol/json_codec.h"
#include "test_util.h"

namespace aitbc::miner {
namespace {

using testing::CoordinatorStandIn;
using testing::MakeAssignment;

class FakeGpu final : public GpuSampler {
 public:
  std::optional<GpuInfo> Info() const override { return GpuInfo{"Test GPU 9000", 81'559}; }
  std::optional<uint16_t> SampleUtilizationBp() override {
    ++samples;
    return 7'500;
  }
  std::atomic<int> samples{0};
};

class MinerServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(coordinator_.Start().ok()); }

  MinerConfig Config() {
    MinerConfig c;
    c.datadir = dir_.path() + "/miner";
    c.coordinator = coordinator_.url();
    c.miner_key = coordinator_.options().miner_key;
    c.listen = "127.0.0.1:0";
    c.backend = "sim";
    c.sim_latency_ms = 30;
    c.no_gpu = true;
    c.shutdown_grace_ms = 2'000;
    c.flush_timeout_ms = 2'000;
    return c;
  }

  void StartMiner(MinerConfig config, MinerDeps deps = {}) {
    if (!core::FileExists(MinerKeyPath(config.datadir))) {
      ASSERT_TRUE(InitMinerKey(config.datadir, "", core::SystemRandom::Instance()).ok());
    }
    auto app = MinerApp::Create(std::move(config), std::move(deps));
    ASSERT_TRUE(app.ok()) << app.error().ToString();
    miner_ = std::move(app).value();
    ASSERT_TRUE(miner_->Start().ok());
    WaitRegistered();
  }

  void WaitRegistered() {
    ASSERT_TRUE(aitbc::testing::WaitUntil(
        [this] {
          return miner_->context().link->registered() &&
                 miner_->context().link->miner_id() == coordinator_.miner_id();
        },
        10'000))
        << "the miner did not register";
  }

  core::Result<net::Response> Assign(const protocol::AssignRequest& assignment,
                                     std::optional<std::string> key = std::nullopt) {
    return coordinator_.Assign(miner_->url(), assignment, std::move(key));
  }

  core::Result<net::Response> Get(const std::string& path) {
    net::ClientRequest request;
    request.url = net::Url::Parse(miner_->url() + path).value();
    return client_.Send(std::move(request));
  }

  core::Result<net::Response> PostRaw(const std::string& body) {
    net::ClientRequest request;
    request.method = net::Method::kPost;
    request.url = net::Url::Parse(miner_->url() + "/v1/jobs/assign").value();
    request.headers.Set("X-Api-Key", coordinator_.push_key());
    request.body = body;
    return client_.Send(std::move(request));
  }

  core::Result<net::Response> Cancel(const std::string& job_id, const std::string& key,
                                     const std::string& body = R"({"reason":"test"})") {
    net::ClientRequest request;
    request.method = net::Method::kPost;
    request.url = net::Url::Parse(miner_->url() + "/v1/jobs/" + job_id + "/cancel").value();
    request.headers.Set("X-Api-Key", key);
    request.body = body;
    return client_.Send(std::move(request));
  }

  // The final report of a job (complete or fail), once it arrived.
  std::optional<testing::RecordedRequest> WaitFinal(const std::string& job_id,
                                                    const std::string& kind) {
    std::string path = "/v1/jobs/" + job_id + "/" + kind;
    if (!coordinator_.WaitFor("POST", path, 1)) return std::nullopt;
    return coordinator_.requests("POST", path).front();
  }

  std::string OutboxFile(const std::string& job_id) {
    return miner_->context().config.datadir + "/outbox/" + job_id + ".json";
  }

  aitbc::testing::TempDir dir_;
  CoordinatorStandIn coordinator_;
  net::BlockingHttpClient client_;
  std::unique_ptr<MinerApp> miner_;
};

TEST_F(MinerServiceTest, RegistersWithModelsPriceSlotsKeyAndTheMinerKey) {
  MinerConfig config = Config();
  config.slots = 3;
  config.sim_models = {"llama3.2:latest", "phi3:mini"};
  config.price.per_1k_tokens = core::Amount::FromMicro(500);
  StartMiner(config);
  auto registrations = coordinator_.requests("POST", "/v1/miners/register");
  ASSERT_EQ(registrations.size(), 1u);
  EXPECT_EQ(registrations[0].Header("X-Miner-Key"), coordinator_.options().miner_key);
  auto body = protocol::MinerRegistration::FromJson(registrations[0].json);
  ASSERT_TRUE(body.ok()) << body.error().ToString();
  EXPECT_EQ(body->url, miner_->url());
  EXPECT_EQ(body->public_key, miner_->context().key->public_key());
  EXPECT_EQ(body->models, (std::vector<std::string>{"llama3.2:latest", "phi3:mini"}));
  EXPECT_EQ(body->slots, 3u);
  EXPECT_EQ(body->price.per_second.micro(), 20'000u);
  EXPECT_EQ(body->price.per_1k_tokens.micro(), 500u);
  EXPECT_EQ(body->backend, "sim");
  EXPECT_TRUE(body->gpu_name.empty());
  EXPECT_FALSE(registrations[0].json.contains("gpu"));
  EXPECT_EQ(registrations[0].json["address"],
            core::Address::FromPublicKey(miner_->context().key->public_key()).ToString());

  // ready.json tells tests and the devnet where the miner is.
  auto ready = core::ReadFile(config.datadir + "/ready.json");
  ASSERT_TRUE(ready.ok());
  nlohmann::json json = nlohmann::json::parse(*ready);
  EXPECT_EQ(json["port"], miner_->port());
  EXPECT_EQ(json["url"], miner_->url());
  EXPECT_EQ(json["backend"], "sim");
  EXPECT_EQ(json["pid"], static_cast<int64_t>(::getpid()));
  EXPECT_EQ(json["address"], registrations[0].json["address"]);

  // Heartbeats follow, with the free slots and the models.
  ASSERT_TRUE(coordinator_.WaitFor("POST", "/v1/miners/heartbeat", 1));
  auto heartbeat = protocol::MinerHeartbeat::FromJson(
      coordinator_.requests("POST", "/v1/miners/heartbeat")[0].json);
  ASSERT_TRUE(heartbeat.ok());
  EXPECT_EQ(heartbeat->free_slots, 3u);
  EXPECT_TRUE(heartbeat->backend_healthy);
  EXPECT_EQ(heartbeat->models.size(), 2u);
}

TEST_F(MinerServiceTest, AssignmentsNeedTheCoordinatorsPushKey) {
  StartMiner(Config());
  auto none = Assign(MakeAssignment("job_a"), std::string());
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->status, 401);
  EXPECT_NE(none->body.find("push key"), std::string::npos);
  auto wrong = Assign(MakeAssignment("job_a"), coordinator_.push_key() + "x");
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(coordinator_.count("POST", "/v1/jobs/job_a/status"), 0u);
  // The miner key itself is not a push key.
  auto miner_key = Assign(MakeAssignment("job_a"), coordinator_.options().miner_key);
  ASSERT_TRUE(miner_key.ok());
  EXPECT_EQ(miner_key->status, 401);
  auto right = Assign(MakeAssignment("job_a"));
  ASSERT_TRUE(right.ok());
  EXPECT_EQ(right->status, 202) << right->body;
}

TEST_F(MinerServiceTest, AJobRunsReportsRunningThenCompletesWithAProofThatVerifies) {
  StartMiner(Config());
  protocol::AssignRequest assignment = MakeAssignment("job_123456");
  assignment.job_data.options.seed = 7;
  assignment.price.per_second = core::Amount::FromMicro(25'000);  // above the ask: signed as is
  auto started_at = std::chrono::steady_clock::now();
  auto answer = Assign(assignment);
  ASSERT_TRUE(answer.ok());
  ASSERT_EQ(answer->status, 202) << answer->body;
  nlohmann::json accepted = nlohmann::json::parse(answer->body);
  EXPECT_EQ(accepted["job_id"], "job_123456");
  EXPECT_EQ(accepted["status"], "accepted");

  auto complete_request = WaitFinal("job_123456", "complete");
  ASSERT_TRUE(complete_request.has_value());
  auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started_at)
                        .count();
  EXPECT_EQ(complete_request->Header("X-Miner-Key"), coordinator_.options().miner_key);
  auto complete = protocol::CompleteRequest::FromJson(complete_request->json);
  ASSERT_TRUE(complete.ok()) << complete.error().ToString();
  EXPECT_EQ(complete->job_id, "job_123456");
  EXPECT_EQ(complete->result, SimBackend::Generate(assignment.job_data, 32).text);
  EXPECT_EQ(complete->result.rfind("[simulated] ", 0), 0u);
  EXPECT_EQ(complete->metrics.completion_tokens, 32u);
  EXPECT_EQ(complete->metrics.prompt_tokens, 4u);
  EXPECT_FALSE(complete->metrics.gpu_utilization_bp.has_value());
  EXPECT_FALSE(complete_request->json["metrics"].contains("gpu_utilization"));
  EXPECT_GE(complete->metrics.compute_ms, 30u);  // the simulated latency
  EXPECT_LE(complete->metrics.compute_ms, static_cast<uint64_t>(elapsed_ms));

  // The proof: SHA-256 of the result, signed over the job id, the metrics and the offered price.
  EXPECT_EQ(complete->proof.hash, protocol::ResultHash(complete->result));
  EXPECT_EQ(complete->proof.public_key, miner_->context().key->public_key());
  protocol::Proof proof{"job_123456", protocol::ResultHash(complete->result), complete->metrics,
                        assignment.price};
  EXPECT_TRUE(proof.Verify(complete->proof.public_key, complete->proof.signature));
  protocol::Proof at_ask = proof;
  at_ask.price.per_second = core::Amount::FromMicro(20'000);
  EXPECT_FALSE(at_ask.Verify(complete->proof.public_key, complete->proof.signature));
  protocol::Proof more_time = proof;
  more_time.metrics.compute_ms += 1;
  EXPECT_FALSE(more_time.Verify(complete->proof.public_key, complete->proof.signature));

  // "running" came first, in the seed's form.
  auto all = coordinator_.requests();
  size_t running_at = all.size(), complete_at = all.size();
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].path == "/v1/jobs/job_123456/status" && running_at == all.size()) running_at = i;
    if (all[i].path == "/v1/jobs/job_123456/complete") complete_at = i;
  }
  ASSERT_LT(running_at, all.size());
  EXPECT_LT(running_at, complete_at);
  EXPECT_EQ(all[running_at].json["status"], "running");
  EXPECT_TRUE(all[running_at].json["started_at"].is_string());
  EXPECT_TRUE(aitbc::testing::WaitUntil([&] { return !core::FileExists(OutboxFile("job_123456")); },
                                        5'000));
}

TEST_F(MinerServiceTest, AKnownJobIdIs409) {
  MinerConfig config = Config();
  config.slots = 2;
  config.sim_latency_ms = 1'500;
  StartMiner(config);
  ASSERT_EQ(Assign(MakeAssignment("job_dup"))->status, 202);
  auto running = Assign(MakeAssignment("job_dup"));
  ASSERT_TRUE(running.ok());
  EXPECT_EQ(running->status, 409) << running->body;
  ASSERT_TRUE(WaitFinal("job_dup", "complete").has_value());
  auto finished = Assign(MakeAssignment("job_dup"));
  ASSERT_TRUE(finished.ok());
  EXPECT_EQ(finished->status, 409);
  EXPECT_EQ(coordinator_.count("POST", "/v1/jobs/job_dup/complete"), 1u);
}

TEST_F(MinerServiceTest, ConcurrentAssignmentsNeverExceedTheSlots) {
  MinerConfig config = Config();
  config.slots = 2;
  config.sim_latency_ms = 5'000;
  StartMiner(config);
  constexpr int kRequests = 10;
  std::latch go(kRequests);
  std::vector<int> statuses(kRequests, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&, i] {
      net::BlockingHttpClient client;
      net::ClientRequest request;
      request.method = net::Method::kPost;
      request.url = net::Url::Parse(miner_->url() + "/v1/jobs/assign").value();
      request.headers.Set("X-Api-Key", coordinator_.push_key());
      request.body = MakeAssignment("job_c" + std::to_string(i)).ToJson().dump();
      go.arrive_and_wait();
      auto answer = client.Send(std::move(request));
      statuses[i] = answer.ok() ? answer->status : -1;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 202), 2);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 503), 8);
  EXPECT_EQ(miner_->context().runner->free_slots(), 0u);
  auto busy = Assign(MakeAssignment("job_more"));
  ASSERT_TRUE(busy.ok());
  EXPECT_EQ(busy->status, 503);
  EXPECT_EQ(busy->headers.Get("Retry-After"), "1");
  EXPECT_NE(busy->body.find("slot"), std::string::npos);
}

TEST_F(MinerServiceTest, AnOfferBelowTheAskIs400) {
  MinerConfig config = Config();
  config.price.per_1k_tokens = core::Amount::FromMicro(100);
  StartMiner(config);
  protocol::AssignRequest cheap = MakeAssignment("job_cheap");
  cheap.price.per_second = core::Amount::FromMicro(19'999);
  cheap.price.per_1k_tokens = core::Amount::FromMicro(100);
  auto answer = Assign(cheap);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->status, 400);
  EXPECT_NE(answer->body.find("per_second"), std::string::npos) << answer->body;
  cheap.price.per_second = core::Amount::FromMicro(20'000);
  cheap.price.per_1k_tokens = core::Amount::FromMicro(99);
  answer = Assign(cheap);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->status, 400);
  EXPECT_NE(answer->body.find("per_1k_tokens"), std::string::npos) << answer->body;
  EXPECT_EQ(coordinator_.count("POST", "/v1/jobs/job_cheap/status"), 0u);
}

TEST_F(MinerServiceTest, BadBodiesAre400AndNameTheField) {
  StartMiner(Config());
  nlohmann::json good = MakeAssignment("job_b").ToJson();
  struct Case {
    std::string body;
    std::string mentions;
  };
  auto without = [&](const std::string& field) {
    nlohmann::json j = good;
    j.erase(field);
    return j.dump();
  };
  nlohmann::json bad_option = good;
  bad_option["job_data"]["options"] = {{"temperature", 9}};
  nlohmann::json bad_id = good;
  bad_id["job_id"] = "job/../x";
  nlohmann::json empty_prompt = good;
  empty_prompt["job_data"]["prompt"] = "  ";
  std::vector<Case> cases = {
      {"{not json", "JSON"},
      {without("job_id"), "job_id"},
      {without("job_data"), "job_data"},
      {without("price"), "price"},
      {without("reward"), "reward"},
      {bad_option.dump(), "temperature"},
      {bad_id.dump(), "job"},
      {empty_prompt.dump(), "prompt"},
  };
  for (const auto& c : cases) {
    auto answer = PostRaw(c.body);
    ASSERT_TRUE(answer.ok());
    EXPECT_EQ(answer->status, 400) << c.body;
    EXPECT_NE(answer->body.find(c.mentions), std::string::npos) << answer->body;
  }
  protocol::AssignRequest late = MakeAssignment("job_late");
  late.deadline_ms = core::SystemClock::Instance().NowMs() - 1'000;
  auto answer = Assign(late);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->status, 400);
  EXPECT_NE(answer->body.find("deadline_ms"), std::string::npos);
}

TEST_F(MinerServiceTest, StatusMetricsAndHealthz) {
  MinerConfig config = Config();
  config.slots = 2;
  config.sim_latency_ms = 2'000;
  StartMiner(config);
  ASSERT_EQ(Assign(MakeAssignment("job_s"))->status, 202);
  auto status = Get("/v1/status");
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(status->status, 200);
  nlohmann::json s = nlohmann::json::parse(status->body);
  EXPECT_EQ(s["miner_id"], coordinator_.miner_id());
  EXPECT_EQ(s["address"],
            core::Address::FromPublicKey(miner_->context().key->public_key()).ToString());
  EXPECT_EQ(s["backend"], "sim");
  EXPECT_EQ(s["simulated"], true);
  EXPECT_EQ(s["backend_healthy"], true);
  EXPECT_EQ(s["models"], nlohmann::json::array({"llama3.2:latest"}));
  EXPECT_EQ(s["slots"], 2);
  EXPECT_EQ(s["free_slots"], 1);
  ASSERT_EQ(s["running_jobs"].size(), 1u);
  EXPECT_EQ(s["running_jobs"][0]["job_id"], "job_s");
  EXPECT_EQ(s["running_jobs"][0]["model"], "llama3.2:latest");
  EXPECT_TRUE(s["running_jobs"][0]["started_at"].is_string());
  EXPECT_EQ(s["registered"], true);
  EXPECT_EQ(s["price"]["per_second"], "0.02aitbc");
  EXPECT_FALSE(s.contains("gpu"));

  ASSERT_TRUE(WaitFinal("job_s", "complete").has_value());
  ASSERT_TRUE(aitbc::testing::WaitUntil(
      [&] { return miner_->context().link->pending_reports() == 0; }, 5'000));
  auto metrics = Get("/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(metrics->status, 200);
  const std::string& text = metrics->body;
  EXPECT_NE(text.find("aitbc_miner_jobs_total{outcome=\"completed\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("aitbc_miner_jobs_total{outcome=\"timeout\"} 0"), std::string::npos);
  EXPECT_NE(text.find("aitbc_miner_running_jobs 0"), std::string::npos);
  EXPECT_NE(text.find("aitbc_miner_tokens_generated_total 32"), std::string::npos);
  EXPECT_NE(text.find("aitbc_miner_inference_seconds_count 1"), std::string::npos);
  EXPECT_NE(text.find("aitbc_miner_outbox_pending 0"), std::string::npos);
  EXPECT_EQ(text.find("aitbc_miner_gpu_utilization"), std::string::npos);  // never measured

  auto health = Get("/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  nlohmann::json h = nlohmann::json::parse(health->body);
  EXPECT_EQ(h["status"], "ok");
  EXPECT_EQ(h["registered"], true);
}

TEST_F(MinerServiceTest, AForgottenMinerRegistersAgainAndOnlyTheNewPushKeyWorks) {
  StartMiner(Config());
  std::string old_key = coordinator_.push_key();
  coordinator_.Forget();  // heartbeats now get 404
  ASSERT_TRUE(coordinator_.WaitFor("POST", "/v1/miners/register", 2));
  WaitRegistered();
  EXPECT_EQ(coordinator_.miner_id(), "miner_2");
  EXPECT_NE(coordinator_.push_key(), old_key);
  auto with_old = Assign(MakeAssignment("job_r"), old_key);
  ASSERT_TRUE(with_old.ok());
  EXPECT_EQ(with_old->status, 401);
  auto with_new = Assign(MakeAssignment("job_r"));
  ASSERT_TRUE(with_new.ok());
  EXPECT_EQ(with_new->status, 202);
}

TEST_F(MinerServiceTest, RegistrationIsRetriedUntilTheCoordinatorAccepts) {
  coordinator_.set_register_status(503);
  MinerConfig config = Config();
  ASSERT_TRUE(InitMinerKey(config.datadir, "", core::SystemRandom::Instance()).ok());
  auto app = MinerApp::Create(config);
  ASSERT_TRUE(app.ok());
  miner_ = std::move(app).value();
  ASSERT_TRUE(miner_->Start().ok());
  ASSERT_TRUE(coordinator_.WaitFor("POST", "/v1/miners/register", 3));
  EXPECT_FALSE(miner_->context().link->registered());
  auto refused = Assign(MakeAssignment("job_x"), std::string("anything"));
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 401);
  coordinator_.set_register_status(201);
  WaitRegistered();
}

TEST_F(MinerServiceTest, AResultSurvivesACoordinatorRestartAndArrivesExactlyOnce) {
  MinerConfig config = Config();
  config.sim_latency_ms = 1'500;
  StartMiner(config);
  uint16_t port = coordinator_.port();
  ASSERT_EQ(Assign(MakeAssignment("job_restart"))->status, 202);
  ASSERT_TRUE(coordinator_.WaitFor("POST", "/v1/jobs/job_restart/status", 1));
  coordinator_.Stop();
  // The job finishes while the coordinator is down: the report waits in the outbox.
  ASSERT_TRUE(aitbc::testing::WaitUntil([&] { return core::FileExists(OutboxFile("job_restart")); },
                                        5'000));
  std::this_thread::sleep_for(std::chrono::milliseconds(700));  // several failed attempts
  EXPECT_EQ(miner_->context().link->pending_reports(), 1u);
  ASSERT_TRUE(coordinator_.Start(port).ok());
  ASSERT_TRUE(coordinator_.WaitFor("POST", "/v1/jobs/job_restart/complete", 1, 15'000));
  ASSERT_TRUE(aitbc::testing::WaitUntil(
      [&] { return !core::FileExists(OutboxFile("job_restart")); }, 5'000));
  // The restarted coordinator forgot the miner: it registers again.
  ASSERT_TRUE(coordinator_.WaitFor("POST", "/v1/miners/register", 2));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(coordinator_.count("POST", "/v1/jobs/job_restart/complete"), 1u);
  auto complete = protocol::CompleteRequest::FromJson(
      coordinator_.requests("POST", "/v1/jobs/job_restart/complete")[0].json);
  ASSERT_TRUE(complete.ok());
  EXPECT_EQ(complete->proof.hash, protocol::ResultHash(complete->result));
}

TEST_F(MinerServiceTest, ReportsAnswered503AreRetriedUntilAccepted) {
  coordinator_.set_final_status(503);
  StartMiner(Config());
  ASSERT_EQ(Assign(MakeAssignment("job_503"))->status, 202);
  ASSERT_TRUE(coordinator_.WaitFor("POST", "/v1/jobs/job_503/complete", 3));
  EXPECT_TRUE(core::FileExists(OutboxFile("job_503")));
  coordinator_.set_final_status(200);
  ASSERT_TRUE(
      aitbc::testing::WaitUntil([&] { return !core::FileExists(OutboxFile("job_503")); }, 15'000));
  size_t sent = coordinator_.count("POST", "/v1/jobs/job_503/complete");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(coordinator_.count("POST", "/v1/jobs/job_503/complete"), sent);
}

TEST_F(MinerServiceTest, A409MeansTheCoordinatorAlreadyHasAFinalStateAndA400IsKeptAside) {
  coordinator_.set_final_status(409);
  StartMiner(Config());
  ASSERT_EQ(Assign(MakeAssignment("job_409"))->status, 202);
  ASSERT_TRUE(WaitFinal("job_409", "complete").has_value());
  ASSERT_TRUE(
      aitbc::testing::WaitUntil([&] { return !core::FileExists(OutboxFile("job_409")); }, 5'000));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(coordinator_.count("POST", "/v1/jobs/job_409/complete"), 1u);

  coordinator_.set_final_status(400);
  ASSERT_EQ(Assign(MakeAssignment("job_400"))->status, 202);
  std::string rejected = miner_->context().config.datadir + "/outbox/rejected/job_400.json";
  ASSERT_TRUE(aitbc::testing::WaitUntil([&] { return core::FileExists(rejected); }, 5'000));
  EXPECT_FALSE(core::FileExists(OutboxFile("job_400")));
  EXPECT_EQ(coordinator_.count("POST", "/v1/jobs/job_400/complete"), 1u);
}

TEST_F(MinerServiceTest, MeasuredGpuUtilisationIsInTheSignedMetrics) {
  MinerConfig config = Config();
  config.sim_latency_ms = 300;
  config.gpu_sample_ms = 20;
  auto gpu = std::make_unique<FakeGpu>();
  FakeGpu* fake = gpu.get();
  MinerDeps deps;
  deps.gpu = std::move(gpu);
  StartMiner(config, std::move(deps));
  auto registration = coordinator_.requests("POST", "/v1/miners/register")[0].json;
  EXPECT_EQ(registration["gpu"]["name"], "Test GPU 9000");
  EXPECT_EQ(registration["gpu"]["memory_mb"], 81'559);

  protocol::AssignRequest assignment = MakeAssignment("job_gpu");
  ASSERT_EQ(Assign(assignment)->status, 202);
  auto request = WaitFinal("job_gpu", "complete");
  ASSERT_TRUE(request.has_value());
  auto complete = protocol::CompleteRequest::FromJson(request->json);
  ASSERT_TRUE(complete.ok()) << complete.error().ToString();
  EXPECT_GT(fake->samples.load(), 1);
  EXPECT_EQ(complete->metrics.gpu_utilization_bp, 7'500);
  EXPECT_EQ(complete->gpu_name, "Test GPU 9000");
  protocol::Proof proof{"job_gpu", protocol::ResultHash(complete->result), complete->metrics,
                        assignment.price};
  EXPECT_TRUE(proof.Verify(complete->proof.public_key, complete->proof.signature));
  protocol::Proof without_gpu = proof;
  without_gpu.metrics.gpu_utilization_bp.reset();
  EXPECT_FALSE(without_gpu.Verify(complete->proof.public_key, complete->proof.signature));

  nlohmann::json status = nlohmann::json::parse(Get("/v1/status")->body);
  EXPECT_EQ(status["gpu"]["name"], "Test GPU 9000");
  EXPECT_EQ(status["gpu"]["memory_mb"], 81'559);
  EXPECT_NE(Get("/metrics")->body.find("aitbc_miner_gpu_utilization 0.75"), std::string::npos);
}

TEST_F(MinerServiceTest, APassedDeadlineFailsTheJobWithTimeoutAndFreesTheSlot) {
  MinerConfig config = Config();
  config.sim_latency_ms = 30'000;
  StartMiner(config);
  protocol::AssignRequest assignment = MakeAssignment("job_slow");
  assignment.deadline_ms = core::SystemClock::Instance().NowMs() + 1'500;
  ASSERT_EQ(Assign(assignment)->status, 202);
  auto fail = WaitFinal("job_slow", "fail");
  ASSERT_TRUE(fail.has_value());
  EXPECT_EQ(fail->json["code"], "timeout");
  EXPECT_NE(fail->json["reason"].get<std::string>().find("deadline"), std::string::npos);
  EXPECT_EQ(miner_->context().runner->free_slots(), 1u);
  EXPECT_EQ(coordinator_.count("POST", "/v1/jobs/job_slow/complete"), 0u);
  ASSERT_EQ(Assign(MakeAssignment("job_next"))->status, 202);
}

// The coordinator cancels a running job: the slot is free at once, the backend call is
// abandoned, and the miner sends no report for it. Only the push key may cancel.
TEST_F(MinerServiceTest, ACancelledJobFreesItsSlotAndIsNeverReported) {
  MinerConfig config = Config();
  config.sim_latency_ms = 3'000;
  StartMiner(config);
  ASSERT_EQ(Assign(MakeAssignment("job_c"))->status, 202);
  ASSERT_TRUE(coordinator_.WaitFor("POST", "/v1/jobs/job_c/status", 1));
  EXPECT_EQ(miner_->context().runner->free_slots(), 0u);

  auto no_key = Cancel("job_c", "");
  ASSERT_TRUE(no_key.ok());
  EXPECT_EQ(no_key->status, 401);
  auto wrong_key = Cancel("job_c", coordinator_.options().miner_key);
  ASSERT_TRUE(wrong_key.ok());
  EXPECT_EQ(wrong_key->status, 401);
  auto bad_body = Cancel("job_c", coordinator_.push_key(), "{not json");
  ASSERT_TRUE(bad_body.ok());
  EXPECT_EQ(bad_body->status, 400);
  EXPECT_EQ(miner_->context().runner->free_slots(), 0u) << "a refused cancel stopped the job";

  auto cancelled = Cancel("job_c", coordinator_.push_key());
  ASSERT_TRUE(cancelled.ok());
  ASSERT_EQ(cancelled->status, 200) << cancelled->body;
  EXPECT_NE(cancelled->body.find(R"("status":"cancelled")"), std::string::npos);
  EXPECT_EQ(miner_->context().runner->free_slots(), 1u);
  // Again: it is over, so "finished"; a job the miner never had: 404.
  auto again = Cancel("job_c", coordinator_.push_key());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 200);
  EXPECT_NE(again->body.find(R"("status":"finished")"), std::string::npos);
  auto unknown = Cancel("job_never", coordinator_.push_key(), "");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status, 404);
  // The same id cannot be assigned again; another job takes the freed slot.
  EXPECT_EQ(Assign(MakeAssignment("job_c"))->status, 409);
  ASSERT_EQ(Assign(MakeAssignment("job_after"))->status, 202);
  ASSERT_TRUE(WaitFinal("job_after", "complete").has_value());
  // Past the cancelled job's latency: still no report for it.
  EXPECT_EQ(coordinator_.count("POST", "/v1/jobs/job_c/complete"), 0u);
  EXPECT_EQ(coordinator_.count("POST", "/v1/jobs/job_c/fail"), 0u);
  EXPECT_FALSE(core::FileExists(OutboxFile("job_c")));
}

TEST_F(MinerServiceTest, AModelTheBackendLacksFailsWithModelNotFound) {
  StartMiner(Config());
  ASSERT_EQ(Assign(MakeAssignment("job_m", "mistral:7b"))->status, 202);
  auto fail = WaitFinal("job_m", "fail");
  ASSERT_TRUE(fail.has_value());
  EXPECT_EQ(fail->json["code"], "model_not_found");
  EXPECT_NE(fail->json["reason"].get<std::string>().find("mistral:7b"), std::string::npos);
  EXPECT_NE(fail->json["reason"].get<std::string>().find("llama3.2:latest"), std::string::npos);
}

TEST_F(MinerServiceTest, SimulatedFailuresAreReportedAsBackendErrors) {
  MinerConfig config = Config();
  config.sim_failure_rate = 1.0;
  StartMiner(config);
  ASSERT_EQ(Assign(MakeAssignment("job_f"))->status, 202);
  auto fail = WaitFinal("job_f", "fail");
  ASSERT_TRUE(fail.has_value());
  EXPECT_EQ(fail->json["code"], "backend_error");
  ASSERT_TRUE(aitbc::testing::WaitUntil(
      [&] {
        return Get("/metrics")->body.find("aitbc_miner_jobs_total{outcome=\"backend_error\"} 1") !=
               std::string::npos;
      },
      5'000));
}

TEST_F(MinerServiceTest, OllamaJobsUseTheBackendsCountsAndModelListsAreRefreshed) {
  testing::FakeOllamaServer ollama;
  ASSERT_TRUE(ollama.Start().ok());
  MinerConfig config = Config();
  config.backend = "ollama";
  config.ollama_url = ollama.url();
  StartMiner(config);
  auto registration = coordinator_.requests("POST", "/v1/miners/register")[0].json;
  EXPECT_EQ(registration["backend"], "ollama");
  EXPECT_EQ(registration["models"], nlohmann::json::array({"llama3.2:latest", "qwen2.5:0.5b"}));

  protocol::AssignRequest assignment = MakeAssignment("job_ollama", "llama3.2");
  assignment.job_data.options.temperature = 0.7;
  assignment.job_data.options.num_predict = 500;
  ASSERT_EQ(Assign(assignment)->status, 202);
  auto request = WaitFinal("job_ollama", "complete");
  ASSERT_TRUE(request.has_value());
  auto complete = protocol::CompleteRequest::FromJson(request->json);
  ASSERT_TRUE(complete.ok());
  EXPECT_EQ(complete->result, ollama.FullText());
  EXPECT_EQ(complete->metrics.completion_tokens, 8u);
  EXPECT_EQ(complete->metrics.prompt_tokens, 4u);
  auto generate = ollama.requests("POST", "/api/generate");
  ASSERT_EQ(generate.size(), 1u);
  EXPECT_EQ(generate[0].json["model"], "llama3.2");
  EXPECT_EQ(generate[0].json["options"]["temperature"], 0.7);
  EXPECT_EQ(generate[0].json["options"]["num_predict"], 500);

  // A model pulled later appears in the next heartbeats and can be used.
  ollama.set_models({"llama3.2:latest", "qwen2.5:0.5b", "mistral:7b"});
  ASSERT_TRUE(aitbc::testing::WaitUntil(
      [&] {
        auto beats = coordinator_.requests("POST", "/v1/miners/heartbeat");
        return !beats.empty() && beats.back().json["models"].size() == 3;
      },
      5'000));
  ASSERT_EQ(Assign(MakeAssignment("job_mistral", "mistral:7b"))->status, 202);
  ASSERT_TRUE(WaitFinal("job_mistral", "complete").has_value());
}

TEST_F(MinerServiceTest, AnUnreachableBackendIsUnhealthyAndJobsFailBackendUnavailable) {
  MinerConfig config = Config();
  config.backend = "ollama";
  config.ollama_url = "http://127.0.0.1:" + std::to_string(testing::UnusedPort());
  StartMiner(config);
  auto registration = coordinator_.requests("POST", "/v1/miners/register")[0].json;
  EXPECT_TRUE(registration["models"].empty());
  nlohmann::json status = nlohmann::json::parse(Get("/v1/status")->body);
  EXPECT_EQ(status["backend_healthy"], false);
  EXPECT_TRUE(status["backend_error"].is_string());
  ASSERT_EQ(Assign(MakeAssignment("job_down"))->status, 202);
  auto fail = WaitFinal("job_down", "fail");
  ASSERT_TRUE(fail.has_value());
  EXPECT_EQ(fail->json["code"], "backend_unavailable") << fail->json.dump();
}

TEST_F(MinerServiceTest, GracefulShutdownCancelsLateJobsDeliversReportsAndDeregisters) {
  MinerConfig config = Config();
  config.slots = 2;
  config.sim_latency_ms = 30'000;
  config.shutdown_grace_ms = 500;
  StartMiner(config);
  ASSERT_EQ(Assign(MakeAssignment("job_long"))->status, 202);
  miner_->RequestShutdown();
  // New jobs are refused while the running one gets its grace period.
  bool refused = false;
  for (int i = 0; i < 50 && !refused; ++i) {
    auto answer = Assign(MakeAssignment("job_late_" + std::to_string(i)));
    refused = answer.ok() && answer->status == 503 &&
              answer->body.find("shutting down") != std::string::npos;
  }
  EXPECT_TRUE(refused);
  miner_->Wait();
  auto fails = coordinator_.requests("POST", "/v1/jobs/job_long/fail");
  ASSERT_EQ(fails.size(), 1u);
  EXPECT_EQ(fails[0].json["code"], "cancelled");
  EXPECT_EQ(coordinator_.count("DELETE", "/v1/miners/" + coordinator_.miner_id()), 1u);
  EXPECT_FALSE(core::FileExists(OutboxFile("job_long")));
}

}  // namespace
}  // namespace aitbc::miner
