#include "net/metrics.h"

#include <gtest/gtest.h>

#include <thread>

#include <nlohmann/json.hpp>

namespace aitbc::net {
namespace {

TEST(MetricsTest, RendersASmallRegistryExactly) {
  MetricsRegistry registry;
  registry.GetCounter("jobs_total", "Jobs submitted.", {{"state", "done"}}).Inc(3);
  registry.GetCounter("jobs_total", "Jobs submitted.", {{"state", "failed"}}).Inc();
  registry.GetGauge("queue_depth", "Jobs waiting.").Set(2.5);
  Histogram& latency = registry.GetHistogram("latency_seconds", "Latency.", {}, {0.1, 1});
  latency.Observe(0.05);
  latency.Observe(0.5);
  latency.Observe(7);
  EXPECT_EQ(registry.Render(),
            "# HELP jobs_total Jobs submitted.\n"
            "# TYPE jobs_total counter\n"
            "jobs_total{state=\"done\"} 3\n"
            "jobs_total{state=\"failed\"} 1\n"
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{le=\"0.1\"} 1\n"
            "latency_seconds_bucket{le=\"1\"} 2\n"
            "latency_seconds_bucket{le=\"+Inf\"} 3\n"
            "latency_seconds_sum 7.55\n"
            "latency_seconds_count 3\n"
            "# HELP queue_depth Jobs waiting.\n"
            "# TYPE queue_depth gauge\n"
            "queue_depth 2.5\n");
}

TEST(MetricsTest, SampleValueReadsRenderedTextBack) {
  MetricsRegistry registry;
  registry.GetGauge("queue", "Q.").Set(2.5);
  registry.GetGauge("queue_depth", "D.").Set(-1);
  registry.GetCounter("jobs_total", "J.", {{"state", "done"}}).Inc(3);
  registry.GetHistogram("latency_seconds", "L.", {}, {1}).Observe(0.25);
  std::string text = registry.Render();
  EXPECT_EQ(SampleValue(text, "queue"), 2.5);
  EXPECT_EQ(SampleValue(text, "queue_depth"), -1);  // not confused with "queue"
  EXPECT_EQ(SampleValue(text, "latency_seconds_sum"), 0.25);
  EXPECT_EQ(SampleValue(text, "latency_seconds_count"), 1);
  EXPECT_EQ(SampleValue(text, "jobs_total"), std::nullopt);  // labelled only
  EXPECT_EQ(SampleValue(text, "missing"), std::nullopt);
  EXPECT_EQ(SampleValue("", "queue"), std::nullopt);
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  MetricsRegistry registry;
  registry.GetCounter("x_total", "Line one\nback\\slash", {{"path", "a\"b\\c\nd"}}).Inc();
  EXPECT_EQ(registry.Render(),
            "# HELP x_total Line one\\nback\\\\slash\n"
            "# TYPE x_total counter\n"
            "x_total{path=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(MetricsTest, SameNameAndLabelsIsTheSameMetric) {
  MetricsRegistry registry;
  Counter& a = registry.GetCounter("c_total", "C.", {{"k", "v"}});
  Counter& b = registry.GetCounter("c_total", "ignored", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
  a.Inc();
  b.Inc(2);
  EXPECT_EQ(a.value(), 3);
  a.Inc(-5);  // counters never go down
  EXPECT_EQ(a.value(), 3);
  Gauge& g = registry.GetGauge("g", "G.");
  g.Add(2);
  g.Add(-0.5);
  EXPECT_EQ(g.value(), 1.5);
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Histogram histogram({5, 1, 2, 2});  // unsorted and repeated bounds are cleaned up
  EXPECT_EQ(histogram.bounds(), (std::vector<double>{1, 2, 5}));
  for (double v : {0.5, 1.0, 1.5, 2.0, 3.0, 100.0}) histogram.Observe(v);
  EXPECT_EQ(histogram.cumulative(), (std::vector<uint64_t>{2, 4, 5, 6}));
  EXPECT_EQ(histogram.count(), 6u);
  EXPECT_DOUBLE_EQ(histogram.sum(), 108.0);
  EXPECT_EQ(DefaultLatencyBuckets().front(), 0.0005);
  EXPECT_EQ(DefaultLatencyBuckets().back(), 60);
}

TEST(MetricsTest, ConcurrentUpdatesAreNotLost) {
  MetricsRegistry registry;
  Counter& counter = registry.GetCounter("n_total", "N.");
  Histogram& histogram = registry.GetHistogram("h", "H.");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        counter.Inc();
        histogram.Observe(0.001);
        if (i % 100 == 0) registry.Render();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.value(), 4000);
  EXPECT_EQ(histogram.count(), 4000u);
}

TEST(MetricsTest, CollectorsRunBeforeRendering) {
  MetricsRegistry registry;
  int depth = 0;
  registry.AddCollector([&] { registry.GetGauge("depth", "Depth.").Set(++depth); });
  EXPECT_NE(registry.Render().find("depth 1\n"), std::string::npos);
  EXPECT_NE(registry.Render().find("depth 2\n"), std::string::npos);
}

TEST(MetricsDeathTest, OneNameTwoTypesAborts) {
  EXPECT_DEATH(
      {
        MetricsRegistry registry;
        registry.GetCounter("x", "X.");
        registry.GetGauge("x", "X.");
      },
      "");
}

// Dispatches through the router the way the server does, capturing the answer.
Response Get(const Router& router, std::string path) {
  class Sink : public Responder::Sink {
   public:
    void Send(Response r) override { response = std::move(r); }
    std::shared_ptr<StreamWriter> StartStream(int, Headers) override { return nullptr; }
    Response response;
  };
  auto sink = std::make_shared<Sink>();
  Request request;
  request.method = Method::kGet;
  request.target = path;
  request.path = std::move(path);
  router.Dispatch(request, Responder(sink));
  return sink->response;
}

TEST(ObservabilityRoutesTest, MetricsAndHealth) {
  MetricsRegistry registry;
  registry.GetCounter("up_total", "Up.").Inc();
  bool healthy = true;
  Router router;
  AddObservabilityRoutes(router, registry, [&]() -> core::Result<nlohmann::json> {
    if (!healthy) return core::Error::Unavailable("database down");
    return nlohmann::json{{"status", "ok"}, {"height", 7}};
  });
  Response metrics = Get(router, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.headers.Get("Content-Type"), "text/plain; version=0.0.4");
  EXPECT_NE(metrics.body.find("up_total 1\n"), std::string::npos);

  Response health = Get(router, "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(nlohmann::json::parse(health.body)["height"], 7);
  healthy = false;
  health = Get(router, "/healthz");
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(ErrorFromResponse(health), core::Error::Unavailable("database down"));

  Router plain;
  AddObservabilityRoutes(plain, registry, nullptr);
  health = Get(plain, "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(nlohmann::json::parse(health.body)["status"], "ok");
}

}  // namespace
}  // namespace aitbc::net
