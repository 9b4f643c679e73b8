// Method registration (with per-method metrics) and the POST / mount.
#include "node/rpc.h"

#include "node/rpc_internal.h"

namespace aitbc::node {
namespace rpc_internal {
namespace {

struct MethodMetrics {
  net::Counter* calls = nullptr;
  net::Counter* errors = nullptr;
  void Count(bool ok) const {
    if (calls != nullptr) calls->Inc();
    if (!ok && errors != nullptr) errors->Inc();
  }
};

MethodMetrics MetricsFor(net::MetricsRegistry* metrics, const std::string& name) {
  if (metrics == nullptr) return {};
  return {&metrics->GetCounter("aitbc_rpc_requests_total", "JSON-RPC calls by method",
                               {{"method", name}}),
          &metrics->GetCounter("aitbc_rpc_errors_total", "JSON-RPC calls answered with an error",
                               {{"method", name}})};
}

}  // namespace

void Registrar::Add(const std::string& name, net::jsonrpc::Dispatcher::Method method) {
  MethodMetrics m = MetricsFor(metrics_, name);
  dispatcher_.Add(name, [m, method = std::move(method)](const nlohmann::json& params) {
    auto result = method(params);
    m.Count(result.ok());
    return result;
  });
}

void Registrar::AddAsync(const std::string& name, net::jsonrpc::Dispatcher::AsyncMethod method) {
  MethodMetrics m = MetricsFor(metrics_, name);
  dispatcher_.AddAsync(name, [m, method = std::move(method)](
                                 const nlohmann::json& params,
                                 std::function<void(core::Result<nlohmann::json>)> done) {
    method(params, [m, done = std::move(done)](core::Result<nlohmann::json> result) {
      m.Count(result.ok());
      done(std::move(result));
    });
  });
}

}  // namespace rpc_internal

void RegisterRpcMethods(net::jsonrpc::Dispatcher& dispatcher, const RpcServices& services) {
  auto shared = std::make_shared<const RpcServices>(services);
  rpc_internal::Registrar registrar(dispatcher, services.metrics);
  rpc_internal::RegisterBroadcastMethods(registrar, shared);
  rpc_internal::RegisterQueryMethods(registrar, shared);
}

namespace {

// A request object without "id" gets id null, so that it is answered.
void AddNullId(nlohmann::json& request) {
  if (request.is_object() && !request.contains("id")) request["id"] = nullptr;
}

}  // namespace

std::optional<std::string> AnswerableBody(std::string_view body) {
  // Only a body without the text "id" can hold a request without an id: parse just those.
  if (body.find("\"id\"") != std::string_view::npos) return std::nullopt;
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  if (parsed.is_array()) {
    for (auto& item : parsed) AddNullId(item);
  } else {
    AddNullId(parsed);
  }
  return parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void MountRpc(net::Router& router, const net::jsonrpc::Dispatcher& dispatcher, size_t max_batch) {
  router.AddAsync(net::Method::kPost, "/",
                  [&dispatcher, max_batch](net::Request& request, net::Responder responder) {
                    auto shared = std::make_shared<net::Responder>(std::move(responder));
                    auto answer = [shared](std::string body) {
                      net::Response response;
                      response.status = body.empty() ? 204 : 200;  // 204: only notifications
                      if (!body.empty()) response.headers.Set("Content-Type", "application/json");
                      response.body = std::move(body);
                      shared->Send(std::move(response));
                    };
                    if (auto rewritten = AnswerableBody(request.body)) {
                      return dispatcher.HandleBody(*rewritten, max_batch, answer);
                    }
                    dispatcher.HandleBody(request.body, max_batch, answer);
                  });
}

}  // namespace aitbc::node
