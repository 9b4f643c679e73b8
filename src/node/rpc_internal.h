// Internal to the RPC files: method registration with metrics, shared JSON helpers.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "chain/state.h"
#include "net/json_rpc.h"
#include "node/rpc.h"

namespace aitbc::node::rpc_internal {

// Registers methods on the dispatcher, counting calls and errors per method.
class Registrar {
 public:
  Registrar(net::jsonrpc::Dispatcher& dispatcher, net::MetricsRegistry* metrics)
      : dispatcher_(dispatcher), metrics_(metrics) {}
  void Add(const std::string& name, net::jsonrpc::Dispatcher::Method method);
  void AddAsync(const std::string& name, net::jsonrpc::Dispatcher::AsyncMethod method);

 private:
  net::jsonrpc::Dispatcher& dispatcher_;
  net::MetricsRegistry* metrics_;
};

using Services = std::shared_ptr<const RpcServices>;

void RegisterBroadcastMethods(Registrar& registrar, const Services& services);
void RegisterQueryMethods(Registrar& registrar, const Services& services);

nlohmann::json EscrowToJson(const chain::Escrow& escrow);

}  // namespace aitbc::node::rpc_internal
