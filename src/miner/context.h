// MinerContext: every long-lived part of a running miner, built by MinerApp (app.h) and passed
// to the API handlers; no globals (docs/architecture.md).
//
// Contract: members are declared in construction order and destroyed in reverse; the EventLoop
// is declared first so it outlives everything that schedules work on it, and it must be stopped
// before the other members are destroyed (MinerApp does both). After Start(), members are not
// replaced, so handlers may use them from any loop thread (each is thread-safe itself).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/keys.h"
#include "core/random.h"
#include "miner/backend.h"
#include "miner/config.h"
#include "miner/coordinator_link.h"
#include "miner/gpu.h"
#include "miner/job_runner.h"
#include "miner/miner_metrics.h"
#include "miner/models.h"
#include "miner/outbox.h"
#include "net/event_loop.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/metrics.h"
#include "net/router.h"

namespace aitbc::miner {

inline constexpr std::string_view kMinerVersion = "0.1.0";

struct MinerContext {
  MinerConfig config;
  core::Clock* clock = nullptr;    // not owned
  core::Random* random = nullptr;  // not owned
  std::unique_ptr<net::EventLoop> loop;
  std::unique_ptr<net::MetricsRegistry> registry;
  std::unique_ptr<MinerMetrics> metrics;
  std::unique_ptr<core::PrivateKey> key;
  std::unique_ptr<net::HttpClient> http;
  std::unique_ptr<Backend> backend;
  std::unique_ptr<ModelCatalog> models;
  std::unique_ptr<GpuSampler> gpu;
  std::unique_ptr<Outbox> outbox;
  std::unique_ptr<LinkDelegate> delegate;
  std::unique_ptr<CoordinatorLink> link;
  std::unique_ptr<JobRunner> runner;
  std::shared_ptr<net::Router> router;
  std::unique_ptr<net::HttpServer> server;
  std::string advertise_url;  // set by Start() once the port is bound
  uint16_t port = 0;
};

}  // namespace aitbc::miner
