// Settlement: building and signing the coordinator's chain transactions (job_escrow for a
// client, job_settle and job_refund for itself) and checking a miner's completion before a
// settlement is signed (docs/coordinator.md, "Settlement and the money rules").
//
// Money rules enforced here: a settlement pays exactly protocol::Payment(metrics, price,
// escrow) — never above the escrow — and is signed only for a completion whose proof checks
// out: the result hash is SHA-256 of the result, the proof is signed by the key the job was
// assigned with, over the assignment's price, and the compute time is no longer than the wall
// time since assignment (plus one second of slack).
//
// Contract: pure functions, thread-safe. Ed25519 signing is deterministic, so the same inputs
// give the same transaction bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "coordinator/job.h"
#include "core/keys.h"
#include "protocol/job_messages.h"
#include "protocol/transaction.h"

namespace aitbc::coordinator {

// What every transaction of this coordinator carries: the chain it is for and the fee.
struct TxParams {
  std::string chain_id;
  core::Amount fee;
};

// Escrow of `amount` from the client (signed with the custodial key) for the job.
protocol::TxEnvelope SignEscrow(const TxParams& params, const core::PrivateKey& client_key,
                                const std::string& job_id, core::Amount amount,
                                const core::Address& coordinator, uint64_t expiry_height);
protocol::TxEnvelope SignSettle(const TxParams& params, const core::PrivateKey& coordinator_key,
                                const protocol::Receipt& receipt, const core::PublicKey& miner_key,
                                const core::Signature& miner_signature);
protocol::TxEnvelope SignRefund(const TxParams& params, const core::PrivateKey& coordinator_key,
                                const std::string& job_id);

// The network fee the job's signed escrow transaction carries (paid by the client when it
// commits; the coordinator's refund pays it back). Zero when there is none or it cannot be
// decoded.
core::Amount EscrowFee(const Job& job);

// The slack allowed between a miner's reported compute time and the wall time since it was
// assigned the job (clocks and rounding).
inline constexpr int64_t kComputeSlackMs = 1'000;

// Checks a completion against the job's current assignment and returns the receipt to sign
// (amount_paid = Payment(metrics, assigned price, escrow), completed_at = now_ms).
// `claimed_price` is the price the request says it was signed over, when it names one.
// Errors (kInvalidArgument, naming the problem): job id mismatch, result hash mismatch, proof
// key other than the assigned miner's, changed price, compute time above the wall time since
// assignment + kComputeSlackMs, invalid signature; arithmetic overflow.
core::Result<protocol::Receipt> CheckCompletion(const Job& job,
                                                const protocol::CompleteRequest& request,
                                                const std::optional<protocol::Price>& claimed_price,
                                                int64_t now_ms);

}  // namespace aitbc::coordinator
