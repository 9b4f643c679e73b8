// MinerApp: builds a miner from its configuration, runs it, and shuts it down gracefully
// (docs/miner.md). apps/aitbc-miner/main.cpp is RunMinerMain(); tests run MinerApp in-process.
//
// Start(): loads nothing new (Create did), starts the EventLoop threads, binds the HTTP server,
// writes <datadir>/ready.json {"url","port","pid","address","backend"}, then registers with the
// coordinator and re-sends the outbox.
// Graceful shutdown (SIGTERM/SIGINT or RequestShutdown()): stop accepting jobs (503), let
// running jobs finish for shutdown_grace_ms and fail the rest as "cancelled", try to deliver
// pending reports for flush_timeout_ms (what is left stays in the outbox for the next start),
// deregister, stop the server.
// Contract: Create/Start/Wait/the destructor from one thread (main or the test); RequestShutdown
// from any thread. Destroying a started app that was not shut down stops it at once, as a crash
// would (reports stay in the outbox).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "core/address.h"
#include "miner/config.h"
#include "miner/context.h"

namespace aitbc::miner {

// What a test (or main) supplies besides the configuration.
struct MinerDeps {
  std::string key_passphrase;       // AITBC_MINER_PASSPHRASE
  core::Clock* clock = nullptr;     // default: the system clock
  core::Random* random = nullptr;   // default: the system CSPRNG
  std::unique_ptr<GpuSampler> gpu;  // default: NVML when present (unless --no-gpu), else none
  std::string nvml_library = "libnvidia-ml.so.1";
};

class MinerApp {
 public:
  static core::Result<std::unique_ptr<MinerApp>> Create(MinerConfig config, MinerDeps deps = {});
  ~MinerApp();
  MinerApp(const MinerApp&) = delete;
  MinerApp& operator=(const MinerApp&) = delete;

  core::Status Start();
  void RequestShutdown();
  // Blocks until a graceful shutdown finished, then stops the EventLoop.
  void Wait();

  uint16_t port() const { return context_.port; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(context_.port); }
  MinerContext& context() { return context_; }

 private:
  MinerApp() = default;
  void ShutdownDone();

  MinerContext context_;
  bool started_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  bool shutting_down_ = false;
  bool shut_down_ = false;
};

// `aitbc-miner init`: creates <datadir>/miner_key.json (encrypted with `passphrase`, or
// plaintext for a devnet when it is empty) and returns the miner's address.
core::Result<core::Address> InitMinerKey(const std::string& datadir, std::string_view passphrase,
                                         core::Random& random);
std::string MinerKeyPath(const std::string& datadir);

// The whole program: parse the command line, then init or start. Returns the exit code.
int RunMinerMain(int argc, const char* const* argv);

}  // namespace aitbc::miner
