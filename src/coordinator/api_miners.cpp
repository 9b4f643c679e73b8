// POST /v1/miners/register, POST /v1/miners/heartbeat, DELETE /v1/miners/{id} (the miner itself
// or an admin) and GET /v1/miners (admin).
#include "coordinator/api_util.h"

namespace aitbc::coordinator {

void AddMinerRoutes(net::Router& router, ApiContext& api) {
  using api_util::Authorized;
  using net::Role;
  router.AddAsync(net::Method::kPost, "/v1/miners/register",
                  [&api](net::Request& req, net::Responder res) {
                    Caller caller;
                    if (!Authorized(api, req, {Role::kMiner}, caller, res)) return;
                    auto reg = api_util::Body<protocol::MinerRegistration>(req, res);
                    if (!reg) return;
                    api.jobs->RegisterMiner(caller, *reg, api_util::ReplyJson(std::move(res)));
                  });

  router.AddAsync(net::Method::kPost, "/v1/miners/heartbeat",
                  [&api](net::Request& req, net::Responder res) {
                    Caller caller;
                    if (!Authorized(api, req, {Role::kMiner}, caller, res)) return;
                    auto heartbeat = api_util::Body<protocol::MinerHeartbeat>(req, res);
                    if (!heartbeat) return;
                    api_util::ReplyJson(std::move(res))(api.jobs->Heartbeat(caller, *heartbeat));
                  });

  router.AddAsync(
      net::Method::kDelete, "/v1/miners/{id}", [&api](net::Request& req, net::Responder res) {
        Caller caller;
        if (!Authorized(api, req, {Role::kMiner, Role::kAdmin}, caller, res)) return;
        api.jobs->RemoveMiner(caller, req.PathParam("id"), api_util::ReplyJson(std::move(res)));
      });

  router.AddAsync(net::Method::kGet, "/v1/miners", [&api](net::Request& req, net::Responder res) {
    Caller caller;
    if (!Authorized(api, req, {Role::kAdmin}, caller, res)) return;
    res.Send(net::Response::Json(200, {{"miners", api.jobs->ListMiners()}}));
  });
}

}  // namespace aitbc::coordinator
