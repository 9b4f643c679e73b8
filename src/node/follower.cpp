// Follower: block download and validation from a peer.
#include "node/follower.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "node/p2p_wire.h"
#include "protocol/limits.h"

namespace aitbc::node {

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
  size_t committed = 0;
  for (const core::Bytes& bytes : frames) {
    auto block = protocol::Block::Decode(bytes);
    if (!block.ok()) return block.error().WithContext("block " + std::to_string(from + committed));
    uint64_t expected = ledger_.store().height() + 1;
    if (block->header.height != expected) {
      return core::Error::Corruption("peer sent block " + std::to_string(block->header.height) +
                                     " when " + std::to_string(expected) + " was asked for");
    }
    auto applied =
        ledger_.machine().ApplyBlock(ledger_.store(), *block, chain::VerifySignatures::kYes);
    if (!applied.ok()) {
      return applied.error().WithContext("rejected block " + std::to_string(expected));
    }
    AITBC_TRY(ledger_.Commit(*block, applied->delta));
    ++committed;
  }
  return committed;
}

}  // namespace aitbc::node
