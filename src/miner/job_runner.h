// JobRunner: runs assigned jobs on the backend within the miner's slots, enforces each job's
// deadline, samples GPU utilisation while a job runs, signs the proof of a result and hands the
// final report to the CoordinatorLink (docs/miner.md, "Jobs").
//
// For each job: report "running"; check the model (refreshing the backend's list once if it is
// not known, and failing model_not_found if it is still missing; when the backend gives no list
// at all, the call itself reports what is wrong); call the backend (never another model); then
//   complete: metrics {compute_ms = the backend call's duration on the monotonic clock,
//             prompt/completion tokens from the backend, gpu_utilization_bp = the average of the
//             samples taken during the call, absent without a GPU} and the proof
//             protocol::Proof{job_id, SHA-256(result), metrics, the assignment's price} signed
//             with the miner's key;
//   fail:     the backend's failure code and reason, "timeout" when the deadline passes first
//             (the backend call is cancelled), "cancelled" at shutdown, "invalid_output" for a
//             result that is not valid UTF-8;
//   cancelled by the coordinator (Cancel): the backend call is abandoned, no report.
// Contract: thread-safe; Assign() is atomic with respect to the slot count, so concurrent
// assignments never exceed it. Callbacks capture `this`: the owner stops the EventLoop before
// destroying the runner.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "core/keys.h"
#include "miner/backend.h"
#include "miner/coordinator_link.h"
#include "miner/gpu.h"
#include "miner/miner_metrics.h"
#include "miner/models.h"
#include "net/event_loop.h"
#include "protocol/job_messages.h"

namespace aitbc::miner {

struct JobRunnerOptions {
  uint32_t slots = 1;
  int64_t max_job_ms = 600'000;  // a job's time limit when its assignment has no deadline
  int64_t gpu_sample_ms = 200;
  size_t remember_finished = 10'000;  // finished job ids kept to refuse a repeated assignment
};

class JobRunner {
 public:
  JobRunner(net::EventLoop& loop, core::Clock& clock, const core::PrivateKey& key, Backend& backend,
            ModelCatalog& models, GpuSampler& gpu, CoordinatorLink& link, MinerMetrics& metrics,
            JobRunnerOptions options);
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Takes a slot and starts the job. Errors: kAlreadyExists when the job id is running, recently
  // finished or has a report pending; kUnavailable when every slot is busy or the runner drains.
  core::Status Assign(protocol::AssignRequest assignment);

  struct RunningJob {
    std::string job_id;
    std::string model;
    int64_t started_at_ms = 0;
  };
  // The coordinator no longer wants the job: abandons its backend call and frees its slot
  // without a report. true when it was running, false when it had already finished;
  // kNotFound when this miner never had it (or forgot it).
  core::Result<bool> Cancel(const std::string& job_id, const std::string& reason);

  std::vector<RunningJob> Running() const;
  uint32_t slots() const { return options_.slots; }
  uint32_t free_slots() const;

  // Stops accepting jobs; Assign answers kUnavailable "shutting down" from now on.
  void Drain();
  // done runs once no job runs; jobs still running after grace_ms are failed as "cancelled".
  void FinishOrCancel(int64_t grace_ms, std::function<void()> done);

 private:
  struct Job;
  void CheckModelAndStart(const std::shared_ptr<Job>& job);
  void StartBackend(const std::shared_ptr<Job>& job);
  void SampleGpu(const std::shared_ptr<Job>& job);
  void Finish(const std::shared_ptr<Job>& job, InferenceOutcome outcome, int64_t steady_end_ms);
  // Marks the job finished and frees its slot (under mu_); returns its backend call to cancel.
  std::shared_ptr<InferenceCall> EndLocked(Job& job);
  void NotifyIfIdle();
  OutboxEntry CompleteReport(Job& job, InferenceOutput output, int64_t steady_end_ms);
  void RememberFinishedLocked(const std::string& job_id);

  net::EventLoop& loop_;
  core::Clock& clock_;
  const core::PrivateKey& key_;
  Backend& backend_;
  ModelCatalog& models_;
  GpuSampler& gpu_;
  CoordinatorLink& link_;
  MinerMetrics& metrics_;
  const JobRunnerOptions options_;
  const std::optional<GpuInfo> gpu_info_;

  mutable std::mutex mu_;
  bool draining_ = false;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  std::deque<std::string> finished_order_;
  std::unordered_set<std::string> finished_;
  std::vector<std::function<void()>> idle_waiters_;
};

}  // namespace aitbc::miner
