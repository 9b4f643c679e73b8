// What both benchmark programs need: dying with a message, our daemons as child processes
// (with their CPU time) and our own CPU time, waiting for a daemon's ready file, percentiles
// and histogram means from /metrics.
//
// Contract: for the benchmark programs only (not thread-safe, POSIX). Die prints
// "<program>: <message>" to stderr and exits 1. A ChildProcess still running when destroyed
// gets SIGTERM, then SIGKILL after 10 s, and is reaped.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace aitbc::bench {

[[noreturn]] void Die(const std::string& message);

template <typename T>
T OrDie(core::Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what + ": " + result.error().ToString());
  return std::move(result).value();
}
void OrDie(const core::Status& status, const std::string& what);

class ChildProcess {
 public:
  // Starts argv[0] (a path) with stdout and stderr appended to log_path and `env` added to the
  // inherited environment.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path,
               const std::map<std::string, std::string>& env = {});
  ~ChildProcess() { Stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool Running();
  // SIGTERM, up to 10 s, then SIGKILL; reaps it. Does nothing once stopped.
  void Stop();
  // User + system CPU seconds it has used so far (from /proc; 0 once reaped).
  double CpuSeconds() const;

 private:
  pid_t pid_ = -1;
};

// This process's user + system CPU seconds.
double SelfCpuSeconds();

// The JSON of a daemon's ready file once it is written; dies when the child exits first or
// timeout_ms passes.
nlohmann::json WaitForReady(const std::string& path, ChildProcess& child, int64_t timeout_ms);

// The mean of a histogram without labels in Prometheus text, in ms (its _sum / _count, in
// seconds); 0 when it has no observations.
double HistogramMeanMs(const std::string& metrics_text, const std::string& histogram);

// The p-quantile (0..1) of values, nearest rank; 0 for none.
double Percentile(std::vector<double> values, double p);

}  // namespace aitbc::bench
