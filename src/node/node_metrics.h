// The node's Prometheus metrics (served at GET /metrics on the RPC port):
//   aitbc_node_height, aitbc_mempool_txs, aitbc_mempool_bytes, aitbc_verify_queue (gauges)
//   aitbc_blocks_committed_total, aitbc_txs_committed_total (counters)
//   aitbc_txs_per_second (gauge: transactions committed over the last 10 s, per second)
//   aitbc_block_time_seconds (histogram: time between consecutive blocks' timestamps)
//   aitbc_block_build_seconds, aitbc_block_commit_seconds (histograms, proposer)
//   aitbc_mempool_journal_write_seconds (histogram, proposer: one group commit of accepted
//     transactions), aitbc_mempool_journal_txs_total (counter: transactions persisted)
//   aitbc_rpc_requests_total{method}, aitbc_rpc_errors_total{method} (node/rpc.cpp)
//   http_requests_total, http_request_duration_seconds (net::HttpServer)
//
// Contract: Install once, after the context's parts exist and before the first commit.
#pragma once

#include <functional>

#include "net/metrics.h"
#include "node/producer.h"

namespace aitbc::node {

struct NodeContext;

void InstallNodeMetrics(NodeContext& ctx);
// The producer's per-block callback that records build and commit durations.
std::function<void(const ProducedBlock&)> ProducerMetrics(net::MetricsRegistry& metrics);
// The mempool journal's per-write callback.
std::function<void(size_t, double)> JournalMetrics(net::MetricsRegistry& metrics);

}  // namespace aitbc::node
