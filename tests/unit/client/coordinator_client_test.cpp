// The client library's HTTP contract: retries with backoff only for idempotent calls, one
// Idempotency-Key per submission reused on every retry, Retry-After, error mapping. The server
// here is a scripted HTTP endpoint answering fixed statuses, not a coordinator: the coordinator
// itself is exercised by the end-to-end tests.
#include "client/coordinator_client.h"

#include <gtest/gtest.h>

#include <deque>
#include <mutex>

#include "net/http_server.h"
#include "net/router.h"
#include "ports.h"

namespace aitbc::client {
namespace {

struct Recorded {
  std::string target;
  std::string idempotency_key;
  std::string api_key;
  std::string body;
};

// Answers each request to a route with the next scripted response (the last one repeats).
class ScriptedServer {
 public:
  ScriptedServer() : loop_(1) {
    auto router = std::make_shared<net::Router>();
    for (auto method : {net::Method::kGet, net::Method::kPost}) {
      for (const char* pattern : {"/v1/jobs", "/v1/jobs/{id}", "/v1/jobs/{id}/cancel",
                                  "/v1/receipts/{id}", "/v1/info", "/v1/miners", "/healthz"}) {
        router->Add(method, pattern, [this](net::Request& r) { return Answer(r); });
      }
    }
    loop_.RunInBackground();
    server_ = std::make_unique<net::HttpServer>(loop_, router, net::ServerOptions{});
    port_ = server_->Start().value();
  }
  ~ScriptedServer() {
    server_->Stop();
    loop_.Stop();
  }

  void Script(std::vector<net::Response> responses) {
    std::lock_guard lock(mu_);
    script_.assign(responses.begin(), responses.end());
  }
  std::vector<Recorded> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  net::Response Answer(net::Request& r) {
    std::lock_guard lock(mu_);
    Recorded rec;
    rec.target = r.target;
    rec.idempotency_key = std::string(r.Header("Idempotency-Key").value_or(""));
    rec.api_key = std::string(r.Header("X-Api-Key").value_or(""));
    rec.body = r.body;
    requests_.push_back(rec);
    if (script_.empty()) return net::Response::Json(500, {{"error", "unscripted"}});
    net::Response out = script_.front();
    if (script_.size() > 1) script_.pop_front();
    return out;
  }

  net::EventLoop loop_;
  std::unique_ptr<net::HttpServer> server_;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::deque<net::Response> script_;
  std::vector<Recorded> requests_;
};

net::Response Error(int status, const char* code, const char* message) {
  return net::Response::Json(status, {{"error", {{"code", code}, {"message", message}}}});
}

nlohmann::json Job(const char* status) {
  return {{"job_id", "job_1"}, {"status", status}, {"submitted_at", "2025-01-29T14:50:01Z"}};
}

CoordinatorConfig FastConfig(const std::string& url) {
  CoordinatorConfig config;
  config.url = url;
  config.api_key = "aitbc_client_k";
  config.retry.initial_backoff_ms = 1;
  config.retry.max_backoff_ms = 4;
  return config;
}

SubmitRequest Request() {
  SubmitRequest r;
  r.spec.model = "llama3.2:latest";
  r.spec.prompt = "What is machine learning?";
  return r;
}

TEST(CoordinatorClient, SubmitRetriesWithTheSameIdempotencyKey) {
  ScriptedServer server;
  server.Script({Error(503, "unavailable", "node down"), Error(503, "unavailable", "node down"),
                 net::Response::Json(201, Job("pending"))});
  core::DeterministicRandom random(1);
  CoordinatorClient client(FastConfig(server.url()), random);
  std::vector<std::pair<int, int>> notices;
  client.set_retry_notice([&](int attempt, int max, const core::Error& e, int64_t) {
    notices.emplace_back(attempt, max);
    EXPECT_EQ(e.code(), core::ErrorCode::kUnavailable);
  });
  SubmitRequest request = Request();
  auto job = client.SubmitJob(request);
  ASSERT_TRUE(job.ok()) << job.error().ToString();
  EXPECT_EQ(job->status, "pending");
  EXPECT_EQ(client.last_call().attempts, 3);
  EXPECT_EQ(client.last_call().http_status, 201);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].idempotency_key.rfind("idem_", 0), 0u);
  EXPECT_EQ(requests[0].idempotency_key, request.idempotency_key);
  for (const auto& r : requests) {
    EXPECT_EQ(r.idempotency_key, requests[0].idempotency_key);
    EXPECT_EQ(r.api_key, "aitbc_client_k");
    EXPECT_EQ(nlohmann::json::parse(r.body)["prompt"], "What is machine learning?");
  }
  EXPECT_EQ(notices, (std::vector<std::pair<int, int>>{{2, 4}, {3, 4}}));

