// P2pService: block download, chain status and forwarded transactions for peers.
#include "node/p2p_service.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "node/p2p_wire.h"
#include "protocol/limits.h"

namespace aitbc::node {
namespace {

core::Result<uint64_t> QueryU64(const net::Request& request, const std::string& name,
                                std::optional<uint64_t> fallback) {
  auto text = request.Query(name);
  if (!text) {
    if (fallback) return *fallback;
    return core::Error::InvalidArgument("query parameter '" + name + "' is required");
  }
  uint64_t value = 0;
  if (text->empty() || text->size() > 19 ||
      text->find_first_not_of("0123456789") != std::string::npos) {
    return core::Error::InvalidArgument("query parameter '" + name +
                                        "' must be a non-negative integer");
  }
  for (char c : *text) value = value * 10 + static_cast<uint64_t>(c - '0');
  return value;
}

}  // namespace

P2pService::P2pService(Ledger& ledger, TxPipeline& pipeline, net::EventLoop& loop,
                       P2pOptions options)
    : ledger_(ledger), pipeline_(pipeline), loop_(loop), options_(options) {}

void P2pService::AddRoutes(net::Router& router) {
  router.Add(net::Method::kGet, "/p2p/status", [this](net::Request&) { return Status(); });
  router.AddAsync(net::Method::kGet, "/p2p/blocks",
                  [this](net::Request& request, net::Responder responder) {
                    Blocks(request, std::move(responder));
                  });
  router.AddAsync(net::Method::kPost, "/p2p/txs",
                  [this](net::Request& request, net::Responder responder) {
                    Txs(request, std::move(responder));
                  });
}

net::Response P2pService::Status() const {
  chain::ChainMeta meta = ledger_.store().meta();
  return net::Response::Json(200, {{"chain_id", ledger_.machine().genesis().chain_id},
                                   {"genesis_hash", ledger_.store().genesis_hash().ToHex()},
                                   {"height", meta.height},
                                   {"last_block_hash", meta.last_block_hash.ToHex()},
                                   {"state_hash", meta.state_hash.ToHex()}});
}

net::Response P2pService::BlocksFrom(uint64_t from, size_t max) const {
  const Store& store = ledger_.store();
  uint64_t height = store.height();
  std::string body;
  for (uint64_t h = from; h <= height && h - from < max; ++h) {
    auto bytes = store.GetBlockBytes(h);
    if (!bytes.ok()) return net::Response::FromError(bytes.error());
    if (!bytes->has_value()) break;
    if (!body.empty() && body.size() + (*bytes)->size() + 4 > options_.max_response_bytes) break;
    AppendFrame(body, **bytes);
  }
  net::Response response;
  response.status = 200;
  response.headers.Set("Content-Type", "application/octet-stream");
  response.headers.Set("X-Aitbc-Height", std::to_string(height));
  response.body = std::move(body);
  return response;
}

void P2pService::Blocks(net::Request& request, net::Responder responder) {
  auto from = QueryU64(request, "from", std::nullopt);
  auto max = QueryU64(request, "max", 32);
  auto wait_ms = QueryU64(request, "wait_ms", 0);
  for (const auto* r : {&from, &max, &wait_ms}) {
    if (!r->ok()) return responder.Send(net::Response::FromError(r->error()));
  }
  if (*from == 0) {
    return responder.Send(net::Response::FromError(
        core::Error::InvalidArgument("'from' must be at least 1 (height 0 is the genesis)")));
  }
  size_t n = static_cast<size_t>(std::clamp<uint64_t>(*max, 1, options_.max_blocks_per_request));
  if (*from <= ledger_.store().height() || *wait_ms == 0) {
    return responder.Send(BlocksFrom(*from, n));
  }
  auto shared = std::make_shared<net::Responder>(std::move(responder));
  int64_t wait = static_cast<int64_t>(std::min<uint64_t>(*wait_ms, options_.max_wait_ms));
  ledger_.WaitForHeight(*from, wait, [this, shared, from = *from, n](bool) {
    // Called on the committing thread or a timer: read the blocks on the loop instead.
    loop_.Post([this, shared, from, n] { shared->Send(BlocksFrom(from, n)); });
  });
}

void P2pService::Txs(net::Request& request, net::Responder responder) {
  auto frames = DecodeFrames(request.body, protocol::kMaxTxBytes, options_.max_txs_per_request);
  if (!frames.ok()) {
    return responder.Send(
        net::Response::FromError(frames.error().WithContext("malformed transaction frames")));
  }
  struct Pending {
    std::mutex mu;
    nlohmann::json verdicts;
    size_t remaining = 0;
    net::Responder responder;
  };
  auto pending = std::make_shared<Pending>();
  pending->verdicts = nlohmann::json::array();
  pending->remaining = frames->size();
  pending->responder = std::move(responder);
  if (frames->empty()) return pending->responder.Send(net::Response::Json(200, pending->verdicts));
  for (size_t i = 0; i < frames->size(); ++i) pending->verdicts.push_back(nullptr);

  auto answer = [pending](size_t i, nlohmann::json verdict) {
    std::lock_guard lock(pending->mu);
    pending->verdicts[i] = std::move(verdict);
    if (--pending->remaining == 0) {
      pending->responder.Send(net::Response::Json(200, pending->verdicts));
    }
  };
  for (size_t i = 0; i < frames->size(); ++i) {
    core::Hash256 hash = core::Sha256((*frames)[i]);
    auto tx = protocol::TxEnvelope::FromOwned(std::move((*frames)[i]));
    if (!tx.ok()) {
      answer(i, TxResultJson(hash, tx.error().WithContext("cannot decode transaction")));
      continue;
    }
    pipeline_.Submit(std::move(tx).value(), [answer, i, hash](core::Status status) {
      answer(i, TxResultJson(hash, status));
    });
  }
}

}  // namespace aitbc::node
