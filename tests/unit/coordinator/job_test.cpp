#include "coordinator/job.h"

#include <gtest/gtest.h>

#include "coordinator/job_view.h"
#include "test_util.h"

namespace aitbc::coordinator {
namespace {

TEST(JobRecordTest, EncodeDecodeRoundTripsEveryField) {
  Job job = testing::SampleJob("job_1", 7);
  job.spec.system = "be brief";
  job.spec.options.stop = {"\n\n"};
  job.spec.options.seed = -3;
  job.failed_miners = {"miner_x", "miner_y"};
  job.idempotency_key = "order-1";
  testing::CompleteJob(job);
  job.metrics.gpu_utilization_bp = 8'500;
  job.closing.status = TxStatus::kCommitted;
  job.closing.height = 99;
  job.closed_by = Closing::kSettle;
  job.error = "an earlier attempt failed";
  auto decoded = Job::Decode(job.Encode());
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  EXPECT_EQ(*decoded, job);
  Job empty;
  empty.job_id = "j";
  EXPECT_EQ(Job::Decode(empty.Encode()).value(), empty);
}

TEST(JobRecordTest, DecodeRejectsDamage) {
  core::Bytes bytes = testing::SampleJob("job_1", 7).Encode();
  core::Bytes truncated(bytes.begin(), bytes.end() - 1);
  EXPECT_EQ(Job::Decode(truncated).error().code(), core::ErrorCode::kCorruption);
  core::Bytes trailing = bytes;
  trailing.push_back(0);
  EXPECT_EQ(Job::Decode(trailing).error().code(), core::ErrorCode::kCorruption);
  core::Bytes version = bytes;
  version[0] = 2;
  auto bad = Job::Decode(version);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("unsupported job record version 2"), std::string::npos);
  EXPECT_FALSE(Job::Decode({}).ok());
}

TEST(JobRecordTest, FinishedMeansTerminalWithTheEscrowClosedOrNeverMade) {
  Job job = testing::SampleJob("job_1", 1);
  EXPECT_FALSE(job.Finished());
  testing::CompleteJob(job);
  EXPECT_FALSE(job.Finished());  // settle signed, not committed
  job.closing.status = TxStatus::kCommitted;
  EXPECT_TRUE(job.Finished());
  Job rejected = testing::SampleJob("job_2", 2);
  rejected.state = JobState::kFailed;
  rejected.escrow.status = TxStatus::kRejected;
  EXPECT_TRUE(rejected.Finished());
}

TEST(JobViewTest, AnswersCarryTheSeedsFields) {
  Job job = testing::SampleJob("job_1", 1);
  nlohmann::json submitted = SubmissionJson(job);
  EXPECT_EQ(submitted["job_id"], "job_1");
  EXPECT_EQ(submitted["status"], "pending");
  EXPECT_EQ(submitted["submitted_at"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(submitted["escrow"]["amount"], "1aitbc");
  nlohmann::json pending = JobJson(job);
  EXPECT_TRUE(pending["receipt_id"].is_null());
  EXPECT_TRUE(pending["settlement"].is_null());
  EXPECT_TRUE(pending["completed_at"].is_null());
  EXPECT_EQ(pending["escrow"]["status"], "pending");

  testing::CompleteJob(job);
  job.closing.status = TxStatus::kCommitted;
  job.closing.height = 42;
  job.closed_by = Closing::kSettle;
  nlohmann::json done = JobJson(job);
  EXPECT_EQ(done["status"], "completed");
  EXPECT_EQ(done["result"], job.result);
  EXPECT_EQ(done["receipt_id"], protocol::ReceiptIdFor("job_1"));
  EXPECT_EQ(done["cost"], "0.25aitbc");
  EXPECT_EQ(done["settlement"]["status"], "committed");
  EXPECT_EQ(done["settlement"]["block_height"], 42);
  EXPECT_FALSE(JobJson(job, false).contains("result"));

  core::Address coordinator = testing::AddressOf(testing::KeyFromByte(2));
  nlohmann::json receipt = ReceiptJson(job, coordinator);
  for (const char* field : {"receipt_id", "job_id", "client", "miner", "amount_paid", "result_hash",
                            "block_height", "timestamp"}) {
    EXPECT_TRUE(receipt.contains(field)) << field;
  }
  EXPECT_EQ(receipt["amount_paid"], "0.25aitbc");
  EXPECT_EQ(receipt["block_height"], 42);
  EXPECT_EQ(receipt["status"], "committed");
  EXPECT_EQ(receipt["coordinator"], coordinator.ToString());

  Job failed = testing::SampleJob("job_2", 2);
  failed.state = JobState::kFailed;
  failed.error = "no miner accepted the job within 60 s";
  nlohmann::json f = JobJson(failed);
  EXPECT_EQ(f["error"], failed.error);
  EXPECT_EQ(f["cost"], "0aitbc");
}

}  // namespace
}  // namespace aitbc::coordinator
