// Follower: block download and validation from a peer.
#include "node/follower.h"

#include <spdlog/spdlog.h>

#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "node/p2p_wire.h"
#include "protocol/limits.h"

namespace aitbc::node {

namespace {

// The first transaction (block index, error) whose signatures do not verify, checking every
// transaction of every block on `threads` threads; nullopt when all verify.
std::optional<std::pair<size_t, core::Error>> VerifyTransactionSignatures(
    const std::vector<protocol::Block>& blocks, size_t threads) {
  std::vector<std::pair<size_t, size_t>> all;  // (block, tx)
  for (size_t b = 0; b < blocks.size(); ++b) {
    for (size_t t = 0; t < blocks[b].txs.size(); ++t) all.emplace_back(b, t);
  }
  std::vector<char> bad(all.size(), 0);
  auto verify_range = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const auto& [b, t] = all[i];
      bad[i] = blocks[b].txs[t].tx.VerifySignatures().ok() ? 0 : 1;
    }
  };
  size_t n = std::max<size_t>(1, std::min(threads, all.size() / 64 + 1));
  std::vector<std::thread> workers;
  for (size_t w = 1; w < n; ++w) {
    workers.emplace_back(verify_range, all.size() * w / n, all.size() * (w + 1) / n);
  }
  verify_range(0, all.size() / n);
  for (auto& worker : workers) worker.join();
  for (size_t i = 0; i < all.size(); ++i) {
    if (!bad[i]) continue;
    const auto& [b, t] = all[i];
    const protocol::TxEnvelope& tx = blocks[b].txs[t];
    core::Status status = tx.tx.VerifySignatures();
    return std::make_pair(b, status.error().WithContext("transaction " + std::to_string(t) + " (" +
                                                        tx.hash.ToHex() + ")"));
  }
  return std::nullopt;
}

}  // namespace

Follower::Follower(Ledger& ledger, FollowerOptions options)
    : ledger_(ledger),
      options_(std::move(options)),
      http_(std::make_unique<net::BlockingHttpClient>()) {}

Follower::~Follower() { Stop(); }

void Follower::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void Follower::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

SyncStatus Follower::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

std::optional<net::Url> Follower::peer_url() const {
  std::lock_guard lock(mu_);
  return peer_url_;
}

bool Follower::SleepMs(int64_t ms) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stop_; });
  return !stop_;
}

void Follower::SetError(const std::string& peer, const core::Error& error) {
  std::string message = "peer " + peer + ": " + error.ToString();
  spdlog::warn("sync: {}", message);
  std::lock_guard lock(mu_);
  status_.last_error = std::move(message);
}

void Follower::Run() {
  if (options_.peers.empty()) {
    spdlog::warn("sync: no --peer given: this node will not receive blocks");
    return;
  }
  int64_t backoff = options_.min_backoff_ms;
  for (size_t attempt = 0;; ++attempt) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    const std::string& peer = options_.peers[attempt % options_.peers.size()];
    auto url = net::Url::Parse("http://" + peer);
    core::Status status =
        url.ok() ? SyncFrom(*url)
                 : core::Status(url.error().WithContext("peer address \"" + peer + "\""));
    if (status.ok()) return;  // stopped
    SetError(peer, status.error());
    if (!SleepMs(backoff)) return;
    backoff = std::min(options_.max_backoff_ms, backoff * 2);
  }
}

core::Status Follower::CheckPeer(const net::Url& peer) {
  net::ClientRequest request;
  request.url = peer.WithTarget("/p2p/status");
  request.read_timeout_ms = 5000;
  AITBC_ASSIGN_OR_RETURN(net::Response response, http_->Send(std::move(request)));
  if (response.status != 200) return net::ErrorFromResponse(response);
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("genesis_hash") || !body["genesis_hash"].is_string() ||
      !body.contains("chain_id") || !body["chain_id"].is_string()) {
    return core::Error::Corruption("malformed /p2p/status answer");
  }
  const std::string ours = ledger_.store().genesis_hash().ToHex();
  const std::string theirs = body["genesis_hash"].get<std::string>();
  const std::string& chain_id = ledger_.machine().genesis().chain_id;
  if (theirs != ours || body["chain_id"] != chain_id) {
    return core::Error::FailedPrecondition("peer runs another chain (genesis hash " + theirs +
                                           ", chain id " + body["chain_id"].get<std::string>() +
                                           "; ours " + ours + ", " + chain_id +
                                           "): refusing to sync from it");
  }
  return core::Ok();
}

core::Status Follower::SyncFrom(const net::Url& peer) {
  AITBC_TRY(CheckPeer(peer));
  {
    std::lock_guard lock(mu_);
    peer_url_ = peer;
    status_.peer = peer.host + ":" + std::to_string(peer.port);
  }
  spdlog::info("sync: following {}:{} from height {}", peer.host, peer.port,
               ledger_.store().height());
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return core::Ok();
    }
    AITBC_ASSIGN_OR_RETURN(size_t committed, FetchAndApply(peer));
    std::lock_guard lock(mu_);
    status_.last_error.clear();
    status_.catching_up = committed >= options_.max_blocks;
  }
}

core::Result<size_t> Follower::FetchAndApply(const net::Url& peer) {
  const uint64_t from = ledger_.store().height() + 1;
  net::ClientRequest request;
  request.url = peer.WithTarget("/p2p/blocks?from=" + std::to_string(from) +
                                "&max=" + std::to_string(options_.max_blocks) +
                                "&wait_ms=" + std::to_string(options_.poll_wait_ms));
  request.read_timeout_ms = options_.poll_wait_ms + 30'000;
  AITBC_ASSIGN_OR_RETURN(net::Response response, http_->Send(std::move(request)));
  if (response.status != 200) return net::ErrorFromResponse(response);
  if (auto height = response.headers.Get("X-Aitbc-Height")) {
    uint64_t peer_height = std::strtoull(std::string(*height).c_str(), nullptr, 10);
    std::lock_guard lock(mu_);
    status_.peer_height = peer_height;
  }
  AITBC_ASSIGN_OR_RETURN(
      auto frames, DecodeFrames(response.body, protocol::kMaxBlockBytes, options_.max_blocks));
  std::vector<protocol::Block> blocks;
  blocks.reserve(frames.size());
  for (const core::Bytes& bytes : frames) {
    auto block = protocol::Block::Decode(bytes);
    if (!block.ok()) {
      return block.error().WithContext("block " + std::to_string(from + blocks.size()));
    }
    blocks.push_back(std::move(block).value());
  }
  auto bad_signature = VerifyTransactionSignatures(blocks, options_.verify_threads);
  size_t committed = 0;
  for (size_t b = 0; b < blocks.size(); ++b) {
    const protocol::Block& block = blocks[b];
    uint64_t expected = ledger_.store().height() + 1;
    if (block.header.height != expected) {
      return core::Error::Corruption("peer sent block " + std::to_string(block.header.height) +
                                     " when " + std::to_string(expected) + " was asked for");
    }
    if (bad_signature && bad_signature->first == b) {
      return bad_signature->second.WithContext("rejected block " + std::to_string(expected));
    }
    // Transaction signatures are verified above; ApplyBlock checks everything else, the
    // proposer's signature included.
    auto applied =
        ledger_.machine().ApplyBlock(ledger_.store(), block, chain::VerifySignatures::kNo);
    if (!applied.ok()) {
      return applied.error().WithContext("rejected block " + std::to_string(expected));
    }
    AITBC_TRY(ledger_.Commit(block, applied->delta));
    ++committed;
  }
  return committed;
}

}  // namespace aitbc::node
