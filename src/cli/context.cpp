#include "cli/context.h"

#include <ostream>

#include "net/http_types.h"

namespace aitbc::cli {

core::Result<Settings> CliContext::GetSettings() {
  if (!settings_) {
    AITBC_ASSIGN_OR_RETURN(Settings settings, ResolveSettings(flags, env));
    settings_ = std::move(settings);
  }
  return *settings_;
}

void CliContext::PrintRetryNotice(int attempt, int max_attempts, const core::Error& error,
                                  int64_t delay_ms) {
  if (quiet) return;
  err << FormatRetryNotice(attempt, max_attempts, error, delay_ms) << std::endl;
}

core::Result<std::unique_ptr<client::CoordinatorClient>> CliContext::Coordinator(bool admin) {
  AITBC_ASSIGN_OR_RETURN(Settings settings, GetSettings());
  client::CoordinatorConfig config;
  config.url = settings.url;
  config.api_key = admin ? settings.admin_key : settings.api_key;
  if (admin && config.api_key.empty()) {
    return core::Error::InvalidArgument(
        "this command needs the admin API key: set ADMIN_API_KEY or pass --admin-key");
  }
  auto coordinator = std::make_unique<client::CoordinatorClient>(std::move(config), random);
  coordinator->set_retry_notice(
      [this](int attempt, int max_attempts, const core::Error& e, int64_t delay_ms) {
        PrintRetryNotice(attempt, max_attempts, e, delay_ms);
      });
  return coordinator;
}

client::NodeRetry CliContext::NodeRetry() {
  client::NodeRetry retry;
  retry.random = &random;
  const int attempts = retry.policy.max_retries + 1;
  retry.on_retry = [this, attempts](int retry_number, const core::Error& e, int64_t delay_ms) {
    PrintRetryNotice(retry_number + 1, attempts, e, delay_ms);
  };
  return retry;
}

core::Result<std::unique_ptr<net::BlockingChainClient>> CliContext::Node() {
  AITBC_ASSIGN_OR_RETURN(Settings settings, GetSettings());
  auto url = net::Url::Parse(settings.node_url);
  if (!url.ok()) {
    return core::Error::InvalidArgument("invalid node URL '" + settings.node_url +
                                        "': " + url.error().message());
  }
  return std::make_unique<net::BlockingChainClient>(*url);
}

int CliContext::Fail(const core::Error& error, const client::CallInfo& call,
                     const CallContext& context) {
  ErrorReport report = DescribeError(error, call, context);
  err << "error: " << report.sentence << std::endl;
  return report.exit_code;
}

int CliContext::FailCoordinator(const core::Error& error, const client::CoordinatorClient& client,
                                std::string action) {
  CallContext context;
  context.service = "coordinator";
  context.url = client.config().url;
  context.action = std::move(action);
  return Fail(error, client.last_call(), context);
}

int CliContext::FailNode(const core::Error& error, int attempts, std::string action) {
  CallContext context;
  context.service = "node";
  context.url = settings_ ? settings_->node_url : "";
  context.action = std::move(action);
  context.rpc = true;
  client::CallInfo call;
  call.attempts = attempts;
  bool network =
      error.code() == core::ErrorCode::kUnavailable || error.code() == core::ErrorCode::kTimeout;
  call.http_status = network || attempts == 0 ? 0 : net::HttpStatusFor(error.code());
  return Fail(error, call, context);
}

int CliContext::FailLocal(const std::string& message) {
  err << "error: " << message << std::endl;
  return kExitUsage;
}

}  // namespace aitbc::cli
