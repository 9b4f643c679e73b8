#include "coordinator/sim_miner.h"

#include <chrono>
#include <future>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "net/http_client.h"
#include "net/http_server.h"
#include "net/router.h"
#include "protocol/job_messages.h"

namespace aitbc::coordinator {
namespace {

// Benchmark timings: microseconds of the steady clock.
int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct SimMiner::Impl : std::enable_shared_from_this<Impl> {
  Impl(net::EventLoop& l, SimMinerOptions o) : loop(l), options(std::move(o)), http(l) {}

  net::EventLoop& loop;
  SimMinerOptions options;
  net::HttpClient http;
  std::unique_ptr<net::HttpServer> server;
  std::atomic<bool> stopped{false};

  mutable std::mutex mu;
  Mode mode = Mode::kComplete;
  bool heartbeat = true;
  std::string miner_id;
  std::string push_key;
  int64_t heartbeat_ms = 1'000;
  uint16_t port = 0;
  std::vector<Record> records;
  std::unordered_map<std::string, size_t> index;
  size_t completed = 0;
  uint32_t running = 0;

  net::ClientRequest Request(std::string target, nlohmann::json body) const {
    net::ClientRequest req;
    req.method = net::Method::kPost;
    req.url = net::Url::Parse(options.coordinator_url).value().WithTarget(std::move(target));
    req.headers.Set("Content-Type", "application/json");
    req.headers.Set("X-Miner-Key", options.miner_key);
    req.body = body.dump();
    req.read_timeout_ms = options.request_timeout_ms;
    return req;
  }

  protocol::MinerRegistration Registration() const {
    protocol::MinerRegistration reg;
    reg.url = "http://127.0.0.1:" + std::to_string(port);
    reg.public_key = options.key.public_key();
    reg.models = options.models;
    reg.slots = options.slots;
    reg.price = options.price;
    reg.backend = options.backend;
    reg.version = "sim-miner";
    return reg;
  }

  void Register(std::function<void(core::Status)> done) {
    auto self = shared_from_this();
    http.Send(Request("/v1/miners/register", Registration().ToJson()),
              [self, done = std::move(done)](core::Result<net::Response> r) {
                if (!r.ok()) return done(r.error());
                if (r->status != 200) return done(net::ErrorFromResponse(*r));
                auto body = nlohmann::json::parse(r->body, nullptr, false);
                if (!body.is_object() || !body.contains("push_key")) {
                  return done(core::Error::Corruption("registration answer: " + r->body));
                }
                {
                  std::lock_guard lock(self->mu);
                  self->miner_id = body.value("miner_id", "");
                  self->push_key = body.value("push_key", "");
                  self->heartbeat_ms = body.value("heartbeat_interval_ms", int64_t{1'000});
                }
                done(core::Ok());
              });
  }

  void ScheduleHeartbeat() {
    int64_t delay;
    {
      std::lock_guard lock(mu);
      delay = heartbeat_ms;
    }
    auto self = shared_from_this();
    loop.RunAfter(delay, [self] { self->Heartbeat(); });
  }

  void Heartbeat() {
    if (stopped) return;
    protocol::MinerHeartbeat hb;
    {
      std::lock_guard lock(mu);
      if (!heartbeat) {
        loop.RunAfter(heartbeat_ms, [self = shared_from_this()] { self->Heartbeat(); });
        return;
      }
      hb.free_slots = options.slots > running ? options.slots - running : 0;
    }
    auto self = shared_from_this();
    http.Send(Request("/v1/miners/heartbeat", hb.ToJson()), [self](core::Result<net::Response> r) {
      if (self->stopped) return;
      if (r.ok() && r->status == 404) {  // the coordinator restarted: register again
        self->Register([self](core::Status s) {
          if (!s.ok()) spdlog::warn("sim miner: re-registering: {}", s.error().ToString());
          self->ScheduleHeartbeat();
        });
        return;
      }
      self->ScheduleHeartbeat();
    });
  }

  void OnAssign(net::Request& req, net::Responder res) {
    Mode m;
    {
      std::lock_guard lock(mu);
      auto presented = req.Header("X-Api-Key");
      if (!presented || push_key.empty() || *presented != push_key) {
        return res.Send(net::Response::FromError(
            core::Error::Unauthenticated("wrong or missing push key (X-Api-Key)")));
      }
      m = mode;
    }
    if (m == Mode::kRefuse) {
      return res.Send(net::Response::FromError(core::Error::Unavailable("no free slot")));
    }
    auto body = req.JsonBody();
    if (!body.ok()) return res.Send(net::Response::FromError(body.error()));
    auto assign = protocol::AssignRequest::FromJson(*body);
    if (!assign.ok()) return res.Send(net::Response::FromError(assign.error()));
    {
      std::lock_guard lock(mu);
      index[assign->job_id] = records.size();
      records.push_back(Record{assign->job_id, NowUs(), 0, 0, 0});
      ++running;
    }
    res.Send(net::Response::Json(200, {{"job_id", assign->job_id}, {"status", "accepted"}}));
    if (m == Mode::kIgnore) return;
    auto self = shared_from_this();
    auto job = std::make_shared<protocol::AssignRequest>(std::move(assign).value());
    int64_t started = WallMs();
    if (options.report_running || m == Mode::kHang) {
      protocol::StatusReport running_report;
      running_report.started_at_ms = started;
      http.Send(Request("/v1/jobs/" + job->job_id + "/status", running_report.ToJson()),
                [](core::Result<net::Response>) {});
    }
    if (m == Mode::kHang) return;
    auto finish = [self, job, m] { self->Finish(*job, m); };
    if (options.work_ms > 0) {
      loop.RunAfter(options.work_ms, finish);
    } else {
      loop.Post(finish);
    }
  }

  void Finish(const protocol::AssignRequest& job, Mode m) {
    if (stopped) return;
    auto self = shared_from_this();
    net::ClientRequest req;
    if (m == Mode::kFail) {
      protocol::FailReport fail{"backend_error", "simulated failure"};
      req = Request("/v1/jobs/" + job.job_id + "/fail", fail.ToJson());
    } else {
      protocol::CompleteRequest c;
      c.job_id = job.job_id;
      c.result = "simulated answer to: " + job.job_data.prompt.substr(0, 64);
      c.metrics.compute_ms =
          options.compute_ms != 0 ? options.compute_ms : static_cast<uint64_t>(options.work_ms);
      if (m == Mode::kInflatedCompute) c.metrics.compute_ms += 3'600'000;
      c.metrics.completion_tokens = options.tokens;
      c.proof.hash = protocol::ResultHash(c.result);
      c.proof.public_key = options.key.public_key();
      c.proof.signature =
          protocol::Proof{job.job_id, c.proof.hash, c.metrics, job.price}.Sign(options.key);
      if (m == Mode::kBadSignature) c.proof.signature.bytes[0] ^= 0x01;
      req = Request("/v1/jobs/" + job.job_id + "/complete", c.ToJson());
    }
    int64_t sent = NowUs();
    http.Send(std::move(req), [self, id = job.job_id, sent](core::Result<net::Response> r) {
      std::lock_guard lock(self->mu);
      if (self->running > 0) --self->running;
      auto it = self->index.find(id);
      if (it == self->index.end()) return;
      Record& rec = self->records[it->second];
      rec.complete_sent_us = sent;
      rec.complete_answered_us = NowUs();
      rec.complete_status = r.ok() ? r->status : -1;
      if (r.ok() && r->status == 200) ++self->completed;
    });
  }
};

SimMiner::SimMiner(net::EventLoop& loop, SimMinerOptions options)
    : impl_(std::make_shared<Impl>(loop, std::move(options))) {
  impl_->mode = impl_->options.mode;
  impl_->heartbeat = impl_->options.heartbeat;
}

SimMiner::~SimMiner() { Stop(); }

core::Status SimMiner::Start() {
  auto router = std::make_shared<net::Router>();
  std::weak_ptr<Impl> weak = impl_;
  router->AddAsync(
      net::Method::kPost, "/v1/jobs/assign", [weak](net::Request& req, net::Responder res) {
        auto self = weak.lock();
        if (!self)
          return res.Send(net::Response::FromError(core::Error::Unavailable("miner stopped")));
        self->OnAssign(req, std::move(res));
      });
  net::ServerOptions options;
  options.port = 0;
  impl_->server = std::make_unique<net::HttpServer>(impl_->loop, router, options);
  AITBC_ASSIGN_OR_RETURN(impl_->port, impl_->server->Start());
  std::promise<core::Status> registered;
  auto future = registered.get_future();
  impl_->Register([&registered](core::Status s) { registered.set_value(std::move(s)); });
  AITBC_TRY(future.get());
  impl_->ScheduleHeartbeat();
  return core::Ok();
}

void SimMiner::Stop() {
  if (impl_->stopped.exchange(true)) return;
  if (impl_->server) impl_->server->Stop();
}

void SimMiner::set_mode(Mode mode) {
  std::lock_guard lock(impl_->mu);
  impl_->mode = mode;
}

void SimMiner::set_heartbeat(bool on) {
  std::lock_guard lock(impl_->mu);
  impl_->heartbeat = on;
}

std::string SimMiner::miner_id() const {
  std::lock_guard lock(impl_->mu);
  return impl_->miner_id;
}

std::string SimMiner::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }

core::Address SimMiner::address() const {
  return core::Address::FromPublicKey(impl_->options.key.public_key());
}

std::vector<SimMiner::Record> SimMiner::records() const {
  std::lock_guard lock(impl_->mu);
  return impl_->records;
}

size_t SimMiner::assigned() const {
  std::lock_guard lock(impl_->mu);
  return impl_->records.size();
}

size_t SimMiner::completed() const {
  std::lock_guard lock(impl_->mu);
  return impl_->completed;
}

}  // namespace aitbc::coordinator
