// The node's RPC as the client library uses it: every call with the seed's retry policy, and
// sending a signed transfer from a wallet key.
//
// Contract: CallNode retries only retryable errors (net::IsRetryable: the node unreachable,
// timeouts, 429/503-like answers). Every call the client library makes to the node is
// idempotent: queries, and broadcasts of a signed transaction, which the node accepts again
// (the nonce makes it apply once). `attempts`, when given, receives the attempts made (for
// messages such as "after 3 retries"). SendTransfer returns the first error of its steps.
// Thread-safe as far as the BlockingChainClient is.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/address.h"
#include "core/amount.h"
#include "core/hash.h"
#include "core/keys.h"
#include "core/random.h"
#include "core/result.h"
#include "net/chain_client.h"
#include "net/retry.h"

namespace aitbc::client {

struct NodeRetry {
  net::RetryPolicy policy;
  net::OnRetry on_retry;  // before each wait: (retry number, error, delay in ms)
  core::Random* random = &core::SystemRandom::Instance();
};

template <typename T>
core::Result<T> CallNode(const NodeRetry& retry, const std::function<core::Result<T>()>& call,
                         int* attempts = nullptr) {
  int made = 0;
  std::function<core::Result<T>()> counted = [&]() -> core::Result<T> {
    ++made;
    return call();
  };
  core::Result<T> result = net::Retry<T>(retry.policy, *retry.random, counted, retry.on_retry);
  if (attempts != nullptr) *attempts = made;
  return result;
}

struct SentTransfer {
  core::Hash256 tx_hash;
  std::string chain_id;
  uint64_t nonce = 0;
  core::Amount fee;
};

// Builds, signs and broadcasts a transfer of `amount` from key's account to `to`: the chain id
// from the node's status, the account's pending nonce, and, when `fee` is absent, the genesis
// minimum fee. The node checks the balance (kInsufficientFunds).
core::Result<SentTransfer> SendTransfer(net::BlockingChainClient& node, const core::PrivateKey& key,
                                        const core::Address& to, core::Amount amount,
                                        std::optional<core::Amount> fee,
                                        const NodeRetry& retry = {}, int* attempts = nullptr);

}  // namespace aitbc::client
