#include "cli/output.h"

#include <algorithm>
#include <cstdio>

namespace aitbc::cli {

std::string FormatSeconds(int64_t ms) {
  if (ms < 0) ms = 0;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%lld.%lld s", static_cast<long long>(ms / 1000),
                static_cast<long long>((ms % 1000) / 100));
  return buf;
}

std::string FormatDuration(int64_t ms) {
  if (ms < 0) ms = 0;
  if (ms < 10'000) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%lld.%lld seconds", static_cast<long long>(ms / 1000),
                  static_cast<long long>((ms % 1000) / 100));
    return buf;
  }
  int64_t seconds = (ms + 500) / 1000;
  return std::to_string(seconds) + (seconds == 1 ? " second" : " seconds");
}

std::string FormatWholeSeconds(int64_t ms) {
  if (ms < 1000) return "less than 1 second";
  int64_t seconds = ms / 1000;
  return std::to_string(seconds) + (seconds == 1 ? " second" : " seconds");
}

std::string SanitizeForTerminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f) {
      out += '?';
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatJobSummary(const client::JobView& job, int64_t duration_ms) {
  std::string out;
  auto line = [&out](std::string_view key, std::string_view value) {
    out += key;
    out += ": ";
    out += SanitizeForTerminal(value);
    out += '\n';
  };
  line("Job ID", job.job_id);
  line("Status", job.status);
  if (job.status == "completed") {
    line("Result", job.result);
  } else if (!job.error.empty()) {
    line("Error", job.error);
  }
  if (!job.receipt_id.empty()) {
    std::string receipt = job.receipt_id;
    if (!job.settlement.committed()) receipt += " (settlement pending)";
    line("Receipt", receipt);
  }
  std::string duration;
  if (duration_ms >= 0) {
    duration = FormatDuration(duration_ms);
  } else if (auto from_times = job.DurationMs(); from_times) {
    // The coordinator's timestamps are whole seconds: do not invent a decimal.
    duration =
        job.WholeSecondTimes() ? FormatWholeSeconds(*from_times) : FormatDuration(*from_times);
  }
  if (!duration.empty() && job.terminal()) {
    line(job.status == "completed" ? "Completed in" : "Ended after", duration);
  }
  if (job.cost) {
    std::string cost = job.cost->ToString();
    // The client also paid its escrow's network fee (only a failed job's refund returns it).
    if (job.escrow.fee && job.escrow.fee->micro() > 0) {
      cost += " (+ " + job.escrow.fee->ToString() + " network fee)";
    }
    line("Cost", cost);
  } else if (job.terminal() && job.status != "completed") {
    line("Cost", core::Amount().ToString());
  }
  return out;
}

std::string FormatProgress(const std::string& job_id, const std::string& status,
                           int64_t elapsed_ms) {
  return "Waiting for " + job_id + ": " + status + " (" + FormatSeconds(elapsed_ms) + ")";
}

std::string FormatRetryNotice(int attempt, int max_attempts, const core::Error& error,
                              int64_t delay_ms) {
  std::string out =
      "retrying in " + FormatSeconds(delay_ms) + " (attempt " + std::to_string(attempt);
  if (max_attempts > 0) out += " of " + std::to_string(max_attempts);
  out += "): " + error.message();
  return out;
}

ErrorReport DescribeError(const core::Error& error, const client::CallInfo& call,
                          const CallContext& context) {
  std::string status;
  if (context.rpc) {
    status = " (" + std::string(core::ErrorCodeName(error.code())) + ")";
  } else if (call.http_status > 0) {
    status = " (" + std::to_string(call.http_status) + ")";
  }
  const std::string& msg = error.message();
  const std::string the_service = "the " + context.service;
  if (call.http_status == 0) {
    if (error.code() == core::ErrorCode::kUnavailable ||
        error.code() == core::ErrorCode::kTimeout) {
      std::string sentence = "cannot reach " + the_service;
      if (!context.url.empty()) sentence += " at " + context.url;
      int retries = std::max(call.attempts - 1, 0);
      if (retries > 0) {
        sentence += " after " + std::to_string(retries) + (retries == 1 ? " retry" : " retries");
      }
      return {sentence + ": " + msg, kExitUnreachable};
    }
    if (error.code() == core::ErrorCode::kCorruption && call.attempts > 0) {
      return {the_service + " sent an answer that cannot be understood: " + msg, kExitUnreachable};
    }
    return {msg, kExitUsage};
  }
  switch (call.http_status) {
    case 400:
      return {the_service + " rejected the " + context.action + ": " + msg + status, kExitRejected};
    case 401:
      return {the_service + " did not accept the API key: " + msg + status +
                  " (set CLIENT_API_KEY or pass --api-key)",
              kExitRejected};
    case 402:
      return {"insufficient funds: " + msg + status, kExitRejected};
    case 403:
      return {"permission denied: " + msg + status, kExitRejected};
    case 404:
      return {"not found: " + msg + status, kExitRejected};
    case 409:
      return {"conflict: " + msg + status, kExitRejected};
    case 413:
      return {"the " + context.action + " is too large: " + msg + status, kExitRejected};
    case 429: {
      std::string sentence = "rate limited";
      if (call.retry_after_ms > 0) {
        sentence += ", retry in " + std::to_string((call.retry_after_ms + 999) / 1000) + " s";
      }
      return {sentence + status, kExitRejected};
    }
    case 502:
    case 503:
    case 504:
      return {the_service + " is unavailable: " + msg + status, kExitUnreachable};
    default:
      if (call.http_status >= 500) {
        return {the_service + " failed: " + msg + status, kExitUnreachable};
      }
      return {the_service + " rejected the " + context.action + ": " + msg + status, kExitRejected};
  }
}

std::string FormatTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size(), 0);
  auto measure = [&widths](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  };
  measure(header);
  for (const auto& row : rows) measure(row);
  std::string out;
  auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      std::string cell = i < row.size() ? SanitizeForTerminal(row[i]) : "";
      line += cell;
      if (i + 1 < widths.size())
        line += std::string(widths[i] - std::min(widths[i], cell.size()) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  emit(header);
  for (const auto& row : rows) emit(row);
  return out;
}

}  // namespace aitbc::cli
