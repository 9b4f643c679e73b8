#include "coordinator/scheduler.h"

#include <algorithm>
#include <cmath>

namespace aitbc::coordinator {

bool ServesModel(const MinerCandidate& miner, const std::string& model) {
  return std::find(miner.models.begin(), miner.models.end(), model) != miner.models.end();
}

bool IsEligible(const MinerCandidate& miner, const JobNeeds& needs) {
  if (!miner.online || !miner.healthy) return false;
  if (miner.active >= miner.slots) return false;
  if (miner.price.per_second > needs.max_price) return false;
  if (!ServesModel(miner, needs.model)) return false;
  return std::find(needs.excluded.begin(), needs.excluded.end(), miner.miner_id) ==
         needs.excluded.end();
}

std::optional<MinerChoice> ChooseMiner(const std::vector<MinerCandidate>& miners,
                                       const JobNeeds& needs, const ScoreWeights& weights) {
  std::vector<size_t> eligible;
  uint64_t max_stake = 0;
  double fastest_ms = 0;
  for (size_t i = 0; i < miners.size(); ++i) {
    const MinerCandidate& m = miners[i];
    if (!IsEligible(m, needs)) continue;
    eligible.push_back(i);
    max_stake = std::max(max_stake, m.stake.micro());
    if (m.avg_job_ms > 0 && (fastest_ms == 0 || m.avg_job_ms < fastest_ms)) {
      fastest_ms = m.avg_job_ms;
    }
  }
  std::optional<MinerChoice> best;
  for (size_t i : eligible) {
    const MinerCandidate& m = miners[i];
    MinerChoice c;
    c.index = i;
    c.miner_id = m.miner_id;
    double stake_norm = max_stake == 0
                            ? 0.0
                            : static_cast<double>(m.stake.micro()) / static_cast<double>(max_stake);
    double success =
        (static_cast<double>(m.successes) + 1.0) / (static_cast<double>(m.finished) + 2.0);
    double speed = (m.avg_job_ms > 0 && fastest_ms > 0) ? fastest_ms / m.avg_job_ms : 1.0;
    double capacity = static_cast<double>(m.slots - m.active) / static_cast<double>(m.slots);
    c.stake_term = weights.stake * stake_norm;
    c.reputation_term = weights.reputation * success * speed;
    c.capacity_term = weights.capacity * capacity;
    c.score = c.stake_term + c.reputation_term + c.capacity_term;
    if (!best) {
      best = c;
      continue;
    }
    const MinerCandidate& b = miners[best->index];
    bool better;
    if (std::fabs(c.score - best->score) > 1e-9) {
      better = c.score > best->score;
    } else if (m.price.per_second != b.price.per_second) {
      better = m.price.per_second < b.price.per_second;
    } else {
      better = m.miner_id < b.miner_id;
    }
    if (better) best = c;
  }
  return best;
}

void JobQueue::Push(const std::string& model, const std::string& job_id) {
  if (Contains(job_id)) return;
  auto& list = by_model_[model];
  list.push_back(job_id);
  index_.emplace(job_id, std::make_pair(model, std::prev(list.end())));
}

void JobQueue::PushFront(const std::string& model, const std::string& job_id) {
  if (Contains(job_id)) return;
  auto& list = by_model_[model];
  list.push_front(job_id);
  index_.emplace(job_id, std::make_pair(model, list.begin()));
}

bool JobQueue::Remove(const std::string& job_id) {
  auto it = index_.find(job_id);
  if (it == index_.end()) return false;
  auto model_it = by_model_.find(it->second.first);
  model_it->second.erase(it->second.second);
  if (model_it->second.empty()) by_model_.erase(model_it);
  index_.erase(it);
  return true;
}

}  // namespace aitbc::coordinator
