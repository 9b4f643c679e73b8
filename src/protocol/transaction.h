// Transactions: the six kinds of docs/protocol.md, their canonical encoding, hash and signature.
//
// Contract: pure values, thread-safe. Decode() accepts exactly the canonical encoding (no
// trailing bytes, known type, lengths within limits.h) and nothing else, so
// Encode(Decode(b)) == b. Signature checks are separate from decoding (VerifySignatures) so that
// each signature is verified once, where the caller chooses; stateful rules (balances, nonces,
// escrows) belong to the chain, not here.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "core/address.h"
#include "core/amount.h"
#include "core/hash.h"
#include "core/keys.h"
#include "protocol/receipt.h"

namespace aitbc::protocol {

enum class TxType : uint8_t {
  kTransfer = 1,
  kJobEscrow = 2,
  kJobSettle = 3,
  kJobRefund = 4,
  kStake = 5,
  kUnstake = 6,
};
std::string_view TxTypeName(TxType type);  // "transfer", "job_escrow", ...
core::Result<TxType> TxTypeFromName(std::string_view name);

struct Transfer {
  core::Address to;
  core::Amount amount;
  bool operator==(const Transfer&) const = default;
};

struct JobEscrow {
  std::string job_id;
  core::Amount amount;  // the most the client will pay
  core::Address coordinator;
  uint64_t expiry_height = 0;  // the client may refund itself from this height on
  bool operator==(const JobEscrow&) const = default;
};

struct JobSettle {
  Receipt receipt;
  core::PublicKey miner_key;
  core::Signature miner_signature;  // over receipt.ToProof()
  bool operator==(const JobSettle&) const = default;
};

struct JobRefund {
  std::string job_id;
  bool operator==(const JobRefund&) const = default;
};

struct Stake {
  core::Amount amount;
  bool operator==(const Stake&) const = default;
};

struct Unstake {
  core::Amount amount;
  bool operator==(const Unstake&) const = default;
};

using Payload = std::variant<Transfer, JobEscrow, JobSettle, JobRefund, Stake, Unstake>;

struct Transaction {
  static constexpr uint8_t kVersion = 1;

  std::string chain_id;
  core::PublicKey sender;
  uint64_t nonce = 0;  // 0 for job_* transactions (protected by their job id)
  core::Amount fee;
  Payload payload;
  core::Signature signature;

  TxType type() const;
  core::Address sender_address() const { return core::Address::FromPublicKey(sender); }
  // Whether this kind of transaction uses the account nonce.
  bool uses_nonce() const;

  core::Bytes EncodeBody() const;
  core::Bytes SigningMessage() const;  // "aitbc/tx/v1\0" || body
  core::Bytes Encode() const;          // body || signature
  static core::Result<Transaction> Decode(core::ByteView bytes);

  // Sets sender to key's public key and signs.
  void Sign(const core::PrivateKey& key);
  // The sender's signature and, for job_settle, the miner's signature over the proof.
  core::Status VerifySignatures() const;
  // Stateless checks: non-zero amounts, job id syntax, nonce 0 for job transactions,
  // receipt id matching the job id.
  core::Status CheckWellFormed() const;

  bool operator==(const Transaction&) const = default;
};

// A transaction with its canonical bytes and hash computed once (mempool, blocks, RPC).
struct TxEnvelope {
  Transaction tx;
  core::Bytes bytes;
  core::Hash256 hash;

  static core::Result<TxEnvelope> FromBytes(core::ByteView bytes);
  static core::Result<TxEnvelope> FromOwned(core::Bytes bytes);
  static TxEnvelope FromTx(Transaction tx);
};

}  // namespace aitbc::protocol
