// jobs_bench: jobs per second that the coordinator accepts, schedules, completes and settles,
// and the overhead it adds per job (docs/performance.md, "Jobs").
//
// It starts a real aitbc-node and a real aitbc-coordinator in a temporary directory (keys made
// with `aitbc-coordinator keys create`, a genesis funding the client accounts), registers
// in-process simulated miners that speak the real miner HTTP protocol (SimMiner: push, running,
// complete with a real Ed25519 proof, heartbeats), submits --jobs jobs over HTTP keeping
// --concurrency in flight, and follows the chain's blocks to see each job_settle commit.
//
//   jobs_per_s       settled jobs / (last settlement seen committed - first submission)
//   overhead_*_ms    per job: (push received by the miner - submission sent)
//                    + (completion answered with the receipt - completion sent)
//   settled          jobs whose job_settle committed in a block
// The last line of output is one JSON object.
//
// Usage: jobs_bench [--node PATH] [--coordinator PATH] [--jobs N] [--concurrency N]
//                   [--miners N] [--slots N] [--clients N] [--block-time-ms N] [--no-running]
//                   [--db URL] [--sqlite-sync full|normal] [--threads N] [--log-level L] [--keep]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench_util.h"
#include "coordinator/sim_miner.h"
#include "core/field_lines.h"
#include "core/file_util.h"
#include "net/chain_client.h"
#include "net/event_loop.h"
#include "net/http_client.h"
#include "net/metrics.h"
#include "protocol/transaction.h"

namespace {

using namespace aitbc;
using namespace aitbc::bench;
using SteadyClock = std::chrono::steady_clock;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             SteadyClock::now().time_since_epoch())
      .count();
}

// Runs a command to completion; its stdout ("name: value" lines parsed).
std::map<std::string, std::string> RunFields(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const auto& a : argv) cmd += "'" + a + "' ";
  cmd += "2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) Die("cannot run " + cmd);
  std::string output;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  int status = pclose(pipe);
  if (status != 0) Die(cmd + " failed: " + output);
  return core::ParseFieldLines(output);
}

double Round(double v, double unit = 0.01) {
  double per_unit = std::round(1.0 / unit);  // 100 for 0.01: divide, so 2.53 prints as 2.53
  return std::round(v * per_unit) / per_unit;
}

