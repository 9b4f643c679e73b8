#include "client/api_types.h"

#include <gtest/gtest.h>

#include "protocol/json_codec.h"

namespace aitbc::client {
namespace {

TEST(ParseRfc3339, SecondsAndFractions) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z").value(), 0);
  EXPECT_EQ(ParseRfc3339("2025-01-29T14:50:01Z").value(), 1738162201000);
  EXPECT_EQ(ParseRfc3339("2025-01-29T14:50:01.25Z").value(), 1738162201250);
  EXPECT_EQ(ParseRfc3339("2025-01-29T14:50:01.123456Z").value(), 1738162201123);
  EXPECT_EQ(ParseRfc3339("2025-01-29T15:50:01+01:00").value(), 1738162201000);
  EXPECT_EQ(ParseRfc3339("2000-02-29T00:00:00Z").value(), 951782400000);
}

TEST(ParseRfc3339, RejectsMalformed) {
  for (const char* bad : {"", "2025-01-29", "2025-01-29T14:50:01", "2025-13-01T00:00:00Z",
                          "2025-01-29T24:00:00Z", "2025-01-29T14:50:01.Z", "2025-01-29T14:50:01Zx",
                          "2025/01/29T14:50:01Z", "2025-01-29T14:50:01+0100"}) {
    auto r = ParseRfc3339(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), core::ErrorCode::kInvalidArgument);
  }
}

nlohmann::json FullJob() {
  return {
      {"job_id", "job_123456"},
      {"status", "completed"},
      {"result", "Machine learning is ..."},
      {"receipt_id", "rcpt_abc"},
      {"submitted_at", "2025-01-29T14:50:01Z"},
      {"assigned_at", "2025-01-29T14:50:02Z"},
      {"started_at", "2025-01-29T14:50:05Z"},
      {"completed_at", "2025-01-29T14:50:18Z"},
      {"model", "llama3.2:latest"},
      {"miner", "aitbc1y8lrrhap2j3xzcntlp2qgm7jyudhhm2t0k4yv9"},
      {"cost", "0.25aitbc"},
      {"error", nullptr},
      {"attempts", 1},
      {"escrow",
       {{"status", "committed"}, {"amount", "1aitbc"}, {"fee", "0.01aitbc"}, {"block_height", 12}}},
      {"settlement", {{"status", "committed"}, {"tx_hash", "ab"}, {"block_height", 14}}}};
}

TEST(JobViewFromJson, ParsesEveryField) {
  auto job = JobViewFromJson(FullJob());
  ASSERT_TRUE(job.ok()) << job.error().ToString();
  EXPECT_EQ(job->job_id, "job_123456");
  EXPECT_EQ(job->status, "completed");
  EXPECT_TRUE(job->terminal());
  EXPECT_EQ(job->result, "Machine learning is ...");
  EXPECT_EQ(job->receipt_id, "rcpt_abc");
  EXPECT_EQ(job->DurationMs().value(), 17000);
  EXPECT_EQ(job->model, "llama3.2:latest");
  EXPECT_EQ(job->cost.value(), core::Amount::FromMicro(250000));
  EXPECT_TRUE(job->error.empty());
  EXPECT_EQ(job->attempts, 1u);
  EXPECT_EQ(job->escrow.status, "committed");
  EXPECT_EQ(job->escrow.amount.value(), core::Amount::FromMicro(1000000));
  EXPECT_EQ(job->escrow.fee.value(), core::Amount::FromMicro(10000));
  EXPECT_EQ(job->escrow.block_height, 12u);
  EXPECT_TRUE(job->settlement.committed());
  EXPECT_EQ(job->settlement.block_height, 14u);
  EXPECT_EQ(job->raw, FullJob());
}

TEST(JobViewFromJson, SubmissionAnswerHasFewFields) {
  auto job = JobViewFromJson(
      {{"job_id", "job_1"}, {"status", "pending"}, {"submitted_at", "2025-01-29T14:50:01Z"}});
  ASSERT_TRUE(job.ok());
  EXPECT_FALSE(job->terminal());
  EXPECT_FALSE(job->DurationMs().has_value());
  EXPECT_FALSE(job->cost.has_value());
  EXPECT_FALSE(job->settlement.committed());
}

TEST(JobViewFromJson, ErrorObjectForm) {
  auto job = JobViewFromJson({{"job_id", "job_1"},
                              {"status", "failed"},
                              {"error", {{"code", "timeout"}, {"message", "no miner"}}}});
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->error, "no miner");
}

TEST(JobViewFromJson, MalformedFieldsAreNamed) {
  struct Case {
    const char* field;
    nlohmann::json value;
  };
  for (const Case& c : {Case{"job_id", 5}, Case{"status", nullptr}, Case{"cost", "-1"},
                        Case{"submitted_at", "yesterday"}, Case{"attempts", -2},
                        Case{"escrow", "open"}, Case{"settlement", 3}, Case{"result", 1}}) {
    nlohmann::json json = FullJob();
    json[c.field] = c.value;
    auto job = JobViewFromJson(json);
    ASSERT_FALSE(job.ok()) << c.field;
    EXPECT_EQ(job.error().code(), core::ErrorCode::kCorruption);
    EXPECT_NE(job.error().message().find(c.field), std::string::npos) << job.error().message();
  }
  EXPECT_FALSE(JobViewFromJson(nlohmann::json::array()).ok());
}

