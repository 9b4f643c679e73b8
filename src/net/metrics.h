// Prometheus metrics: counters, gauges and histograms, rendered in the text exposition format
// (version 0.0.4) at GET /metrics.
//
// Contract: registering returns a reference that stays valid for the registry's lifetime;
// registering the same name and labels twice returns the same metric (the first help text and
// histogram bounds win); one name registered as two types is a programmer error (aborts).
// Families render sorted by name, series by labels; label values and help are escaped. Updates are
// lock-free (atomics) and thread-safe; Render() takes a lock and may run concurrently with updates.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/router.h"

namespace aitbc::net {

using Labels = std::map<std::string, std::string>;

class Counter {
 public:
  void Inc(double v = 1.0);
  double value() const { return value_.load(); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v); }
  void Add(double v);
  double value() const { return value_.load(); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double v);
  uint64_t count() const { return count_.load(); }
  double sum() const { return sum_.load(); }
  // Cumulative counts per bucket, including +Inf last.
  std::vector<uint64_t> cumulative() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Default latency buckets in seconds: 0.5 ms .. 60 s.
std::vector<double> DefaultLatencyBuckets();

// Reading Render()'s text back (benchmarks, tests): the value of the sample `name` without
// labels ("name value" on a line of its own; a histogram's "name_sum", "name_count"), nullopt
// when there is none.
std::optional<double> SampleValue(std::string_view text, std::string_view name);

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  Counter& GetCounter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& GetGauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& GetHistogram(const std::string& name, const std::string& help,
                          const Labels& labels = {},
                          std::vector<double> bounds = DefaultLatencyBuckets());
  // Called at the start of each Render() to refresh gauges computed on demand.
  void AddCollector(std::function<void()> collector);
  std::string Render() const;

 private:
  struct Family;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>> families_;
  std::vector<std::function<void()>> collectors_;
};

// Adds GET /metrics (the registry, "text/plain; version=0.0.4") and GET /healthz (health()
// returns the JSON body; an error answers 503 with our JSON error body; a null health answers
// {"status":"ok"}) to the router. The registry must outlive the router.
void AddObservabilityRoutes(Router& router, MetricsRegistry& metrics,
                            std::function<core::Result<nlohmann::json>()> health);

}  // namespace aitbc::net
