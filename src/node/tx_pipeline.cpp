// TxPipeline: parallel signature verification with in-order delivery (a reorder buffer).
#include "node/tx_pipeline.h"

namespace aitbc::node {

TxPipeline::TxPipeline(Options options, Sink sink) : options_(options), sink_(std::move(sink)) {
  size_t n = std::max<size_t>(1, options_.threads);
  for (size_t i = 0; i < n; ++i) threads_.emplace_back([this] { Work(); });
}

TxPipeline::~TxPipeline() { Stop(); }

void TxPipeline::Submit(protocol::TxEnvelope tx, Done done) {
  bool stopping = false;
  {
    std::lock_guard lock(mu_);
    stopping = stopping_;
    if (!stopping && queued_ < options_.max_queued) {
      incoming_.push_back(Item{std::move(tx), std::move(done), false, {}});
      ++queued_;
      cv_.notify_one();
      return;
    }
  }
  if (stopping) return done(core::Error::Unavailable("node is shutting down"));
  done(core::Error::ResourceExhausted("node busy: " + std::to_string(options_.max_queued) +
                                      " transactions are waiting for verification"));
}

size_t TxPipeline::queued() const {
  std::lock_guard lock(mu_);
  return queued_;
}

void TxPipeline::Work() {
  for (;;) {
    auto chunk = std::make_shared<Chunk>();
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !incoming_.empty(); });
      if (stopping_) return;
      size_t n = std::min(options_.max_chunk, incoming_.size());
      chunk->items.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        chunk->items.push_back(std::move(incoming_.front()));
        incoming_.pop_front();
      }
      in_order_.push_back(chunk);
    }
    for (Item& item : chunk->items) {
      core::Status status = item.tx.tx.VerifySignatures();
      item.valid = status.ok();
      if (!status.ok()) item.error = status.error().message();
    }
    {
      std::lock_guard lock(mu_);
      chunk->verified = true;
    }
    Deliver();
  }
}

void TxPipeline::Deliver() {
  std::lock_guard deliver(deliver_mu_);
  std::vector<std::shared_ptr<Chunk>> ready;
  {
    std::lock_guard lock(mu_);
    while (!in_order_.empty() && in_order_.front()->verified) {
      ready.push_back(std::move(in_order_.front()));
      in_order_.pop_front();
    }
    for (const auto& chunk : ready) queued_ -= chunk->items.size();
  }
  if (ready.empty()) return;
  std::vector<protocol::TxEnvelope> txs;
  std::vector<Done> dones;
  for (auto& chunk : ready) {
    for (Item& item : chunk->items) {
      if (!item.valid) {
        item.done(core::Error::Unauthenticated("invalid signature: " + item.error));
        continue;
      }
      txs.push_back(std::move(item.tx));
      dones.push_back(std::move(item.done));
    }
  }
  if (!txs.empty()) sink_(std::move(txs), std::move(dones));
}

void TxPipeline::Stop() {
  std::deque<Item> left;
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    left.swap(incoming_);
    queued_ -= left.size();
    cv_.notify_all();
  }
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
  // Chunks being verified were finished by their threads before they returned.
  Deliver();
  for (Item& item : left) item.done(core::Error::Unavailable("node is shutting down"));
}

}  // namespace aitbc::node