  // A second submission gets a new key.
  SubmitRequest second = Request();
  ASSERT_TRUE(client.SubmitJob(second).ok());
  EXPECT_NE(second.idempotency_key, request.idempotency_key);
}

TEST(CoordinatorClient, GivesUpAfterThreeRetries) {
  ScriptedServer server;
  server.Script({Error(503, "unavailable", "node down")});
  core::DeterministicRandom random(2);
  CoordinatorClient client(FastConfig(server.url()), random);
  auto job = client.GetJob("job_1");
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.error().code(), core::ErrorCode::kUnavailable);
  EXPECT_EQ(job.error().message(), "node down");
  EXPECT_EQ(client.last_call().attempts, 4);
  EXPECT_EQ(client.last_call().http_status, 503);
  EXPECT_EQ(server.requests().size(), 4u);
}

TEST(CoordinatorClient, CancelIsNeverRetried) {
  ScriptedServer server;
  server.Script({Error(503, "unavailable", "busy")});
  core::DeterministicRandom random(3);
  CoordinatorClient client(FastConfig(server.url()), random);
  auto job = client.CancelJob("job_1");
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target, "/v1/jobs/job_1/cancel");
  EXPECT_EQ(client.last_call().attempts, 1);
}

TEST(CoordinatorClient, RejectionsAreNotRetried) {
  ScriptedServer server;
  core::DeterministicRandom random(4);
  CoordinatorClient client(FastConfig(server.url()), random);
  struct Case {
    int status;
    const char* code;
    core::ErrorCode expected;
  };
  for (const Case& c : {Case{400, "invalid_argument", core::ErrorCode::kInvalidArgument},
                        Case{401, "unauthenticated", core::ErrorCode::kUnauthenticated},
                        Case{402, "insufficient_funds", core::ErrorCode::kInsufficientFunds},
                        Case{404, "not_found", core::ErrorCode::kNotFound},
                        Case{409, "failed_precondition", core::ErrorCode::kFailedPrecondition},
                        Case{413, "payload_too_large", core::ErrorCode::kPayloadTooLarge}}) {
    server.Script({Error(c.status, c.code, "prompt is empty")});
    size_t before = server.requests().size();
    SubmitRequest request = Request();
    auto job = client.SubmitJob(request);
    ASSERT_FALSE(job.ok());
    EXPECT_EQ(job.error().code(), c.expected) << c.status;
    EXPECT_EQ(job.error().message(), "prompt is empty");
    EXPECT_EQ(client.last_call().http_status, c.status);
    EXPECT_EQ(server.requests().size(), before + 1) << c.status;
  }
}

TEST(CoordinatorClient, HonoursRetryAfter) {
  ScriptedServer server;
  server.Script({net::Response::TooManyRequests(1000, "slow down"),
                 net::Response::Json(200, Job("running"))});
  core::DeterministicRandom random(5);
  CoordinatorConfig config = FastConfig(server.url());
  config.retry.max_backoff_ms = 2000;
  CoordinatorClient client(config, random);
  int64_t waited = 0;
  client.set_retry_notice([&](int, int, const core::Error&, int64_t delay) { waited = delay; });
  auto job = client.GetJob("job_1");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(waited, 1000);  // the server's Retry-After, not the 1..4 ms backoff
}

