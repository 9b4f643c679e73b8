// Helpers shared by the coordinator's tests: deterministic keys and sample jobs.
#pragma once

#include <string>

#include "coordinator/job.h"
#include "core/hash.h"
#include "core/keys.h"
#include "protocol/receipt.h"

namespace aitbc::coordinator::testing {

inline core::PrivateKey KeyFromByte(uint8_t b) {
  core::Bytes seed(32, b);
  return core::PrivateKey::FromSeed(seed).value();
}

inline core::Address AddressOf(const core::PrivateKey& key) {
  return core::Address::FromPublicKey(key.public_key());
}

// A pending job of `client` (key byte 1 by default) with a 1 AITBC escrow.
inline Job SampleJob(const std::string& id, uint64_t seq,
                     const core::Address& client = AddressOf(KeyFromByte(1))) {
  Job job;
  job.job_id = id;
  job.seq = seq;
  job.client_key_id = "0123456789abcdef";
  job.client = client;
  job.spec.model = "llama3.2:latest";
  job.spec.prompt = "What is machine learning?";
  job.spec.options.temperature = 0.7;
  job.max_price = core::Amount::FromMicro(1'000'000);
  job.submitted_ms = 1'700'000'000'000;
  job.expiry_height = 100'000;
  job.escrow.status = TxStatus::kSigned;
  job.escrow.bytes = {1, 2, 3};
  job.escrow.hash = core::Sha256(std::string_view("escrow"));
  return job;
}

// Moves a job to completed as a miner with key byte 9 would have finished it.
inline void CompleteJob(Job& job) {
  core::PrivateKey miner = KeyFromByte(9);
  job.state = JobState::kCompleted;
  job.miner_id = "miner_a";
  job.miner_key = miner.public_key();
  job.miner_address = AddressOf(miner);
  job.price.per_second = core::Amount::FromMicro(20'000);
  job.result = "Machine learning is a subset of artificial intelligence.";
  job.result_hash = protocol::ResultHash(job.result);
  job.metrics.compute_ms = 12'500;
  job.metrics.completion_tokens = 150;
  job.amount_paid = core::Amount::FromMicro(250'000);
  job.receipt_ms = job.submitted_ms + 17'000;
  job.ended_ms = job.receipt_ms;
  job.closing.status = TxStatus::kSigned;
  job.closing.bytes = {4, 5, 6};
}

}  // namespace aitbc::coordinator::testing
