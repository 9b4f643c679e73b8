// The coordinator's API over real HTTP, with a real aitbc-node process and miners that speak
// the real miner protocol (in-process SimMiners): every endpoint, every error answer, the
// permission matrix, and the money on the chain.
#include <gtest/gtest.h>

#include "cluster.h"
#include "core/file_util.h"
#include "core/random.h"
#include "protocol/job_messages.h"
#include "protocol/json_codec.h"

namespace aitbc::coordinator {
namespace {

using net::Method;
using testing::Cluster;
using testing::ClusterOptions;
using testing::HttpResult;
using testing::KeyInfo;
using Mode = SimMinerOptions::Mode;

core::Amount Micro(uint64_t v) { return core::Amount::FromMicro(v); }
constexpr uint64_t kFee = 1'000;  // the cluster's min_fee, 0.001 AITBC

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::string Message(const HttpResult& r) {
  if (!r.body.is_object() || !r.body.contains("error")) return r.body.dump();
  return r.body["error"].value("message", "");
}

class ApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ClusterOptions options;
    options.clients = 6;
    options.miners = 20;
    auto cluster = Cluster::Start(options);
    if (!cluster.ok()) {
      setup_error_ = new std::string(cluster.error().ToString());
      return;
    }
    cluster_ = std::move(cluster).value().release();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    delete setup_error_;
    setup_error_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(cluster_, nullptr) << (setup_error_ ? *setup_error_ : "no cluster");
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << cluster_->Describe() << "\n";
    cluster_->RemoveMiners();
  }

  Cluster& c() { return *cluster_; }

  // Polls GET until pred(job) or the timeout; the last job seen.
  nlohmann::json WaitJob(const KeyInfo& client, const std::string& id,
                         const std::function<bool(const nlohmann::json&)>& pred,
                         int64_t timeout_ms = 20'000) {
    nlohmann::json last;
    aitbc::testing::WaitUntil(
        [&] {
          HttpResult r = c().Call(Method::kGet, "/v1/jobs/" + id, client.api_key);
          last = r.body;
          return r.status == 200 && pred(last);
        },
        timeout_ms, 50);
    return last;
  }
  nlohmann::json WaitStatus(const KeyInfo& client, const std::string& id, const std::string& s) {
    return WaitJob(client, id, [&](const nlohmann::json& j) { return j["status"] == s; });
  }

  // A completion as miner `index` would send it, signed over `price`.
  nlohmann::json CompletionBody(size_t index, const std::string& job_id, uint64_t price_micro,
                                const std::string& result, uint64_t compute_ms = 100) {
    protocol::CompleteRequest req;
    req.job_id = job_id;
    req.result = result;
    req.metrics.compute_ms = compute_ms;
    req.metrics.completion_tokens = 5;
    req.proof.hash = protocol::ResultHash(result);
    core::PrivateKey key = c().MinerSigningKey(index);
    req.proof.public_key = key.public_key();
    protocol::Price price{Micro(price_micro), Micro(0)};
    req.proof.signature = protocol::Proof{job_id, req.proof.hash, req.metrics, price}.Sign(key);
    return req.ToJson();
  }

  HttpResult AsMiner(size_t index, Method method, const std::string& target,
                     const nlohmann::json& body = nullptr) {
    return c().Call(method, target, c().miners.at(index).api_key, body, {}, "X-Miner-Key");
  }

  static Cluster* cluster_;
  static std::string* setup_error_;
};

Cluster* ApiTest::cluster_ = nullptr;
std::string* ApiTest::setup_error_ = nullptr;