TEST(CoordinatorClient, RetryAfterBeyondTheBackoffLimitFailsAtOnce) {
  ScriptedServer server;
  server.Script({net::Response::TooManyRequests(3000, "slow down")});
  core::DeterministicRandom random(6);
  CoordinatorClient client(FastConfig(server.url()), random);
  auto job = client.GetJob("job_1");
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.error().code(), core::ErrorCode::kResourceExhausted);
  EXPECT_EQ(client.last_call().http_status, 429);
  EXPECT_EQ(client.last_call().retry_after_ms, 3000);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(CoordinatorClient, UnreachableAfterThreeRetries) {
  core::DeterministicRandom random(7);
  CoordinatorClient client(FastConfig("http://127.0.0.1:" + std::to_string(testing::ClosedPort())),
                           random);
  int notices = 0;
  client.set_retry_notice([&](int, int, const core::Error&, int64_t) { ++notices; });
  SubmitRequest request = Request();
  auto job = client.SubmitJob(request);
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.error().code(), core::ErrorCode::kUnavailable);
  EXPECT_EQ(client.last_call().attempts, 4);
  EXPECT_EQ(client.last_call().http_status, 0);
  EXPECT_EQ(notices, 3);
}

TEST(CoordinatorClient, LongPollAndWait) {
  ScriptedServer server;
  server.Script({net::Response::Json(200, Job("pending")), net::Response::Json(200, Job("running")),
                 net::Response::Json(200, [] {
                   nlohmann::json j = Job("completed");
                   j["result"] = "ML is ...";
                   return j;
                 }())});
  core::DeterministicRandom random(8);
  CoordinatorClient client(FastConfig(server.url()), random);
  std::vector<std::string> seen;
  auto job =
      client.WaitForJob("job_1", 60'000, [&](const JobView& j) { seen.push_back(j.status); });
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->result, "ML is ...");
  EXPECT_EQ(seen, (std::vector<std::string>{"pending", "running", "completed"}));
  for (const auto& r : server.requests()) EXPECT_EQ(r.target, "/v1/jobs/job_1?wait=2");
}

TEST(CoordinatorClient, WaitTimesOut) {
  ScriptedServer server;
  server.Script({net::Response::Json(200, Job("pending"))});
  core::DeterministicRandom random(9);
  CoordinatorClient client(FastConfig(server.url()), random);
  auto job = client.WaitForJob("job_1", 0);
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.error().code(), core::ErrorCode::kTimeout);
  EXPECT_NE(job.error().message().find("still pending"), std::string::npos);
}

TEST(CoordinatorClient, MalformedAnswers) {
  ScriptedServer server;
  server.Script({net::Response::Text(200, "not json")});
  core::DeterministicRandom random(10);
  CoordinatorClient client(FastConfig(server.url()), random);
  EXPECT_EQ(client.GetJob("job_1").error().code(), core::ErrorCode::kCorruption);
  server.Script({net::Response::Json(200, {{"status", "pending"}})});
  EXPECT_EQ(client.GetJob("job_1").error().code(), core::ErrorCode::kCorruption);
}

TEST(CoordinatorClient, OtherCalls) {
  ScriptedServer server;
  core::DeterministicRandom random(11);
  CoordinatorClient client(FastConfig(server.url()), random);
  server.Script({net::Response::Json(200, {{"jobs", {Job("pending")}}, {"next_cursor", "c"}})});
  auto page = client.ListJobs(5, "a b");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->next_cursor, "c");
  EXPECT_EQ(server.requests().back().target, "/v1/jobs?limit=5&cursor=a%20b");
  server.Script({net::Response::Json(200, {{"version", "0.1.0"}})});
  EXPECT_EQ(client.Info().value()["version"], "0.1.0");
  server.Script({net::Response::Json(200, nlohmann::json::array({{{"miner_id", "m1"}}}))});
  EXPECT_EQ(client.ListMiners().value().at(0).miner_id, "m1");
  server.Script({Error(404, "not_found", "no such receipt")});
  auto receipt = client.GetReceipt("rcpt_x");
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.error().code(), core::ErrorCode::kNotFound);
  EXPECT_EQ(server.requests().back().target, "/v1/receipts/rcpt_x");
}

TEST(CoordinatorClient, InvalidUrl) {
  CoordinatorConfig config;
  config.url = "ftp://nowhere";
  CoordinatorClient client(config);
  auto job = client.GetJob("job_1");
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.error().code(), core::ErrorCode::kInvalidArgument);
  EXPECT_NE(job.error().message().find("invalid coordinator URL"), std::string::npos);
}

}  // namespace
}  // namespace aitbc::client
