// The miner registry: registered miners, their push credentials, health and reputation.
//
// A miner's identity is the miner id its X-Miner-Key is bound to. Registration stores its URL,
// public key, models, slots, price, backend and GPU, and answers a fresh random push key that the
// coordinator presents (X-Api-Key) when it pushes a job to the miner; push keys live in memory
// only, so after a coordinator restart every miner must register again (heartbeats of unknown
// miners answer 404). A miner that misses kMissedHeartbeats intervals is offline.
// Reputation (successes, finished attempts, average job time) is persisted with the miner.
//
// Contract: NOT thread-safe: the job service calls it under its own lock. Errors are values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "coordinator/scheduler.h"
#include "coordinator/store.h"
#include "core/address.h"
#include "core/random.h"
#include "protocol/job_messages.h"

namespace aitbc::coordinator {

inline constexpr int kMissedHeartbeats = 3;

struct MinerInfo {
  std::string miner_id;
  protocol::MinerRegistration registration;
  core::Address address;
  std::string push_key;     // memory only
  bool registered = false;  // registered since this coordinator started, and not removed
  bool online = false;
  bool healthy = true;
  int64_t registered_ms = 0;        // wall clock, first registration ever
  int64_t last_seen_steady_ms = 0;  // registration or heartbeat
  uint32_t reported_free_slots = 0;
  uint32_t active = 0;                      // jobs assigned by us and not finished
  int64_t unavailable_until_steady_ms = 0;  // refused a push (busy): skipped until then
  core::Amount stake;
  int64_t stake_refreshed_steady_ms = 0;
  uint64_t successes = 0;
  uint64_t finished = 0;
  double avg_job_ms = 0;

  nlohmann::json ToStoredJson() const;
  static core::Result<MinerInfo> FromStoredJson(const std::string& miner_id,
                                                const std::string& data);
  // The admin view (GET /v1/miners).
  nlohmann::json ToApiJson(int64_t now_steady_ms) const;
};

class MinerRegistry {
 public:
  MinerRegistry(core::Random& random, int64_t heartbeat_interval_ms)
      : random_(random), heartbeat_interval_ms_(heartbeat_interval_ms) {}

  // Miners known from the store (offline until they register again).
  core::Status Load(const std::vector<MinerRow>& rows);

  // Registers (or re-registers) a miner and returns it with a fresh push key.
  MinerInfo& Register(const std::string& miner_id, const protocol::MinerRegistration& reg,
                      int64_t now_ms, int64_t now_steady_ms);
  // kNotFound when the miner has not registered since the coordinator started.
  core::Result<MinerInfo*> Heartbeat(const std::string& miner_id,
                                     const protocol::MinerHeartbeat& heartbeat,
                                     int64_t now_steady_ms);
  // Marks it unregistered and offline; kNotFound when unknown.
  core::Status Remove(const std::string& miner_id);

  MinerInfo* Find(const std::string& miner_id);
  // Registered miners that have missed too many heartbeats: marked offline and returned.
  std::vector<std::string> ExpireSilent(int64_t now_steady_ms);
  // Registered miners serving the model (online or not): for submission checks.
  std::vector<const MinerInfo*> Serving(const std::string& model) const;
  // Candidates for the scheduler, in a stable order (miner id).
  std::vector<MinerCandidate> Candidates(int64_t now_steady_ms) const;
  // Records the end of an attempt for reputation.
  void RecordOutcome(const std::string& miner_id, bool success, int64_t job_ms);

  size_t online_count() const;
  int64_t heartbeat_interval_ms() const { return heartbeat_interval_ms_; }
  const std::map<std::string, MinerInfo>& miners() const { return miners_; }
  MinerRow Row(const MinerInfo& miner) const;

 private:
  core::Random& random_;
  int64_t heartbeat_interval_ms_;
  std::map<std::string, MinerInfo> miners_;
};

}  // namespace aitbc::coordinator
