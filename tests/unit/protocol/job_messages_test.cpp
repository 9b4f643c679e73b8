#include "protocol/job_messages.h"

#include <gtest/gtest.h>

#include "test_keys.h"

namespace aitbc::protocol {
namespace {

using nlohmann::json;

std::string ErrorOf(const json& j) {
  auto r = JobSpec::FromJson(j);
  return r.ok() ? "" : r.error().message();
}

TEST(JobSpecTest, SeedBodyParses) {
  json body = {
      {"type", "inference"}, {"prompt", "What is machine learning?"}, {"model", "llama3.2:latest"}};
  auto spec = JobSpec::FromJson(body);
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  EXPECT_EQ(spec->model, "llama3.2:latest");
  EXPECT_EQ(JobSpec::FromJson(spec->ToJson())->prompt, "What is machine learning?");
}

TEST(JobSpecTest, RejectsBadJobs) {
  json ok = {{"prompt", "hi"}, {"model", "m"}};
  EXPECT_EQ(ErrorOf(ok), "");
  json j = ok;
  j["type"] = "training";
  EXPECT_NE(ErrorOf(j).find("unknown job type"), std::string::npos);
  j = ok;
  j["prompt"] = "   ";
  EXPECT_NE(ErrorOf(j).find("prompt is empty"), std::string::npos);
  j = ok;
  j["prompt"] = std::string(kMaxPromptBytes + 1, 'x');
  EXPECT_NE(ErrorOf(j).find("exceeds"), std::string::npos);
  j = ok;
  j["prompt"] = "\xff\xfe";
  EXPECT_NE(ErrorOf(j).find("UTF-8"), std::string::npos);
  j = ok;
  j["prompt"] = 5;
  EXPECT_NE(ErrorOf(j).find("'prompt' must be a string"), std::string::npos);
  j = ok;
  j.erase("model");
  EXPECT_NE(ErrorOf(j).find("'model'"), std::string::npos);
  j = ok;
  j["model"] = "bad model";
  EXPECT_NE(ErrorOf(j).find("model name"), std::string::npos);
  EXPECT_NE(ErrorOf(json::array()).find("object"), std::string::npos);
}

TEST(InferenceOptionsTest, ValidatesEachOption) {
  auto error_of = [](json o) {
    auto r = InferenceOptions::FromJson(o);
    return r.ok() ? std::string() : r.error().message();
  };
  EXPECT_EQ(error_of({{"temperature", 0.7}, {"num_predict", 500}, {"seed", 3}, {"stop", {"\n"}}}),
            "");
  EXPECT_NE(error_of({{"temperature", 3}}).find("temperature"), std::string::npos);
  EXPECT_NE(error_of({{"top_p", 0}}).find("top_p"), std::string::npos);
  EXPECT_NE(error_of({{"num_predict", 0}}).find("num_predict"), std::string::npos);
  EXPECT_NE(error_of({{"num_predict", 1.5}}).find("num_predict"), std::string::npos);
  EXPECT_NE(error_of({{"seed", "x"}}).find("seed"), std::string::npos);
  EXPECT_NE(error_of({{"stop", {"a", "b", "c", "d", "e", "f", "g", "h", "i"}}}).find("stop"),
            std::string::npos);
  EXPECT_NE(error_of({{"mirostat", 1}}).find("unknown option 'mirostat'"), std::string::npos);
  auto o = InferenceOptions::FromJson({{"temperature", 0.7}, {"top_k", 40}});
  EXPECT_EQ(InferenceOptions::FromJson(o->ToJson()).value(), o.value());
}

TEST(AssignRequestTest, RoundTrip) {
  AssignRequest a;
  a.job_id = "job_123456";
  a.job_data.model = "llama3.2:latest";
  a.job_data.prompt = "What is machine learning?";
  a.job_data.options.temperature = 0.7;
  a.reward = core::Amount::FromMicro(100'000'000);
  a.price = Price{core::Amount::FromMicro(20'000), core::Amount()};
  a.deadline_ms = 1'700'000'060'000;
  json j = a.ToJson();
  EXPECT_EQ(j["reward"], "100aitbc");
  auto back = AssignRequest::FromJson(j);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->job_data, a.job_data);
  EXPECT_EQ(back->price, a.price);
  EXPECT_EQ(back->deadline_ms, a.deadline_ms);
  j["job_id"] = "bad/id";
  EXPECT_FALSE(AssignRequest::FromJson(j).ok());
}

TEST(CompleteRequestTest, RoundTripAndErrors) {
  auto miner = testing::KeyFromByte(4);
  CompleteRequest c;
  c.job_id = "job_1";
  c.result = "Machine learning is ...";
  c.metrics = Metrics{12'500, 15, 150, uint16_t{8'500}};
  c.proof.hash = ResultHash(c.result);
  c.proof.public_key = miner.public_key();
  c.proof.signature = miner.Sign(core::AsBytes("x"));
  json j = c.ToJson();
  EXPECT_DOUBLE_EQ(j["metrics"]["compute_time"].get<double>(), 12.5);
  EXPECT_DOUBLE_EQ(j["metrics"]["gpu_utilization"].get<double>(), 0.85);
  auto back = CompleteRequest::FromJson(j);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->metrics, c.metrics);
  EXPECT_EQ(back->proof.signature, c.proof.signature);

  json bad = j;
  bad["proof"]["signature"] = "abcd";
  EXPECT_FALSE(CompleteRequest::FromJson(bad).ok());
  bad = j;
  bad.erase("metrics");
  EXPECT_FALSE(CompleteRequest::FromJson(bad).ok());
  bad = j;
  bad["result"] = std::string(kMaxResultBytes + 1, 'a');
  EXPECT_FALSE(CompleteRequest::FromJson(bad).ok());
}

TEST(ReportsTest, StatusFailRegistrationHeartbeat) {
  EXPECT_TRUE(StatusReport::FromJson({{"status", "running"}}).ok());
  EXPECT_FALSE(StatusReport::FromJson({{"status", "completed"}}).ok());
  EXPECT_EQ(FailReport::FromJson({{"reason", "x"}})->code, "backend_error");
  EXPECT_FALSE(FailReport::FromJson({{"reason", "x"}, {"code", "weird"}}).ok());
  EXPECT_FALSE(FailReport::FromJson({{"code", "timeout"}}).ok());

  MinerRegistration m;
  m.url = "http://127.0.0.1:8005";
  m.public_key = testing::KeyFromByte(4).public_key();
  m.models = {"llama3.2:latest"};
  m.slots = 2;
  m.price = Price{core::Amount::FromMicro(20'000), core::Amount()};
  m.backend = "sim";
  auto back = MinerRegistration::FromJson(m.ToJson());
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->models, m.models);
  json bad = m.ToJson();
  bad["slots"] = 0;
  EXPECT_FALSE(MinerRegistration::FromJson(bad).ok());
  bad = m.ToJson();
  bad["backend"] = "magic";
  EXPECT_FALSE(MinerRegistration::FromJson(bad).ok());

  MinerHeartbeat h{1, {"job_1"}, true, {"m"}};
  EXPECT_EQ(MinerHeartbeat::FromJson(h.ToJson())->running_jobs, h.running_jobs);
  EXPECT_FALSE(MinerHeartbeat::FromJson({{"free_slots", -1}}).ok());
}

}  // namespace
}  // namespace aitbc::protocol
