// POST /v1/jobs, GET /v1/jobs, GET /v1/jobs/{id}[?wait=N], POST /v1/jobs/{id}/cancel and the
// miner's reports: POST /v1/jobs/{id}/status, /complete, /fail.
#include <charconv>

#include "coordinator/api_util.h"
#include "coordinator/job_view.h"
#include "protocol/json_codec.h"

namespace aitbc::coordinator {
namespace {

using api_util::Authorized;
using api_util::Reply;
using net::Role;

// Parses "N" as an integer in [lo, hi]; kInvalidArgument naming the parameter otherwise.
core::Result<int64_t> IntParam(const std::optional<std::string>& text, std::string_view name,
                               int64_t lo, int64_t hi, int64_t fallback) {
  if (!text) return fallback;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || ptr != text->data() + text->size() || v < lo || v > hi) {
    return core::Error::InvalidArgument("query parameter '" + std::string(name) +
                                        "' must be an integer from " + std::to_string(lo) + " to " +
                                        std::to_string(hi));
  }
  return v;
}

core::Result<std::string> IdempotencyKey(const net::Request& req) {
  auto header = req.Header("Idempotency-Key");
  if (!header) return std::string();
  if (header->empty() || header->size() > kMaxIdempotencyKeyBytes) {
    return core::Error::InvalidArgument("Idempotency-Key must be 1 to 128 characters");
  }
  for (char c : *header) {
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
      return core::Error::InvalidArgument("Idempotency-Key must be printable ASCII without spaces");
    }
  }
  return std::string(*header);
}

core::Result<SubmitRequest> ParseSubmission(const net::Request& req) {
  AITBC_ASSIGN_OR_RETURN(nlohmann::json body, req.JsonBody());
  SubmitRequest out;
  AITBC_ASSIGN_OR_RETURN(out.spec, protocol::JobSpec::FromJson(body));
  if (body.contains("max_price") && !body["max_price"].is_null()) {
    AITBC_ASSIGN_OR_RETURN(out.max_price, protocol::AmountFromJson(body["max_price"], "max_price"));
  }
  AITBC_ASSIGN_OR_RETURN(out.idempotency_key, IdempotencyKey(req));
  out.request_hash = core::Sha256(body.dump());  // canonical: object keys are sorted
  return out;
}

}  // namespace

void AddJobRoutes(net::Router& router, ApiContext& api) {
  router.AddAsync(net::Method::kPost, "/v1/jobs", [&api](net::Request& req, net::Responder res) {
    Caller caller;
    if (!Authorized(api, req, {Role::kClient}, caller, res)) return;
    auto submission = ParseSubmission(req);
    if (!submission.ok()) return res.Send(net::Response::FromError(submission.error()));
    api.jobs->Submit(caller, std::move(*submission),
                     Reply(std::move(res), 201, [](const Job& j) { return SubmissionJson(j); }));
  });

  router.AddAsync(net::Method::kGet, "/v1/jobs", [&api](net::Request& req, net::Responder res) {
    Caller caller;
    if (!Authorized(api, req, {Role::kClient, Role::kAdmin}, caller, res)) return;
    auto limit = IntParam(req.Query("limit"), "limit", 1, kMaxPageSize, 20);
    if (!limit.ok()) return res.Send(net::Response::FromError(limit.error()));
    auto cursor = IntParam(req.Query("cursor"), "cursor", 1, INT64_MAX, 0);
    if (!cursor.ok()) return res.Send(net::Response::FromError(cursor.error()));
    auto page = api.jobs->List(caller, static_cast<uint64_t>(*cursor), static_cast<size_t>(*limit));
    if (!page.ok()) return res.Send(net::Response::FromError(page.error()));
    nlohmann::json jobs = nlohmann::json::array();
    for (const Job& job : page->jobs) jobs.push_back(JobJson(job, false));
    res.Send(net::Response::Json(
        200, {{"jobs", std::move(jobs)},
              {"next_cursor", page->next_cursor == 0
                                  ? nlohmann::json(nullptr)
                                  : nlohmann::json(std::to_string(page->next_cursor))}}));
  });

  router.AddAsync(
      net::Method::kGet, "/v1/jobs/{id}", [&api](net::Request& req, net::Responder res) {
        Caller caller;
        if (!Authorized(api, req, {Role::kClient, Role::kAdmin}, caller, res)) return;
        auto wait = IntParam(req.Query("wait"), "wait", 0, kMaxWaitSeconds, 0);
        if (!wait.ok()) return res.Send(net::Response::FromError(wait.error()));
        api.jobs->Get(caller, req.PathParam("id"), *wait * 1000,
                      Reply(std::move(res), 200, [](const Job& j) { return JobJson(j); }));
      });

  router.AddAsync(
      net::Method::kPost, "/v1/jobs/{id}/cancel", [&api](net::Request& req, net::Responder res) {
        Caller caller;
        if (!Authorized(api, req, {Role::kClient, Role::kAdmin}, caller, res)) return;
        api.jobs->Cancel(caller, req.PathParam("id"),
                         Reply(std::move(res), 200, [](const Job& j) { return JobJson(j); }));
      });

  router.AddAsync(
      net::Method::kPost, "/v1/jobs/{id}/status", [&api](net::Request& req, net::Responder res) {
        Caller caller;
        if (!Authorized(api, req, {Role::kMiner}, caller, res)) return;
        auto report = api_util::Body<protocol::StatusReport>(req, res);
        if (!report) return;
        api.jobs->ReportRunning(
            caller, req.PathParam("id"), *report, Reply(std::move(res), 200, [](const Job& j) {
              return nlohmann::json{{"job_id", j.job_id}, {"status", JobStateName(j.state)}};
            }));
      });

  router.AddAsync(net::Method::kPost, "/v1/jobs/{id}/complete",
                  [&api](net::Request& req, net::Responder res) {
                    Caller caller;
                    if (!Authorized(api, req, {Role::kMiner}, caller, res)) return;
                    nlohmann::json body;
                    auto completion = api_util::Body<protocol::CompleteRequest>(req, res, &body);
                    if (!completion) return;
                    std::optional<protocol::Price> claimed;
                    if (body.contains("price")) {
                      auto price = protocol::PriceFromJson(body["price"]);
                      if (!price.ok()) return res.Send(net::Response::FromError(price.error()));
                      claimed = *price;
                    }
                    core::Address coordinator = api.coordinator_address;
                    api.jobs->Complete(caller, req.PathParam("id"), std::move(*completion), claimed,
                                       Reply(std::move(res), 200, [coordinator](const Job& j) {
                                         return nlohmann::json{
                                             {"job_id", j.job_id},
                                             {"status", JobStateName(j.state)},
                                             {"receipt_id", j.receipt_id()},
                                             {"amount_paid", protocol::AmountToJson(j.amount_paid)},
                                             {"receipt", ReceiptJson(j, coordinator)}};
                                       }));
                  });

  router.AddAsync(
      net::Method::kPost, "/v1/jobs/{id}/fail", [&api](net::Request& req, net::Responder res) {
        Caller caller;
        if (!Authorized(api, req, {Role::kMiner}, caller, res)) return;
        auto report = api_util::Body<protocol::FailReport>(req, res);
        if (!report) return;
        api.jobs->ReportFailure(caller, req.PathParam("id"), *report,
                                Reply(std::move(res), 200, [](const Job& j) {
                                  return nlohmann::json{{"job_id", j.job_id},
                                                        {"status", JobStateName(j.state)},
                                                        {"attempts", j.attempts}};
                                }));
      });
}

}  // namespace aitbc::coordinator
