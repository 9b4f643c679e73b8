// A coordinator stand-in for the miner's tests: the server the miner registers with, heartbeats
// and reports to. It records every request and answers as the agreed contract says
// (docs/miner.md, "Coordinator"); it is what the miner talks to, not the thing under test.
//
//   POST /v1/miners/register   -> 201 {"miner_id","push_key","heartbeat_interval_ms"}
//   POST /v1/miners/heartbeat  -> 200, or 404 for a miner it does not know (after Forget())
//   DELETE /v1/miners/{id}     -> 204
//   POST /v1/jobs/{id}/status|complete|fail -> 200 (or the status set for them)
// Every request needs X-Miner-Key equal to the configured key (401 otherwise). Stop() and
// Start() on the same port model a coordinator restart; Start() also forgets the miners.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "fake_server.h"
#include "net/http_client.h"
#include "protocol/job_messages.h"

namespace aitbc::miner::testing {

struct StandInOptions {
  std::string miner_key = "aitbc_miner_0123456789abcdef_test";
  int64_t heartbeat_interval_ms = 100;
};

class CoordinatorStandIn final : public FakeServer {
 public:
  explicit CoordinatorStandIn(StandInOptions options = {});

  core::Status Start(uint16_t port = 0);
  // The miner must register again: its heartbeats get 404.
  void Forget();
  void set_final_status(int status) { final_status_.store(status); }
  void set_running_status(int status) { running_status_.store(status); }
  void set_register_status(int status) { register_status_.store(status); }

  std::string push_key() const;
  std::string miner_id() const;
  const StandInOptions& options() const { return options_; }

  // POST /v1/jobs/assign to the miner with the current push key (or `key`).
  core::Result<net::Response> Assign(const std::string& miner_url,
                                     const protocol::AssignRequest& assignment,
                                     std::optional<std::string> key = std::nullopt);

 private:
  bool Authorized(const net::Request& request) const;

  const StandInOptions options_;
  std::atomic<int> final_status_{200};
  std::atomic<int> running_status_{200};
  std::atomic<int> register_status_{201};
  mutable std::mutex state_mu_;
  std::string push_key_;
  std::string miner_id_;
  bool knows_miner_ = false;
  int registrations_ = 0;
  net::BlockingHttpClient client_;
};

// An assignment the sim backend can run: model llama3.2:latest, price 0.02 AITBC/s, a deadline
// a minute away (wall clock).
protocol::AssignRequest MakeAssignment(const std::string& job_id,
                                       const std::string& model = "llama3.2:latest");

}  // namespace aitbc::miner::testing
