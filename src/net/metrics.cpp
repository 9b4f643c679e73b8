#include "net/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace aitbc::net {
namespace {

enum class Type { kCounter, kGauge, kHistogram };

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void AppendValue(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    out += std::to_string(static_cast<int64_t>(v));
  } else {
    char buf[64];
    auto result = std::to_chars(buf, buf + sizeof(buf), v);
    out.append(buf, result.ptr);
  }
}

// HELP text escapes backslash and newline; label values also escape the double quote.
void AppendEscaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// {a="x",b="y"} plus an optional le label last; nothing for no labels.
void AppendLabels(std::string& out, const Labels& labels, const std::string* le = nullptr) {
  if (labels.empty() && !le) return;
  out += '{';
  bool first = true;
  auto add = [&](const std::string& name, std::string_view value) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    AppendEscaped(out, value, true);
    out += '"';
  };
  for (const auto& [name, value] : labels) add(name, value);
  if (le) add("le", *le);
  out += '}';
}

void AtomicAdd(std::atomic<double>& target, double v) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + v, std::memory_order_relaxed)) {
  }
}

}  // namespace

void Counter::Inc(double v) {
  if (v < 0) return;  // counters only go up
  AtomicAdd(value_, v);
}

void Gauge::Add(double v) { AtomicAdd(value_, v); }

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)) {
  std::erase_if(bounds_, [](double b) { return std::isnan(b) || std::isinf(b); });
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
  buckets_ = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
}

void Histogram::Observe(double v) {
  // The first bucket whose upper bound is >= v (Prometheus "le"); +Inf is the last.
  size_t index =
      static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, v);
}

std::vector<uint64_t> Histogram::cumulative() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

std::optional<double> SampleValue(std::string_view text, std::string_view name) {
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.size() > name.size() + 1 && line.substr(0, name.size()) == name &&
        line[name.size()] == ' ') {
      return std::strtod(std::string(line.substr(name.size() + 1)).c_str(), nullptr);
    }
  }
  return std::nullopt;
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

struct MetricsRegistry::Family {
  Type type;
  std::string help;
  std::map<Labels, std::unique_ptr<Counter>> counters;
  std::map<Labels, std::unique_ptr<Gauge>> gauges;
  std::map<Labels, std::unique_ptr<Histogram>> histograms;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

namespace {

template <typename FamilyT, typename FamilyMap>
FamilyT& FindFamily(FamilyMap& families, const std::string& name, const std::string& help,
                    Type type) {
  auto it = families.find(name);
  if (it == families.end()) {
    auto family = std::make_unique<FamilyT>();
    family->type = type;
    family->help = help;
    it = families.emplace(name, std::move(family)).first;
  } else if (it->second->type != type) {
    // Programmer error: one name registered as two metric types.
    spdlog::critical("metric {} registered as {} and {}", name, TypeName(it->second->type),
                     TypeName(type));
    std::abort();
  }
  return *it->second;
}

}  // namespace

Counter& MetricsRegistry::GetCounter(const std::string& name, const std::string& help,
                                     const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& family = FindFamily<Family>(families_, name, help, Type::kCounter);
  auto& slot = family.counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& MetricsRegistry::GetGauge(const std::string& name, const std::string& help,
                                 const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& family = FindFamily<Family>(families_, name, help, Type::kGauge);
  auto& slot = family.gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& MetricsRegistry::GetHistogram(const std::string& name, const std::string& help,
                                         const Labels& labels, std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  auto& family = FindFamily<Family>(families_, name, help, Type::kHistogram);
  auto& slot = family.histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(std::move(bounds));
  return *slot;
}

void MetricsRegistry::AddCollector(std::function<void()> collector) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::string MetricsRegistry::Render() const {
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard lock(mu_);
    collectors = collectors_;
  }
  // Outside the lock: collectors update gauges through this registry.
  for (const auto& collector : collectors) collector();

  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& entry : families_) {
    const std::string& name = entry.first;
    const auto& family = entry.second;
    out += "# HELP ";
    out += name;
    out += ' ';
    AppendEscaped(out, family->help, false);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += TypeName(family->type);
    out += '\n';
    auto render_values = [&](const auto& series) {
      for (const auto& [labels, metric] : series) {
        out += name;
        AppendLabels(out, labels);
        out += ' ';
        AppendValue(out, metric->value());
        out += '\n';
      }
    };
    render_values(family->counters);
    render_values(family->gauges);
    for (const auto& [labels, histogram] : family->histograms) {
      std::vector<uint64_t> counts = histogram->cumulative();
      const auto& bounds = histogram->bounds();
      for (size_t i = 0; i < counts.size(); ++i) {
        std::string le;
        if (i < bounds.size()) {
          AppendValue(le, bounds[i]);
        } else {
          le = "+Inf";
        }
        out += name;
        out += "_bucket";
        AppendLabels(out, labels, &le);
        out += ' ';
        out += std::to_string(counts[i]);
        out += '\n';
      }
      out += name;
      out += "_sum";
      AppendLabels(out, labels);
      out += ' ';
      AppendValue(out, histogram->sum());
      out += '\n';
      out += name;
      out += "_count";
      AppendLabels(out, labels);
      out += ' ';
      // The count is the +Inf bucket, so the two always agree in one rendering.
      out += std::to_string(counts.back());
      out += '\n';
    }
  }
  return out;
}

void AddObservabilityRoutes(Router& router, MetricsRegistry& metrics,
                            std::function<core::Result<nlohmann::json>()> health) {
  router.Add(Method::kGet, "/metrics", [&metrics](Request&) {
    return Response::Text(200, metrics.Render(), "text/plain; version=0.0.4");
  });
  router.Add(Method::kGet, "/healthz", [health = std::move(health)](Request&) {
    if (!health) return Response::Json(200, {{"status", "ok"}});
    core::Result<nlohmann::json> result = health();
    if (!result.ok()) {
      Response response = Response::FromError(result.error());
      response.status = 503;
      return response;
    }
    return Response::Json(200, *result);
  });
}

}  // namespace aitbc::net
