// GET /v1/info (public) and GET /v1/receipts/{id} (the job's client, its miner, or an admin).
#include "coordinator/api_util.h"
#include "coordinator/job_view.h"
#include "protocol/json_codec.h"

namespace aitbc::coordinator {

void AddInfoRoutes(net::Router& router, ApiContext& api) {
  router.Add(net::Method::kGet, "/v1/info", [&api](net::Request&) {
    return net::Response::Json(
        200, {{"coordinator_address", api.coordinator_address.ToString()},
              {"chain_id", api.chain_id},
              {"version", api.version},
              {"node_url", api.config->node_url},
              {"allow_sim_miners", api.config->allow_sim_miners},
              {"default_max_price", protocol::AmountToJson(api.config->default_max_price)},
              {"queue_timeout_ms", api.config->queue_timeout_ms},
              {"max_attempts", api.config->max_attempts},
              {"chain_height", api.jobs->chain_height()}});
  });

  router.AddAsync(
      net::Method::kGet, "/v1/receipts/{id}", [&api](net::Request& req, net::Responder res) {
        Caller caller;
        if (!api_util::Authorized(api, req,
                                  {net::Role::kClient, net::Role::kMiner, net::Role::kAdmin},
                                  caller, res)) {
          return;
        }
        core::Address coordinator = api.coordinator_address;
        api.jobs->GetReceipt(caller, req.PathParam("id"),
                             api_util::Reply(std::move(res), 200, [coordinator](const Job& job) {
                               return ReceiptJson(job, coordinator);
                             }));
      });
}

}  // namespace aitbc::coordinator
