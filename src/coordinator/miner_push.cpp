#include "coordinator/miner_push.h"

#include <spdlog/spdlog.h>

namespace aitbc::coordinator {

void PushAssignment(net::HttpClient& http, const std::string& miner_url,
                    const std::string& push_key, const protocol::AssignRequest& request,
                    int64_t timeout_ms, std::function<void(PushResult)> done) {
  auto url = net::Url::Parse(miner_url);
  if (!url.ok()) {
    done(PushResult{PushOutcome::kRejected, "bad miner URL: " + url.error().message()});
    return;
  }
  net::ClientRequest req;
  req.method = net::Method::kPost;
  req.url = url->WithTarget("/v1/jobs/assign");
  req.headers.Set("Content-Type", "application/json");
  req.headers.Set("X-Api-Key", push_key);
  req.body = request.ToJson().dump();
  req.connect_timeout_ms = std::min<int64_t>(timeout_ms, 2'000);
  req.read_timeout_ms = timeout_ms;
  http.Send(std::move(req), [done = std::move(done)](core::Result<net::Response> response) {
    if (!response.ok()) {
      done(PushResult{PushOutcome::kUnreachable, response.error().ToString()});
      return;
    }
    int status = response->status;
    if (status >= 200 && status < 300) {
      done(PushResult{PushOutcome::kAccepted, ""});
      return;
    }
    std::string detail = "miner answered " + std::to_string(status) + ": " +
                         net::ErrorFromResponse(*response).message();
    // 401: the miner has not yet stored the push key of its (re-)registration; not its fault.
    if (status == 401 || status == 409 || status == 429 || status == 503) {
      done(PushResult{PushOutcome::kBusy, detail});
    } else {
      done(PushResult{PushOutcome::kRejected, detail});
    }
  });
}

void CancelOnMiner(net::HttpClient& http, const std::string& miner_url, const std::string& push_key,
                   const std::string& job_id, const std::string& reason, int64_t timeout_ms) {
  auto url = net::Url::Parse(miner_url);
  if (!url.ok()) return;
  net::ClientRequest req;
  req.method = net::Method::kPost;
  req.url = url->WithTarget("/v1/jobs/" + job_id + "/cancel");
  req.headers.Set("Content-Type", "application/json");
  req.headers.Set("X-Api-Key", push_key);
  req.body = nlohmann::json{{"reason", reason}}.dump();
  req.connect_timeout_ms = std::min<int64_t>(timeout_ms, 2'000);
  req.read_timeout_ms = timeout_ms;
  http.Send(std::move(req), [job_id, miner_url](core::Result<net::Response> response) {
    if (!response.ok()) {
      spdlog::info("job {}: could not tell miner {} to stop it: {}", job_id, miner_url,
                   response.error().ToString());
    } else if (response->status != 200) {
      spdlog::info("job {}: miner {} answered {} to the cancellation: {}", job_id, miner_url,
                   response->status, net::ErrorFromResponse(*response).message());
    } else {
      spdlog::debug("job {}: miner {} stopped it", job_id, miner_url);
    }
  });
}

}  // namespace aitbc::coordinator
