#include "node/node_metrics.h"

#include <deque>
#include <mutex>

#include "node/node.h"

namespace aitbc::node {
namespace {

std::vector<double> BlockBuckets() {
  return {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60};
}

// Transactions committed in the last window_ms, per second.
class Rate {
 public:
  double Add(int64_t now_ms, size_t n) {
    std::lock_guard lock(mu_);
    samples_.emplace_back(now_ms, n);
    total_ += n;
    while (!samples_.empty() && samples_.front().first < now_ms - kWindowMs) {
      total_ -= samples_.front().second;
      samples_.pop_front();
    }
    return static_cast<double>(total_) * 1000.0 / kWindowMs;
  }

 private:
  static constexpr int64_t kWindowMs = 10'000;
  std::mutex mu_;
  std::deque<std::pair<int64_t, size_t>> samples_;
  size_t total_ = 0;
};

}  // namespace

std::function<void(const ProducedBlock&)> ProducerMetrics(net::MetricsRegistry& metrics) {
  auto& build = metrics.GetHistogram(
      "aitbc_block_build_seconds", "Time to build (execute and sign) a block", {}, BlockBuckets());
  auto& commit =
      metrics.GetHistogram("aitbc_block_commit_seconds",
                           "Time to write a block and update the mempool", {}, BlockBuckets());
  return [&build, &commit](const ProducedBlock& block) {
    build.Observe(block.build_seconds);
    commit.Observe(block.commit_seconds);
  };
}

std::function<void(size_t, double)> JournalMetrics(net::MetricsRegistry& metrics) {
  auto& write =
      metrics.GetHistogram("aitbc_mempool_journal_write_seconds",
                           "Time to write (fsync) one group of accepted transactions", {},
                           {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1});
  auto& txs =
      metrics.GetCounter("aitbc_mempool_journal_txs_total", "Accepted transactions persisted");
  return [&write, &txs](size_t entries, double seconds) {
    write.Observe(seconds);
    txs.Inc(static_cast<double>(entries));
  };
}

void InstallNodeMetrics(NodeContext& ctx) {
  net::MetricsRegistry& m = *ctx.metrics;
  auto& height = m.GetGauge("aitbc_node_height", "Height of the last committed block");
  auto& blocks = m.GetCounter("aitbc_blocks_committed_total", "Blocks committed by this node");
  auto& txs = m.GetCounter("aitbc_txs_committed_total", "Transactions committed by this node");
  auto& tps = m.GetGauge("aitbc_txs_per_second",
                         "Transactions committed per second over the last 10 seconds");
  auto& block_time =
      m.GetHistogram("aitbc_block_time_seconds",
                     "Time between consecutive blocks (block timestamps)", {}, BlockBuckets());
  auto& mempool_txs = m.GetGauge("aitbc_mempool_txs", "Transactions in the mempool");
  auto& mempool_bytes = m.GetGauge("aitbc_mempool_bytes", "Bytes of transactions in the mempool");
  auto& verify_queue =
      m.GetGauge("aitbc_verify_queue", "Transactions waiting for signature verification");
  height.Set(static_cast<double>(ctx.store->height()));

  NodeContext* c = &ctx;
  m.AddCollector([c, &mempool_txs, &mempool_bytes, &verify_queue] {
    if (c->mempool) {
      mempool_txs.Set(static_cast<double>(c->mempool->size()));
      mempool_bytes.Set(static_cast<double>(c->mempool->bytes()));
    }
    if (c->pipeline) verify_queue.Set(static_cast<double>(c->pipeline->queued()));
  });
  auto rate = std::make_shared<Rate>();
  auto last_time = std::make_shared<uint64_t>(ctx.store->meta().last_block_time_ms);
  ctx.ledger->AddListener(
      [=, &height, &blocks, &txs, &tps, &block_time](const protocol::Block& block) {
        height.Set(static_cast<double>(block.header.height));
        blocks.Inc();
        txs.Inc(static_cast<double>(block.txs.size()));
        tps.Set(rate->Add(c->clock->SteadyMs(), block.txs.size()));
        if (*last_time != 0 && block.header.time_ms >= *last_time) {
          block_time.Observe(static_cast<double>(block.header.time_ms - *last_time) / 1000.0);
        }
        *last_time = block.header.time_ms;
      });
}

}  // namespace aitbc::node
