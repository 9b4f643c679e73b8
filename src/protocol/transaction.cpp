#include "protocol/transaction.h"

#include <array>

#include "protocol/limits.h"

namespace aitbc::protocol {
namespace {

constexpr std::string_view kTxDomain{"aitbc/tx/v1\0", 12};

constexpr std::array<std::string_view, 7> kTypeNames = {
    "", "transfer", "job_escrow", "job_settle", "job_refund", "stake", "unstake"};

core::Result<core::Address> ReadAddress(core::Reader& r) {
  std::array<uint8_t, 20> bytes{};
  AITBC_TRY(r.Fixed(bytes));
  return core::Address(bytes);
}

void EncodePayload(const Payload& payload, core::Writer& w) {
  std::visit(
      [&w](const auto& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, Transfer>) {
          w.Fixed(p.to.view());
          w.U64(p.amount.micro());
        } else if constexpr (std::is_same_v<T, JobEscrow>) {
          w.String(p.job_id);
          w.U64(p.amount.micro());
          w.Fixed(p.coordinator.view());
          w.U64(p.expiry_height);
        } else if constexpr (std::is_same_v<T, JobSettle>) {
          p.receipt.EncodeTo(w);
          w.Fixed(p.miner_key.view());
          w.Fixed(p.miner_signature.view());
        } else if constexpr (std::is_same_v<T, JobRefund>) {
          w.String(p.job_id);
        } else {  // Stake, Unstake
          w.U64(p.amount.micro());
        }
      },
      payload);
}

core::Result<Payload> DecodePayload(TxType type, core::Reader& r) {
  switch (type) {
    case TxType::kTransfer: {
      Transfer t;
      AITBC_ASSIGN_OR_RETURN(t.to, ReadAddress(r));
      AITBC_ASSIGN_OR_RETURN(uint64_t amount, r.U64());
      t.amount = core::Amount::FromMicro(amount);
      return Payload(t);
    }
    case TxType::kJobEscrow: {
      JobEscrow e;
      AITBC_ASSIGN_OR_RETURN(e.job_id, r.String(kMaxJobIdBytes));
      AITBC_ASSIGN_OR_RETURN(uint64_t amount, r.U64());
      e.amount = core::Amount::FromMicro(amount);
      AITBC_ASSIGN_OR_RETURN(e.coordinator, ReadAddress(r));
      AITBC_ASSIGN_OR_RETURN(e.expiry_height, r.U64());
      return Payload(std::move(e));
    }
    case TxType::kJobSettle: {
      JobSettle s;
      AITBC_ASSIGN_OR_RETURN(s.receipt, Receipt::DecodeFrom(r));
      AITBC_TRY(r.Fixed(s.miner_key.bytes));
      AITBC_TRY(r.Fixed(s.miner_signature.bytes));
      return Payload(std::move(s));
    }
    case TxType::kJobRefund: {
      JobRefund f;
      AITBC_ASSIGN_OR_RETURN(f.job_id, r.String(kMaxJobIdBytes));
      return Payload(std::move(f));
    }
    case TxType::kStake: {
      AITBC_ASSIGN_OR_RETURN(uint64_t amount, r.U64());
      return Payload(Stake{core::Amount::FromMicro(amount)});
    }
    case TxType::kUnstake: {
      AITBC_ASSIGN_OR_RETURN(uint64_t amount, r.U64());
      return Payload(Unstake{core::Amount::FromMicro(amount)});
    }
  }
  return core::Error::InvalidArgument("unknown transaction type");
}

}  // namespace

std::string_view TxTypeName(TxType type) {
  auto index = static_cast<size_t>(type);
  return index < kTypeNames.size() ? kTypeNames[index] : std::string_view("unknown");
}

core::Result<TxType> TxTypeFromName(std::string_view name) {
  for (size_t i = 1; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == name) return static_cast<TxType>(i);
  }
  return core::Error::InvalidArgument("unknown transaction type '" + std::string(name) + "'");
}

TxType Transaction::type() const { return static_cast<TxType>(payload.index() + 1); }

bool Transaction::uses_nonce() const {
  TxType t = type();
  return t == TxType::kTransfer || t == TxType::kStake || t == TxType::kUnstake;
}

core::Bytes Transaction::EncodeBody() const {
  core::Writer w(256);
  w.U8(kVersion);
  w.String(chain_id);
  w.U8(static_cast<uint8_t>(type()));
  w.Fixed(sender.view());
  w.U64(nonce);
  w.U64(fee.micro());
  EncodePayload(payload, w);
  return w.Take();
}

core::Bytes Transaction::SigningMessage() const {
  core::Bytes body = EncodeBody();
  core::Bytes message;
  message.reserve(kTxDomain.size() + body.size());
  message.insert(message.end(), kTxDomain.begin(), kTxDomain.end());
  message.insert(message.end(), body.begin(), body.end());
  return message;
}

