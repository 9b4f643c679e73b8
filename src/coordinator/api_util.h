// Internal to api_*.cpp: the steps every handler shares.
#pragma once

#include <initializer_list>
#include <memory>
#include <optional>

#include "coordinator/api.h"

namespace aitbc::coordinator::api_util {

// Authenticates the caller; otherwise answers (401/403/429) and returns false.
inline bool Authorized(ApiContext& api, const net::Request& req,
                       std::initializer_list<net::Role> roles, Caller& caller,
                       net::Responder& res) {
  auto denied = api.auth->Authenticate(req, roles, caller);
  if (!denied) return true;
  res.Send(std::move(*denied));
  return false;
}

// The body parsed with T::FromJson (and the raw JSON in *raw); otherwise answers 400.
template <typename T>
std::optional<T> Body(const net::Request& req, net::Responder& res, nlohmann::json* raw = nullptr) {
  auto json = req.JsonBody();
  if (!json.ok()) {
    res.Send(net::Response::FromError(json.error()));
    return std::nullopt;
  }
  auto value = T::FromJson(*json);
  if (!value.ok()) {
    res.Send(net::Response::FromError(value.error()));
    return std::nullopt;
  }
  if (raw != nullptr) *raw = std::move(*json);
  return std::move(value).value();
}

// A callback that answers a JobService result with view(job) or the error.
template <typename View>
JobService::JobDone Reply(net::Responder responder, int status, View view) {
  auto shared = std::make_shared<net::Responder>(std::move(responder));
  return [shared, status, view = std::move(view)](core::Result<Job> job) {
    shared->Send(job.ok() ? net::Response::Json(status, view(*job))
                          : net::Response::FromError(job.error()));
  };
}

inline JobService::JsonDone ReplyJson(net::Responder responder) {
  auto shared = std::make_shared<net::Responder>(std::move(responder));
  return [shared](core::Result<nlohmann::json> r) {
    shared->Send(r.ok() ? net::Response::Json(200, *r) : net::Response::FromError(r.error()));
  };
}

}  // namespace aitbc::coordinator::api_util
