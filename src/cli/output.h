// What the `aitbc` command prints: the seed's job output, progress lines, tables, and one-sentence
// error messages with documented exit codes.
//
// Exit codes (docs and README):
//   0  success
//   1  usage or local error (bad flag, invalid amount or address, unreadable wallet)
//   2  the coordinator or the node rejected the request (400, 401, 402, 403, 404, 409, 413, 429)
//   3  the coordinator or the node could not be reached (after the retries), or is unavailable
//   4  the job ended failed or cancelled, or did not end before --timeout
//   5  `aitbc receipt --verify`: a check failed
// Contract: pure functions (no I/O), thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "client/api_types.h"
#include "client/coordinator_client.h"
#include "core/result.h"

namespace aitbc::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,
  kExitRejected = 2,
  kExitUnreachable = 3,
  kExitJobFailed = 4,
  kExitVerifyFailed = 5,
};

// "17 seconds"; under 10 s with one decimal: "2.5 seconds"; "1 second".
std::string FormatDuration(int64_t ms);
// For durations measured between whole-second timestamps: "less than 1 second", "1 second",
// "4 seconds".
std::string FormatWholeSeconds(int64_t ms);
// "2.1 s" (one decimal), for progress and retry lines.
std::string FormatSeconds(int64_t ms);

// The seed's final output of a job, one "Key: value" per line:
//   Job ID, Status, Result (or Error), Receipt (with " (settlement pending)" when the settlement
//   is not yet in a block), Completed in, Cost. Lines whose value is unknown are left out.
// duration_ms < 0: take it from the job's timestamps.
std::string FormatJobSummary(const client::JobView& job, int64_t duration_ms = -1);

// "Waiting for job_1: pending (2.1 s)".
std::string FormatProgress(const std::string& job_id, const std::string& status,
                           int64_t elapsed_ms);

// "retrying in 0.4 s (attempt 2 of 4): connection refused by 127.0.0.1:8000".
std::string FormatRetryNotice(int attempt, int max_attempts, const core::Error& error,
                              int64_t delay_ms);

// Which service a failed call went to, and what it was doing, for the error sentence.
struct CallContext {
  std::string service = "coordinator";  // "coordinator" or "node"
  std::string url;
  std::string action = "request";  // "job", "cancellation", "transfer", ...
  // JSON-RPC (the node): call.http_status is the status the error's code maps to, and the
  // sentence ends with the error's code name ("(insufficient_funds)") instead of a status.
  bool rpc = false;
};

// One clear sentence (without the "error: " prefix) and the exit code for a failed call:
//   "the coordinator rejected the job: prompt is empty (400)"            -> 2
//   "insufficient funds: balance 0.1 AITBC is below 1 AITBC (402)"       -> 2
//   "rate limited, retry in 3 s (429)"                                  -> 2
//   "cannot reach the coordinator at http://127.0.0.1:8000 after 3 retries: connection refused"
//                                                                        -> 3
// Errors that are not remote (no HTTP status, not a network failure) give their message and 1.
struct ErrorReport {
  std::string sentence;
  int exit_code = kExitUsage;
};
ErrorReport DescribeError(const core::Error& error, const client::CallInfo& call,
                          const CallContext& context);

// A plain-text table: columns padded to the widest cell, two spaces apart, a header row.
std::string FormatTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

// Replaces control characters (other than newline and tab) so that text from the network cannot
// move the cursor or change the terminal.
std::string SanitizeForTerminal(std::string_view text);

}  // namespace aitbc::cli
