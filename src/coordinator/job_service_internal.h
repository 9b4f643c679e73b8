// Internal to job_service*.cpp: the in-memory state of one live job and the service's metrics.
#pragma once

#include <optional>
#include <vector>

#include "coordinator/job_service.h"

namespace aitbc::coordinator {

struct JobService::Entry {
  Job job;
  bool submitting = true;  // escrow not yet accepted: invisible, answers pending
  std::vector<JobDone> submit_waiters;

  uint32_t writes_in_flight = 0;
  std::vector<std::function<void()>> after_durable;

  struct Poller {
    uint64_t id;
    JobDone done;
    net::EventLoop::TimerId timer;
  };
  std::vector<Poller> pollers;  // long-polls waiting for a terminal state

  net::EventLoop::TimerId timer = 0;  // queue timeout, start/finish deadline or restart grace
  uint64_t timer_gen = 0;
  uint32_t assign_gen = 0;  // bumped at every (re)assignment: stale push answers are ignored

  bool escrow_in_mempool = false;  // this process saw the node accept the escrow
  bool closing_sent = false;       // settle/refund broadcast (in flight or accepted)
  bool reconciling = false;        // a GetEscrow is in flight
  int64_t chain_checked_steady_ms = 0;
  std::optional<int64_t> unfunded_logged_steady_ms;  // last error about our account's funds
  int64_t enqueued_steady_ms = 0;
  int64_t queue_deadline_steady_ms = 0;
  int64_t completed_steady_ms = 0;
};

struct JobService::Counters {
  std::array<net::Gauge*, 6> jobs{};
  net::Histogram* queue_wait = nullptr;
  net::Histogram* assign_latency = nullptr;
  net::Histogram* settle_latency = nullptr;
  net::Counter* receipts = nullptr;
  net::Counter* reassigned = nullptr;
};

// The store's meta key for the last block the chain follower processed.
inline constexpr const char* kFollowerHeightKey = "follower_height";

// "job is not assigned to miner X" etc. share these words.
inline std::string JobText(const std::string& job_id) { return "job '" + job_id + "'"; }

}  // namespace aitbc::coordinator