TEST_F(ApiTest, HappyPathSettlesOnTheChainAndMovesExactlyTheCost) {
  const KeyInfo& client = c().clients[1];
  SimMiner& miner = c().AddMiner(0, {"happy-model"});  // 0.02 AITBC/s, 500 ms: 0.01 AITBC
  core::Amount client_before = c().Balance(client.address);
  core::Amount miner_before = c().Balance(miner.address().ToString());

  HttpResult submitted = c().Submit(client, "happy-model", "1aitbc");
  ASSERT_EQ(submitted.status, 201) << submitted.body.dump();
  std::string id = submitted.body.value("job_id", "");
  EXPECT_EQ(id.rfind("job_", 0), 0u);
  EXPECT_EQ(submitted.body["status"], "pending");
  EXPECT_TRUE(submitted.body["submitted_at"].is_string());
  EXPECT_EQ(submitted.body["escrow"]["amount"], "1aitbc");

  nlohmann::json job = c().WaitSettled(client, id);
  ASSERT_EQ(job.value("status", ""), "completed") << job.dump();
  EXPECT_EQ(job["result"], "simulated answer to: What is machine learning?");
  EXPECT_EQ(job["receipt_id"], protocol::ReceiptIdFor(id));
  EXPECT_EQ(job["cost"], "0.01aitbc");
  EXPECT_EQ(job["miner"], miner.address().ToString());
  EXPECT_EQ(job["attempts"], 1);
  for (const char* field : {"submitted_at", "assigned_at", "started_at", "completed_at"}) {
    EXPECT_TRUE(job[field].is_string()) << field;
  }
  EXPECT_EQ(job["escrow"]["status"], "committed");
  EXPECT_EQ(job["settlement"]["type"], "settle");
  uint64_t height = job["settlement"]["block_height"].get<uint64_t>();

  for (const std::string& rid : {job["receipt_id"].get<std::string>(), id}) {
    HttpResult receipt = c().Call(Method::kGet, "/v1/receipts/" + rid, client.api_key);
    ASSERT_EQ(receipt.status, 200) << receipt.body.dump();
    const auto& r = receipt.body;
    EXPECT_EQ(r["receipt_id"], protocol::ReceiptIdFor(id));
    EXPECT_EQ(r["job_id"], id);
    EXPECT_EQ(r["client"], client.address);
    EXPECT_EQ(r["miner"], miner.address().ToString());
    EXPECT_EQ(r["amount_paid"], "0.01aitbc");
    EXPECT_EQ(r["result_hash"], protocol::ResultHash(job["result"].get<std::string>()).ToHex());
    EXPECT_EQ(r["block_height"], height);
    EXPECT_TRUE(r["timestamp"].is_string());
    EXPECT_EQ(r["status"], "committed");
    EXPECT_EQ(r["coordinator"], c().coordinator_address);
    EXPECT_EQ(r["settle_tx"], job["settlement"]["tx_hash"]);
  }

  auto escrow = c().chain().GetEscrow(id);
  ASSERT_TRUE(escrow.ok() && escrow->has_value());
  EXPECT_EQ((**escrow).status, "settled");
  EXPECT_EQ((**escrow).amount_paid, Micro(10'000));
  EXPECT_EQ((**escrow).closed_height, height);
  EXPECT_EQ((**escrow).miner, miner.address());
  // The client paid the cost and the escrow's fee; the miner got the cost.
  EXPECT_EQ(c().Balance(client.address), client_before.Sub(Micro(10'000 + kFee)).value());
  EXPECT_EQ(c().Balance(miner.address().ToString()), miner_before.Add(Micro(10'000)).value());
  EXPECT_EQ(c().chain().GetSupply()->total, c().genesis_supply);
}

TEST_F(ApiTest, ValidationErrorsAre400AndNameTheProblem) {
  c().AddMiner(1, {"valid-model"});
  const KeyInfo& client = c().clients[0];
  struct Case {
    nlohmann::json body;
    std::string message;
  };
  std::vector<Case> cases = {
      {{{"type", "training"}, {"prompt", "x"}, {"model", "valid-model"}},
       "unknown job type 'training'"},
      {{{"prompt", "  "}, {"model", "valid-model"}}, "prompt is empty"},
      {{{"prompt", std::string(70'000, 'a')}, {"model", "valid-model"}}, "exceeds the limit"},
      {{{"model", "valid-model"}}, "prompt"},
      {{{"prompt", "x"}, {"model", "nobody-serves-this"}},
       "no registered miner serves model 'nobody-serves-this'"},
      {{{"prompt", "x"}, {"model", "valid-model"}, {"options", {{"temperature", 5}}}},
       "option 'temperature'"},
      {{{"prompt", "x"}, {"model", "valid-model"}, {"options", {{"bogus", 1}}}},
       "unknown option 'bogus'"},
      {{{"prompt", "x"}, {"model", "valid-model"}, {"max_price", "0.001aitbc"}},
       "is below what any miner serving 'valid-model' asks"},
      {{{"prompt", "x"}, {"model", "valid-model"}, {"max_price", "lots"}}, "max_price"},
      {{{"prompt", "x"}, {"model", "valid-model"}, {"max_price", "0aitbc"}},
       "max_price must be above zero"},
  };
  for (const Case& t : cases) {
    HttpResult r = c().Call(Method::kPost, "/v1/jobs", client.api_key, t.body);
    EXPECT_EQ(r.status, 400) << t.body.dump().substr(0, 200);
    EXPECT_TRUE(Contains(Message(r), t.message)) << Message(r) << " lacks " << t.message;
    EXPECT_EQ(r.body["error"]["code"], "invalid_argument");
  }
  net::ClientRequest malformed;
  malformed.method = Method::kPost;
  malformed.url = net::Url::Parse(c().coordinator_url).value().WithTarget("/v1/jobs");
  malformed.headers.Set("X-Api-Key", client.api_key);
  malformed.body = "{\"prompt\": ";
  HttpResult bad_json = c().Raw(malformed);
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_TRUE(Contains(Message(bad_json), "malformed JSON")) << Message(bad_json);

  net::Headers spaced;
  spaced.Set("Idempotency-Key", "has space");
  HttpResult bad_key = c().Submit(client, "valid-model", "1aitbc", spaced);
  EXPECT_EQ(bad_key.status, 400);
  EXPECT_TRUE(Contains(Message(bad_key), "Idempotency-Key")) << Message(bad_key);

  malformed.body = "{\"prompt\":\"" + std::string(3 << 20, 'a') + "\"}";
  EXPECT_EQ(c().Raw(malformed).status, 413);

  // Miners' bodies too.
  HttpResult bad_registration = AsMiner(2, Method::kPost, "/v1/miners/register", {{"url", 5}});
  EXPECT_EQ(bad_registration.status, 400);
  nlohmann::json no_models = {{"url", "http://127.0.0.1:1"},
                              {"public_key", c().MinerSigningKey(2).public_key().ToHex()},
                              {"models", nlohmann::json::array()},
                              {"slots", 1},
                              {"price", {{"per_second", "0.01aitbc"}}},
                              {"backend", "sim"}};
  HttpResult empty_models = AsMiner(2, Method::kPost, "/v1/miners/register", no_models);
  EXPECT_EQ(empty_models.status, 400);
  EXPECT_TRUE(Contains(Message(empty_models), "at least one model")) << Message(empty_models);
  EXPECT_EQ(AsMiner(2, Method::kPost, "/v1/jobs/job_x/status", {{"status", "done"}}).status, 400);
  EXPECT_EQ(
      AsMiner(2, Method::kPost, "/v1/jobs/job_x/fail", {{"code", "nope"}, {"reason", "x"}}).status,
      400);
  EXPECT_EQ(AsMiner(2, Method::kPost, "/v1/jobs/job_x/complete", {{"job_id", "job_x"}}).status,
            400);
  EXPECT_EQ(c().Call(Method::kGet, "/v1/jobs?limit=0", client.api_key).status, 400);
  EXPECT_EQ(c().Call(Method::kGet, "/v1/jobs?cursor=abc", client.api_key).status, 400);
  EXPECT_EQ(c().Call(Method::kGet, "/v1/jobs/job_x?wait=61", client.api_key).status, 400);
}

TEST_F(ApiTest, MissingOrInvalidKeysAre401) {
  auto expect_401 = [&](const std::string& key, const std::string& words) {
    HttpResult r = c().Call(Method::kGet, "/v1/jobs", key);
    EXPECT_EQ(r.status, 401) << key;
    EXPECT_EQ(r.body["error"]["code"], "unauthenticated");
    EXPECT_TRUE(Contains(Message(r), words)) << Message(r);
  };
  expect_401("", "missing API key");
  expect_401("not-a-key", "malformed");
  std::string forged = c().clients[0].api_key;
  forged.back() = forged.back() == 'a' ? 'b' : 'a';
  expect_401(forged, "invalid");
  expect_401(c().revoked.api_key, "invalid");
  EXPECT_EQ(c().Call(Method::kPost, "/v1/miners/heartbeat", "", {{"free_slots", 1}}).status, 401);
}

TEST_F(ApiTest, PermissionMatrix) {
  const KeyInfo& a = c().clients[0];
  const KeyInfo& b = c().clients[3];
  const KeyInfo& admin = c().admin;
  SimMiner& m0 = c().AddMiner(3, {"matrix-model"});
  c().AddMiner(4, {"other-model"});
  HttpResult submitted = c().Submit(a, "matrix-model");
  ASSERT_EQ(submitted.status, 201) << submitted.body.dump();
  std::string id = submitted.body["job_id"];
  ASSERT_EQ(c().WaitSettled(a, id).value("status", ""), "completed");
  std::string job = "/v1/jobs/" + id;
  nlohmann::json complete = CompletionBody(4, id, 20'000, "x");
  nlohmann::json fail = {{"code", "backend_error"}, {"reason", "x"}};
  nlohmann::json running = {{"status", "running"}};
  nlohmann::json heartbeat = {{"free_slots", 1}};
  nlohmann::json registration = {{"url", "http://127.0.0.1:1"},
                                 {"public_key", c().MinerSigningKey(5).public_key().ToHex()},
                                 {"models", {"x"}},
                                 {"slots", 1},
                                 {"price", {{"per_second", "0.01aitbc"}}},
                                 {"backend", "sim"}};
  nlohmann::json job_body = {{"prompt", "x"}, {"model", "matrix-model"}};

  struct Who {
    std::string name;
    std::string key;
    std::string header;
  };
  Who client_a{"client A", a.api_key, "X-Api-Key"};
  Who client_b{"client B", b.api_key, "X-Api-Key"};
  Who assigned{"assigned miner", c().miners[3].api_key, "X-Miner-Key"};
  Who other_miner{"other miner", c().miners[4].api_key, "X-Miner-Key"};
  Who op{"admin", admin.api_key, "X-Api-Key"};
  struct Case {
    Method method;
    std::string target;
    nlohmann::json body;
    Who who;
    int status;
  };
  std::vector<Case> cases = {
      {Method::kPost, "/v1/jobs", job_body, assigned, 403},
      {Method::kPost, "/v1/jobs", job_body, op, 403},
      {Method::kGet, "/v1/jobs", nullptr, client_a, 200},
      {Method::kGet, "/v1/jobs", nullptr, assigned, 403},
      {Method::kGet, "/v1/jobs", nullptr, op, 200},
      {Method::kGet, job, nullptr, client_a, 200},
      {Method::kGet, job, nullptr, client_b, 403},
      {Method::kGet, job, nullptr, assigned, 403},
      {Method::kGet, job, nullptr, op, 200},
      {Method::kPost, job + "/cancel", nullptr, client_b, 403},
      {Method::kPost, job + "/cancel", nullptr, assigned, 403},
      {Method::kPost, job + "/cancel", nullptr, client_a, 409},  // completed
      {Method::kPost, job + "/cancel", nullptr, op, 409},
      {Method::kPost, job + "/status", running, client_a, 403},
      {Method::kPost, job + "/status", running, op, 403},
      {Method::kPost, job + "/status", running, other_miner, 403},
      {Method::kPost, job + "/status", running, assigned, 409},
      {Method::kPost, job + "/complete", complete, client_a, 403},
      {Method::kPost, job + "/complete", complete, op, 403},
      {Method::kPost, job + "/complete", complete, other_miner, 403},
      {Method::kPost, job + "/fail", fail, client_a, 403},
      {Method::kPost, job + "/fail", fail, op, 403},
      {Method::kPost, job + "/fail", fail, other_miner, 403},
      {Method::kPost, job + "/fail", fail, assigned, 409},
      {Method::kGet, "/v1/receipts/" + id, nullptr, client_a, 200},
      {Method::kGet, "/v1/receipts/" + id, nullptr, client_b, 403},
      {Method::kGet, "/v1/receipts/" + id, nullptr, assigned, 200},
      {Method::kGet, "/v1/receipts/" + id, nullptr, other_miner, 403},
      {Method::kGet, "/v1/receipts/" + id, nullptr, op, 200},
      {Method::kPost, "/v1/miners/register", registration, client_a, 403},
      {Method::kPost, "/v1/miners/register", registration, op, 403},
      {Method::kPost, "/v1/miners/heartbeat", heartbeat, client_a, 403},
      {Method::kPost, "/v1/miners/heartbeat", heartbeat, op, 403},
      {Method::kPost, "/v1/miners/heartbeat", heartbeat, assigned, 200},
      {Method::kGet, "/v1/miners", nullptr, client_a, 403},
      {Method::kGet, "/v1/miners", nullptr, assigned, 403},
      {Method::kGet, "/v1/miners", nullptr, op, 200},
      {Method::kDelete, "/v1/miners/" + m0.miner_id(), nullptr, client_a, 403},
      {Method::kDelete, "/v1/miners/" + m0.miner_id(), nullptr, other_miner, 403},
  };
  for (const Case& t : cases) {
    HttpResult r = c().Call(t.method, t.target, t.who.key, t.body, {}, t.who.header);
    EXPECT_EQ(r.status, t.status) << net::MethodName(t.method) << " " << t.target << " as "
                                  << t.who.name << ": " << r.body.dump();
    if (t.status == 403) EXPECT_EQ(r.body["error"]["code"], "permission_denied");
  }
  // Public endpoints.
  EXPECT_EQ(c().Call(Method::kGet, "/v1/info", "").status, 200);
  EXPECT_EQ(c().Call(Method::kGet, "/healthz", "").status, 200);
  EXPECT_EQ(c().Call(Method::kGet, "/metrics", "").status, 200);
  // An operator may remove any miner.
  EXPECT_EQ(c().Call(Method::kDelete, "/v1/miners/" + m0.miner_id(), admin.api_key).status, 200);
}

TEST_F(ApiTest, InsufficientFundsIs402AndNoJobExists) {
  c().AddMiner(5, {"funds-model"});
  const KeyInfo& poor = c().poor[0];
  HttpResult r = c().Submit(poor, "funds-model", "1aitbc");
  EXPECT_EQ(r.status, 402) << r.body.dump();
  EXPECT_EQ(r.body["error"]["code"], "insufficient_funds");
  EXPECT_TRUE(Contains(Message(r), poor.address)) << Message(r);
  EXPECT_TRUE(Contains(Message(r), "cannot cover the escrow of 1 AITBC")) << Message(r);
  HttpResult listed = c().Call(Method::kGet, "/v1/jobs", poor.api_key);
  ASSERT_EQ(listed.status, 200);
  EXPECT_TRUE(listed.body["jobs"].empty()) << listed.body.dump();
  // A smaller escrow fits.
  HttpResult ok = c().Submit(poor, "funds-model", "0.1aitbc");
  ASSERT_EQ(ok.status, 201) << ok.body.dump();
  EXPECT_EQ(c().WaitSettled(poor, ok.body["job_id"]).value("status", ""), "completed");
}

TEST_F(ApiTest, UnknownThingsAre404) {
  const KeyInfo& client = c().clients[0];
  EXPECT_EQ(c().Call(Method::kGet, "/v1/jobs/job_doesnotexist", client.api_key).status, 404);
  EXPECT_EQ(c().Call(Method::kPost, "/v1/jobs/job_doesnotexist/cancel", client.api_key).status,
            404);
  EXPECT_EQ(c().Call(Method::kGet, "/v1/receipts/rcpt_00000000", client.api_key).status, 404);
  EXPECT_EQ(c().Call(Method::kGet, "/v1/nothing", client.api_key).status, 404);
  HttpResult hb = AsMiner(15, Method::kPost, "/v1/miners/heartbeat", {{"free_slots", 1}});
  EXPECT_EQ(hb.status, 404);
  EXPECT_TRUE(Contains(Message(hb), "register again")) << Message(hb);
  EXPECT_EQ(c().Call(Method::kDelete, "/v1/miners/miner_nope", c().admin.api_key).status, 404);
  EXPECT_EQ(AsMiner(15, Method::kPost, "/v1/jobs/job_doesnotexist/status", {{"status", "running"}})
                .status,
            404);
  // A job that is not completed has no receipt.
  SimMiner& miner = c().AddMiner(6, {"receiptless-model"}, Mode::kIgnore);
  HttpResult r = c().Submit(client, "receiptless-model");
  ASSERT_EQ(r.status, 201);
  HttpResult receipt =
      c().Call(Method::kGet, "/v1/receipts/" + r.body["job_id"].get<std::string>(), client.api_key);
  EXPECT_EQ(receipt.status, 404);
  EXPECT_TRUE(Contains(Message(receipt), "has no receipt")) << Message(receipt);
  (void)miner;
  c().Call(Method::kPost, "/v1/jobs/" + r.body["job_id"].get<std::string>() + "/cancel",
           client.api_key);
}

TEST_F(ApiTest, ConflictsAre409AndARepeatedCompletionIsIdempotent) {
  const KeyInfo& client = c().clients[0];
  c().AddMiner(7, {"conflict-model"}, Mode::kHang);
  // A repeated identical /complete returns the same receipt; a different one is refused.
  HttpResult r1 = c().Submit(client, "conflict-model");
  ASSERT_EQ(r1.status, 201);
  std::string id1 = r1.body["job_id"];
  WaitStatus(client, id1, "running");
  nlohmann::json done = CompletionBody(7, id1, 20'000, "the answer");
  HttpResult first = AsMiner(7, Method::kPost, "/v1/jobs/" + id1 + "/complete", done);
  ASSERT_EQ(first.status, 200) << first.body.dump();
  EXPECT_EQ(first.body["receipt_id"], protocol::ReceiptIdFor(id1));
  EXPECT_EQ(first.body["amount_paid"], "0.002aitbc");
  HttpResult again = AsMiner(7, Method::kPost, "/v1/jobs/" + id1 + "/complete", done);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body["receipt"], first.body["receipt"]);
  HttpResult different = AsMiner(7, Method::kPost, "/v1/jobs/" + id1 + "/complete",
                                 CompletionBody(7, id1, 20'000, "another answer"));
  EXPECT_EQ(different.status, 409);
  EXPECT_EQ(
      AsMiner(7, Method::kPost, "/v1/jobs/" + id1 + "/status", {{"status", "running"}}).status,
      409);
  EXPECT_EQ(c().Call(Method::kPost, "/v1/jobs/" + id1 + "/cancel", client.api_key).status, 409);

  // Completing a cancelled job.
  HttpResult r2 = c().Submit(client, "conflict-model");
  ASSERT_EQ(r2.status, 201);
  std::string id2 = r2.body["job_id"];
  WaitStatus(client, id2, "running");
  // Another miner may not report on it.
  HttpResult other = AsMiner(8, Method::kPost, "/v1/jobs/" + id2 + "/complete",
                             CompletionBody(8, id2, 20'000, "not yours"));
  EXPECT_EQ(other.status, 403) << other.body.dump();
  EXPECT_TRUE(Contains(Message(other), "is not assigned to miner")) << Message(other);
  EXPECT_EQ(AsMiner(8, Method::kPost, "/v1/jobs/" + id2 + "/fail", {{"reason", "x"}}).status, 403);
  ASSERT_EQ(c().Call(Method::kPost, "/v1/jobs/" + id2 + "/cancel", client.api_key).status, 200);
  HttpResult late = AsMiner(7, Method::kPost, "/v1/jobs/" + id2 + "/complete",
                            CompletionBody(7, id2, 20'000, "too late"));
  EXPECT_EQ(late.status, 409) << late.body.dump();
  EXPECT_TRUE(Contains(Message(late), "cancelled")) << Message(late);

  // An Idempotency-Key reused for another request.
  net::Headers key;
  key.Set("Idempotency-Key",
          "conflict-" + core::HexEncode(core::SystemRandom::Instance().RandomBytes(4)));
  HttpResult k1 = c().Submit(client, "conflict-model", "1aitbc", key);
  ASSERT_EQ(k1.status, 201);
  HttpResult k2 = c().Submit(client, "conflict-model", "2aitbc", key);
  EXPECT_EQ(k2.status, 409);
  EXPECT_TRUE(Contains(Message(k2), "different request")) << Message(k2);
  c().Call(Method::kPost, "/v1/jobs/" + k1.body["job_id"].get<std::string>() + "/cancel",
           client.api_key);
  EXPECT_EQ(c().WaitSettled(client, id1).value("status", ""), "completed");
}

TEST_F(ApiTest, AnIdempotentRetryReturnsTheFirstJobAndIsChargedOnce) {
  const KeyInfo& client = c().clients[4];
  c().AddMiner(8, {"idem-model"}, Mode::kComplete, 20'000, 300);
  core::Amount before = c().Balance(client.address);
  net::Headers key;
  key.Set("Idempotency-Key", "order-42");
  HttpResult first = c().Submit(client, "idem-model", "1aitbc", key);
  HttpResult retry = c().Submit(client, "idem-model", "1aitbc", key);
  ASSERT_EQ(first.status, 201) << first.body.dump();
  ASSERT_EQ(retry.status, 201) << retry.body.dump();
  EXPECT_EQ(retry.body["job_id"], first.body["job_id"]);
  EXPECT_EQ(retry.body["escrow"], first.body["escrow"]);
  std::string id = first.body["job_id"];
  nlohmann::json job = c().WaitSettled(client, id);
  ASSERT_EQ(job["status"], "completed");
  // After completion the same key still names the same job.
  HttpResult late = c().Submit(client, "idem-model", "1aitbc", key);
  EXPECT_EQ(late.status, 201);
  EXPECT_EQ(late.body["job_id"], id);
  HttpResult listed = c().Call(Method::kGet, "/v1/jobs", client.api_key);
  EXPECT_EQ(listed.body["jobs"].size(), 1u) << listed.body.dump();
  // 300 ms at 0.02 AITBC/s, plus one escrow fee.
  EXPECT_EQ(c().Balance(client.address), before.Sub(Micro(6'000 + kFee)).value());
}

TEST_F(ApiTest, LongPollWaitsForTheEnd) {
  const KeyInfo& client = c().clients[0];
  c().AddMiner(9, {"poll-model"}, Mode::kComplete, 20'000, 800);
  HttpResult r = c().Submit(client, "poll-model");
  ASSERT_EQ(r.status, 201);
  HttpResult polled = c().Call(
      Method::kGet, "/v1/jobs/" + r.body["job_id"].get<std::string>() + "?wait=20", client.api_key);
  ASSERT_EQ(polled.status, 200);
  EXPECT_EQ(polled.body["status"], "completed") << polled.body.dump();

  c().AddMiner(10, {"poll-hang-model"}, Mode::kHang);
  HttpResult hang = c().Submit(client, "poll-hang-model");
  ASSERT_EQ(hang.status, 201);
  std::string id = hang.body["job_id"];
  WaitStatus(client, id, "running");
  HttpResult timed_out = c().Call(Method::kGet, "/v1/jobs/" + id + "?wait=1", client.api_key);
  ASSERT_EQ(timed_out.status, 200);
  EXPECT_EQ(timed_out.body["status"], "running");
  c().Call(Method::kPost, "/v1/jobs/" + id + "/cancel", client.api_key);
}

TEST_F(ApiTest, CancelRefundsTheWholeEscrowOnTheChain) {
  const KeyInfo& client = c().clients[2];
  c().AddMiner(11, {"cancel-model"}, Mode::kHang);
  core::Amount before = c().Balance(client.address);
  HttpResult r = c().Submit(client, "cancel-model", "2aitbc");
  ASSERT_EQ(r.status, 201);
  std::string id = r.body["job_id"];
  WaitStatus(client, id, "running");
  HttpResult cancelled = c().Call(Method::kPost, "/v1/jobs/" + id + "/cancel", client.api_key);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body.dump();
  EXPECT_EQ(cancelled.body["status"], "cancelled");
  nlohmann::json job = c().WaitSettled(client, id);
  EXPECT_EQ(job["settlement"]["type"], "refund");
  EXPECT_EQ(job["cost"], "0aitbc");
  EXPECT_EQ(job["error"], "cancelled by the client");
  auto escrow = c().chain().GetEscrow(id);
  ASSERT_TRUE(escrow.ok() && escrow->has_value());
  EXPECT_EQ((**escrow).status, "refunded");
  EXPECT_EQ((**escrow).fee, Micro(kFee));
  EXPECT_EQ(job["escrow"]["fee"], "0.001aitbc");
  // The refund returned the escrow and rebated its fee: the cancelled job cost nothing.
  EXPECT_EQ(c().Balance(client.address), before);
  EXPECT_EQ(c().chain().GetSupply()->total, c().genesis_supply);
}

TEST_F(ApiTest, QueueTimeoutFailsTheJobAndRefundsIt) {
  const KeyInfo& client = c().clients[0];
  c().AddMiner(12, {"busy-model"}, Mode::kRefuse);  // always 503
  HttpResult r = c().Submit(client, "busy-model");
  ASSERT_EQ(r.status, 201);
  std::string id = r.body["job_id"];
  nlohmann::json job = c().WaitSettled(client, id);
  ASSERT_EQ(job.value("status", ""), "failed") << job.dump();
  EXPECT_TRUE(Contains(job["error"], "no miner accepted the job within 4 s")) << job.dump();
  EXPECT_EQ(job["settlement"]["type"], "refund");
  EXPECT_EQ(job["attempts"], 0);
  EXPECT_EQ(c().chain().GetEscrow(id)->value().status, "refunded");
}

TEST_F(ApiTest, AFailingMinerIsReplacedAndTheJobIsPaidOnce) {
  const KeyInfo& client = c().clients[0];
  SimMiner& failing = c().AddMiner(13, {"retry-model"}, Mode::kFail, 10'000);  // cheaper: first
  SimMiner& good = c().AddMiner(14, {"retry-model"}, Mode::kComplete, 20'000);
  HttpResult r = c().Submit(client, "retry-model");
  ASSERT_EQ(r.status, 201);
  std::string id = r.body["job_id"];
  nlohmann::json job = c().WaitSettled(client, id);
  ASSERT_EQ(job.value("status", ""), "completed") << job.dump();
  EXPECT_EQ(job["attempts"], 2);
  EXPECT_EQ(job["miner"], good.address().ToString());
  EXPECT_EQ(failing.assigned(), 1u);
  auto escrow = c().chain().GetEscrow(id)->value();
  EXPECT_EQ(escrow.status, "settled");
  EXPECT_EQ(escrow.miner, good.address());
  EXPECT_EQ(c().Balance(failing.address().ToString()), core::Amount());
}

TEST_F(ApiTest, AMinerThatDoesNotStartLosesTheJob) {
  const KeyInfo& client = c().clients[0];
  // Fresh miners: reputation from earlier tests would change the choice.
  SimMiner& silent = c().AddMiner(16, {"deadline-model"}, Mode::kIgnore, 10'000);
  SimMiner& good = c().AddMiner(17, {"deadline-model"}, Mode::kComplete, 20'000);
  HttpResult r = c().Submit(client, "deadline-model");
  ASSERT_EQ(r.status, 201);
  nlohmann::json job = c().WaitSettled(client, r.body["job_id"]);
  ASSERT_EQ(job.value("status", ""), "completed") << job.dump();
  EXPECT_EQ(job["attempts"], 2);
  EXPECT_EQ(job["miner"], good.address().ToString());
  EXPECT_EQ(silent.assigned(), 1u);
}

TEST_F(ApiTest, AMinerThatStopsHeartbeatingLosesItsJobs) {
  const KeyInfo& client = c().clients[0];
  SimMiner& hanging = c().AddMiner(18, {"silent-model"}, Mode::kHang, 10'000);
  HttpResult r = c().Submit(client, "silent-model");
  ASSERT_EQ(r.status, 201);
  std::string id = r.body["job_id"];
  WaitStatus(client, id, "running");
  SimMiner& good = c().AddMiner(19, {"silent-model"}, Mode::kComplete, 20'000);
  hanging.set_heartbeat(false);
  nlohmann::json job = c().WaitSettled(client, id);
  ASSERT_EQ(job.value("status", ""), "completed") << job.dump();
  EXPECT_EQ(job["miner"], good.address().ToString());
  HttpResult miners = c().Call(Method::kGet, "/v1/miners", c().admin.api_key);
  bool offline = false;
  for (const auto& m : miners.body["miners"]) {
    if (m["miner_id"] == hanging.miner_id()) offline = m["status"] == "offline";
  }
  EXPECT_TRUE(offline) << miners.body.dump();
}

TEST_F(ApiTest, BadProofsAreRejected) {
  const KeyInfo& client = c().clients[0];
  for (Mode mode : {Mode::kBadSignature, Mode::kInflatedCompute}) {
    std::string model = mode == Mode::kBadSignature ? "badsig-model" : "inflated-model";
    SimMiner& cheat = c().AddMiner(mode == Mode::kBadSignature ? 1 : 2, {model}, mode);
    HttpResult r = c().Submit(client, model);
    ASSERT_EQ(r.status, 201);
    ASSERT_TRUE(aitbc::testing::WaitUntil(
        [&] {
          auto records = cheat.records();
          return !records.empty() && records[0].complete_status != 0;
        },
        10'000));
    EXPECT_EQ(cheat.records()[0].complete_status, 400);
    HttpResult job =
        c().Call(Method::kGet, "/v1/jobs/" + r.body["job_id"].get<std::string>(), client.api_key);
    EXPECT_NE(job.body["status"], "completed");
    c().Call(Method::kPost, "/v1/jobs/" + r.body["job_id"].get<std::string>() + "/cancel",
             client.api_key);
  }
  // A valid signature from another key, or over another price, is refused with a reason.
  c().AddMiner(3, {"manual-model"}, Mode::kHang);
  HttpResult r = c().Submit(client, "manual-model");
  ASSERT_EQ(r.status, 201);
  std::string id = r.body["job_id"];
  WaitStatus(client, id, "running");
  HttpResult other_key =
      AsMiner(3, Method::kPost, "/v1/jobs/" + id + "/complete", CompletionBody(4, id, 20'000, "x"));
  EXPECT_EQ(other_key.status, 400);
  EXPECT_TRUE(Contains(Message(other_key), "not by the key the miner registered"));
  nlohmann::json priced = CompletionBody(3, id, 40'000, "x");
  priced["price"] = {{"per_second", "0.04aitbc"}};
  HttpResult changed_price = AsMiner(3, Method::kPost, "/v1/jobs/" + id + "/complete", priced);
  EXPECT_EQ(changed_price.status, 400);
  EXPECT_TRUE(Contains(Message(changed_price), "price differs")) << Message(changed_price);
  nlohmann::json bad_hash = CompletionBody(3, id, 20'000, "x");
  bad_hash["result"] = "y";
  EXPECT_EQ(AsMiner(3, Method::kPost, "/v1/jobs/" + id + "/complete", bad_hash).status, 400);
  c().Call(Method::kPost, "/v1/jobs/" + id + "/cancel", client.api_key);
}

TEST_F(ApiTest, ClientsListTheirOwnJobsNewestFirst) {
  const KeyInfo& client = c().clients[5];
  c().AddMiner(5, {"page-model"});
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    HttpResult r = c().Submit(client, "page-model");
    ASSERT_EQ(r.status, 201);
    ids.push_back(r.body["job_id"]);
  }
  for (const auto& id : ids) c().WaitSettled(client, id);
  HttpResult page1 = c().Call(Method::kGet, "/v1/jobs?limit=2", client.api_key);
  ASSERT_EQ(page1.status, 200);
  ASSERT_EQ(page1.body["jobs"].size(), 2u);
  EXPECT_EQ(page1.body["jobs"][0]["job_id"], ids[2]);
  EXPECT_EQ(page1.body["jobs"][1]["job_id"], ids[1]);
  EXPECT_FALSE(page1.body["jobs"][0].contains("result"));
  ASSERT_TRUE(page1.body["next_cursor"].is_string());
  HttpResult page2 = c().Call(
      Method::kGet, "/v1/jobs?limit=2&cursor=" + page1.body["next_cursor"].get<std::string>(),
      client.api_key);
  ASSERT_EQ(page2.body["jobs"].size(), 1u);
  EXPECT_EQ(page2.body["jobs"][0]["job_id"], ids[0]);
  EXPECT_TRUE(page2.body["next_cursor"].is_null());
  // Nobody else's jobs, and nobody else sees these.
  HttpResult other = c().Call(Method::kGet, "/v1/jobs?limit=100", c().clients[3].api_key);
  for (const auto& j : other.body["jobs"]) EXPECT_NE(j["job_id"], ids[0]);
  HttpResult all = c().Call(Method::kGet, "/v1/jobs?limit=100", c().admin.api_key);
  EXPECT_GE(all.body["jobs"].size(), 3u);
}

TEST_F(ApiTest, InfoMetricsAndHealth) {
  HttpResult info = c().Call(Method::kGet, "/v1/info", "");
  ASSERT_EQ(info.status, 200);
  EXPECT_EQ(info.body["coordinator_address"], c().coordinator_address);
  EXPECT_EQ(info.body["chain_id"], "aitbc-coord-test");
  EXPECT_EQ(info.body["node_url"], c().node_url);
  EXPECT_EQ(info.body["allow_sim_miners"], true);
  EXPECT_EQ(info.body["default_max_price"], "1aitbc");
  EXPECT_TRUE(info.body["version"].is_string());
  HttpResult health = c().Call(Method::kGet, "/healthz", "");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body["status"], "ok");
  // A job so that the histograms have data.
  c().AddMiner(6, {"metrics-model"});
  HttpResult r = c().Submit(c().clients[0], "metrics-model");
  ASSERT_EQ(r.status, 201);
  c().WaitSettled(c().clients[0], r.body["job_id"]);
  std::string metrics = c().Call(Method::kGet, "/metrics", "").response.body;
  for (const char* name :
       {"aitbc_jobs{state=\"completed\"}", "aitbc_jobs{state=\"pending\"}", "aitbc_queue_length",
        "aitbc_queue_wait_seconds_bucket", "aitbc_assign_latency_seconds_count",
        "aitbc_settle_latency_seconds_count", "aitbc_miners_online", "http_requests_total"}) {
    EXPECT_TRUE(Contains(metrics, name)) << name;
  }
}

TEST_F(ApiTest, MinersRemoveThemselvesAndMustRegisterAgain) {
  SimMiner& miner = c().AddMiner(10, {"leaving-model"});
  std::string id = miner.miner_id();
  HttpResult removed = AsMiner(10, Method::kDelete, "/v1/miners/" + id);
  ASSERT_EQ(removed.status, 200) << removed.body.dump();
  EXPECT_EQ(removed.body["status"], "unregistered");
  HttpResult hb = AsMiner(10, Method::kPost, "/v1/miners/heartbeat", {{"free_slots", 1}});
  EXPECT_EQ(hb.status, 404);
  HttpResult submit = c().Submit(c().clients[0], "leaving-model");
  EXPECT_EQ(submit.status, 400);
}

// A coordinator with rate limits (one per role) and without --allow-sim-miners.
TEST(LimitsTest, RateLimitsAnswer429WithRetryAfterAndSimMinersAreRefused) {
  ClusterOptions options;
  options.clients = 1;
  options.miners = 3;
  // Refills slow enough (one token per 100 s) that a loaded machine cannot refill a bucket
  // between the calls below.
  options.coordinator_flags = {"--rate-limit-per-s",       "0.01", "--rate-limit-burst",       "2",
                               "--miner-rate-limit-per-s", "0.01", "--miner-rate-limit-burst", "4"};
  auto cluster = Cluster::Start(options);
  ASSERT_TRUE(cluster.ok()) << cluster.error().ToString();
  Cluster& c = **cluster;
  const std::string& key = c.clients[0].api_key;
  EXPECT_EQ(c.Call(Method::kGet, "/v1/jobs", key).status, 200);
  EXPECT_EQ(c.Call(Method::kGet, "/v1/jobs", key).status, 200);
  HttpResult limited = c.Call(Method::kGet, "/v1/jobs", key);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.body["error"]["code"], "resource_exhausted");
  auto retry_after = limited.response.headers.Get("Retry-After");
  ASSERT_TRUE(retry_after.has_value());
  EXPECT_GE(std::stoi(std::string(*retry_after)), 1);
  EXPECT_TRUE(Contains(Message(limited), "rate limit exceeded for client key")) << Message(limited);
  // A miner key has the miner's bucket (4), not the client's (2). Unregistered: 404, once
  // the key is through.
  const std::string& miner_key = c.miners[2].api_key;
  for (int i = 0; i < 4; ++i) {
    HttpResult hb = c.Call(Method::kPost, "/v1/miners/heartbeat", miner_key, {{"free_slots", 1}},
                           {}, "X-Miner-Key");
    EXPECT_EQ(hb.status, 404) << i << " " << hb.body.dump();
  }
  HttpResult miner_limited = c.Call(Method::kPost, "/v1/miners/heartbeat", miner_key,
                                    {{"free_slots", 1}}, {}, "X-Miner-Key");
  EXPECT_EQ(miner_limited.status, 429);
  EXPECT_TRUE(Contains(Message(miner_limited), "rate limit exceeded for miner key"))
      << Message(miner_limited);

  SimMinerOptions sim;
  sim.coordinator_url = c.coordinator_url;
  sim.miner_key = c.miners[0].api_key;
  net::EventLoop loop(1);
  loop.RunInBackground();
  SimMiner refused(loop, sim);
  core::Status s = refused.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), core::ErrorCode::kPermissionDenied);
  EXPECT_TRUE(Contains(s.error().message(), "--allow-sim-miners")) << s.error().message();
  sim.miner_key = c.miners[1].api_key;
  sim.backend = "ollama";
  SimMiner accepted(loop, sim);
  EXPECT_TRUE(accepted.Start().ok());
  refused.Stop();
  accepted.Stop();
  loop.Stop();
  // SIGTERM: a clean exit, and the ready file is gone.
  EXPECT_EQ(c.StopCoordinator(), 0);
  EXPECT_FALSE(core::FileExists(c.coordinator_dir + "/ready.json"));
}

}  // namespace
}  // namespace aitbc::coordinator
