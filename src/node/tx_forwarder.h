// TxForwarder: on a follower, sends verified transactions to the peer it syncs from (POST
// /p2p/txs), which admits them (the proposer) or forwards them further, and answers each
// transaction's callback with the verdict that comes back.
//
// Order: one request is in flight at a time and queued transactions go out in the order they
// were given, so a sender's nonces stay in order. Errors: kUnavailable when no peer is known yet
// or the peer cannot be reached (the client may retry).
// Contract: thread-safe; callbacks run on the HttpClient's loop or the caller's thread.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "net/http_client.h"
#include "node/tx_pipeline.h"

namespace aitbc::node {

class TxForwarder {
 public:
  using Target = std::function<std::optional<net::Url>()>;

  TxForwarder(net::HttpClient& http, Target target, size_t max_batch = 2000);
  void Forward(std::vector<protocol::TxEnvelope> txs, std::vector<TxPipeline::Done> done);

 private:
  struct Queued {
    protocol::TxEnvelope tx;
    TxPipeline::Done done;
  };
  void SendNext();  // with in_flight_ just set by the caller

  net::HttpClient& http_;
  const Target target_;
  const size_t max_batch_;
  std::mutex mu_;
  bool in_flight_ = false;
  std::deque<Queued> queue_;
};

}  // namespace aitbc::node
