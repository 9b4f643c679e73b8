// SimMiner: an in-process simulated miner that speaks the real miner HTTP protocol to a
// coordinator, for the coordinator's tests and the jobs benchmark (the real aitbc-miner has its
// own `sim` backend; this one is small, scriptable and records timings).
//
// It serves POST /v1/jobs/assign (accepting only X-Api-Key equal to the push key it received at
// registration), registers with its X-Miner-Key, heartbeats (registering again on 404), reports
// `running`, and completes each job with a real Ed25519 proof over the result hash, metrics and
// the assigned price — or misbehaves as its Mode says.
//
// Contract: thread-safe. Callbacks run on the given EventLoop, which must outlive the miner.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/keys.h"
#include "net/event_loop.h"
#include "protocol/receipt.h"

namespace aitbc::coordinator {

struct SimMinerOptions {
  enum class Mode {
    kComplete,         // run and complete with a valid proof
    kFail,             // report failure (backend_error)
    kIgnore,           // accept the job and never report
    kHang,             // report running, then never finish
    kRefuse,           // answer the push with 503 (busy)
    kBadSignature,     // complete with a corrupted signature
    kInflatedCompute,  // claim far more compute time than has passed
  };
  std::string coordinator_url;  // "http://127.0.0.1:8000"
  std::string miner_key;        // X-Miner-Key
  core::PrivateKey key = core::PrivateKey::FromSeed(core::Bytes(32, 0x42)).value();
  std::vector<std::string> models = {"sim-model"};
  uint32_t slots = 4;
  protocol::Price price{core::Amount::FromMicro(20'000), core::Amount()};  // 0.02 AITBC/s
  std::string backend = "sim";
  Mode mode = Mode::kComplete;
  int64_t work_ms = 0;      // from assignment to the completion report
  uint64_t compute_ms = 0;  // reported compute time (signed); 0: work_ms
  uint64_t tokens = 10;     // reported completion tokens
  bool report_running = true;
  bool heartbeat = true;
  int64_t request_timeout_ms = 10'000;
};

class SimMiner {
 public:
  using Mode = SimMinerOptions::Mode;

  // What happened to one job, with steady-clock microseconds for the benchmark.
  struct Record {
    std::string job_id;
    int64_t assigned_us = 0;           // push received
    int64_t complete_sent_us = 0;      // completion sent
    int64_t complete_answered_us = 0;  // coordinator answered it (receipt signed)
    int complete_status = 0;           // HTTP status of the completion
  };

  SimMiner(net::EventLoop& loop, SimMinerOptions options);
  ~SimMiner();
  SimMiner(const SimMiner&) = delete;
  SimMiner& operator=(const SimMiner&) = delete;

  // Serves on a free loopback port, registers, and starts heartbeating. Blocks until the
  // registration is answered; the coordinator's error otherwise.
  core::Status Start();
  void Stop();

  void set_mode(Mode mode);
  void set_heartbeat(bool on);
  std::string miner_id() const;
  std::string url() const;
  core::Address address() const;
  std::vector<Record> records() const;
  size_t assigned() const;
  size_t completed() const;  // completions answered 200

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace aitbc::coordinator
