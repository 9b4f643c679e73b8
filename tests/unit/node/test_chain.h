// Test helpers for node tests: deterministic keys, a small devnet genesis and signed
// transactions.
#pragma once

#include <string>
#include <vector>

#include "core/keys.h"
#include "protocol/genesis.h"
#include "protocol/transaction.h"

namespace aitbc::node::testing {

inline core::PrivateKey Key(uint8_t b) {
  core::Bytes seed(32, b);
  return core::PrivateKey::FromSeed(seed).value();
}

inline core::Address AddressOf(const core::PrivateKey& key) {
  return core::Address::FromPublicKey(key.public_key());
}

inline constexpr char kChainId[] = "aitbc-test";
inline constexpr uint64_t kMinFee = 10;

// Accounts Key(1..funded) hold `balance` uaitbc each; Key(100) is the proposer.
inline protocol::Genesis TestGenesis(uint8_t funded = 4, uint64_t balance = 1'000'000) {
  protocol::Genesis g;
  g.chain_id = kChainId;
  g.genesis_time_ms = 1'700'000'000'000;
  for (uint8_t i = 1; i <= funded; ++i) {
    g.accounts.push_back(
        {AddressOf(Key(i)), core::Amount::FromMicro(balance), core::Amount::FromMicro(0)});
  }
  g.validators.push_back(Key(100).public_key());
  g.params.min_fee = core::Amount::FromMicro(kMinFee);
  g.params.unbonding_delay_blocks = 2;
  return g;
}

inline protocol::TxEnvelope Signed(protocol::Transaction tx, const core::PrivateKey& key) {
  if (tx.chain_id.empty()) tx.chain_id = kChainId;
  tx.Sign(key);
  return protocol::TxEnvelope::FromTx(std::move(tx));
}

inline protocol::TxEnvelope Transfer(const core::PrivateKey& from, const core::Address& to,
                                     uint64_t amount, uint64_t nonce, uint64_t fee = kMinFee) {
  protocol::Transaction tx;
  tx.nonce = nonce;
  tx.fee = core::Amount::FromMicro(fee);
  tx.payload = protocol::Transfer{to, core::Amount::FromMicro(amount)};
  return Signed(std::move(tx), from);
}

inline protocol::TxEnvelope Escrow(const core::PrivateKey& client, const std::string& job_id,
                                   uint64_t amount, const core::Address& coordinator,
                                   uint64_t expiry_height = 1000) {
  protocol::Transaction tx;
  tx.fee = core::Amount::FromMicro(kMinFee);
  tx.payload =
      protocol::JobEscrow{job_id, core::Amount::FromMicro(amount), coordinator, expiry_height};
  return Signed(std::move(tx), client);
}

// A settlement of job_id by `coordinator` paying `miner` for compute_ms at 1 uaitbc/ms.
inline protocol::TxEnvelope Settle(const core::PrivateKey& coordinator,
                                   const core::PrivateKey& miner, const core::Address& client,
                                   const std::string& job_id, uint64_t compute_ms) {
  protocol::Receipt receipt;
  receipt.receipt_id = protocol::ReceiptIdFor(job_id);
  receipt.job_id = job_id;
  receipt.client = client;
  receipt.miner = AddressOf(miner);
  receipt.result_hash = protocol::ResultHash("result of " + job_id);
  receipt.completed_at_ms = 1'700'000'100'000;
  receipt.metrics.compute_ms = compute_ms;
  receipt.price.per_second = core::Amount::FromMicro(1000);
  receipt.amount_paid = protocol::Cost(receipt.metrics, receipt.price).value();
  protocol::JobSettle settle;
  settle.receipt = receipt;
  settle.miner_key = miner.public_key();
  settle.miner_signature = receipt.ToProof().Sign(miner);
  protocol::Transaction tx;
  tx.fee = core::Amount::FromMicro(kMinFee);
  tx.payload = settle;
  return Signed(std::move(tx), coordinator);
}

}  // namespace aitbc::node::testing
