// The outbox: final job reports (complete or fail) written to disk before they are sent, and
// removed once the coordinator has them, so that a result is lost neither when the coordinator
// is down nor when the miner restarts (docs/miner.md, "Outbox").
//
// Layout: <dir>/<job_id>.json = {"job_id","kind":"complete"|"fail","body":{...},"created_ms"};
// reports the coordinator refused for good move to <dir>/rejected/, unreadable files to
// <dir>/corrupt/ (both kept for the operator, never re-sent).
// Contract: Put is durable when it returns (core::WriteFileAtomic: fsync + rename). Job ids are
// validated (protocol::ValidateJobId), so a file name never escapes the directory. Thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace aitbc::miner {

enum class ReportKind { kComplete, kFail };
std::string_view ReportKindName(ReportKind kind);

struct OutboxEntry {
  std::string job_id;
  ReportKind kind = ReportKind::kComplete;
  nlohmann::json body;  // protocol::CompleteRequest or protocol::FailReport JSON
  int64_t created_ms = 0;

  nlohmann::json ToJson() const;
  static core::Result<OutboxEntry> FromJson(const nlohmann::json& json);
};

class Outbox {
 public:
  explicit Outbox(std::string dir) : dir_(std::move(dir)) {}

  // Creates the directory.
  core::Status Init();
  core::Status Put(const OutboxEntry& entry);
  // Removes the entry's file; succeeds when it is already gone.
  core::Status Remove(const std::string& job_id);
  // Moves the entry's file to rejected/ with the coordinator's answer next to it.
  core::Status Reject(const std::string& job_id, const std::string& why);
  // Every readable entry, oldest first. Unreadable files are moved to corrupt/ and logged.
  core::Result<std::vector<OutboxEntry>> LoadAll();
  const std::string& dir() const { return dir_; }
  std::string PathFor(const std::string& job_id) const;

 private:
  std::string dir_;
  std::mutex mu_;
};

}  // namespace aitbc::miner