TEST(JobPageFromJson, ParsesJobsAndCursor) {
  nlohmann::json json = {{"jobs", {FullJob(), {{"job_id", "job_2"}, {"status", "pending"}}}},
                         {"next_cursor", "c2"}};
  auto page = JobPageFromJson(json);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->jobs.size(), 2u);
  EXPECT_EQ(page->jobs[1].job_id, "job_2");
  EXPECT_EQ(page->next_cursor, "c2");
  EXPECT_FALSE(JobPageFromJson({{"jobs", "x"}}).ok());
  EXPECT_FALSE(JobPageFromJson({{"jobs", {{{"status", "pending"}}}}}).ok());
}

protocol::Receipt SampleReceipt() {
  protocol::Receipt r;
  r.job_id = "job_1";
  r.receipt_id = protocol::ReceiptIdFor("job_1");
  r.client = core::Address::Parse("aitbc1y8lrrhap2j3xzcntlp2qgm7jyudhhm2t0k4yv9").value();
  r.miner = r.client;
  r.amount_paid = core::Amount::FromMicro(250000);
  r.result_hash = protocol::ResultHash("hello");
  r.completed_at_ms = 1738162218123;
  r.metrics.compute_ms = 12500;
  r.metrics.completion_tokens = 150;
  r.price.per_second = core::Amount::FromMicro(20000);
  return r;
}

TEST(ReceiptViewFromJson, ParsesReceiptAndChainFields) {
  nlohmann::json json = protocol::ReceiptToJson(SampleReceipt());
  json["block_height"] = 14;
  json["settle_tx"] = std::string(64, 'a');
  json["coordinator"] = "aitbc1y8lrrhap2j3xzcntlp2qgm7jyudhhm2t0k4yv9";
  json["miner_key"] = std::string(64, '1');
  json["miner_signature"] = std::string(128, '2');
  json["status"] = "committed";
  auto view = ReceiptViewFromJson(json);
  ASSERT_TRUE(view.ok()) << view.error().ToString();
  EXPECT_EQ(view->receipt, SampleReceipt());
  EXPECT_EQ(view->block_height, 14u);
  EXPECT_EQ(view->settle_tx, std::string(64, 'a'));
  EXPECT_TRUE(view->miner_key.has_value());
  EXPECT_TRUE(view->miner_signature.has_value());
  EXPECT_EQ(view->status, "committed");
}

TEST(ReceiptViewFromJson, TimestampStandsInForMilliseconds) {
  nlohmann::json json = protocol::ReceiptToJson(SampleReceipt());
  json.erase("completed_at_ms");
  auto view = ReceiptViewFromJson(json);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->receipt.completed_at_ms, 1738162218000u);
}

TEST(ReceiptViewFromJson, RejectsMalformed) {
  nlohmann::json json = protocol::ReceiptToJson(SampleReceipt());
  json["miner_key"] = "zz";
  EXPECT_EQ(ReceiptViewFromJson(json).error().code(), core::ErrorCode::kCorruption);
  json = protocol::ReceiptToJson(SampleReceipt());
  json["miner_signature"] = "00";
  EXPECT_FALSE(ReceiptViewFromJson(json).ok());
  json = protocol::ReceiptToJson(SampleReceipt());
  json.erase("miner");
  EXPECT_FALSE(ReceiptViewFromJson(json).ok());
  json = protocol::ReceiptToJson(SampleReceipt());
  json["block_height"] = "x";
  EXPECT_FALSE(ReceiptViewFromJson(json).ok());
}

TEST(MinersFromJson, ArrayOrObject) {
  nlohmann::json miner = {{"miner_id", "m1"},
                          {"address", "aitbc1..."},
                          {"models", {"llama3.2:latest"}},
                          {"price", {{"per_second", "0.02aitbc"}}},
                          {"slots", 2},
                          {"free_slots", 1},
                          {"stake", "100aitbc"}};
  auto a = MinersFromJson(nlohmann::json::array({miner}));
  auto b = MinersFromJson({{"miners", {miner}}});
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0].miner_id, "m1");
  EXPECT_EQ((*a)[0].models, std::vector<std::string>{"llama3.2:latest"});
  EXPECT_EQ((*a)[0].price->per_second, core::Amount::FromMicro(20000));
  EXPECT_EQ((*a)[0].slots, 2u);
  EXPECT_EQ((*a)[0].stake.value(), core::Amount::FromMicro(100000000));
  EXPECT_FALSE(MinersFromJson("x").ok());
  EXPECT_FALSE(MinersFromJson(nlohmann::json::array({{{"models", "m"}}})).ok());
  EXPECT_FALSE(MinersFromJson(nlohmann::json::array({{{"price", 3}}})).ok());
}

TEST(SubmitRequest, Json) {
  SubmitRequest r;
  r.spec.model = "llama3.2:latest";
  r.spec.prompt = "What is machine learning?";
  EXPECT_FALSE(r.ToJson().contains("max_price"));
  r.max_price = core::Amount::FromMicro(1500000);
  nlohmann::json json = r.ToJson();
  EXPECT_EQ(json["type"], "inference");
  EXPECT_EQ(json["prompt"], "What is machine learning?");
  EXPECT_EQ(json["max_price"], "1.5aitbc");
}

}  // namespace
}  // namespace aitbc::client
