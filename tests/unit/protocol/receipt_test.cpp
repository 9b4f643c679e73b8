#include "protocol/receipt.h"

#include <gtest/gtest.h>

#include "protocol/json_codec.h"
#include "test_keys.h"

namespace aitbc::protocol {
namespace {

using core::Amount;

TEST(CostTest, SeedExample) {
  // 12.5 seconds at 0.02 AITBC/s = 0.25 AITBC.
  Metrics m{.compute_ms = 12'500, .completion_tokens = 150};
  Price p{Amount::FromMicro(20'000), Amount()};
  EXPECT_EQ(Cost(m, p)->micro(), 250'000u);
}

TEST(CostTest, AddsTokenPriceAndRoundsDown) {
  Metrics m{.compute_ms = 1'001, .completion_tokens = 1'500};
  Price p{Amount::FromMicro(1'000), Amount::FromMicro(3)};
  // 1001 * 1000 / 1000 = 1001; 1500 * 3 / 1000 = 4.5 -> 4.
  EXPECT_EQ(Cost(m, p)->micro(), 1'005u);
}

TEST(CostTest, OverflowIsAnError) {
  Metrics m{.compute_ms = UINT64_MAX, .completion_tokens = 0};
  Price p{Amount::FromMicro(UINT64_MAX), Amount()};
  EXPECT_FALSE(Cost(m, p).ok());
}

TEST(CostTest, PaymentIsCappedByEscrow) {
  Metrics m{.compute_ms = 100'000};
  Price p{Amount::FromMicro(20'000), Amount()};
  EXPECT_EQ(Payment(m, p, Amount::FromMicro(500'000))->micro(), 500'000u);
  EXPECT_EQ(Payment(m, p, Amount::FromMicro(5'000'000))->micro(), 2'000'000u);
}

TEST(ProofTest, SignAndVerify) {
  auto miner = testing::KeyFromByte(7);
  Proof proof{"job_1", ResultHash("hello"), Metrics{.compute_ms = 5, .completion_tokens = 2},
              Price{Amount::FromMicro(20'000), Amount()}};
  core::Signature sig = proof.Sign(miner);
  EXPECT_TRUE(proof.Verify(miner.public_key(), sig));
  Proof changed = proof;
  changed.metrics.compute_ms = 6;
  EXPECT_FALSE(changed.Verify(miner.public_key(), sig));
  changed = proof;
  changed.price.per_second = Amount::FromMicro(20'001);
  EXPECT_FALSE(changed.Verify(miner.public_key(), sig));
  EXPECT_FALSE(proof.Verify(testing::KeyFromByte(8).public_key(), sig));
}

TEST(ReceiptTest, IdIsDeterministicPerJob) {
  EXPECT_EQ(ReceiptIdFor("job_1"), ReceiptIdFor("job_1"));
  EXPECT_NE(ReceiptIdFor("job_1"), ReceiptIdFor("job_2"));
  EXPECT_EQ(ReceiptIdFor("job_1").size(), 5u + 32u);
  EXPECT_EQ(ReceiptIdFor("job_1").rfind("rcpt_", 0), 0u);
}

TEST(ReceiptTest, EncodingAndJsonRoundTrip) {
  Receipt r;
  r.receipt_id = ReceiptIdFor("job_1");
  r.job_id = "job_1";
  r.client = core::Address::FromPublicKey(testing::KeyFromByte(1).public_key());
  r.miner = core::Address::FromPublicKey(testing::KeyFromByte(2).public_key());
  r.amount_paid = Amount::FromMicro(250'000);
  r.result_hash = ResultHash("result");
  r.completed_at_ms = 1'738'162'218'000;
  r.metrics = Metrics{12'500, 15, 150, uint16_t{8'500}};
  r.price = Price{Amount::FromMicro(20'000), Amount::FromMicro(1)};

  core::Writer w;
  r.EncodeTo(w);
  core::Reader reader(w.bytes());
  auto decoded = Receipt::DecodeFrom(reader);
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  EXPECT_EQ(*decoded, r);
  EXPECT_TRUE(reader.ExpectEnd().ok());

  nlohmann::json j = ReceiptToJson(r);
  EXPECT_EQ(j["amount_paid"], "0.25aitbc");
  EXPECT_EQ(j["timestamp"], "2025-01-29T14:50:18Z");
  EXPECT_DOUBLE_EQ(j["metrics"]["compute_time"].get<double>(), 12.5);
  auto back = ReceiptFromJson(j);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, r);
}

TEST(ReceiptTest, MetricsRejectGpuAbove100Percent) {
  core::Writer w;
  Metrics{1, 2, 3, uint16_t{10'001}}.EncodeTo(w);
  core::Reader r(w.bytes());
  EXPECT_FALSE(Metrics::DecodeFrom(r).ok());
  EXPECT_FALSE(
      MetricsFromJson({{"compute_ms", 1}, {"tokens_generated", 1}, {"gpu_utilization", 1.5}}).ok());
}

TEST(JobIdTest, Validation) {
  EXPECT_TRUE(ValidateJobId("job_123456").ok());
  EXPECT_TRUE(ValidateJobId("A-z_0").ok());
  EXPECT_FALSE(ValidateJobId("").ok());
  EXPECT_FALSE(ValidateJobId(std::string(65, 'a')).ok());
  EXPECT_FALSE(ValidateJobId("job 1").ok());
  EXPECT_FALSE(ValidateJobId("job/1").ok());
}

TEST(AmountJsonTest, AcceptedAndRejectedForms) {
  EXPECT_EQ(AmountFromJson("0.25aitbc", "x")->micro(), 250'000u);
  EXPECT_EQ(AmountFromJson("250000uaitbc", "x")->micro(), 250'000u);
  EXPECT_EQ(AmountFromJson(250000, "x")->micro(), 250'000u);
  EXPECT_EQ(AmountToJson(Amount::FromMicro(250'000)), "0.25aitbc");
  EXPECT_EQ(AmountToJson(Amount::FromMicro(100'000'000)), "100aitbc");
  EXPECT_FALSE(AmountFromJson(-5, "x").ok());
  EXPECT_FALSE(AmountFromJson(0.5, "x").ok());
  EXPECT_FALSE(AmountFromJson("lots", "x").ok());
  EXPECT_NE(AmountFromJson(true, "max_price").error().message().find("max_price"),
            std::string::npos);
}

}  // namespace
}  // namespace aitbc::protocol
