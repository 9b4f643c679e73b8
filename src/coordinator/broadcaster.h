// TxBroadcaster: sends signed transactions to the node, batching those that arrive while
// earlier calls are in flight into one JSON-RPC batch (net::ChainClient::BroadcastTxs). An idle
// broadcaster sends at once, so batching adds no latency; under load it saves one HTTP round
// trip and one request parse per transaction.
//
// Contract: thread-safe. Every callback runs exactly once, on the chain client's threads.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

#include "core/bytes.h"
#include "core/hash.h"
#include "core/result.h"
#include "net/chain_client.h"

namespace aitbc::coordinator {

class TxBroadcaster {
 public:
  using Done = std::function<void(core::Result<core::Hash256>)>;

  explicit TxBroadcaster(net::ChainClient& chain, size_t max_in_flight = 2, size_t max_batch = 1000)
      : chain_(chain), max_in_flight_(max_in_flight), max_batch_(max_batch) {}

  void Broadcast(core::Bytes tx, Done done);

 private:
  void SendSome();  // with mu_ NOT held

  net::ChainClient& chain_;
  size_t max_in_flight_;
  size_t max_batch_;
  std::mutex mu_;
  std::vector<core::Bytes> queued_;
  std::vector<Done> callbacks_;
  size_t in_flight_ = 0;
};

}  // namespace aitbc::coordinator
