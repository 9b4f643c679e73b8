// The job state machine (docs/coordinator.md, "States"): pure, no I/O.
//
//   pending ──▶ assigned ──▶ running ──▶ completed
//      │  ▲        │  │         │  │
//      │  └────────┘  │         │  └──▶ (back to pending: requeued for another miner)
//      │  (requeue)   └──▶ completed (a miner may finish without reporting "running")
//      └──▶ failed | cancelled   (from pending, assigned or running)
//
// completed, failed and cancelled are terminal. Independently of the job's state, each of its
// two chain transactions (the escrow, and the closing settle or refund) moves through
// TxStatus: none → signed (persisted, maybe broadcast) → committed (in a block), or rejected.
//
// Contract: pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.h"

namespace aitbc::coordinator {

enum class JobState : uint8_t { kPending, kAssigned, kRunning, kCompleted, kFailed, kCancelled };

inline constexpr JobState kAllJobStates[] = {JobState::kPending, JobState::kAssigned,
                                             JobState::kRunning, JobState::kCompleted,
                                             JobState::kFailed,  JobState::kCancelled};

std::string_view JobStateName(JobState state);  // "pending", ...
core::Result<JobState> JobStateFromName(std::string_view name);
bool IsTerminal(JobState state);

// True when the state machine allows from → to (a transition to the same state is not one).
bool CanTransition(JobState from, JobState to);
// kFailedPrecondition "job is <from>: cannot become <to>" when CanTransition is false.
core::Status CheckTransition(JobState from, JobState to);

enum class TxStatus : uint8_t { kNone, kSigned, kCommitted, kRejected };
std::string_view TxStatusName(TxStatus status);  // "none", "signed", "committed", "rejected"
core::Result<TxStatus> TxStatusFromName(std::string_view name);

}  // namespace aitbc::coordinator
