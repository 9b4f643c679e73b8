#include "miner/coordinator_link.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/bytes.h"
#include "miner/streaming_call.h"

namespace aitbc::miner {
namespace {

constexpr int64_t kMinHeartbeatMs = 100;
constexpr int64_t kMaxHeartbeatMs = 300'000;
constexpr int64_t kDeregisterTimeoutMs = 2'000;

std::string Describe(const core::Result<net::Response>& answer) {
  if (!answer.ok()) return answer.error().ToString();
  return "HTTP " + std::to_string(answer->status) + ": " + ErrorTextFromBody(answer->body);
}

bool Is2xx(const core::Result<net::Response>& answer) {
  return answer.ok() && answer->status >= 200 && answer->status < 300;
}

enum class Verdict { kDelivered, kAlreadyFinal, kRejected, kRetry };

Verdict Classify(const core::Result<net::Response>& answer) {
  if (!answer.ok()) return Verdict::kRetry;
  int status = answer->status;
  if (status >= 200 && status < 300) return Verdict::kDelivered;
  if (status == 409) return Verdict::kAlreadyFinal;
  if (status == 400 || status == 403 || status == 404 || status == 410 || status == 413 ||
      status == 422) {
    return Verdict::kRejected;
  }
  return Verdict::kRetry;  // 401 (a key problem the operator can fix), 408, 429, 5xx, ...
}

}  // namespace

CoordinatorLink::CoordinatorLink(net::EventLoop& loop, net::HttpClient& http, core::Random& random,
                                 Outbox& outbox, LinkDelegate& delegate, LinkOptions options)
    : loop_(loop),
      http_(http),
      random_(random),
      outbox_(outbox),
      delegate_(delegate),
      options_(std::move(options)),
      heartbeat_ms_(options_.default_heartbeat_ms) {}

CoordinatorLink::~CoordinatorLink() { Stop(); }

void CoordinatorLink::Start(std::vector<OutboxEntry> pending) {
  {
    std::lock_guard lock(mu_);
    for (auto& entry : pending) {
      std::string id = entry.job_id;
      reports_[id] = PendingReport{std::move(entry)};
    }
    if (!reports_.empty()) {
      spdlog::info("outbox: {} report(s) from before the restart will be re-sent once registered",
                   reports_.size());
    }
  }
  PendingChanged();
  Register(0);
}

void CoordinatorLink::Stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  for (auto id : timers_) loop_.Cancel(id);
  timers_.clear();
  for (auto& waiter : flush_waiters_) loop_.Cancel(waiter.timer);
  flush_waiters_.clear();
}

bool CoordinatorLink::registered() const {
  std::lock_guard lock(mu_);
  return registered_;
}

std::string CoordinatorLink::miner_id() const {
  std::lock_guard lock(mu_);
  return miner_id_;
}

bool CoordinatorLink::CheckPushKey(std::optional<std::string_view> presented) const {
  if (!presented || presented->empty()) return false;
  core::Hash256 hash = core::Sha256(*presented);
  std::lock_guard lock(mu_);
  if (!registered_ || !push_key_hash_) return false;
  return core::ConstantTimeEqual(hash.view(), push_key_hash_->view());
}

void CoordinatorLink::OnPendingChanged(std::function<void(size_t)> fn) {
  std::lock_guard lock(mu_);
  on_pending_changed_ = std::move(fn);
}

