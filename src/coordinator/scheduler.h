// Scheduling: which miner gets a job (a pure scoring function) and the queue of waiting jobs.
//
// Eligible miners: online, backend healthy, serve the job's model, have a free slot, ask no more
// than the client's maximum (price.per_second ≤ max_price: one second of compute fits the
// escrow), and have not already failed this job. Among them (docs/coordinator.md, "Scheduling"):
//
//   score = w_stake · stake / max_stake                       (0 when no eligible miner stakes)
//         + w_rep   · (successes + 1) / (finished + 2) · speed
//         + w_cap   · free_slots / slots
//   speed = fastest average job time among eligible miners / this miner's average (1 without
//           history)
//
// ties (scores within 1e-9) go to the lower price per second, then the lower miner id, so the
// choice is deterministic.
//
// Contract: ChooseMiner is pure and thread-safe. JobQueue is not thread-safe (its owner locks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/amount.h"
#include "protocol/receipt.h"

namespace aitbc::coordinator {

struct MinerCandidate {
  std::string miner_id;
  bool online = false;
  bool healthy = true;
  std::vector<std::string> models;
  uint32_t slots = 1;
  uint32_t active = 0;  // jobs this coordinator has assigned to it and not yet finished
  protocol::Price price;
  core::Amount stake;      // read from the chain
  uint64_t successes = 0;  // completed jobs
  uint64_t finished = 0;   // completed + failed attempts
  double avg_job_ms = 0;   // average assignment-to-completion time; 0 without history
};

struct ScoreWeights {
  double stake = 0.4;
  double reputation = 0.4;
  double capacity = 0.2;
};

struct JobNeeds {
  std::string model;
  core::Amount max_price;
  std::vector<std::string> excluded;  // miners that already failed the job
};

struct MinerChoice {
  size_t index = 0;  // into the candidates
  std::string miner_id;
  double score = 0;
  double stake_term = 0;
  double reputation_term = 0;
  double capacity_term = 0;
};

bool ServesModel(const MinerCandidate& miner, const std::string& model);
bool IsEligible(const MinerCandidate& miner, const JobNeeds& needs);
// The best eligible miner, or nullopt when none is eligible.
std::optional<MinerChoice> ChooseMiner(const std::vector<MinerCandidate>& miners,
                                       const JobNeeds& needs, const ScoreWeights& weights = {});

// Jobs waiting for a miner, first in first out per model; O(1) push and removal.
class JobQueue {
 public:
  void Push(const std::string& model, const std::string& job_id);
  // Requeued jobs go to the front: they have waited already.
  void PushFront(const std::string& model, const std::string& job_id);
  bool Remove(const std::string& job_id);
  bool Contains(const std::string& job_id) const { return index_.count(job_id) > 0; }
  size_t size() const { return index_.size(); }
  // model -> job ids in queue order.
  const std::map<std::string, std::list<std::string>>& by_model() const { return by_model_; }

 private:
  std::map<std::string, std::list<std::string>> by_model_;
  std::unordered_map<std::string, std::pair<std::string, std::list<std::string>::iterator>> index_;
};

}  // namespace aitbc::coordinator
