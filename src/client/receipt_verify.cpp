#include "client/receipt_verify.h"

#include <algorithm>

namespace aitbc::client {

namespace {

// Names the first field in which two receipts differ, or "" when they are equal.
std::string FirstDifference(const protocol::Receipt& a, const protocol::Receipt& b) {
  if (a.receipt_id != b.receipt_id) return "receipt_id";
  if (a.job_id != b.job_id) return "job_id";
  if (a.client != b.client) return "client";
  if (a.miner != b.miner) return "miner";
  if (a.amount_paid != b.amount_paid) return "amount_paid";
  if (a.result_hash != b.result_hash) return "result_hash";
  if (a.completed_at_ms != b.completed_at_ms) return "completed_at_ms";
  if (a.metrics != b.metrics) return "metrics";
  if (a.price != b.price) return "price";
  return "";
}

Check Fail(std::string name, std::string detail) {
  return {std::move(name), false, std::move(detail)};
}
Check Pass(std::string name, std::string detail) {
  return {std::move(name), true, std::move(detail)};
}

}  // namespace

bool AllPassed(const std::vector<Check>& checks) {
  return !checks.empty() &&
         std::all_of(checks.begin(), checks.end(), [](const Check& c) { return c.ok; });
}

std::vector<Check> VerifyReceipt(const ReceiptEvidence& ev) {
  std::vector<Check> checks;
  const protocol::Receipt& receipt = ev.receipt.receipt;

  // 1. The settlement transaction.
  const protocol::Transaction* tx = nullptr;
  const protocol::JobSettle* settle = nullptr;
  const std::string kOnChain = "settlement transaction on the chain";
  if (!ev.settle_tx) {
    checks.push_back(Fail(kOnChain, ev.settle_tx_error.empty() ? "not found" : ev.settle_tx_error));
  } else {
    tx = &ev.settle_tx->tx.tx;
    settle = std::get_if<protocol::JobSettle>(&tx->payload);
    if (settle == nullptr) {
      checks.push_back(Fail(kOnChain, "transaction " + ev.settle_tx->tx.hash.ToHex() + " is a " +
                                          std::string(protocol::TxTypeName(tx->type())) +
                                          ", not a job_settle"));
    } else {
      checks.push_back(Pass(kOnChain, "job_settle " + ev.settle_tx->tx.hash.ToHex()));
    }
  }

  // 2. The chain's receipt is the coordinator's.
  const std::string kSame = "the chain's receipt equals the coordinator's";
  if (settle == nullptr) {
    checks.push_back(Fail(kSame, "no settlement to compare with"));
  } else if (std::string diff = FirstDifference(settle->receipt, receipt); !diff.empty()) {
    checks.push_back(Fail(kSame, "they differ in '" + diff + "'"));
  } else {
    checks.push_back(Pass(kSame, receipt.receipt_id + " for " + receipt.job_id));
  }

  // 3. The coordinator's signature.
  const std::string kCoordinator = "coordinator's signature";
  if (tx == nullptr) {
    checks.push_back(Fail(kCoordinator, "no settlement transaction"));
  } else if (!core::Verify(tx->sender, tx->SigningMessage(), tx->signature)) {
    checks.push_back(Fail(kCoordinator, "the transaction's signature does not verify"));
  } else if (!ev.escrow) {
    checks.push_back(
        Fail(kCoordinator, "signature valid, but the escrow is unknown: " +
                               (ev.escrow_error.empty() ? "not found" : ev.escrow_error)));
  } else if (tx->sender_address() != ev.escrow->coordinator) {
    checks.push_back(Fail(kCoordinator, "signed by " + tx->sender_address().ToString() +
                                            ", but the escrow names coordinator " +
                                            ev.escrow->coordinator.ToString()));
  } else if (!ev.receipt.coordinator.empty() &&
             ev.receipt.coordinator != tx->sender_address().ToString()) {
    checks.push_back(Fail(kCoordinator, "signed by " + tx->sender_address().ToString() +
                                            ", but the receipt names coordinator " +
                                            ev.receipt.coordinator));
  } else {
    checks.push_back(Pass(kCoordinator, "valid, by " + tx->sender_address().ToString()));
  }

  // 4. The miner's signature over the proof.
  const std::string kMiner = "miner's signature over the result";
  if (settle == nullptr) {
    checks.push_back(Fail(kMiner, "no settlement transaction"));
  } else if (core::Address::FromPublicKey(settle->miner_key) != receipt.miner) {
    checks.push_back(Fail(kMiner, "the miner key's address is " +
                                      core::Address::FromPublicKey(settle->miner_key).ToString() +
                                      ", not the receipt's miner " + receipt.miner.ToString()));
  } else if (!receipt.ToProof().Verify(settle->miner_key, settle->miner_signature)) {
    checks.push_back(Fail(kMiner, "the signature does not verify"));
  } else if ((ev.receipt.miner_key && *ev.receipt.miner_key != settle->miner_key) ||
             (ev.receipt.miner_signature &&
              *ev.receipt.miner_signature != settle->miner_signature)) {
    checks.push_back(Fail(kMiner,
                          "the coordinator shows a different key or signature than the "
                          "chain holds"));
  } else {
    checks.push_back(Pass(kMiner, "valid, by " + receipt.miner.ToString()));
  }

  // 5. The amount.
  const std::string kAmount = "amount paid = cost (at most the escrow)";
  if (!ev.escrow) {
    checks.push_back(Fail(kAmount, "the escrow is unknown: " +
                                       (ev.escrow_error.empty() ? "not found" : ev.escrow_error)));
  } else {
    auto payment = protocol::Payment(receipt.metrics, receipt.price, ev.escrow->amount);
    if (!payment.ok()) {
      checks.push_back(Fail(kAmount, payment.error().message()));
    } else if (*payment != receipt.amount_paid) {
      checks.push_back(Fail(kAmount, "paid " + receipt.amount_paid.ToString() + ", but " +
                                         payment->ToString() + " is due"));
    } else if (ev.escrow->status != "settled") {
      checks.push_back(Fail(kAmount, "the escrow is " + ev.escrow->status + ", not settled"));
    } else if (ev.settle_tx && !ev.escrow->closing_tx.IsZero() &&
               ev.escrow->closing_tx != ev.settle_tx->tx.hash) {
      checks.push_back(Fail(kAmount, "the escrow was closed by another transaction, " +
                                         ev.escrow->closing_tx.ToHex()));
    } else {
      checks.push_back(Pass(kAmount, receipt.amount_paid.ToString() + " of an escrow of " +
                                         ev.escrow->amount.ToString()));
    }
  }

  // 6. In block N.
  const std::string kInBlock = "settlement in a block";
  const uint64_t height = ev.settle_tx ? ev.settle_tx->height : ev.receipt.block_height;
  if (!ev.settle_tx) {
    checks.push_back(Fail(kInBlock, "no settlement transaction"));
  } else if (!ev.block) {
    checks.push_back(
        Fail(kInBlock, "block " + std::to_string(height) + " not fetched: " + ev.block_error));
  } else if (ev.block->header.height != height) {
    checks.push_back(Fail(kInBlock, "asked for block " + std::to_string(height) + ", got " +
                                        std::to_string(ev.block->header.height)));
  } else if (ev.receipt.block_height != 0 && ev.receipt.block_height != height) {
    checks.push_back(
        Fail(kInBlock, "the receipt says block " + std::to_string(ev.receipt.block_height) +
                           " but the chain has it in block " + std::to_string(height)));
  } else if (std::none_of(
                 ev.block->txs.begin(), ev.block->txs.end(),
                 [&](const protocol::TxEnvelope& t) { return t.hash == ev.settle_tx->tx.hash; })) {
    checks.push_back(
        Fail(kInBlock, "block " + std::to_string(height) + " does not contain the transaction"));
  } else if (protocol::TxRoot(ev.block->txs) != ev.block->header.tx_root) {
    checks.push_back(Fail(kInBlock, "block " + std::to_string(height) +
                                        "'s tx root does not match its transactions"));
  } else {
    checks.push_back(Pass(kInBlock, "block " + std::to_string(height)));
  }

  // 7. The block's proposer signature.
  const std::string kProposer = "block signed by a validator";
  if (!ev.block) {
    checks.push_back(Fail(kProposer, "no block"));
  } else if (!ev.block->VerifySignature()) {
    checks.push_back(Fail(kProposer, "the proposer's signature does not verify"));
  } else if (ev.validators.empty()) {
    checks.push_back(Fail(kProposer, "signature valid, but the genesis validators are unknown"));
  } else if (std::find(ev.validators.begin(), ev.validators.end(), ev.block->header.proposer) ==
             ev.validators.end()) {
    checks.push_back(
        Fail(kProposer, "proposer " + ev.block->header.proposer.ToHex() + " is not a validator"));
  } else {
    checks.push_back(
        Pass(kProposer,
             "proposer " + core::Address::FromPublicKey(ev.block->header.proposer).ToString()));
  }
  return checks;
}

core::Result<ReceiptEvidence> GatherReceiptEvidence(CoordinatorClient& coordinator,
                                                    net::BlockingChainClient& node,
                                                    const std::string& receipt_id) {
  ReceiptEvidence ev;
  AITBC_ASSIGN_OR_RETURN(ev.receipt, coordinator.GetReceipt(receipt_id));
  const std::string& job_id = ev.receipt.receipt.job_id;

  auto escrow = node.GetEscrow(job_id);
  if (!escrow.ok()) {
    ev.escrow_error = escrow.error().message();
  } else if (!escrow->has_value()) {
    ev.escrow_error = "the chain has no escrow for job " + job_id;
  } else {
    ev.escrow = **escrow;
  }

  std::optional<core::Hash256> tx_hash;
  if (!ev.receipt.settle_tx.empty()) {
    auto parsed = core::Hash256::FromHex(ev.receipt.settle_tx);
    if (parsed.ok()) {
      tx_hash = *parsed;
    } else {
      ev.settle_tx_error = "the receipt's settle_tx is not a hash: " + parsed.error().message();
    }
  } else if (ev.escrow && !ev.escrow->closing_tx.IsZero()) {
    tx_hash = ev.escrow->closing_tx;
  } else if (ev.settle_tx_error.empty()) {
    ev.settle_tx_error = "the settlement is not committed yet";
  }
  if (tx_hash) {
    auto tx = node.GetTx(*tx_hash);
    if (tx.ok()) {
      ev.settle_tx = std::move(*tx);
    } else {
      ev.settle_tx_error = "transaction " + tx_hash->ToHex() + ": " + tx.error().message();
    }
  }

  if (ev.settle_tx) {
    auto block = node.GetBlock(ev.settle_tx->height);
    if (block.ok()) {
      ev.block = std::move(*block);
    } else {
      ev.block_error = block.error().message();
    }
  }
  auto genesis = node.GetGenesis();
  if (genesis.ok()) ev.validators = genesis->validators;
  return ev;
}

}  // namespace aitbc::client
