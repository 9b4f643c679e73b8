// Independent verification of a receipt (`aitbc receipt ID --verify`): the coordinator's word is
// checked against the chain and the signatures, so a client need not trust the coordinator.
//
// VerifyReceipt is pure: it takes what was fetched (the coordinator's receipt, the settlement
// transaction, the escrow, the block and the genesis validators) and returns one Check per
// property, in order:
//   1. the settlement is on the chain: the transaction exists and is a job_settle;
//   2. the chain's receipt equals the coordinator's receipt, field for field;
//   3. the coordinator's signature: the transaction's signature verifies and its sender is the
//      escrow's coordinator (and the coordinator address the receipt names, when it names one);
//   4. the miner's signature over the proof (job id, result hash, metrics, price) verifies
//      with a key whose address is receipt.miner;
//   5. amount_paid == protocol::Payment(metrics, price, escrow amount), and the escrow is
//      closed as settled by this transaction;
//   6. the transaction is in block N (the block at the receipt's height contains its hash, and
//      the block's tx root matches its transactions);
//   7. block N is signed by its proposer, and the proposer is a genesis validator.
// A check whose inputs are missing fails with a detail saying what was missing.
// GatherReceiptEvidence does the fetching (coordinator REST + node RPC). Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "client/api_types.h"
#include "client/coordinator_client.h"
#include "net/chain_client.h"
#include "protocol/block.h"

namespace aitbc::client {

struct ReceiptEvidence {
  ReceiptView receipt;  // from the coordinator
  std::optional<net::TxInfo> settle_tx;
  std::string settle_tx_error;  // why settle_tx is missing
  std::optional<net::EscrowInfo> escrow;
  std::string escrow_error;
  std::optional<protocol::Block> block;
  std::string block_error;
  std::vector<core::PublicKey> validators;  // from the genesis; empty when unknown
};

struct Check {
  std::string name;
  bool ok = false;
  std::string detail;  // what was found (or what is wrong)
};

std::vector<Check> VerifyReceipt(const ReceiptEvidence& evidence);
bool AllPassed(const std::vector<Check>& checks);

// Fetches the receipt from the coordinator (an error only when that fails) and then, from the
// node, the escrow, the settlement transaction (by the receipt's settle_tx, else the escrow's
// closing transaction), its block and the genesis; a failure to fetch one of those is recorded
// in the evidence, so that VerifyReceipt reports it as a failed check.
core::Result<ReceiptEvidence> GatherReceiptEvidence(CoordinatorClient& coordinator,
                                                    net::BlockingChainClient& node,
                                                    const std::string& receipt_id);

}  // namespace aitbc::client
