#include "coordinator_stand_in.h"

#include "core/clock.h"

namespace aitbc::miner::testing {

CoordinatorStandIn::CoordinatorStandIn(StandInOptions options) : options_(std::move(options)) {
  auto unauthorized = [](net::Responder& r) {
    r.Send(net::Response::FromError(core::Error::Unauthenticated("invalid miner key")));
  };
  Route(net::Method::kPost, "/v1/miners/register",
        [this, unauthorized](net::Request& request, net::Responder r) {
          if (!Authorized(request)) return unauthorized(r);
          int status = register_status_.load();
          if (status != 201 && status != 200) {
            r.Send(net::Response::JsonError(status, "refused", "registration refused"));
            return;
          }
          nlohmann::json answer;
          {
            std::lock_guard lock(state_mu_);
            ++registrations_;
            miner_id_ = "miner_" + std::to_string(registrations_);
            push_key_ = "push_" + std::to_string(registrations_) + "_" +
                        std::to_string(reinterpret_cast<uintptr_t>(this) % 100000) + "_secret";
            knows_miner_ = true;
            answer = {{"miner_id", miner_id_},
                      {"push_key", push_key_},
                      {"heartbeat_interval_ms", options_.heartbeat_interval_ms}};
          }
          r.Send(net::Response::Json(status, answer));
        });
  Route(net::Method::kPost, "/v1/miners/heartbeat",
        [this, unauthorized](net::Request& request, net::Responder r) {
          if (!Authorized(request)) return unauthorized(r);
          std::lock_guard lock(state_mu_);
          if (!knows_miner_) {
            r.Send(net::Response::FromError(core::Error::NotFound("unknown miner")));
            return;
          }
          r.Send(net::Response::Json(200, {{"status", "ok"}}));
        });
  Route(net::Method::kDelete, "/v1/miners/{id}",
        [this, unauthorized](net::Request& request, net::Responder r) {
          if (!Authorized(request)) return unauthorized(r);
          std::lock_guard lock(state_mu_);
          knows_miner_ = false;
          r.Send(net::Response::Text(204, ""));
        });
  auto report = [this, unauthorized](std::atomic<int>* status) {
    return [this, unauthorized, status](net::Request& request, net::Responder r) {
      if (!Authorized(request)) return unauthorized(r);
      int code = status->load();
      if (code >= 200 && code < 300) {
        r.Send(net::Response::Json(code, {{"job_id", request.PathParam("id")}}));
      } else {
        r.Send(net::Response::JsonError(code, "stand_in", "answered " + std::to_string(code)));
      }
    };
  };
  Route(net::Method::kPost, "/v1/jobs/{id}/status", report(&running_status_));
  Route(net::Method::kPost, "/v1/jobs/{id}/complete", report(&final_status_));
  Route(net::Method::kPost, "/v1/jobs/{id}/fail", report(&final_status_));
}

bool CoordinatorStandIn::Authorized(const net::Request& request) const {
  auto key = request.Header("X-Miner-Key");
  return key && *key == options_.miner_key;
}

core::Status CoordinatorStandIn::Start(uint16_t port) {
  Forget();
  return FakeServer::Start(port);
}

void CoordinatorStandIn::Forget() {
  std::lock_guard lock(state_mu_);
  knows_miner_ = false;
}

std::string CoordinatorStandIn::push_key() const {
  std::lock_guard lock(state_mu_);
  return push_key_;
}

std::string CoordinatorStandIn::miner_id() const {
  std::lock_guard lock(state_mu_);
  return miner_id_;
}

core::Result<net::Response> CoordinatorStandIn::Assign(const std::string& miner_url,
                                                       const protocol::AssignRequest& assignment,
                                                       std::optional<std::string> key) {
  net::ClientRequest request;
  request.method = net::Method::kPost;
  AITBC_ASSIGN_OR_RETURN(request.url, net::Url::Parse(miner_url + "/v1/jobs/assign"));
  request.headers.Set("Content-Type", "application/json");
  request.headers.Set("X-Api-Key", key ? *key : push_key());
  request.body = assignment.ToJson().dump();
  return client_.Send(std::move(request));
}

protocol::AssignRequest MakeAssignment(const std::string& job_id, const std::string& model) {
  protocol::AssignRequest a;
  a.job_id = job_id;
  a.job_data.model = model;
  a.job_data.prompt = "What is machine learning?";
  a.reward = core::Amount::FromMicro(100'000'000);
  a.price.per_second = core::Amount::FromMicro(20'000);
  a.price.per_1k_tokens = core::Amount::FromMicro(0);
  a.deadline_ms = core::SystemClock::Instance().NowMs() + 60'000;
  return a;
}

}  // namespace aitbc::miner::testing
