// The miner's Prometheus metrics (GET /metrics), registered once in a net::MetricsRegistry:
//   aitbc_miner_jobs_total{outcome}       finished jobs; outcome is "completed" or a failure code
//   aitbc_miner_running_jobs              jobs holding a slot now
//   aitbc_miner_tokens_generated_total    completion tokens of completed jobs
//   aitbc_miner_inference_seconds         histogram of the backend time of completed jobs
//   aitbc_miner_gpu_utilization           last measured GPU utilisation (0..1); only once measured
//   aitbc_miner_outbox_pending            final reports not yet acknowledged by the coordinator
// Contract: thread-safe (the registry's metrics are atomics). The registry outlives this object.
#pragma once

#include <cstdint>
#include <string_view>

#include "net/metrics.h"

namespace aitbc::miner {

class MinerMetrics {
 public:
  explicit MinerMetrics(net::MetricsRegistry& registry);

  void JobFinished(std::string_view outcome);
  void JobCompleted(uint64_t completion_tokens, double inference_seconds);
  void SetRunningJobs(size_t n) { running_jobs_.Set(static_cast<double>(n)); }
  void SetOutboxPending(size_t n) { outbox_pending_.Set(static_cast<double>(n)); }
  // Registers the GPU gauge on first use, so it is absent until something was measured.
  void SetGpuUtilization(uint16_t basis_points);
  net::MetricsRegistry& registry() { return registry_; }

 private:
  net::MetricsRegistry& registry_;
  net::Gauge& running_jobs_;
  net::Counter& tokens_generated_;
  net::Histogram& inference_seconds_;
  net::Gauge& outbox_pending_;
};

}  // namespace aitbc::miner
