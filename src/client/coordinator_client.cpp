#include "client/coordinator_client.h"

#include <algorithm>
#include <charconv>

#include "core/bytes.h"
#include "core/clock.h"
#include "net/http_types.h"

namespace aitbc::client {

namespace {

constexpr int64_t kLongPollSliceS = 2;

core::Result<nlohmann::json> ParseBody(const std::string& body) {
  if (body.empty()) return nlohmann::json::object();
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return core::Error::Corruption("the coordinator answered with malformed JSON");
  }
  return json;
}

int64_t RetryAfterMs(const net::Response& response) {
  auto header = response.headers.Get("Retry-After");
  if (!header) return 0;
  int64_t seconds = 0;
  auto [ptr, ec] = std::from_chars(header->data(), header->data() + header->size(), seconds);
  if (ec != std::errc() || seconds < 0) return 0;
  return seconds * 1000;
}

}  // namespace

std::string NewIdempotencyKey(core::Random& random) {
  return "idem_" + core::HexEncode(random.RandomBytes(16));
}

CoordinatorClient::CoordinatorClient(CoordinatorConfig config, core::Random& random)
    : config_(std::move(config)),
      random_(random),
      http_(std::make_unique<net::BlockingHttpClient>()) {
  auto url = net::Url::Parse(config_.url);
  if (url.ok()) {
    base_ = *url;
  } else {
    base_status_ = core::Error::InvalidArgument("invalid coordinator URL '" + config_.url +
                                                "': " + url.error().message());
  }
}

CoordinatorClient::~CoordinatorClient() = default;

core::Result<nlohmann::json> CoordinatorClient::Call(net::Method method, const std::string& target,
                                                     const std::string& body,
                                                     const net::Headers& extra_headers,
                                                     bool retryable,
                                                     int64_t extra_read_timeout_ms) {
  last_call_ = CallInfo{};
  if (!base_status_.ok()) return base_status_.error();
  net::ClientRequest request;
  request.method = method;
  request.url = base_.WithTarget(target);
  request.headers = extra_headers;
  if (!config_.api_key.empty()) request.headers.Set("X-Api-Key", config_.api_key);
  request.headers.Set("Accept", "application/json");
  if (method == net::Method::kPost) {
    request.headers.Set("Content-Type", "application/json");
    request.body = body;
  }
  request.connect_timeout_ms = config_.connect_timeout_ms;
  request.read_timeout_ms = config_.read_timeout_ms + extra_read_timeout_ms;

  const int max_retries = retryable ? config_.retry.max_retries : 0;
  for (int retry = 0;; ++retry) {
    ++last_call_.attempts;
    last_call_.http_status = 0;
    last_call_.retry_after_ms = 0;
    core::Result<net::Response> sent = http_->Send(request);
    core::Error error = core::Error::Internal("");
    if (sent.ok()) {
      last_call_.http_status = sent->status;
      if (sent->status >= 200 && sent->status < 300) return ParseBody(sent->body);
      error = net::ErrorFromResponse(*sent);
      if (sent->status == 429) last_call_.retry_after_ms = RetryAfterMs(*sent);
    } else {
      error = sent.error();
    }
    if (!net::IsRetryable(error) || (max_retries >= 0 && retry >= max_retries)) return error;
    int64_t delay = net::BackoffDelayMs(config_.retry, retry, random_);
    if (last_call_.retry_after_ms > 0) {
      // The server said when: do not come back earlier, and give up if that is too far away.
      if (last_call_.retry_after_ms > config_.retry.max_backoff_ms) return error;
      delay = std::max(delay, last_call_.retry_after_ms);
    }
    if (retry_notice_) {
      int max_attempts = max_retries < 0 ? -1 : max_retries + 1;
      retry_notice_(retry + 2, max_attempts, error, delay);
    }
    net::SleepMs(delay);
  }
}

