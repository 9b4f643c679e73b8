#include "coordinator/settlement.h"

namespace aitbc::coordinator {
namespace {

protocol::TxEnvelope SignJobTx(const TxParams& params, const core::PrivateKey& key,
                               protocol::Payload payload) {
  protocol::Transaction tx;
  tx.chain_id = params.chain_id;
  tx.nonce = 0;  // job transactions are protected by their job id, not the account nonce
  tx.fee = params.fee;
  tx.payload = std::move(payload);
  tx.Sign(key);
  return protocol::TxEnvelope::FromTx(std::move(tx));
}

core::Error Rejected(std::string message) {
  return core::Error::InvalidArgument("completion rejected: " + std::move(message));
}

}  // namespace

protocol::TxEnvelope SignEscrow(const TxParams& params, const core::PrivateKey& client_key,
                                const std::string& job_id, core::Amount amount,
                                const core::Address& coordinator, uint64_t expiry_height) {
  return SignJobTx(params, client_key,
                   protocol::JobEscrow{job_id, amount, coordinator, expiry_height});
}

protocol::TxEnvelope SignSettle(const TxParams& params, const core::PrivateKey& coordinator_key,
                                const protocol::Receipt& receipt, const core::PublicKey& miner_key,
                                const core::Signature& miner_signature) {
  return SignJobTx(params, coordinator_key,
                   protocol::JobSettle{receipt, miner_key, miner_signature});
}

protocol::TxEnvelope SignRefund(const TxParams& params, const core::PrivateKey& coordinator_key,
                                const std::string& job_id) {
  return SignJobTx(params, coordinator_key, protocol::JobRefund{job_id});
}

core::Amount EscrowFee(const Job& job) {
  if (job.escrow.bytes.empty()) return core::Amount();
  auto tx = protocol::Transaction::Decode(job.escrow.bytes);
  return tx.ok() ? tx->fee : core::Amount();
}

core::Result<protocol::Receipt> CheckCompletion(const Job& job,
                                                const protocol::CompleteRequest& request,
                                                const std::optional<protocol::Price>& claimed_price,
                                                int64_t now_ms) {
  if (request.job_id != job.job_id) {
    return Rejected("body names job '" + request.job_id + "', the URL job '" + job.job_id + "'");
  }
  core::Hash256 hash = protocol::ResultHash(request.result);
  if (request.proof.hash != hash) {
    return Rejected("proof hash " + request.proof.hash.ToHex() + " is not SHA-256 of the result (" +
                    hash.ToHex() + ")");
  }
  if (request.proof.public_key != job.miner_key) {
    return Rejected("proof is signed by key " + request.proof.public_key.ToHex() +
                    ", not by the key the miner registered (" + job.miner_key.ToHex() + ")");
  }
  if (claimed_price && *claimed_price != job.price) {
    return Rejected("price differs from the price in the assignment");
  }
  int64_t wall_ms = now_ms - job.assigned_ms;
  if (wall_ms < 0) wall_ms = 0;
  if (request.metrics.compute_ms > static_cast<uint64_t>(wall_ms + kComputeSlackMs)) {
    return Rejected("compute time of " + std::to_string(request.metrics.compute_ms) +
                    " ms exceeds the " + std::to_string(wall_ms) +
                    " ms since the job was assigned");
  }
  protocol::Proof proof{job.job_id, hash, request.metrics, job.price};
  if (!proof.Verify(job.miner_key, request.proof.signature)) {
    return Rejected(
        "the miner's signature does not verify over the job id, result hash, metrics and the "
        "assigned price");
  }
  auto paid = protocol::Payment(request.metrics, job.price, job.max_price);
  if (!paid.ok()) return Rejected(paid.error().message());
  protocol::Receipt receipt;
  receipt.receipt_id = protocol::ReceiptIdFor(job.job_id);
  receipt.job_id = job.job_id;
  receipt.client = job.client;
  receipt.miner = job.miner_address;
  receipt.amount_paid = *paid;
  receipt.result_hash = hash;
  receipt.completed_at_ms = static_cast<uint64_t>(now_ms);
  receipt.metrics = request.metrics;
  receipt.price = job.price;
  return receipt;
}

}  // namespace aitbc::coordinator
