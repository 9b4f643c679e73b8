#include "miner/assign_api.h"

#include <spdlog/spdlog.h>

#include <optional>
#include <string>

namespace aitbc::miner {

core::Status CheckPrice(const protocol::Price& offered, const protocol::Price& ask) {
  if (offered.per_second < ask.per_second) {
    return core::Error::InvalidArgument("price.per_second " + offered.per_second.ToString() +
                                        " is below this miner's ask of " +
                                        ask.per_second.ToString());
  }
  if (offered.per_1k_tokens < ask.per_1k_tokens) {
    return core::Error::InvalidArgument("price.per_1k_tokens " + offered.per_1k_tokens.ToString() +
                                        " is below this miner's ask of " +
                                        ask.per_1k_tokens.ToString());
  }
  return core::Ok();
}

namespace {

// Only the coordinator this miner registered with holds the push key. `verb`: "assign" or
// "cancel".
std::optional<net::Response> RefuseWithoutPushKey(const MinerContext& context,
                                                  const net::Request& request,
                                                  std::string_view verb) {
  if (context.link->CheckPushKey(request.Header("X-Api-Key"))) return std::nullopt;
  spdlog::warn("refused to {} a job for {}: missing or wrong push key", verb,
               request.remote_address);
  return net::Response::FromError(core::Error::Unauthenticated(
      "missing or wrong push key (X-Api-Key): only the coordinator this miner registered with "
      "may " +
      std::string(verb) + " jobs"));
}

}  // namespace

void AddAssignRoute(net::Router& router, MinerContext& context) {
  router.Add(net::Method::kPost, "/v1/jobs/{id}/cancel", [&context](net::Request& request) {
    if (auto refused = RefuseWithoutPushKey(context, request, "cancel")) return *refused;
    std::string reason = "no reason given";
    if (!request.body.empty()) {
      core::Result<nlohmann::json> body = request.JsonBody();
      if (!body.ok()) return net::Response::FromError(body.error());
      if (body->is_object() && body->contains("reason") && (*body)["reason"].is_string()) {
        reason = (*body)["reason"].get<std::string>();
        if (reason.size() > 256) reason.resize(256);
      }
    }
    std::string job_id(request.PathParam("id"));
    core::Result<bool> stopped = context.runner->Cancel(job_id, reason);
    if (!stopped.ok()) return net::Response::FromError(stopped.error());
    return net::Response::Json(
        200, {{"job_id", job_id}, {"status", *stopped ? "cancelled" : "finished"}});
  });
  router.Add(net::Method::kPost, "/v1/jobs/assign", [&context](net::Request& request) {
    if (auto refused = RefuseWithoutPushKey(context, request, "assign")) return *refused;
    core::Result<nlohmann::json> body = request.JsonBody();
    if (!body.ok()) return net::Response::FromError(body.error());
    core::Result<protocol::AssignRequest> assignment = protocol::AssignRequest::FromJson(*body);
    if (!assignment.ok()) return net::Response::FromError(assignment.error());
    if (core::Status price = CheckPrice(assignment->price, context.config.price); !price.ok()) {
      return net::Response::FromError(price.error());
    }
    int64_t now = context.clock->NowMs();
    if (assignment->deadline_ms != 0 && assignment->deadline_ms <= now) {
      return net::Response::FromError(core::Error::InvalidArgument(
          "deadline_ms " + std::to_string(assignment->deadline_ms) + " has already passed"));
    }
    std::string job_id = assignment->job_id;
    core::Status started = context.runner->Assign(std::move(assignment).value());
    if (!started.ok()) {
      net::Response response = net::Response::FromError(started.error());
      if (response.status == 503) response.headers.Set("Retry-After", "1");
      return response;
    }
    return net::Response::Json(
        202, {{"job_id", job_id}, {"status", "accepted"}, {"miner_id", context.link->miner_id()}});
  });
}

}  // namespace aitbc::miner