// The 1-minute load average when the run starts: how busy the shared machine was.
double LoadAverage() {
  double load[1] = {0};
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"jobs_bench: coordinator throughput and overhead"};
  std::string bin_dir = std::filesystem::path(argv[0]).parent_path().string();
  std::string node_bin = bin_dir + "/aitbc-node";
  std::string coordinator_bin = bin_dir + "/aitbc-coordinator";
  int jobs = 5000;
  int concurrency = 8;
  int miners = 4;
  uint32_t slots = 64;
  int clients = 4;
  int64_t block_time_ms = 100;
  bool no_running = false;
  bool keep = false;
  std::string db;
  std::string sqlite_sync = "full";
  int threads = 2;
  std::string log_level = "info";
  app.add_option("--node", node_bin, "aitbc-node binary");
  app.add_option("--coordinator", coordinator_bin, "aitbc-coordinator binary");
  app.add_option("--jobs", jobs, "Jobs to run");
  app.add_option("--concurrency", concurrency, "Submissions in flight");
  app.add_option("--miners", miners, "Simulated miners");
  app.add_option("--slots", slots, "Slots per miner");
  app.add_option("--clients", clients, "Client API keys (accounts)");
  app.add_option("--block-time-ms", block_time_ms, "Node block interval");
  app.add_flag("--no-running", no_running, "Miners skip the `running` report");
  app.add_option("--db", db, "Coordinator database URL (default: SQLite)");
  app.add_option("--sqlite-sync", sqlite_sync, "full or normal");
  app.add_option("--threads", threads, "Coordinator event-loop threads");
  app.add_option("--log-level", log_level, "Coordinator log level");
  app.add_flag("--keep", keep, "Keep the temporary directory");
  CLI11_PARSE(app, argc, argv);

  char tmpl[] = "/tmp/aitbc-jobs-bench.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) Die("mkdtemp failed");
  std::string dir = tmpl;
  std::string cdir = dir + "/coordinator";
  std::string ndir = dir + "/node";
  std::vector<std::string> db_flags;
  if (!db.empty()) db_flags = {"--db", db};
  setenv("AITBC_COORDINATOR_PASSPHRASE", "", 1);
  setenv("AITBC_NODE_PASSPHRASE", "", 1);

  // Keys and genesis.
  std::vector<std::string> init = {coordinator_bin, "init", "--datadir", cdir,
                                   "--insecure-no-passphrase"};
  init.insert(init.end(), db_flags.begin(), db_flags.end());
  std::string coordinator_address = RunFields(init)["coordinator address"];
  auto create_key = [&](const std::string& role) {
    std::vector<std::string> args = {
        coordinator_bin,           "keys", "create", "--datadir", cdir, "--role", role,
        "--insecure-no-passphrase"};
    args.insert(args.end(), db_flags.begin(), db_flags.end());
    return RunFields(args);
  };
  std::vector<std::map<std::string, std::string>> client_keys, miner_keys;
  for (int i = 0; i < clients; ++i) client_keys.push_back(create_key("client"));
  for (int i = 0; i < miners; ++i) miner_keys.push_back(create_key("miner"));
  std::vector<std::string> node_init = {node_bin,     "init",
                                        "--datadir",  ndir,
                                        "--chain-id", "aitbc-jobs-bench",
                                        "--fund",     coordinator_address + "=1000000aitbc"};
  for (auto& k : client_keys) {
    node_init.push_back("--fund");
    node_init.push_back(k["address"] + "=1000000aitbc");
  }
  RunFields(node_init);

  // Keys are made unencrypted for the benchmark's throwaway directory.
  const std::map<std::string, std::string> env = {{"AITBC_COORDINATOR_PASSPHRASE", ""},
                                                  {"AITBC_NODE_PASSPHRASE", ""}};
  auto node = std::make_unique<ChildProcess>(
      std::vector<std::string>{node_bin, "start", "--datadir", ndir, "--listen", "127.0.0.1:0",
                               "--p2p-listen", "127.0.0.1:0", "--block-time-ms",
                               std::to_string(block_time_ms), "--log-level", "warn"},
      dir + "/node.out", env);
  std::string node_url = WaitForReady(ndir + "/ready.json", *node, 60'000).value("rpc", "");
  std::vector<std::string> start = {coordinator_bin,
                                    "start",
                                    "--datadir",
                                    cdir,
                                    "--node",
                                    node_url,
                                    "--listen",
                                    "127.0.0.1:0",
                                    "--insecure-no-passphrase",
                                    "--allow-sim-miners",
                                    "--rate-limit-per-s",
                                    "0",
                                    "--miner-rate-limit-per-s",
                                    "0",
                                    "--queue-timeout-ms",
                                    "600000",
                                    "--sqlite-sync",
                                    sqlite_sync,
                                    "--threads",
                                    std::to_string(threads),
                                    "--log-level",
                                    log_level,
                                    "--log-file",
                                    cdir + "/coordinator.log"};
  start.insert(start.end(), db_flags.begin(), db_flags.end());
  auto coordinator = std::make_unique<ChildProcess>(start, dir + "/coordinator.out", env);
  std::string coordinator_url =
      WaitForReady(cdir + "/ready.json", *coordinator, 60'000).value("url", "");

  // Miners.
  net::EventLoop miner_loop(1);
  miner_loop.RunInBackground();
  std::vector<std::unique_ptr<coordinator::SimMiner>> sims;
  for (int i = 0; i < miners; ++i) {
    coordinator::SimMinerOptions o;
    o.coordinator_url = coordinator_url;
    o.miner_key = miner_keys[static_cast<size_t>(i)]["api_key"];
    core::Bytes seed(32, static_cast<uint8_t>(0x30 + i));
    o.key = core::PrivateKey::FromSeed(seed).value();
    o.models = {"bench-model"};
    o.slots = slots;
    o.compute_ms = 100;  // 0.002 AITBC at 0.02 AITBC/s
    o.report_running = !no_running;
    o.request_timeout_ms = 120'000;
    sims.push_back(std::make_unique<coordinator::SimMiner>(miner_loop, o));
    if (auto s = sims.back()->Start(); !s.ok()) Die("miner: " + s.error().ToString());
  }

  // The chain: which jobs' settlements committed, and when they were seen.
  std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<std::string, int64_t> settled_us;
  std::unordered_map<std::string, int64_t> submitted_us;  // job id -> submission sent
  std::atomic<bool> stop_watch{false};
  std::atomic<uint64_t> last_height{0};
  std::thread watcher([&] {
    net::BlockingChainClient chain(OrDie(net::Url::Parse(node_url), "node url"), 10'000);
    uint64_t next = 1;
    while (!stop_watch) {
      auto status = chain.GetStatus();
      if (!status.ok() || status->height < next) {
        usleep(10'000);
        continue;
      }
      for (; next <= status->height; ++next) {
        auto block = chain.GetBlock(next);
        if (!block.ok()) break;
        int64_t seen = NowUs();
        std::lock_guard lock(mu);
        for (const auto& tx : block->txs) {
          if (const auto* s = std::get_if<protocol::JobSettle>(&tx.tx.payload)) {
            settled_us[s->receipt.job_id] = seen;
          }
        }
        last_height = next;
        cv.notify_all();
      }
    }
  });

  // The load: keep `concurrency` submissions in flight.
  net::EventLoop gen_loop(1);
  gen_loop.RunInBackground();
  net::ClientOptions client_options;
  client_options.max_idle_per_host = static_cast<size_t>(concurrency) + 16;
  net::HttpClient http(gen_loop, client_options);
  net::Url jobs_url = OrDie(net::Url::Parse(coordinator_url), "url").WithTarget("/v1/jobs");
  std::atomic<int> next_job{0};
  std::atomic<int> answered{0};
  std::atomic<int> accepted{0};
  std::atomic<int> rejected{0};
  std::string first_error;
  double load_at_start = LoadAverage();
  double bench_cpu_at_start = SelfCpuSeconds();
  int64_t first_submit_us = NowUs();
  std::function<void()> submit_one = [&] {
    int i = next_job.fetch_add(1);
    if (i >= jobs) return;
    net::ClientRequest req;
    req.method = net::Method::kPost;
    req.url = jobs_url;
    req.headers.Set("Content-Type", "application/json");
    req.headers.Set("X-Api-Key", client_keys[static_cast<size_t>(i % clients)]["api_key"]);
    req.body = nlohmann::json{{"type", "inference"},
                              {"prompt", "benchmark prompt " + std::to_string(i)},
                              {"model", "bench-model"},
                              {"max_price", "0.05aitbc"}}
                   .dump();
    req.read_timeout_ms = 120'000;
    int64_t sent = NowUs();
    http.Send(std::move(req), [&, sent](core::Result<net::Response> r) {
      if (r.ok() && r->status == 201) {
        auto body = nlohmann::json::parse(r->body, nullptr, false);
        std::lock_guard lock(mu);
        submitted_us[body.value("job_id", "")] = sent;
        ++accepted;
      } else {
        std::lock_guard lock(mu);
        if (first_error.empty()) first_error = r.ok() ? r->body : r.error().ToString();
        ++rejected;
      }
      ++answered;
      cv.notify_all();
      submit_one();
    });
  };
  for (int i = 0; i < concurrency; ++i) gen_loop.Post(submit_one);

  // Wait for every accepted job to settle (or stop making progress for a minute).
  size_t last_settled = 0;
  auto last_progress = SteadyClock::now();
  for (;;) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::milliseconds(200));
    size_t settled_ours = 0;
    for (const auto& [id, t] : submitted_us) settled_ours += settled_us.count(id);
    if (answered == jobs && settled_ours == static_cast<size_t>(accepted.load())) break;
    if (settled_ours != last_settled) {
      last_settled = settled_ours;
      last_progress = SteadyClock::now();
    }
    if (SteadyClock::now() - last_progress > std::chrono::seconds(60)) {
      std::cerr << "jobs_bench: no progress for 60 s (" << settled_ours << " settled)\n";
      break;
    }
  }
  // The coordinator's own view: mean of its latency histograms (sum / count).
  std::map<std::string, double> coordinator_means;
  {
    net::BlockingHttpClient probe;
    net::ClientRequest req;
    req.url = OrDie(net::Url::Parse(coordinator_url), "url").WithTarget("/metrics");
    auto metrics = probe.Send(req);
    std::string text = metrics.ok() ? metrics->body : "";
    for (const char* h : {"aitbc_queue_wait_seconds", "aitbc_assign_latency_seconds",
                          "aitbc_settle_latency_seconds"}) {
      if (net::SampleValue(text, std::string(h) + "_count").value_or(0) > 0) {
        coordinator_means[h] = HistogramMeanMs(text, h);
      }
    }
  }
  double coordinator_cpu = coordinator->CpuSeconds();
  double bench_cpu = SelfCpuSeconds() - bench_cpu_at_start;
  double node_cpu = node->CpuSeconds();
  stop_watch = true;
  watcher.join();

  // Figures.
  std::vector<double> overhead, to_assign, to_receipt;
  std::unordered_map<std::string, coordinator::SimMiner::Record> records;
  for (auto& m : sims) {
    for (auto& r : m->records()) records[r.job_id] = r;
  }
  int64_t last_settle_us = first_submit_us;
  size_t settled = 0;
  {
    std::lock_guard lock(mu);
    for (const auto& [id, sent] : submitted_us) {
      auto s = settled_us.find(id);
      if (s != settled_us.end()) {
        ++settled;
        last_settle_us = std::max(last_settle_us, s->second);
      }
      auto r = records.find(id);
      if (r == records.end() || r->second.complete_answered_us == 0) continue;
      double a = static_cast<double>(r->second.assigned_us - sent) / 1000.0;
      double b =
          static_cast<double>(r->second.complete_answered_us - r->second.complete_sent_us) / 1000.0;
      to_assign.push_back(a);
      to_receipt.push_back(b);
      overhead.push_back(a + b);
    }
  }
  double elapsed_s = static_cast<double>(last_settle_us - first_submit_us) / 1e6;
  double jobs_per_s = elapsed_s > 0 ? static_cast<double>(settled) / elapsed_s : 0;
  for (auto& m : sims) m->Stop();
  gen_loop.Stop();
  miner_loop.Stop();
  coordinator.reset();
  node.reset();

  std::cout << "jobs: " << jobs << " submitted, " << accepted << " accepted, " << rejected
            << " rejected, " << settled << " settled in " << Round(elapsed_s, 0.001) << " s\n";
  if (!first_error.empty()) std::cout << "first rejection: " << first_error << "\n";
  std::cout << "throughput: " << Round(jobs_per_s, 0.1) << " jobs/s (submission to settlement)\n";
  std::cout << "overhead per job: p50 " << Round(Percentile(overhead, 0.5)) << " ms, p99 "
            << Round(Percentile(overhead, 0.99)) << " ms (submission->assignment p50 "
            << Round(Percentile(to_assign, 0.5)) << " ms, completion->receipt p50 "
            << Round(Percentile(to_receipt, 0.5)) << " ms)\n";
  std::cout << "cpu: coordinator " << Round(coordinator_cpu) << " s, node " << Round(node_cpu)
            << " s, load generator and miners " << Round(bench_cpu) << " s; load average "
            << load_at_start << " at the start\n";
  for (const auto& [name, ms] : coordinator_means) {
    std::cout << "coordinator " << name << " mean: " << Round(ms) << " ms\n";
  }
  if (keep) std::cout << "kept " << dir << "\n";
  if (!keep) std::filesystem::remove_all(dir);
  nlohmann::json result = {
      {"benchmark", "jobs"},
      {"jobs", jobs},
      {"accepted", accepted.load()},
      {"settled", settled},
      {"elapsed_s", Round(elapsed_s, 0.001)},
      {"jobs_per_s", Round(jobs_per_s, 0.1)},
      {"overhead_p50_ms", Round(Percentile(overhead, 0.5))},
      {"overhead_p99_ms", Round(Percentile(overhead, 0.99))},
      {"submit_to_assign_p50_ms", Round(Percentile(to_assign, 0.5))},
      {"submit_to_assign_p99_ms", Round(Percentile(to_assign, 0.99))},
      {"complete_to_receipt_p50_ms", Round(Percentile(to_receipt, 0.5))},
      {"complete_to_receipt_p99_ms", Round(Percentile(to_receipt, 0.99))},
      {"concurrency", concurrency},
      {"miners", miners},
      {"slots", slots},
      {"block_time_ms", block_time_ms},
      {"db", db.empty() ? "sqlite" : "postgresql"},
      {"sqlite_sync", sqlite_sync},
      {"coordinator_cpu_s", Round(coordinator_cpu)},
      {"node_cpu_s", Round(node_cpu)},
      {"bench_cpu_s", Round(bench_cpu)},
      {"coordinator_cpu_us_per_job",
       settled > 0 ? Round(coordinator_cpu * 1e6 / static_cast<double>(settled), 1) : 0},
      {"load_average", Round(load_at_start)},
      {"queue_wait_mean_ms", Round(coordinator_means["aitbc_queue_wait_seconds"])},
      {"assign_latency_mean_ms", Round(coordinator_means["aitbc_assign_latency_seconds"])},
      {"settle_latency_mean_ms", Round(coordinator_means["aitbc_settle_latency_seconds"])},
      {"cores", std::thread::hardware_concurrency()}};
  std::cout << result.dump() << std::endl;
  return settled == static_cast<size_t>(jobs) ? 0 : 1;
}