core::Bytes Transaction::Encode() const {
  core::Bytes out = EncodeBody();
  out.insert(out.end(), signature.bytes.begin(), signature.bytes.end());
  return out;
}

core::Result<Transaction> Transaction::Decode(core::ByteView bytes) {
  if (bytes.size() > kMaxTxBytes) {
    return core::Error::InvalidArgument("transaction of " + std::to_string(bytes.size()) +
                                        " bytes exceeds the limit of " +
                                        std::to_string(kMaxTxBytes));
  }
  core::Reader r(bytes);
  AITBC_ASSIGN_OR_RETURN(uint8_t version, r.U8());
  if (version != kVersion) {
    return core::Error::InvalidArgument("unsupported transaction version " +
                                        std::to_string(version));
  }
  Transaction tx;
  AITBC_ASSIGN_OR_RETURN(tx.chain_id, r.String(kMaxChainIdBytes));
  AITBC_ASSIGN_OR_RETURN(uint8_t type, r.U8());
  if (type < 1 || type > 6) {
    return core::Error::InvalidArgument("unknown transaction type " + std::to_string(type));
  }
  AITBC_TRY(r.Fixed(tx.sender.bytes));
  AITBC_ASSIGN_OR_RETURN(tx.nonce, r.U64());
  AITBC_ASSIGN_OR_RETURN(uint64_t fee, r.U64());
  tx.fee = core::Amount::FromMicro(fee);
  AITBC_ASSIGN_OR_RETURN(tx.payload, DecodePayload(static_cast<TxType>(type), r));
  AITBC_TRY(r.Fixed(tx.signature.bytes));
  AITBC_TRY(r.ExpectEnd());
  return tx;
}

void Transaction::Sign(const core::PrivateKey& key) {
  sender = key.public_key();
  signature = key.Sign(SigningMessage());
}

core::Status Transaction::VerifySignatures() const {
  if (!core::Verify(sender, SigningMessage(), signature)) {
    return core::Error::Unauthenticated("invalid transaction signature");
  }
  if (const auto* settle = std::get_if<JobSettle>(&payload)) {
    if (!settle->receipt.ToProof().Verify(settle->miner_key, settle->miner_signature)) {
      return core::Error::Unauthenticated("invalid miner signature over the result proof");
    }
  }
  return core::Ok();
}

core::Status Transaction::CheckWellFormed() const {
  if (chain_id.empty()) return core::Error::InvalidArgument("empty chain id");
  if (!uses_nonce() && nonce != 0) {
    return core::Error::InvalidArgument(std::string(TxTypeName(type())) +
                                        " transactions must have nonce 0");
  }
  return std::visit(
      [](const auto& p) -> core::Status {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, Transfer>) {
          if (p.amount.micro() == 0) return core::Error::InvalidArgument("transfer of zero");
        } else if constexpr (std::is_same_v<T, JobEscrow>) {
          AITBC_TRY(ValidateJobId(p.job_id));
          if (p.amount.micro() == 0) return core::Error::InvalidArgument("escrow of zero");
          if (p.coordinator.IsZero()) return core::Error::InvalidArgument("zero coordinator");
        } else if constexpr (std::is_same_v<T, JobSettle>) {
          AITBC_TRY(ValidateJobId(p.receipt.job_id));
          if (p.receipt.receipt_id != ReceiptIdFor(p.receipt.job_id)) {
            return core::Error::InvalidArgument("receipt id does not match the job id");
          }
          if (core::Address::FromPublicKey(p.miner_key) != p.receipt.miner) {
            return core::Error::InvalidArgument("miner key does not match the receipt's miner");
          }
        } else if constexpr (std::is_same_v<T, JobRefund>) {
          AITBC_TRY(ValidateJobId(p.job_id));
        } else {  // Stake, Unstake
          if (p.amount.micro() == 0) return core::Error::InvalidArgument("amount of zero");
        }
        return core::Ok();
      },
      payload);
}

core::Result<TxEnvelope> TxEnvelope::FromBytes(core::ByteView bytes) {
  AITBC_ASSIGN_OR_RETURN(Transaction tx, Transaction::Decode(bytes));
  return TxEnvelope{std::move(tx), core::Bytes(bytes.begin(), bytes.end()), core::Sha256(bytes)};
}

core::Result<TxEnvelope> TxEnvelope::FromOwned(core::Bytes bytes) {
  AITBC_ASSIGN_OR_RETURN(Transaction tx, Transaction::Decode(bytes));
  core::Hash256 hash = core::Sha256(bytes);
  return TxEnvelope{std::move(tx), std::move(bytes), hash};
}

TxEnvelope TxEnvelope::FromTx(Transaction tx) {
  core::Bytes bytes = tx.Encode();
  core::Hash256 hash = core::Sha256(bytes);
  return TxEnvelope{std::move(tx), std::move(bytes), hash};
}

}  // namespace aitbc::protocol