void CoordinatorLink::Send(net::Method method, std::string target, const nlohmann::json* body,
                           int64_t timeout_ms, std::function<void(Answer)> done) {
  net::ClientRequest request;
  request.method = method;
  request.url = options_.coordinator.WithTarget(std::move(target));
  request.headers.Set("X-Miner-Key", options_.miner_key);
  if (body) {
    request.headers.Set("Content-Type", "application/json");
    request.body = body->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  request.connect_timeout_ms = options_.connect_timeout_ms;
  request.read_timeout_ms = timeout_ms;
  http_.Send(std::move(request), std::move(done));
}

void CoordinatorLink::AfterLocked(int64_t delay_ms, std::function<void()> fn) {
  if (stopped_) return;
  auto id = std::make_shared<net::EventLoop::TimerId>(0);
  *id = loop_.RunAfter(delay_ms, [this, id, fn = std::move(fn)] {
    {
      std::lock_guard lock(mu_);
      timers_.erase(*id);
      if (stopped_) return;
    }
    fn();
  });
  timers_.insert(*id);
}

// --- registration and heartbeats ---

void CoordinatorLink::Register(int attempt) {
  {
    std::lock_guard lock(mu_);
    if (stopped_ || registering_) return;
    registering_ = true;
  }
  delegate_.BuildRegistration([this, attempt](protocol::MinerRegistration registration) {
    nlohmann::json body = registration.ToJson();
    Send(net::Method::kPost, "/v1/miners/register", &body, options_.request_timeout_ms,
         [this, attempt](Answer answer) { OnRegisterAnswer(attempt, std::move(answer)); });
  });
}

void CoordinatorLink::OnRegisterAnswer(int attempt, Answer answer) {
  std::string problem;
  if (answer.ok() && (answer->status == 200 || answer->status == 201)) {
    nlohmann::json body = nlohmann::json::parse(answer->body, nullptr, false);
    bool valid = body.is_object() && body.contains("miner_id") && body["miner_id"].is_string() &&
                 !body["miner_id"].get<std::string>().empty() && body.contains("push_key") &&
                 body["push_key"].is_string() && !body["push_key"].get<std::string>().empty();
    if (valid) {
      int64_t interval = options_.default_heartbeat_ms;
      if (body.contains("heartbeat_interval_ms") && body["heartbeat_interval_ms"].is_number()) {
        interval = std::clamp<int64_t>(body["heartbeat_interval_ms"].get<int64_t>(),
                                       kMinHeartbeatMs, kMaxHeartbeatMs);
      }
      std::vector<std::string> to_send;
      uint64_t generation = 0;
      {
        std::lock_guard lock(mu_);
        registering_ = false;
        if (stopped_) return;
        miner_id_ = body["miner_id"].get<std::string>();
        push_key_hash_ = core::Sha256(body["push_key"].get<std::string>());
        heartbeat_ms_ = interval;
        registered_ = true;
        generation = ++generation_;
        if (!ever_registered_) {
          ever_registered_ = true;
          for (const auto& [id, report] : reports_) to_send.push_back(id);
        }
        AfterLocked(heartbeat_ms_, [this, generation] { Heartbeat(generation); });
      }
      spdlog::info("registered with the coordinator at {} as miner {} (heartbeat every {} ms)",
                   options_.coordinator.ToString(), body["miner_id"].get<std::string>(), interval);
      for (const auto& id : to_send) SendFinal(id);
      return;
    }
    problem = "malformed answer: " + answer->body.substr(0, 200);
  } else {
    problem = Describe(answer);
  }
  std::lock_guard lock(mu_);
  registering_ = false;
  if (stopped_) return;
  int64_t delay = net::BackoffDelayMs(options_.backoff, attempt, random_);
  if (answer.ok() && answer->status >= 400 && answer->status < 500) {
    spdlog::error("the coordinator at {} refuses to register this miner ({}); retrying in {} ms",
                  options_.coordinator.ToString(), problem, delay);
  } else {
    spdlog::warn("cannot register with the coordinator at {} ({}); retrying in {} ms",
                 options_.coordinator.ToString(), problem, delay);
  }
  AfterLocked(delay, [this, attempt] { Register(attempt + 1); });
}

void CoordinatorLink::Heartbeat(uint64_t generation) {
  {
    std::lock_guard lock(mu_);
    if (stopped_ || generation != generation_ || !registered_) return;
  }
  delegate_.BuildHeartbeat([this, generation](protocol::MinerHeartbeat heartbeat) {
    nlohmann::json body = heartbeat.ToJson();
    Send(net::Method::kPost, "/v1/miners/heartbeat", &body, options_.request_timeout_ms,
         [this, generation](Answer answer) {
           bool forgotten = answer.ok() && (answer->status == 401 || answer->status == 404);
           {
             std::lock_guard lock(mu_);
             if (stopped_ || generation != generation_) return;
             if (!forgotten) {
               if (!Is2xx(answer)) spdlog::warn("heartbeat failed: {}", Describe(answer));
               AfterLocked(heartbeat_ms_, [this, generation] { Heartbeat(generation); });
               return;
             }
             registered_ = false;
             push_key_hash_.reset();
           }
           spdlog::warn("the coordinator no longer knows this miner ({}); registering again",
                        Describe(answer));
           Register(0);
         });
  });
}

void CoordinatorLink::Deregister(std::function<void()> done) {
  std::string id;
  {
    std::lock_guard lock(mu_);
    id = miner_id_;
    if (!registered_) id.clear();
  }
  if (id.empty()) {
    loop_.Post(std::move(done));
    return;
  }
  Send(net::Method::kDelete, "/v1/miners/" + net::PercentEncode(id), nullptr, kDeregisterTimeoutMs,
       [this, id, done = std::move(done)](Answer answer) {
         if (Is2xx(answer) || (answer.ok() && answer->status == 404)) {
           spdlog::info("deregistered miner {} from the coordinator", id);
         } else {
           spdlog::warn("deregistering miner {} failed: {}", id, Describe(answer));
         }
         {
           std::lock_guard lock(mu_);
           registered_ = false;
           push_key_hash_.reset();
         }
         done();
       });
}

// --- job reports ---

void CoordinatorLink::ReportRunning(const std::string& job_id, int64_t started_at_ms) {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    running_[job_id] = RunningReport{};
  }
  SendRunning(job_id, started_at_ms, 0);
}

