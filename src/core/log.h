// Logging set-up (spdlog). Code logs with spdlog::info/warn/error directly after InitLogging.
//
// Contract: InitLogging replaces the process's default logger; call it once at start-up from
// main(). Log lines carry an ISO time, the component name and the level.
#pragma once

#include <string>

#include "core/result.h"

namespace aitbc::core {

struct LogOptions {
  std::string component;  // "node", "coordinator", "miner", "cli"
  std::string file;       // empty: stderr only
  std::string level = "info";  // trace, debug, info, warn, error, off
  bool also_stderr = false;    // when a file is given, also print to stderr
};

Status InitLogging(const LogOptions& options);

}  // namespace aitbc::core
