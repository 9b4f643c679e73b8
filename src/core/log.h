// Logging set-up (spdlog). Code logs with spdlog::info/warn/error directly after InitLogging.
//
// Contract: InitLogging replaces the process's default logger; call it once at start-up from
// main() (calling it again replaces the logger). Log lines look like
//   2025-01-29T14:50:00.123Z info [node] message
// (UTC time, level, component). The file is appended to and its parent directories are created.
// Lines at warn and above are flushed at once, the rest at least every second.
// Errors: an unknown level is kInvalidArgument; a file that cannot be opened is kIOError (or
// what EnsureDirectory reports for its directory). On error the previous logger stays.
#pragma once

#include <string>

#include "core/result.h"

namespace aitbc::core {

struct LogOptions {
  std::string component;       // "node", "coordinator", "miner", "cli"; empty: "aitbc"
  std::string file;            // empty: stderr only
  std::string level = "info";  // trace, debug, info, warn, error, critical, off (any case)
  bool also_stderr = false;    // when a file is given, also print to stderr
};

Status InitLogging(const LogOptions& options);

}  // namespace aitbc::core