void CoordinatorLink::SendRunning(const std::string& job_id, int64_t started_at_ms, int attempt) {
  {
    std::lock_guard lock(mu_);
    auto it = running_.find(job_id);
    if (stopped_ || it == running_.end()) return;
    it->second.in_flight = true;
  }
  protocol::StatusReport report;
  report.status = "running";
  report.started_at_ms = started_at_ms;
  nlohmann::json body = report.ToJson();
  Send(net::Method::kPost, "/v1/jobs/" + net::PercentEncode(job_id) + "/status", &body,
       options_.request_timeout_ms, [this, job_id, started_at_ms, attempt](Answer answer) {
         bool release_final = false;
         {
           std::lock_guard lock(mu_);
           auto it = running_.find(job_id);
           if (it == running_.end()) return;
           it->second.in_flight = false;
           bool retry = !Is2xx(answer) && Classify(answer) == Verdict::kRetry &&
                        attempt < options_.running_report_retries;
           if (retry && !it->second.abandoned && !stopped_) {
             int64_t delay = net::BackoffDelayMs(options_.backoff, attempt, random_);
             spdlog::warn("job {}: \"running\" report not delivered ({}); retrying in {} ms",
                          job_id, Describe(answer), delay);
             AfterLocked(delay, [this, job_id, started_at_ms, attempt] {
               SendRunning(job_id, started_at_ms, attempt + 1);
             });
             return;
           }
           release_final = it->second.final_waiting;
           running_.erase(it);
         }
         if (!Is2xx(answer)) {
           spdlog::warn("job {}: the coordinator did not take the \"running\" report ({})", job_id,
                        Describe(answer));
         }
         if (release_final) SendFinal(job_id);
       });
}

void CoordinatorLink::ReportFinal(OutboxEntry entry) {
  core::Status persisted = outbox_.Put(entry);
  if (!persisted.ok()) {
    spdlog::error("job {}: could not write the report to the outbox ({}); sending it from memory",
                  entry.job_id, persisted.error().ToString());
  }
  std::string id = entry.job_id;
  bool send_now = false;
  {
    std::lock_guard lock(mu_);
    reports_[id] = PendingReport{std::move(entry)};
    send_now = ever_registered_;
    if (auto running = running_.find(id); running != running_.end()) {
      running->second.abandoned = true;
      if (running->second.in_flight) {
        running->second.final_waiting = true;  // sent when the running report is answered
        send_now = false;
      } else {
        running_.erase(running);  // its retry timer finds nothing and stops
      }
    }
  }
  PendingChanged();
  if (send_now) SendFinal(id);
}

