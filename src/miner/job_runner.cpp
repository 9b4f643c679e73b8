#include "miner/job_runner.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/encoding.h"
#include "protocol/receipt.h"

namespace aitbc::miner {

struct JobRunner::Job {
  protocol::AssignRequest assignment;
  int64_t started_at_ms = 0;
  int64_t steady_start_ms = -1;  // when the backend call began; -1 before
  std::shared_ptr<InferenceCall> call;
  std::optional<net::EventLoop::TimerId> deadline_timer;
  std::optional<net::EventLoop::TimerId> gpu_timer;
  UtilizationAverage gpu;
  bool finished = false;

  const std::string& id() const { return assignment.job_id; }
};

JobRunner::JobRunner(net::EventLoop& loop, core::Clock& clock, const core::PrivateKey& key,
                     Backend& backend, ModelCatalog& models, GpuSampler& gpu, CoordinatorLink& link,
                     MinerMetrics& metrics, JobRunnerOptions options)
    : loop_(loop),
      clock_(clock),
      key_(key),
      backend_(backend),
      models_(models),
      gpu_(gpu),
      link_(link),
      metrics_(metrics),
      options_(options),
      gpu_info_(gpu.Info()) {}

JobRunner::~JobRunner() {
  std::lock_guard lock(mu_);
  for (auto& [id, job] : jobs_) {
    if (job->deadline_timer) loop_.Cancel(*job->deadline_timer);
    if (job->gpu_timer) loop_.Cancel(*job->gpu_timer);
    if (job->call) job->call->Cancel();
  }
}

core::Status JobRunner::Assign(protocol::AssignRequest assignment) {
  auto job = std::make_shared<Job>();
  job->assignment = std::move(assignment);
  job->started_at_ms = clock_.NowMs();
  const std::string& id = job->id();
  {
    std::lock_guard lock(mu_);
    if (draining_) return core::Error::Unavailable("the miner is shutting down");
    if (jobs_.count(id) || finished_.count(id) || link_.HasPendingReport(id)) {
      return core::Error::AlreadyExists("job " + id + " is already known to this miner");
    }
    if (jobs_.size() >= options_.slots) {
      return core::Error::Unavailable("all " + std::to_string(options_.slots) +
                                      " slot(s) are busy");
    }
    jobs_.emplace(id, job);
    metrics_.SetRunningJobs(jobs_.size());
    int64_t deadline = job->assignment.deadline_ms;
    int64_t delay = deadline > 0 ? deadline - job->started_at_ms : options_.max_job_ms;
    job->deadline_timer = loop_.RunAfter(std::max<int64_t>(delay, 0), [this, job, delay] {
      Finish(job,
             InferenceOutcome::Fail(
                 kFailTimeout, "the job's deadline passed after " + std::to_string(delay) + " ms"),
             clock_.SteadyMs());
    });
  }
  spdlog::info("job {}: accepted (model {}, {} prompt bytes)", id, job->assignment.job_data.model,
               job->assignment.job_data.prompt.size());
  link_.ReportRunning(id, job->started_at_ms);
  CheckModelAndStart(job);
  return core::Ok();
}

void JobRunner::CheckModelAndStart(const std::shared_ptr<Job>& job) {
  if (models_.Has(job->assignment.job_data.model)) {
    StartBackend(job);
    return;
  }
  // Perhaps the model was pulled since the last refresh: ask once more, then refuse.
  models_.Refresh([this, job] {
    // Without a model list (the backend does not answer) the call itself says what is wrong.
    if (!models_.healthy() || models_.Has(job->assignment.job_data.model)) {
      StartBackend(job);
      return;
    }
    std::string known;
    for (const auto& name : models_.models()) known += (known.empty() ? "" : ", ") + name;
    Finish(job,
           InferenceOutcome::Fail(kFailModelNotFound,
                                  "the " + std::string(backend_.name()) +
                                      " backend has no model '" + job->assignment.job_data.model +
                                      "' (it has: " + (known.empty() ? "none" : known) + ")"),
           clock_.SteadyMs());
  });
}

void JobRunner::StartBackend(const std::shared_ptr<Job>& job) {
  {
    std::lock_guard lock(mu_);
    if (job->finished) return;
    job->steady_start_ms = clock_.SteadyMs();
  }
  auto call = backend_.Run(InferenceRequest{job->id(), job->assignment.job_data},
                           [this, job](InferenceOutcome outcome) {
                             Finish(job, std::move(outcome), clock_.SteadyMs());
                           });
  bool cancel = false;
  {
    std::lock_guard lock(mu_);
    if (job->finished) {
      cancel = true;
    } else {
      job->call = call;
      if (gpu_info_) {
        job->gpu_timer = loop_.RunAfter(options_.gpu_sample_ms, [this, job] { SampleGpu(job); });
      }
    }
  }
  if (cancel && call) call->Cancel();
}

void JobRunner::SampleGpu(const std::shared_ptr<Job>& job) {
  {
    std::lock_guard lock(mu_);
    if (job->finished) return;
  }
  std::optional<uint16_t> sample = gpu_.SampleUtilizationBp();
  std::lock_guard lock(mu_);
  if (job->finished) return;
  if (sample) {
    job->gpu.Add(*sample);
    metrics_.SetGpuUtilization(*sample);
  }
  job->gpu_timer = loop_.RunAfter(options_.gpu_sample_ms, [this, job] { SampleGpu(job); });
}

void JobRunner::RememberFinishedLocked(const std::string& job_id) {
  finished_.insert(job_id);
  finished_order_.push_back(job_id);
  while (finished_order_.size() > options_.remember_finished) {
    finished_.erase(finished_order_.front());
    finished_order_.pop_front();
  }
}

OutboxEntry JobRunner::CompleteReport(Job& job, InferenceOutput output, int64_t steady_end_ms) {
  protocol::Metrics metrics;
  metrics.compute_ms =
      job.steady_start_ms >= 0
          ? static_cast<uint64_t>(std::max<int64_t>(steady_end_ms - job.steady_start_ms, 0))
          : 0;
  metrics.prompt_tokens = output.prompt_tokens;
  metrics.completion_tokens = output.completion_tokens;
  if (gpu_info_) {
    if (job.gpu.count() == 0) {
      // A job shorter than one sampling period still gets one measurement, taken now.
      if (auto sample = gpu_.SampleUtilizationBp()) job.gpu.Add(*sample);
    }
    metrics.gpu_utilization_bp = job.gpu.Average();
  }
  protocol::Proof proof{job.id(), protocol::ResultHash(output.text), metrics, job.assignment.price};
  protocol::CompleteRequest report;
  report.job_id = job.id();
  report.metrics = metrics;
  report.proof.hash = proof.result_hash;
  report.proof.signature = proof.Sign(key_);
  report.proof.public_key = key_.public_key();
  if (gpu_info_ && metrics.gpu_utilization_bp) report.gpu_name = gpu_info_->name;
  report.result = std::move(output.text);

  spdlog::info("job {}: completed in {} ms, {} prompt + {} completion tokens{}{}", job.id(),
               metrics.compute_ms, metrics.prompt_tokens, metrics.completion_tokens,
               output.tokens_estimated ? " (counted by the miner: the backend sent no counts)" : "",
               metrics.gpu_utilization_bp
                   ? ", GPU " + std::to_string(*metrics.gpu_utilization_bp / 100) + "%"
                   : std::string());
  metrics_.JobCompleted(metrics.completion_tokens, metrics.compute_ms / 1000.0);
  return OutboxEntry{job.id(), ReportKind::kComplete, report.ToJson(), clock_.NowMs()};
}

void JobRunner::Finish(const std::shared_ptr<Job>& job, InferenceOutcome outcome,
                       int64_t steady_end_ms) {
  std::shared_ptr<InferenceCall> call;
  {
    std::lock_guard lock(mu_);
    if (job->finished) return;
    call = EndLocked(*job);
  }
  if (call) call->Cancel();  // a deadline or a shutdown ended it: stop reading from the backend

  if (outcome.ok() && !core::IsValidUtf8(outcome.output.text)) {
    outcome = InferenceOutcome::Fail(kFailInvalidOutput, "the backend's text is not valid UTF-8");
  }
  OutboxEntry entry;
  if (outcome.ok()) {
    entry = CompleteReport(*job, std::move(outcome.output), steady_end_ms);
    metrics_.JobFinished("completed");
  } else {
    protocol::FailReport report{outcome.failure->code, outcome.failure->reason};
    if (report.reason.size() > 4096) report.reason.resize(4096);
    spdlog::warn("job {}: failed ({}): {}", job->id(), report.code, report.reason);
    entry = OutboxEntry{job->id(), ReportKind::kFail, report.ToJson(), clock_.NowMs()};
    metrics_.JobFinished(report.code);
  }
  link_.ReportFinal(std::move(entry));
  NotifyIfIdle();
}

std::shared_ptr<InferenceCall> JobRunner::EndLocked(Job& job) {
  job.finished = true;
  if (job.deadline_timer) loop_.Cancel(*job.deadline_timer);
  if (job.gpu_timer) loop_.Cancel(*job.gpu_timer);
  std::shared_ptr<InferenceCall> call = std::move(job.call);
  RememberFinishedLocked(job.id());
  jobs_.erase(job.id());  // last: `job` may be owned only by the map
  metrics_.SetRunningJobs(jobs_.size());
  return call;
}

void JobRunner::NotifyIfIdle() {
  std::vector<std::function<void()>> idle;
  {
    std::lock_guard lock(mu_);
    if (jobs_.empty()) idle.swap(idle_waiters_);
  }
  for (auto& fn : idle) fn();
}

core::Result<bool> JobRunner::Cancel(const std::string& job_id, const std::string& reason) {
  std::shared_ptr<InferenceCall> call;
  {
    std::lock_guard lock(mu_);
    auto it = jobs_.find(job_id);
    if (it == jobs_.end()) {
      if (finished_.count(job_id) || link_.HasPendingReport(job_id)) return false;
      return core::Error::NotFound("job " + job_id + " is not known to this miner");
    }
    std::shared_ptr<Job> job = it->second;  // keeps it alive past the erase
    call = EndLocked(*job);
  }
  if (call) call->Cancel();
  spdlog::info("job {}: stopped: the coordinator cancelled it ({})", job_id, reason);
  metrics_.JobFinished("cancelled");
  NotifyIfIdle();
  return true;
}

std::vector<JobRunner::RunningJob> JobRunner::Running() const {
  std::lock_guard lock(mu_);
  std::vector<RunningJob> out;
  out.reserve(jobs_.size());
  for (const auto& [id, job] : jobs_) {
    out.push_back({id, job->assignment.job_data.model, job->started_at_ms});
  }
  return out;
}

uint32_t JobRunner::free_slots() const {
  std::lock_guard lock(mu_);
  return options_.slots - static_cast<uint32_t>(std::min<size_t>(jobs_.size(), options_.slots));
}

void JobRunner::Drain() {
  std::lock_guard lock(mu_);
  draining_ = true;
}

void JobRunner::FinishOrCancel(int64_t grace_ms, std::function<void()> done) {
  {
    std::lock_guard lock(mu_);
    if (!jobs_.empty()) {
      spdlog::info("waiting up to {} ms for {} running job(s)", grace_ms, jobs_.size());
      idle_waiters_.push_back(std::move(done));
      loop_.RunAfter(grace_ms, [this] {
        std::vector<std::shared_ptr<Job>> left;
        {
          std::lock_guard lock(mu_);
          for (const auto& [id, job] : jobs_) left.push_back(job);
        }
        for (const auto& job : left) {
          Finish(
              job,
              InferenceOutcome::Fail(kFailCancelled, "the miner shut down before the job finished"),
              clock_.SteadyMs());
        }
      });
      return;
    }
  }
  loop_.Post(std::move(done));
}

}  // namespace aitbc::miner
