#include "bench_util.h"

#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <thread>

#include "core/file_util.h"
#include "net/metrics.h"

namespace aitbc::bench {

void Die(const std::string& message) {
  std::cerr << program_invocation_short_name << ": " << message << "\n";
  std::exit(1);
}

void OrDie(const core::Status& status, const std::string& what) {
  if (!status.ok()) Die(what + ": " + status.error().ToString());
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_path,
                           const std::map<std::string, std::string>& env) {
  pid_ = fork();
  if (pid_ < 0) Die("fork failed");
  if (pid_ == 0) {
    FILE* out = std::freopen(log_path.c_str(), "a", stdout);
    if (out == nullptr || dup2(fileno(stdout), STDERR_FILENO) < 0) _exit(126);
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
}

bool ChildProcess::Running() { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

void ChildProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 100 && Running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (Running()) kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

double ChildProcess::CpuSeconds() const {
  if (pid_ <= 0) return 0;
  auto stat = core::ReadFile("/proc/" + std::to_string(pid_) + "/stat");
  if (!stat.ok()) return 0;
  // After the command name (in parentheses) come the fields from 3 (state) on; utime is field
  // 14 and stime 15, in clock ticks.
  std::istringstream in(stat->substr(stat->rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

nlohmann::json WaitForReady(const std::string& path, ChildProcess& child, int64_t timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    auto text = core::ReadFile(path);
    if (text.ok()) {
      auto json = nlohmann::json::parse(*text, nullptr, false);
      if (json.is_object()) return json;
    }
    if (!child.Running()) Die("the daemon exited before writing " + path);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Die("no " + path + " within " + std::to_string(timeout_ms) + " ms");
}

double HistogramMeanMs(const std::string& metrics_text, const std::string& histogram) {
  double count = net::SampleValue(metrics_text, histogram + "_count").value_or(0);
  double sum = net::SampleValue(metrics_text, histogram + "_sum").value_or(0);
  return count > 0 ? 1000 * sum / count : 0.0;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  size_t i = std::min(values.size() - 1,
                      static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(i), values.end());
  return values[i];
}

}  // namespace aitbc::bench
