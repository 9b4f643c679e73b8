#include "coordinator/job_state.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

namespace aitbc::coordinator {
namespace {

using S = JobState;

TEST(JobStateTest, ValidTransitionsAreExactlyTheDocumentedOnes) {
  const std::set<std::pair<S, S>> valid = {
      {S::kPending, S::kAssigned}, {S::kPending, S::kFailed},     {S::kPending, S::kCancelled},
      {S::kAssigned, S::kRunning}, {S::kAssigned, S::kCompleted}, {S::kAssigned, S::kPending},
      {S::kAssigned, S::kFailed},  {S::kAssigned, S::kCancelled}, {S::kRunning, S::kCompleted},
      {S::kRunning, S::kPending},  {S::kRunning, S::kFailed},     {S::kRunning, S::kCancelled},
  };
  for (S from : kAllJobStates) {
    for (S to : kAllJobStates) {
      bool expected = valid.count({from, to}) > 0;
      EXPECT_EQ(CanTransition(from, to), expected)
          << JobStateName(from) << " -> " << JobStateName(to);
      core::Status status = CheckTransition(from, to);
      EXPECT_EQ(status.ok(), expected);
      if (!expected) {
        EXPECT_EQ(status.error().code(), core::ErrorCode::kFailedPrecondition);
        EXPECT_EQ(status.error().message(), "job is " + std::string(JobStateName(from)) +
                                                ": cannot become " + std::string(JobStateName(to)));
      }
    }
  }
}

TEST(JobStateTest, TerminalStatesHaveNoWayOut) {
  for (S s : kAllJobStates) {
    bool terminal = s == S::kCompleted || s == S::kFailed || s == S::kCancelled;
    EXPECT_EQ(IsTerminal(s), terminal);
    if (!terminal) continue;
    for (S to : kAllJobStates) EXPECT_FALSE(CanTransition(s, to));
  }
}

TEST(JobStateTest, NamesRoundTrip) {
  for (S s : kAllJobStates) EXPECT_EQ(JobStateFromName(JobStateName(s)).value(), s);
  EXPECT_EQ(JobStateFromName("done").error().code(), core::ErrorCode::kInvalidArgument);
  for (TxStatus t :
       {TxStatus::kNone, TxStatus::kSigned, TxStatus::kCommitted, TxStatus::kRejected}) {
    EXPECT_EQ(TxStatusFromName(TxStatusName(t)).value(), t);
  }
  EXPECT_FALSE(TxStatusFromName("pending").ok());
}

}  // namespace
}  // namespace aitbc::coordinator
