#include "coordinator/miner_registry.h"

#include <algorithm>

#include "core/json_fields.h"
#include "protocol/json_codec.h"

namespace aitbc::coordinator {

nlohmann::json MinerInfo::ToStoredJson() const {
  return {{"registration", registration.ToJson()},
          {"registered_ms", registered_ms},
          {"successes", successes},
          {"finished", finished},
          {"avg_job_ms", avg_job_ms}};
}

core::Result<MinerInfo> MinerInfo::FromStoredJson(const std::string& miner_id,
                                                  const std::string& data) {
  constexpr std::string_view kWhat = "stored miner";
  AITBC_ASSIGN_OR_RETURN(nlohmann::json j, core::ParseJsonObject(data, kWhat));
  MinerInfo m;
  m.miner_id = miner_id;
  AITBC_ASSIGN_OR_RETURN(const nlohmann::json* reg,
                         core::JsonObjectField(j, "registration", kWhat));
  auto parsed = protocol::MinerRegistration::FromJson(*reg);
  if (!parsed.ok()) {
    return core::Error::Corruption("stored miner " + miner_id + ": " + parsed.error().message());
  }
  m.registration = std::move(parsed).value();
  m.address = core::Address::FromPublicKey(m.registration.public_key);
  AITBC_ASSIGN_OR_RETURN(uint64_t registered_ms, core::JsonUintField(j, "registered_ms", kWhat));
  m.registered_ms = static_cast<int64_t>(registered_ms);
  AITBC_ASSIGN_OR_RETURN(m.successes, core::JsonUintField(j, "successes", kWhat));
  AITBC_ASSIGN_OR_RETURN(m.finished, core::JsonUintField(j, "finished", kWhat));
  if (!j.contains("avg_job_ms") || !j["avg_job_ms"].is_number()) {
    return core::Error::Corruption("stored miner: field \"avg_job_ms\" is not a number");
  }
  m.avg_job_ms = j["avg_job_ms"].get<double>();
  return m;
}

nlohmann::json MinerInfo::ToApiJson(int64_t now_steady_ms) const {
  nlohmann::json out = registration.ToJson();
  out["miner_id"] = miner_id;
  out["status"] = !registered ? "unregistered" : online ? "online" : "offline";
  out["healthy"] = healthy;
  out["active_jobs"] = active;
  out["free_slots"] = registration.slots > active ? registration.slots - active : 0;
  out["stake"] = protocol::AmountToJson(stake);
  out["reputation"] = {{"successes", successes},
                       {"finished", finished},
                       {"success_rate", (static_cast<double>(successes) + 1.0) /
                                            (static_cast<double>(finished) + 2.0)},
                       {"avg_job_ms", avg_job_ms}};
  out["last_seen_ms_ago"] = registered ? now_steady_ms - last_seen_steady_ms : -1;
  return out;
}

core::Status MinerRegistry::Load(const std::vector<MinerRow>& rows) {
  for (const MinerRow& row : rows) {
    AITBC_ASSIGN_OR_RETURN(MinerInfo m, MinerInfo::FromStoredJson(row.miner_id, row.data));
    miners_[row.miner_id] = std::move(m);
  }
  return core::Ok();
}

MinerInfo& MinerRegistry::Register(const std::string& miner_id,
                                   const protocol::MinerRegistration& reg, int64_t now_ms,
                                   int64_t now_steady_ms) {
  MinerInfo& m = miners_[miner_id];
  if (m.miner_id.empty()) {
    m.miner_id = miner_id;
    m.registered_ms = now_ms;
  }
  core::Address address = core::Address::FromPublicKey(reg.public_key);
  if (address != m.address) m.stake_refreshed_steady_ms = 0;  // new account: read its stake
  m.registration = reg;
  m.address = address;
  m.push_key = "pk_" + core::HexEncode(random_.RandomBytes(32));
  m.registered = true;
  m.online = true;
  m.healthy = true;
  m.last_seen_steady_ms = now_steady_ms;
  m.reported_free_slots = reg.slots;
  m.unavailable_until_steady_ms = 0;
  return m;
}

core::Result<MinerInfo*> MinerRegistry::Heartbeat(const std::string& miner_id,
                                                  const protocol::MinerHeartbeat& heartbeat,
                                                  int64_t now_steady_ms) {
  MinerInfo* m = Find(miner_id);
  if (m == nullptr || !m->registered) {
    return core::Error::NotFound("miner " + miner_id +
                                 " is not registered with this coordinator: register again");
  }
  m->online = true;
  m->healthy = heartbeat.backend_healthy;
  m->last_seen_steady_ms = now_steady_ms;
  m->reported_free_slots = heartbeat.free_slots;
  if (!heartbeat.models.empty()) m->registration.models = heartbeat.models;
  if (heartbeat.free_slots > 0) m->unavailable_until_steady_ms = 0;
  return m;
}

core::Status MinerRegistry::Remove(const std::string& miner_id) {
  MinerInfo* m = Find(miner_id);
  if (m == nullptr || !m->registered) {
    return core::Error::NotFound("miner " + miner_id + " is not registered");
  }
  m->registered = false;
  m->online = false;
  m->push_key.clear();
  return core::Ok();
}

MinerInfo* MinerRegistry::Find(const std::string& miner_id) {
  auto it = miners_.find(miner_id);
  return it == miners_.end() ? nullptr : &it->second;
}

std::vector<std::string> MinerRegistry::ExpireSilent(int64_t now_steady_ms) {
  std::vector<std::string> expired;
  for (auto& [id, m] : miners_) {
    if (!m.registered || !m.online) continue;
    if (now_steady_ms - m.last_seen_steady_ms > kMissedHeartbeats * heartbeat_interval_ms_) {
      m.online = false;
      expired.push_back(id);
    }
  }
  return expired;
}

std::vector<const MinerInfo*> MinerRegistry::Serving(const std::string& model) const {
  std::vector<const MinerInfo*> out;
  for (const auto& [id, m] : miners_) {
    if (!m.registered) continue;
    const auto& models = m.registration.models;
    if (std::find(models.begin(), models.end(), model) != models.end()) out.push_back(&m);
  }
  return out;
}

std::vector<MinerCandidate> MinerRegistry::Candidates(int64_t now_steady_ms) const {
  std::vector<MinerCandidate> out;
  out.reserve(miners_.size());
  for (const auto& [id, m] : miners_) {
    if (!m.registered) continue;
    MinerCandidate c;
    c.miner_id = id;
    c.online = m.online && now_steady_ms >= m.unavailable_until_steady_ms;
    c.healthy = m.healthy;
    c.models = m.registration.models;
    c.slots = m.registration.slots;
    c.active = m.active;
    c.price = m.registration.price;
    c.stake = m.stake;
    c.successes = m.successes;
    c.finished = m.finished;
    c.avg_job_ms = m.avg_job_ms;
    out.push_back(std::move(c));
  }
  return out;
}

void MinerRegistry::RecordOutcome(const std::string& miner_id, bool success, int64_t job_ms) {
  MinerInfo* m = Find(miner_id);
  if (m == nullptr) return;
  ++m->finished;
  if (!success) return;
  ++m->successes;
  double ms = static_cast<double>(std::max<int64_t>(job_ms, 1));
  // Exponential moving average, so old history fades.
  m->avg_job_ms = m->avg_job_ms == 0 ? ms : 0.9 * m->avg_job_ms + 0.1 * ms;
}

size_t MinerRegistry::online_count() const {
  size_t n = 0;
  for (const auto& [id, m] : miners_) n += (m.registered && m.online) ? 1 : 0;
  return n;
}

MinerRow MinerRegistry::Row(const MinerInfo& miner) const {
  return MinerRow{miner.miner_id, miner.ToStoredJson().dump()};
}

}  // namespace aitbc::coordinator
