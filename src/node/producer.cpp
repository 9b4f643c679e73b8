// Producer: the block production loop of the proposer.
#include "node/producer.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace aitbc::node {

Producer::Producer(Ledger& ledger, Mempool& mempool, core::PrivateKey key, ProducerOptions options,
                   const core::Clock& clock, std::function<void(const ProducedBlock&)> on_block)
    : ledger_(ledger),
      mempool_(mempool),
      key_(std::move(key)),
      options_(options),
      clock_(clock),
      on_block_(std::move(on_block)) {}

Producer::~Producer() { Stop(); }

void Producer::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Producer::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void Producer::Wake() {
  std::lock_guard lock(mu_);
  woken_ = true;
  cv_.notify_all();
}

core::Result<ProducedBlock> Producer::ProduceOne() {
  const protocol::ConsensusParams& params = ledger_.machine().genesis().params;
  int64_t start = clock_.SteadyMs();
  auto started = std::chrono::steady_clock::now();
  auto candidates = mempool_.Candidates(params.max_block_txs, params.max_block_bytes);
  AITBC_ASSIGN_OR_RETURN(chain::BuiltBlock built,
                         ledger_.machine().BuildBlock(ledger_.store(), candidates,
                                                      static_cast<uint64_t>(clock_.NowMs()), key_));
  auto built_at = std::chrono::steady_clock::now();
  for (const auto& [hash, error] : built.rejected) {
    spdlog::debug("block {}: left out tx {}: {}", built.block.header.height, hash.ToHex(),
                  error.ToString());
  }
  AITBC_TRY(ledger_.Commit(built.block, built.delta));
  auto committed_at = std::chrono::steady_clock::now();
  ProducedBlock produced;
  produced.height = built.block.header.height;
  produced.txs = built.block.txs.size();
  produced.build_seconds = std::chrono::duration<double>(built_at - started).count();
  produced.commit_seconds = std::chrono::duration<double>(committed_at - built_at).count();
  spdlog::debug("produced block {} with {} txs in {} ms", produced.height, produced.txs,
                clock_.SteadyMs() - start);
  if (on_block_) on_block_(produced);
  return produced;
}

void Producer::Run() {
  int64_t last_block = clock_.SteadyMs();
  for (;;) {
    {
      std::unique_lock lock(mu_);
      for (;;) {
        if (stop_) return;
        int64_t now = clock_.SteadyMs();
        bool has_txs = mempool_.ready() > 0;
        int64_t due = has_txs ? last_block + options_.block_time_ms
                              : last_block + options_.idle_block_time_ms;
        if (now >= due) break;
        woken_ = false;
        cv_.wait_for(lock, std::chrono::milliseconds(due - now),
                     [this] { return stop_ || woken_; });
      }
    }
    last_block = clock_.SteadyMs();
    auto produced = ProduceOne();
    if (!produced.ok()) {
      spdlog::error("block production failed: {}", produced.error().ToString());
    }
  }
}

}  // namespace aitbc::node
