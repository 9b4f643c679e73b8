#include "coordinator/settlement.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace aitbc::coordinator {
namespace {

using testing::AddressOf;
using testing::KeyFromByte;

constexpr int64_t kAssignedMs = 1'700'000'000'000;

core::Amount Micro(uint64_t v) { return core::Amount::FromMicro(v); }

// A job assigned to the miner with key byte 9 at 0.02 AITBC/s, escrow 1 AITBC.
Job AssignedJob() {
  Job job = testing::SampleJob("job_1", 1);
  core::PrivateKey miner = KeyFromByte(9);
  job.state = JobState::kRunning;
  job.miner_id = "miner_a";
  job.miner_key = miner.public_key();
  job.miner_address = AddressOf(miner);
  job.price.per_second = Micro(20'000);
  job.assigned_ms = kAssignedMs;
  return job;
}

// The completion a miner sends, signed with `signer` over `price`.
protocol::CompleteRequest Completion(const Job& job, uint64_t compute_ms,
                                     const core::PrivateKey& signer, const protocol::Price& price,
                                     std::string result = "Machine learning is ...") {
  protocol::CompleteRequest c;
  c.job_id = job.job_id;
  c.result = std::move(result);
  c.metrics.compute_ms = compute_ms;
  c.metrics.completion_tokens = 150;
  c.proof.hash = protocol::ResultHash(c.result);
  c.proof.public_key = signer.public_key();
  c.proof.signature = protocol::Proof{job.job_id, c.proof.hash, c.metrics, price}.Sign(signer);
  return c;
}

TEST(PaymentTest, SeedExampleIsAQuarterAitbc) {
  protocol::Metrics m;
  m.compute_ms = 12'500;
  protocol::Price p{Micro(20'000), Micro(0)};
  EXPECT_EQ(protocol::Payment(m, p, Micro(1'000'000)).value(), Micro(250'000));
}

TEST(PaymentTest, NeverAboveTheEscrow) {
  protocol::Metrics m;
  m.compute_ms = 100'000;  // 2 AITBC at 0.02/s
  protocol::Price p{Micro(20'000), Micro(0)};
  EXPECT_EQ(protocol::Payment(m, p, Micro(1'500'000)).value(), Micro(1'500'000));
}

TEST(PaymentTest, TokensAddPerThousand) {
  protocol::Metrics m;
  m.compute_ms = 1'000;
  m.completion_tokens = 1'500;
  protocol::Price p{Micro(20'000), Micro(10'000)};  // 0.01 AITBC per 1k tokens
  EXPECT_EQ(protocol::Payment(m, p, Micro(1'000'000)).value(), Micro(20'000 + 15'000));
}

TEST(CheckCompletionTest, AcceptsAValidProofAndComputesTheReceipt) {
  Job job = AssignedJob();
  auto c = Completion(job, 12'500, KeyFromByte(9), job.price);
  auto receipt = CheckCompletion(job, c, std::nullopt, kAssignedMs + 13'000);
  ASSERT_TRUE(receipt.ok()) << receipt.error().ToString();
  EXPECT_EQ(receipt->receipt_id, protocol::ReceiptIdFor("job_1"));
  EXPECT_EQ(receipt->amount_paid, Micro(250'000));
  EXPECT_EQ(receipt->client, job.client);
  EXPECT_EQ(receipt->miner, job.miner_address);
  EXPECT_EQ(receipt->result_hash, protocol::ResultHash(c.result));
  EXPECT_EQ(receipt->completed_at_ms, static_cast<uint64_t>(kAssignedMs + 13'000));
  EXPECT_EQ(receipt->price, job.price);
  // The chain's own check: the miner's signature verifies over the receipt's proof.
  EXPECT_TRUE(receipt->ToProof().Verify(job.miner_key, c.proof.signature));
}

TEST(CheckCompletionTest, RejectsABadHash) {
  Job job = AssignedJob();
  auto c = Completion(job, 1'000, KeyFromByte(9), job.price);
  c.result = "something else";
  auto r = CheckCompletion(job, c, std::nullopt, kAssignedMs + 5'000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), core::ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find("is not SHA-256 of the result"), std::string::npos);
}

TEST(CheckCompletionTest, RejectsABadSignature) {
  Job job = AssignedJob();
  auto c = Completion(job, 1'000, KeyFromByte(9), job.price);
  c.proof.signature.bytes[0] ^= 1;
  auto r = CheckCompletion(job, c, std::nullopt, kAssignedMs + 5'000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("signature does not verify"), std::string::npos);
}

TEST(CheckCompletionTest, RejectsAnotherMinersKey) {
  Job job = AssignedJob();
  auto c = Completion(job, 1'000, KeyFromByte(10), job.price);
  auto r = CheckCompletion(job, c, std::nullopt, kAssignedMs + 5'000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("not by the key the miner registered"), std::string::npos);
}

TEST(CheckCompletionTest, RejectsInflatedComputeTime) {
  Job job = AssignedJob();
  // 5 s since assignment + 1 s slack: 6,000 ms passes, 6,001 does not.
  auto ok = Completion(job, 6'000, KeyFromByte(9), job.price);
  EXPECT_TRUE(CheckCompletion(job, ok, std::nullopt, kAssignedMs + 5'000).ok());
  auto inflated = Completion(job, 6'001, KeyFromByte(9), job.price);
  auto r = CheckCompletion(job, inflated, std::nullopt, kAssignedMs + 5'000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("exceeds the 5000 ms since the job was assigned"),
            std::string::npos);
}

TEST(CheckCompletionTest, RejectsAChangedPrice) {
  Job job = AssignedJob();
  protocol::Price higher{Micro(40'000), Micro(0)};
  auto c = Completion(job, 1'000, KeyFromByte(9), higher);
  // Named in the request: a clear message.
  auto named = CheckCompletion(job, c, higher, kAssignedMs + 5'000);
  ASSERT_FALSE(named.ok());
  EXPECT_NE(named.error().message().find("price differs"), std::string::npos);
  // Not named: the signature over the assigned price does not verify.
  auto unnamed = CheckCompletion(job, c, std::nullopt, kAssignedMs + 5'000);
  ASSERT_FALSE(unnamed.ok());
  EXPECT_NE(unnamed.error().message().find("signature does not verify"), std::string::npos);
}

TEST(CheckCompletionTest, RejectsAnotherJobsId) {
  Job job = AssignedJob();
  auto c = Completion(job, 1'000, KeyFromByte(9), job.price);
  c.job_id = "job_2";
  auto r = CheckCompletion(job, c, std::nullopt, kAssignedMs + 5'000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("body names job 'job_2'"), std::string::npos);
}

TEST(CheckCompletionTest, CapsThePaymentAtTheEscrow) {
  Job job = AssignedJob();
  job.max_price = Micro(100'000);
  auto c = Completion(job, 12'500, KeyFromByte(9), job.price);
  EXPECT_EQ(CheckCompletion(job, c, std::nullopt, kAssignedMs + 13'000)->amount_paid,
            Micro(100'000));
}

TEST(SignTxTest, TransactionsAreWellFormedJobTransactions) {
  TxParams params{"aitbc-test", Micro(10)};
  core::PrivateKey client = KeyFromByte(1);
  core::PrivateKey coordinator = KeyFromByte(2);
  auto escrow = SignEscrow(params, client, "job_1", Micro(1'000'000), AddressOf(coordinator), 77);
  EXPECT_TRUE(escrow.tx.VerifySignatures().ok());
  EXPECT_TRUE(escrow.tx.CheckWellFormed().ok());
  EXPECT_EQ(escrow.tx.nonce, 0u);
  EXPECT_EQ(escrow.tx.fee, Micro(10));
  EXPECT_EQ(escrow.tx.sender, client.public_key());
  const auto& e = std::get<protocol::JobEscrow>(escrow.tx.payload);
  EXPECT_EQ(e.expiry_height, 77u);
  EXPECT_EQ(e.coordinator, AddressOf(coordinator));
  // Deterministic: the same inputs give the same bytes (a re-broadcast is the same tx).
  EXPECT_EQ(SignEscrow(params, client, "job_1", Micro(1'000'000), AddressOf(coordinator), 77).bytes,
            escrow.bytes);

  Job job = AssignedJob();
  auto c = Completion(job, 12'500, KeyFromByte(9), job.price);
  auto receipt = CheckCompletion(job, c, std::nullopt, kAssignedMs + 13'000).value();
  auto settle = SignSettle(params, coordinator, receipt, job.miner_key, c.proof.signature);
  EXPECT_TRUE(settle.tx.VerifySignatures().ok()) << settle.tx.VerifySignatures().error().ToString();
  EXPECT_TRUE(settle.tx.CheckWellFormed().ok());
  auto refund = SignRefund(params, coordinator, "job_1");
  EXPECT_TRUE(refund.tx.VerifySignatures().ok());
  EXPECT_EQ(refund.tx.type(), protocol::TxType::kJobRefund);
  EXPECT_EQ(protocol::TxEnvelope::FromBytes(refund.bytes)->hash, refund.hash);
}

TEST(EscrowFeeTest, IsTheFeeOfTheSignedEscrow) {
  Job job = AssignedJob();
  EXPECT_EQ(EscrowFee(job), core::Amount());  // placeholder bytes, not a transaction
  auto escrow = SignEscrow(TxParams{"aitbc-test", Micro(1'234)}, KeyFromByte(1), job.job_id,
                           job.max_price, AddressOf(KeyFromByte(2)), 77);
  job.escrow.bytes = escrow.bytes;
  EXPECT_EQ(EscrowFee(job), Micro(1'234));
  job.escrow.bytes.resize(10);  // undecodable
  EXPECT_EQ(EscrowFee(job), core::Amount());
}

}  // namespace
}  // namespace aitbc::coordinator