core::Result<JobView> CoordinatorClient::SubmitJob(SubmitRequest& request) {
  if (request.idempotency_key.empty()) request.idempotency_key = NewIdempotencyKey(random_);
  net::Headers headers;
  headers.Set("Idempotency-Key", request.idempotency_key);
  AITBC_ASSIGN_OR_RETURN(nlohmann::json json,
                         Call(net::Method::kPost, "/v1/jobs", request.ToJson().dump(), headers,
                              /*retryable=*/true));
  return JobViewFromJson(json);
}

core::Result<JobView> CoordinatorClient::GetJob(const std::string& job_id, int wait_s) {
  std::string target = "/v1/jobs/" + net::PercentEncode(job_id);
  if (wait_s > 0) target += "?wait=" + std::to_string(wait_s);
  AITBC_ASSIGN_OR_RETURN(nlohmann::json json,
                         Call(net::Method::kGet, target, "", {}, /*retryable=*/true,
                              static_cast<int64_t>(std::max(wait_s, 0)) * 1000));
  return JobViewFromJson(json);
}

core::Result<JobPage> CoordinatorClient::ListJobs(int limit, const std::string& cursor) {
  std::string target = "/v1/jobs?limit=" + std::to_string(limit);
  if (!cursor.empty()) target += "&cursor=" + net::PercentEncode(cursor);
  AITBC_ASSIGN_OR_RETURN(nlohmann::json json,
                         Call(net::Method::kGet, target, "", {}, /*retryable=*/true));
  return JobPageFromJson(json);
}

core::Result<JobView> CoordinatorClient::CancelJob(const std::string& job_id) {
  AITBC_ASSIGN_OR_RETURN(
      nlohmann::json json,
      Call(net::Method::kPost, "/v1/jobs/" + net::PercentEncode(job_id) + "/cancel", "{}", {},
           /*retryable=*/false));
  return JobViewFromJson(json);
}

core::Result<ReceiptView> CoordinatorClient::GetReceipt(const std::string& receipt_id) {
  AITBC_ASSIGN_OR_RETURN(nlohmann::json json,
                         Call(net::Method::kGet, "/v1/receipts/" + net::PercentEncode(receipt_id),
                              "", {}, /*retryable=*/true));
  return ReceiptViewFromJson(json);
}

core::Result<nlohmann::json> CoordinatorClient::Info() {
  return Call(net::Method::kGet, "/v1/info", "", {}, /*retryable=*/true);
}

core::Result<std::vector<MinerView>> CoordinatorClient::ListMiners() {
  AITBC_ASSIGN_OR_RETURN(nlohmann::json json,
                         Call(net::Method::kGet, "/v1/miners", "", {}, /*retryable=*/true));
  return MinersFromJson(json);
}

core::Result<nlohmann::json> CoordinatorClient::Health() {
  return Call(net::Method::kGet, "/healthz", "", {}, /*retryable=*/false);
}

core::Result<JobView> CoordinatorClient::WaitForJob(
    const std::string& job_id, int64_t timeout_ms,
    const std::function<void(const JobView&)>& on_update) {
  auto& clock = core::SystemClock::Instance();
  const int64_t deadline = clock.SteadyMs() + timeout_ms;
  std::string last_status;
  for (;;) {
    int64_t left_ms = deadline - clock.SteadyMs();
    // The coordinator answers a long-poll when the job ends; poll in slices of
    // kLongPollSliceS so that progress lines show "running" too. Never past the deadline.
    int wait_s = static_cast<int>(std::clamp<int64_t>((left_ms + 999) / 1000, 0, kLongPollSliceS));
    AITBC_ASSIGN_OR_RETURN(JobView job, GetJob(job_id, wait_s));
    last_status = job.status;
    if (on_update) on_update(job);
    if (job.terminal()) return job;
    if (clock.SteadyMs() >= deadline) {
      return core::Error::Timeout("job " + job_id + " is still " + last_status + " after " +
                                  std::to_string(timeout_ms / 1000) + " s");
    }
    // A coordinator that does not support long-polling answers at once: do not spin.
    if (wait_s == 0) net::SleepMs(std::min<int64_t>(200, std::max<int64_t>(left_ms, 0)));
  }
}

}  // namespace aitbc::client
