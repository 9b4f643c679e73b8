// The rules of the six transaction types (docs/chain.md, "Rules").
#include "chain/tx_rules.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "chain/tx_write_set.h"

namespace aitbc::chain {
namespace {

using protocol::JobEscrow;
using protocol::JobRefund;
using protocol::JobSettle;
using protocol::Stake;
using protocol::Transaction;
using protocol::Transfer;
using protocol::Unstake;

// What every rule needs about the transaction being applied.
struct TxContext {
  const protocol::Genesis& genesis;
  const Transaction& tx;
  const core::Hash256& hash;
  const BlockContext& block;
  core::Address sender;
  TxWriteSet& writes;
};

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// Takes amount + fee from the sender's balance and, for nonce-using types, advances its nonce.
// `what` names the amount in the error message ("amount", "rebate").
core::Status ChargeSender(TxContext& c, core::Amount amount, std::string_view what = "amount") {
  auto total = amount.Add(c.tx.fee);
  if (!total.ok()) {
    return core::Error::InvalidArgument(std::string(what) + " " + amount.ToString() + " + fee " +
                                        c.tx.fee.ToString() + " overflows");
  }
  AITBC_ASSIGN_OR_RETURN(Account account, c.writes.LoadAccount(c.sender));
  if (account.balance < *total) {
    core::Amount shortfall = total->Sub(account.balance).value();  // balance < total
    return core::Error::InsufficientFunds("balance of " + c.sender.ToString() + " is " +
                                          account.balance.ToString() + ", the transaction needs " +
                                          total->ToString() + " (" + std::string(what) + " " +
                                          amount.ToString() + " + fee " + c.tx.fee.ToString() +
                                          "): short by " + shortfall.ToString());
  }
  account.balance = account.balance.Sub(*total).value();  // checked just above
  if (c.tx.uses_nonce()) {
    auto nonce = core::CheckedAdd(account.nonce, 1);
    if (!nonce.ok()) return core::Error::InvalidArgument("account nonce overflows");
    account.nonce = *nonce;
  }
  c.writes.PutAccount(c.sender, account);
  return core::Ok();
}

// The escrow of job_id, which must exist and be open.
core::Result<Escrow> OpenEscrow(TxContext& c, const std::string& job_id) {
  AITBC_ASSIGN_OR_RETURN(std::optional<Escrow> escrow, c.writes.GetEscrow(job_id));
  if (!escrow) return core::Error::NotFound("no escrow for job " + Quote(job_id));
  if (escrow->status != EscrowStatus::kOpen) {
    return core::Error::FailedPrecondition(
        "job " + Quote(job_id) + " is already " + std::string(EscrowStatusName(escrow->status)) +
        " (at height " + std::to_string(escrow->closed_height) + ")");
  }
  return *escrow;
}

void Close(TxContext& c, Escrow& escrow, EscrowStatus status) {
  escrow.status = status;
  escrow.closed_height = c.block.height;
  escrow.closing_tx = c.hash;
  c.writes.PutEscrow(escrow);
}

core::Status Apply(TxContext& c, const Transfer& t) {
  AITBC_TRY(ChargeSender(c, t.amount));
  return c.writes.Credit(t.to, t.amount, "the transfer");
}

core::Status Apply(TxContext& c, const JobEscrow& e) {
  AITBC_ASSIGN_OR_RETURN(std::optional<Escrow> existing, c.writes.GetEscrow(e.job_id));
  if (existing) {
    return core::Error::AlreadyExists("an escrow for job " + Quote(e.job_id) + " already exists (" +
                                      std::string(EscrowStatusName(existing->status)) + ")");
  }
  if (e.expiry_height <= c.block.height) {
    return core::Error::InvalidArgument("escrow expiry height " + std::to_string(e.expiry_height) +
                                        " is not after the current height " +
                                        std::to_string(c.block.height));
  }
  uint64_t max_blocks = c.genesis.params.max_escrow_blocks;
  if (e.expiry_height - c.block.height > max_blocks) {
    return core::Error::InvalidArgument("escrow expiry height " + std::to_string(e.expiry_height) +
                                        " is more than " + std::to_string(max_blocks) +
                                        " blocks after the current height " +
                                        std::to_string(c.block.height));
  }
  AITBC_TRY(ChargeSender(c, e.amount));
  Escrow escrow;
  escrow.job_id = e.job_id;
  escrow.client = c.sender;
  escrow.coordinator = e.coordinator;
  escrow.amount = e.amount;
  escrow.fee = c.tx.fee;
  escrow.expiry_height = e.expiry_height;
  escrow.status = EscrowStatus::kOpen;
  escrow.created_height = c.block.height;
  c.writes.PutEscrow(escrow);
  return core::Ok();
}

core::Status Apply(TxContext& c, const JobSettle& s) {
  const protocol::Receipt& receipt = s.receipt;
  AITBC_ASSIGN_OR_RETURN(Escrow escrow, OpenEscrow(c, receipt.job_id));
  if (c.sender != escrow.coordinator) {
    return core::Error::PermissionDenied("only the coordinator " + escrow.coordinator.ToString() +
                                         " of job " + Quote(receipt.job_id) +
                                         " may settle it, not " + c.sender.ToString());
  }
  if (receipt.client != escrow.client) {
    return core::Error::InvalidArgument("the receipt's client " + receipt.client.ToString() +
                                        " is not the escrow's client " + escrow.client.ToString());
  }
  auto expected = protocol::Payment(receipt.metrics, receipt.price, escrow.amount);
  if (!expected.ok()) return expected.error().WithContext("computing the job's cost");
  if (receipt.amount_paid != *expected) {
    return core::Error::InvalidArgument(
        "amount_paid " + receipt.amount_paid.ToString() + " does not match the payment " +
        expected->ToString() + " (the cost of the signed metrics and price, capped at the escrow " +
        escrow.amount.ToString() + ")");
  }
  AITBC_TRY(ChargeSender(c, core::Amount()));
  AITBC_TRY(c.writes.Credit(receipt.miner, receipt.amount_paid, "the payment"));
  core::Amount change = escrow.amount.Sub(receipt.amount_paid).value();  // paid <= escrow
  AITBC_TRY(c.writes.Credit(escrow.client, change, "the escrow's remainder"));
  escrow.amount_paid = receipt.amount_paid;
  escrow.miner = receipt.miner;
  escrow.result_hash = receipt.result_hash;
  Close(c, escrow, EscrowStatus::kSettled);
  return core::Ok();
}

core::Status Apply(TxContext& c, const JobRefund& r) {
  AITBC_ASSIGN_OR_RETURN(Escrow escrow, OpenEscrow(c, r.job_id));
  if (c.sender != escrow.coordinator) {
    if (c.sender != escrow.client) {
      return core::Error::PermissionDenied("only the coordinator or the client of job " +
                                           Quote(r.job_id) + " may refund it, not " +
                                           c.sender.ToString());
    }
    if (c.block.height < escrow.expiry_height) {
      return core::Error::PermissionDenied(
          "the client may refund job " + Quote(r.job_id) + " only from its expiry at height " +
          std::to_string(escrow.expiry_height) + " (now " + std::to_string(c.block.height) + ")");
    }
  }
  // The coordinator's refund also pays the client back its escrow transaction's fee, from the
  // coordinator's balance: a job that failed costs the client nothing. A client refunding itself
  // after the expiry gets no rebate (and escrowing stays a cost, so escrow spam is not free).
  core::Amount rebate = c.sender == escrow.coordinator ? escrow.fee : core::Amount();
  AITBC_TRY(ChargeSender(c, rebate, "rebate"));
  AITBC_TRY(c.writes.Credit(escrow.client, escrow.amount, "the refund"));
  AITBC_TRY(c.writes.Credit(escrow.client, rebate, "the escrow fee's rebate"));
  Close(c, escrow, EscrowStatus::kRefunded);
  return core::Ok();
}

core::Status Apply(TxContext& c, const Stake& s) {
  AITBC_TRY(ChargeSender(c, s.amount));
  AITBC_ASSIGN_OR_RETURN(Account account, c.writes.LoadAccount(c.sender));
  auto stake = account.stake.Add(s.amount);
  if (!stake.ok()) return core::Error::InvalidArgument("stake overflows");
  account.stake = *stake;
  c.writes.PutAccount(c.sender, account);
  return core::Ok();
}

core::Status Apply(TxContext& c, const Unstake& u) {
  AITBC_ASSIGN_OR_RETURN(Account before, c.writes.LoadAccount(c.sender));
  if (before.stake < u.amount) {
    return core::Error::InsufficientFunds("stake of " + c.sender.ToString() + " is " +
                                          before.stake.ToString() + ", cannot unstake " +
                                          u.amount.ToString());
  }
  // A delay of 0 still releases in the next block: this block's release has already run.
  uint64_t delay = std::max<uint64_t>(c.genesis.params.unbonding_delay_blocks, 1);
  auto release_height = core::CheckedAdd(c.block.height, delay);
  if (!release_height.ok()) return core::Error::InvalidArgument("release height overflows");
  AITBC_TRY(ChargeSender(c, core::Amount()));
  AITBC_ASSIGN_OR_RETURN(Account account, c.writes.LoadAccount(c.sender));
  auto unbonding = account.unbonding.Add(u.amount);
  if (!unbonding.ok()) return core::Error::InvalidArgument("unbonding amount overflows");
  account.stake = account.stake.Sub(u.amount).value();  // checked above; fees leave stake alone
  account.unbonding = *unbonding;
  c.writes.PutAccount(c.sender, account);
  c.writes.AddUnbonding(UnbondingEntry{c.sender, u.amount, *release_height});
  return core::Ok();
}

}  // namespace

core::Status ApplyTransaction(const protocol::Genesis& genesis, StateOverlay& state,
                              const Transaction& tx, const core::Hash256& tx_hash,
                              const BlockContext& ctx) {
  if (tx.chain_id != genesis.chain_id) {
    return core::Error::InvalidArgument("transaction for chain " + Quote(tx.chain_id) +
                                        ", this chain is " + Quote(genesis.chain_id));
  }
  AITBC_TRY(tx.CheckWellFormed());
  if (tx.fee < genesis.params.min_fee) {
    return core::Error::InvalidArgument("fee " + tx.fee.ToString() + " is below the minimum fee " +
                                        genesis.params.min_fee.ToString());
  }
  TxWriteSet writes(state);
  TxContext c{genesis, tx, tx_hash, ctx, tx.sender_address(), writes};
  if (tx.uses_nonce()) {
    AITBC_ASSIGN_OR_RETURN(Account sender, writes.LoadAccount(c.sender));
    if (tx.nonce != sender.nonce) {
      return core::Error::FailedPrecondition("expected nonce " + std::to_string(sender.nonce) +
                                             ", got " + std::to_string(tx.nonce));
    }
  }
  AITBC_TRY(std::visit([&c](const auto& payload) { return Apply(c, payload); }, tx.payload));
  AITBC_TRY(writes.Credit(ctx.proposer, tx.fee, "the fee"));
  writes.CommitTo(state);
  return core::Ok();
}

core::Status StateMachine::ApplyTx(StateOverlay& state, const protocol::TxEnvelope& tx,
                                   const BlockContext& ctx) const {
  return ApplyTransaction(genesis_, state, tx.tx, tx.hash, ctx);
}

core::Status StateMachine::ApplyTx(StateOverlay& state, const Transaction& tx,
                                   const BlockContext& ctx) const {
  return ApplyTransaction(genesis_, state, tx, core::Sha256(tx.Encode()), ctx);
}

}  // namespace aitbc::chain