void CoordinatorLink::SendFinal(const std::string& job_id) {
  OutboxEntry entry;
  {
    std::lock_guard lock(mu_);
    auto it = reports_.find(job_id);
    if (stopped_ || it == reports_.end() || it->second.in_flight || !ever_registered_) return;
    it->second.in_flight = true;
    entry = it->second.entry;
  }
  std::string target = "/v1/jobs/" + net::PercentEncode(job_id) +
                       (entry.kind == ReportKind::kComplete ? "/complete" : "/fail");
  Send(net::Method::kPost, std::move(target), &entry.body, options_.request_timeout_ms,
       [this, job_id](Answer answer) { OnFinalAnswer(job_id, std::move(answer)); });
}

void CoordinatorLink::OnFinalAnswer(const std::string& job_id, Answer answer) {
  Verdict verdict = Classify(answer);
  ReportKind kind = ReportKind::kComplete;
  {
    std::lock_guard lock(mu_);
    auto it = reports_.find(job_id);
    if (it == reports_.end()) return;
    it->second.in_flight = false;
    kind = it->second.entry.kind;
    if (verdict == Verdict::kRetry) {
      if (stopped_) return;  // stays in the outbox for the next start
      int attempt = it->second.attempt++;
      int64_t delay = net::BackoffDelayMs(options_.backoff, attempt, random_);
      auto log_level = attempt < 3 ? spdlog::level::warn : spdlog::level::debug;
      if (answer.ok() && answer->status == 401) log_level = spdlog::level::err;
      spdlog::log(log_level, "job {}: {} report not delivered ({}); retry {} in {} ms", job_id,
                  ReportKindName(kind), Describe(answer), attempt + 1, delay);
      AfterLocked(delay, [this, job_id] { SendFinal(job_id); });
      return;
    }
    reports_.erase(it);
  }
  core::Status removed;
  switch (verdict) {
    case Verdict::kDelivered:
      spdlog::info("job {}: {} report delivered", job_id, ReportKindName(kind));
      removed = outbox_.Remove(job_id);
      break;
    case Verdict::kAlreadyFinal:
      spdlog::warn(
          "job {}: the coordinator already has a final state for this job ({}); "
          "dropping the {} report",
          job_id, Describe(answer), ReportKindName(kind));
      removed = outbox_.Remove(job_id);
      break;
    default:
      spdlog::error("job {}: the coordinator rejected the {} report ({}); kept in {}/rejected",
                    job_id, ReportKindName(kind), Describe(answer), outbox_.dir());
      removed = outbox_.Reject(job_id, Describe(answer));
      break;
  }
  if (!removed.ok()) spdlog::error("outbox: {}", removed.error().ToString());
  PendingChanged();
}

size_t CoordinatorLink::pending_reports() const {
  std::lock_guard lock(mu_);
  return reports_.size();
}

bool CoordinatorLink::HasPendingReport(const std::string& job_id) const {
  std::lock_guard lock(mu_);
  return reports_.count(job_id) > 0;
}

void CoordinatorLink::WhenFlushed(int64_t timeout_ms, std::function<void()> done) {
  std::lock_guard lock(mu_);
  if (reports_.empty() || stopped_) {
    loop_.Post(std::move(done));
    return;
  }
  FlushWaiter waiter;
  waiter.done = std::move(done);
  waiter.seq = ++flush_seq_;
  waiter.timer = loop_.RunAfter(timeout_ms, [this, seq = waiter.seq] {
    std::function<void()> expired;
    {
      std::lock_guard lock(mu_);
      for (auto it = flush_waiters_.begin(); it != flush_waiters_.end(); ++it) {
        if (it->seq != seq) continue;
        expired = std::move(it->done);
        flush_waiters_.erase(it);
        break;
      }
      if (expired && !reports_.empty()) {
        spdlog::warn("{} report(s) not delivered yet; they stay in the outbox for the next start",
                     reports_.size());
      }
    }
    if (expired) expired();
  });
  flush_waiters_.push_back(std::move(waiter));
}

void CoordinatorLink::PendingChanged() {
  std::function<void(size_t)> notify;
  std::vector<FlushWaiter> flushed;
  size_t pending = 0;
  {
    std::lock_guard lock(mu_);
    pending = reports_.size();
    notify = on_pending_changed_;
    if (pending == 0) flushed.swap(flush_waiters_);
  }
  if (notify) notify(pending);
  for (auto& waiter : flushed) {
    loop_.Cancel(waiter.timer);
    waiter.done();
  }
}

}  // namespace aitbc::miner
