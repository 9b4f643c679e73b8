#include "cli/output.h"

#include <gtest/gtest.h>

namespace aitbc::cli {
namespace {

TEST(FormatDuration, OneDecimalUnderTenSeconds) {
  EXPECT_EQ(FormatDuration(0), "0.0 seconds");
  EXPECT_EQ(FormatDuration(2549), "2.5 seconds");
  EXPECT_EQ(FormatDuration(9999), "9.9 seconds");
  EXPECT_EQ(FormatDuration(10000), "10 seconds");
  EXPECT_EQ(FormatDuration(17000), "17 seconds");
  EXPECT_EQ(FormatDuration(17499), "17 seconds");
  EXPECT_EQ(FormatDuration(17500), "18 seconds");
  EXPECT_EQ(FormatDuration(-5), "0.0 seconds");
}

TEST(FormatWholeSeconds, NoInventedDecimals) {
  EXPECT_EQ(FormatWholeSeconds(0), "less than 1 second");
  EXPECT_EQ(FormatWholeSeconds(1000), "1 second");
  EXPECT_EQ(FormatWholeSeconds(4000), "4 seconds");
}

TEST(FormatJobSummary, WholeSecondTimestampsGiveWholeSeconds) {
  client::JobView job;
  job.job_id = "job_1";
  job.status = "completed";
  job.submitted_at_ms = 1000;
  job.completed_at_ms = 4000;
  EXPECT_NE(FormatJobSummary(job).find("Completed in: 3 seconds\n"), std::string::npos);
  job.completed_at_ms = 1000;
  EXPECT_NE(FormatJobSummary(job).find("Completed in: less than 1 second\n"), std::string::npos);
  job.completed_at_ms = 3500;  // sub-second precision: one decimal under 10 s
  EXPECT_NE(FormatJobSummary(job).find("Completed in: 2.5 seconds\n"), std::string::npos);
  job.status = "failed";
  job.completed_at_ms.reset();
  job.ended_at_ms = 6000;
  EXPECT_NE(FormatJobSummary(job).find("Ended after: 5 seconds\n"), std::string::npos);
}

TEST(FormatSeconds, ForProgressLines) {
  EXPECT_EQ(FormatSeconds(2100), "2.1 s");
  EXPECT_EQ(FormatSeconds(400), "0.4 s");
  EXPECT_EQ(FormatSeconds(61234), "61.2 s");
}

client::JobView CompletedJob() {
  client::JobView job;
  job.job_id = "job_123456";
  job.status = "completed";
  job.result = "Machine learning is ...";
  job.receipt_id = "rcpt_789";
  job.submitted_at_ms = 1000;
  job.completed_at_ms = 18000;
  job.cost = core::Amount::FromMicro(250000);
  job.settlement.status = "committed";
  job.settlement.block_height = 14;
  return job;
}

TEST(FormatJobSummary, TheSeedsFinalOutput) {
  EXPECT_EQ(FormatJobSummary(CompletedJob()),
            "Job ID: job_123456\n"
            "Status: completed\n"
            "Result: Machine learning is ...\n"
            "Receipt: rcpt_789\n"
            "Completed in: 17 seconds\n"
            "Cost: 0.25 AITBC\n");
}

TEST(FormatJobSummary, NetworkFeeIsShownNextToTheCost) {
  client::JobView job = CompletedJob();
  job.escrow.fee = core::Amount::FromMicro(10000);
  EXPECT_NE(FormatJobSummary(job).find("Cost: 0.25 AITBC (+ 0.01 AITBC network fee)\n"),
            std::string::npos);
  job.escrow.fee = core::Amount();  // a chain without fees: the seed's line exactly
  EXPECT_NE(FormatJobSummary(job).find("Cost: 0.25 AITBC\n"), std::string::npos);
}

TEST(FormatJobSummary, MeasuredDurationAndPendingSettlement) {
  client::JobView job = CompletedJob();
  job.settlement.status = "signed";
  job.settlement.block_height = 0;
  std::string out = FormatJobSummary(job, 2345);
  EXPECT_NE(out.find("Receipt: rcpt_789 (settlement pending)\n"), std::string::npos);
  EXPECT_NE(out.find("Completed in: 2.3 seconds\n"), std::string::npos);
}

TEST(FormatJobSummary, FailedJobShowsTheErrorAndNoCharge) {
  client::JobView job;
  job.job_id = "job_9";
  job.status = "failed";
  job.error = "no miner serves model nope:latest";
  EXPECT_EQ(FormatJobSummary(job),
            "Job ID: job_9\n"
            "Status: failed\n"
            "Error: no miner serves model nope:latest\n"
            "Cost: 0 AITBC\n");
}

TEST(FormatJobSummary, PendingJobHasOnlyIdAndStatus) {
  client::JobView job;
  job.job_id = "job_9";
  job.status = "pending";
  job.submitted_at_ms = 5;
  EXPECT_EQ(FormatJobSummary(job), "Job ID: job_9\nStatus: pending\n");
}

TEST(FormatJobSummary, ControlCharactersFromTheNetworkAreNeutralised) {
  client::JobView job = CompletedJob();
  job.result = "line1\nline2\x1b[2J\r";
  std::string out = FormatJobSummary(job);
  EXPECT_NE(out.find("Result: line1\nline2?[2J?\n"), std::string::npos);
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
}

TEST(FormatProgress, Line) {
  EXPECT_EQ(FormatProgress("job_1", "pending", 2100), "Waiting for job_1: pending (2.1 s)");
}

TEST(FormatRetryNotice, Line) {
  EXPECT_EQ(FormatRetryNotice(2, 4, core::Error::Unavailable("connection refused by x"), 400),
            "retrying in 0.4 s (attempt 2 of 4): connection refused by x");
}

CallContext Coordinator(std::string action = "job") {
  CallContext c;
  c.url = "http://127.0.0.1:8000";
  c.action = std::move(action);
  return c;
}

client::CallInfo Status(int status, int attempts = 1, int64_t retry_after_ms = 0) {
  client::CallInfo call;
  call.http_status = status;
  call.attempts = attempts;
  call.retry_after_ms = retry_after_ms;
  return call;
}

TEST(DescribeError, TheSeedsErrorPaths) {
  auto r =
      DescribeError(core::Error::InvalidArgument("prompt is empty"), Status(400), Coordinator());
  EXPECT_EQ(r.sentence, "the coordinator rejected the job: prompt is empty (400)");
  EXPECT_EQ(r.exit_code, kExitRejected);

  r = DescribeError(core::Error::InsufficientFunds("balance 0.1 AITBC is below 1 AITBC"),
                    Status(402), Coordinator());
  EXPECT_EQ(r.sentence, "insufficient funds: balance 0.1 AITBC is below 1 AITBC (402)");
  EXPECT_EQ(r.exit_code, kExitRejected);

  r = DescribeError(core::Error::ResourceExhausted("too many requests"), Status(429, 1, 2100),
                    Coordinator());
  EXPECT_EQ(r.sentence, "rate limited, retry in 3 s (429)");
  EXPECT_EQ(r.exit_code, kExitRejected);

  r = DescribeError(core::Error::Unavailable("connection refused by 127.0.0.1:8000"), Status(0, 4),
                    Coordinator());
  EXPECT_EQ(r.sentence,
            "cannot reach the coordinator at http://127.0.0.1:8000 after 3 retries: connection "
            "refused by 127.0.0.1:8000");
  EXPECT_EQ(r.exit_code, kExitUnreachable);
}

TEST(DescribeError, OtherStatuses) {
  EXPECT_NE(
      DescribeError(core::Error::Unauthenticated("invalid API key"), Status(401), Coordinator())
          .sentence.find("CLIENT_API_KEY"),
      std::string::npos);
  EXPECT_EQ(DescribeError(core::Error::PermissionDenied("admin only"), Status(403), Coordinator())
                .sentence,
            "permission denied: admin only (403)");
  EXPECT_EQ(
      DescribeError(core::Error::NotFound("no job job_x"), Status(404), Coordinator()).sentence,
      "not found: no job job_x (404)");
  EXPECT_EQ(DescribeError(core::Error::FailedPrecondition("job is completed"), Status(409),
                          Coordinator("cancellation"))
                .sentence,
            "conflict: job is completed (409)");
  EXPECT_EQ(DescribeError(core::Error::PayloadTooLarge("body too big"), Status(413), Coordinator())
                .sentence,
            "the job is too large: body too big (413)");
  auto r = DescribeError(core::Error::Unavailable("node down"), Status(503, 4), Coordinator());
  EXPECT_EQ(r.sentence, "the coordinator is unavailable: node down (503)");
  EXPECT_EQ(r.exit_code, kExitUnreachable);
  r = DescribeError(core::Error::Internal("bug"), Status(500), Coordinator());
  EXPECT_EQ(r.exit_code, kExitUnreachable);
}

TEST(DescribeError, OneRetryAndNoRetry) {
  EXPECT_EQ(DescribeError(core::Error::Timeout("timed out"), Status(0, 2), Coordinator()).sentence,
            "cannot reach the coordinator at http://127.0.0.1:8000 after 1 retry: timed out");
  EXPECT_EQ(DescribeError(core::Error::Timeout("timed out"), Status(0, 1), Coordinator()).sentence,
            "cannot reach the coordinator at http://127.0.0.1:8000: timed out");
}

TEST(DescribeError, NodeErrorsNameTheirCode) {
  CallContext node;
  node.service = "node";
  node.url = "http://127.0.0.1:8006";
  node.action = "transfer";
  node.rpc = true;
  auto r = DescribeError(core::Error::InsufficientFunds("balance too low"), Status(402), node);
  EXPECT_EQ(r.sentence, "insufficient funds: balance too low (insufficient_funds)");
  r = DescribeError(core::Error::InvalidArgument("bad nonce"), Status(400), node);
  EXPECT_EQ(r.sentence, "the node rejected the transfer: bad nonce (invalid_argument)");
  r = DescribeError(core::Error::Unavailable("connection refused"), Status(0, 4), node);
  EXPECT_EQ(r.exit_code, kExitUnreachable);
  EXPECT_EQ(r.sentence.rfind("cannot reach the node at http://127.0.0.1:8006", 0), 0u);
}

TEST(DescribeError, LocalErrors) {
  auto r = DescribeError(core::Error::InvalidArgument("invalid coordinator URL"), Status(0, 0),
                         Coordinator());
  EXPECT_EQ(r.sentence, "invalid coordinator URL");
  EXPECT_EQ(r.exit_code, kExitUsage);
  r = DescribeError(core::Error::Corruption("malformed job"), Status(0, 1), Coordinator());
  EXPECT_EQ(r.exit_code, kExitUnreachable);
}

TEST(FormatTable, PadsColumns) {
  EXPECT_EQ(FormatTable({"A", "LONG"}, {{"xyz", "1"}, {"q", "22"}}),
            "A    LONG\n"
            "xyz  1\n"
            "q    22\n");
}

}  // namespace
}  // namespace aitbc::cli
