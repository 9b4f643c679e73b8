// TxForwarder: ordered, batched forwarding of transactions to the peer.
#include "node/tx_forwarder.h"

#include <nlohmann/json.hpp>

#include "node/p2p_wire.h"

namespace aitbc::node {

TxForwarder::TxForwarder(net::HttpClient& http, Target target, size_t max_batch)
    : http_(http), target_(std::move(target)), max_batch_(max_batch) {}

void TxForwarder::Forward(std::vector<protocol::TxEnvelope> txs,
                          std::vector<TxPipeline::Done> done) {
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < txs.size(); ++i) {
      queue_.push_back(Queued{std::move(txs[i]), std::move(done[i])});
    }
    if (in_flight_) return;
    in_flight_ = true;
  }
  SendNext();
}

void TxForwarder::SendNext() {
  std::vector<Queued> batch;
  {
    std::lock_guard lock(mu_);
    size_t n = std::min(max_batch_, queue_.size());
    if (n == 0) {
      in_flight_ = false;
      return;
    }
    for (size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  std::optional<net::Url> peer = target_();
  if (!peer) {
    for (auto& item : batch) {
      item.done(core::Error::Unavailable("not connected to a peer yet: cannot forward"));
    }
    return SendNext();
  }
  net::ClientRequest request;
  request.method = net::Method::kPost;
  request.url = peer->WithTarget("/p2p/txs");
  request.headers.Set("Content-Type", "application/octet-stream");
  for (const auto& item : batch) AppendFrame(request.body, item.tx.bytes);
  request.read_timeout_ms = 30'000;
  auto shared = std::make_shared<std::vector<Queued>>(std::move(batch));
  http_.Send(std::move(request), [this, shared](core::Result<net::Response> response) {
    std::optional<core::Error> failure;
    nlohmann::json verdicts;
    if (!response.ok()) {
      failure = core::Error::Unavailable("forwarding to the proposer failed: " +
                                         response.error().message());
    } else if (response->status != 200) {
      failure = net::ErrorFromResponse(*response);
    } else {
      verdicts = nlohmann::json::parse(response->body, nullptr, false);
      if (!verdicts.is_array() || verdicts.size() != shared->size()) {
        failure = core::Error::Unavailable("malformed answer from the proposer");
      }
    }
    for (size_t i = 0; i < shared->size(); ++i) {
      (*shared)[i].done(failure ? core::Status(*failure) : StatusFromTxResult(verdicts[i]));
    }
    SendNext();
  });
}

}  // namespace aitbc::node
