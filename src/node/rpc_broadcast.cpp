// broadcast_tx_async / broadcast_tx_sync / broadcast_tx_commit.
#include <spdlog/spdlog.h>

#include "node/ledger.h"
#include "node/mempool.h"
#include "node/p2p_wire.h"
#include "node/rpc_internal.h"
#include "node/rpc_params.h"
#include "node/tx_pipeline.h"

namespace aitbc::node::rpc_internal {
namespace {

using nlohmann::json;
using Done = std::function<void(core::Result<json>)>;

// params.tx decoded: an RPC error for bad params, else the envelope or the decode error.
struct DecodedTx {
  core::Hash256 hash;
  core::Result<protocol::TxEnvelope> tx = core::Error::Internal("unset");
};

core::Result<DecodedTx> DecodeTxParam(const json& params) {
  AITBC_ASSIGN_OR_RETURN(json named, NamedParams(params, {"tx"}));
  AITBC_ASSIGN_OR_RETURN(core::Bytes bytes, Base64Param(named, "tx"));
  DecodedTx out;
  out.hash = core::Sha256(bytes);
  out.tx = protocol::TxEnvelope::FromOwned(std::move(bytes));
  if (!out.tx.ok()) out.tx = out.tx.error().WithContext("cannot decode transaction");
  return out;
}

// broadcast_tx_sync's result; "duplicate": true when this very transaction is already pending
// or committed (re-broadcasting is harmless).
json SyncResult(const core::Hash256& hash, const core::Status& status) {
  json result = TxResultJson(hash, status);
  if (!status.ok() && IsDuplicateTx(status.error())) result["duplicate"] = true;
  return result;
}

void BroadcastAsync(const Services& s, const json& params, Done done) {
  auto decoded = DecodeTxParam(params);
  if (!decoded.ok()) return done(decoded.error());
  if (!decoded->tx.ok()) return done(SyncResult(decoded->hash, decoded->tx.error()));
  core::Hash256 hash = decoded->hash;
  s->pipeline->Submit(std::move(decoded->tx).value(), [hash](core::Status status) {
    if (!status.ok()) {
      spdlog::debug("broadcast_tx_async {} rejected: {}", hash.ToHex(), status.error().ToString());
    }
  });
  done(SyncResult(hash, core::Ok()));
}

void BroadcastSync(const Services& s, const json& params, Done done) {
  auto decoded = DecodeTxParam(params);
  if (!decoded.ok()) return done(decoded.error());
  if (!decoded->tx.ok()) return done(SyncResult(decoded->hash, decoded->tx.error()));
  core::Hash256 hash = decoded->hash;
  s->pipeline->Submit(
      std::move(decoded->tx).value(),
      [hash, done = std::move(done)](core::Status status) { done(SyncResult(hash, status)); });
}

void BroadcastCommit(const Services& s, const json& params, Done done) {
  auto decoded = DecodeTxParam(params);
  if (!decoded.ok()) return done(decoded.error());
  core::Hash256 hash = decoded->hash;
  auto check_failed = [hash](const core::Status& status) {
    json check = TxResultJson(hash, status);
    return json{{"check_tx", check}, {"tx_result", nullptr}, {"hash", hash.ToHex()}, {"height", 0}};
  };
  if (!decoded->tx.ok()) return done(check_failed(decoded->tx.error()));
  Services services = s;
  s->pipeline->Submit(
      std::move(decoded->tx).value(),
      [services, hash, check_failed, done = std::move(done)](core::Status status) {
        if (!status.ok() && !IsDuplicateTx(status.error())) return done(check_failed(status));
        services->ledger->WaitForTx(
            hash, services->commit_timeout_ms, [hash, done](core::Result<TxLocation> location) {
              if (!location.ok()) return done(location.error());
              done(json{{"check_tx", TxResultJson(hash, core::Ok())},
                        {"tx_result", {{"code", 0}, {"log", ""}, {"index", location->index}}},
                        {"hash", hash.ToHex()},
                        {"height", location->height}});
            });
      });
}

}  // namespace

void RegisterBroadcastMethods(Registrar& registrar, const Services& s) {
  registrar.AddAsync("broadcast_tx_async",
                     [s](const json& params, Done done) { BroadcastAsync(s, params, done); });
  registrar.AddAsync("broadcast_tx_sync",
                     [s](const json& params, Done done) { BroadcastSync(s, params, done); });
  registrar.AddAsync("broadcast_tx_commit",
                     [s](const json& params, Done done) { BroadcastCommit(s, params, done); });
}

}  // namespace aitbc::node::rpc_internal
