// P2pService: the routes a node serves to its peers on the p2p port (docs/node.md, "p2p"):
//   GET  /p2p/status                           {"chain_id","genesis_hash","height",
//                                                "last_block_hash","state_hash"}
//   GET  /p2p/blocks?from=H&max=N&wait_ms=W    up to N consecutive encoded blocks from height H
//                                              as Var frames (application/octet-stream); waits
//                                              up to W ms for block H when it does not exist yet;
//                                              header X-Aitbc-Height: the node's height
//   POST /p2p/txs                              Var frames of signed transactions; answers a JSON
//                                              array of verdicts (p2p_wire.h), in order
//
// Contract: handlers never block an EventLoop thread (long-polls wait through the Ledger).
// Errors in requests answer 400 with the JSON error body.
#pragma once

#include <cstddef>
#include <cstdint>

#include "net/event_loop.h"
#include "net/router.h"
#include "node/ledger.h"
#include "node/tx_pipeline.h"

namespace aitbc::node {

struct P2pOptions {
  size_t max_blocks_per_request = 256;
  size_t max_response_bytes = 32 << 20;
  int64_t max_wait_ms = 30'000;
  size_t max_txs_per_request = 10'000;
};

class P2pService {
 public:
  P2pService(Ledger& ledger, TxPipeline& pipeline, net::EventLoop& loop, P2pOptions options = {});
  void AddRoutes(net::Router& router);

 private:
  net::Response Status() const;
  void Blocks(net::Request& request, net::Responder responder);
  void Txs(net::Request& request, net::Responder responder);
  // The blocks from `from` on, within the limits.
  net::Response BlocksFrom(uint64_t from, size_t max) const;

  Ledger& ledger_;
  TxPipeline& pipeline_;
  net::EventLoop& loop_;
  const P2pOptions options_;
};

}  // namespace aitbc::node
