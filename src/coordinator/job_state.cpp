#include "coordinator/job_state.h"

#include <string>

namespace aitbc::coordinator {

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kPending:
      return "pending";
    case JobState::kAssigned:
      return "assigned";
    case JobState::kRunning:
      return "running";
    case JobState::kCompleted:
      return "completed";
    case JobState::kFailed:
      return "failed";
    case JobState::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

core::Result<JobState> JobStateFromName(std::string_view name) {
  for (JobState s : kAllJobStates) {
    if (JobStateName(s) == name) return s;
  }
  return core::Error::InvalidArgument("unknown job state '" + std::string(name) + "'");
}

bool IsTerminal(JobState state) {
  return state == JobState::kCompleted || state == JobState::kFailed ||
         state == JobState::kCancelled;
}

bool CanTransition(JobState from, JobState to) {
  switch (from) {
    case JobState::kPending:
      return to == JobState::kAssigned || to == JobState::kFailed || to == JobState::kCancelled;
    case JobState::kAssigned:
      return to == JobState::kRunning || to == JobState::kCompleted || to == JobState::kPending ||
             to == JobState::kFailed || to == JobState::kCancelled;
    case JobState::kRunning:
      return to == JobState::kCompleted || to == JobState::kPending || to == JobState::kFailed ||
             to == JobState::kCancelled;
    case JobState::kCompleted:
    case JobState::kFailed:
    case JobState::kCancelled:
      return false;
  }
  return false;
}

core::Status CheckTransition(JobState from, JobState to) {
  if (CanTransition(from, to)) return core::Ok();
  return core::Error::FailedPrecondition("job is " + std::string(JobStateName(from)) +
                                         ": cannot become " + std::string(JobStateName(to)));
}

std::string_view TxStatusName(TxStatus status) {
  switch (status) {
    case TxStatus::kNone:
      return "none";
    case TxStatus::kSigned:
      return "signed";
    case TxStatus::kCommitted:
      return "committed";
    case TxStatus::kRejected:
      return "rejected";
  }
  return "unknown";
}

core::Result<TxStatus> TxStatusFromName(std::string_view name) {
  for (TxStatus s :
       {TxStatus::kNone, TxStatus::kSigned, TxStatus::kCommitted, TxStatus::kRejected}) {
    if (TxStatusName(s) == name) return s;
  }
  return core::Error::InvalidArgument("unknown transaction status '" + std::string(name) + "'");
}

}  // namespace aitbc::coordinator
