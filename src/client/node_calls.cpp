#include "client/node_calls.h"

#include "client/wallet.h"

namespace aitbc::client {

core::Result<SentTransfer> SendTransfer(net::BlockingChainClient& node, const core::PrivateKey& key,
                                        const core::Address& to, core::Amount amount,
                                        std::optional<core::Amount> fee, const NodeRetry& retry,
                                        int* attempts) {
  AITBC_ASSIGN_OR_RETURN(net::ChainStatus status,
                         CallNode<net::ChainStatus>(
                             retry, [&] { return node.GetStatus(); }, attempts));
  const core::Address from = core::Address::FromPublicKey(key.public_key());
  AITBC_ASSIGN_OR_RETURN(net::AccountInfo account,
                         CallNode<net::AccountInfo>(
                             retry, [&] { return node.GetAccount(from); }, attempts));
  if (!fee) {
    AITBC_ASSIGN_OR_RETURN(protocol::Genesis genesis,
                           CallNode<protocol::Genesis>(
                               retry, [&] { return node.GetGenesis(); }, attempts));
    fee = genesis.params.min_fee;
  }
  protocol::TxEnvelope envelope = protocol::TxEnvelope::FromTx(
      BuildTransfer(status.chain_id, key, to, amount, *fee, account.pending_nonce));
  SentTransfer sent;
  AITBC_ASSIGN_OR_RETURN(sent.tx_hash,
                         CallNode<core::Hash256>(
                             retry, [&] { return node.BroadcastTx(envelope.bytes); }, attempts));
  sent.chain_id = status.chain_id;
  sent.nonce = account.pending_nonce;
  sent.fee = *fee;
  return sent;
}

}  // namespace aitbc::client
