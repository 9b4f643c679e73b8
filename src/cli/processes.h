// Process management for `aitbc devnet`: running our tools to completion, starting daemons
// detached from the terminal, waiting for their ready files, and stopping them by pid.
//
// Contract: POSIX only. RunTool captures stdout (stderr is returned too, for error messages).
// StartDetached starts a daemon in its own session (setsid) with stdin from /dev/null and
// stdout/stderr appended to a log file, so it outlives the `aitbc` process; the caller may reap
// it with ExitedEarly while it still is its parent. StopProcess sends SIGTERM, waits, then
// SIGKILL, and only signals a pid whose command line still names the expected program (a pid
// can be reused after a reboot). Not thread-safe (one devnet command at a time).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace aitbc::cli {

struct ToolOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv[0] (a path) to completion with extra environment variables.
core::Result<ToolOutput> RunTool(const std::vector<std::string>& argv,
                                 const std::map<std::string, std::string>& env = {},
                                 int64_t timeout_ms = 60'000);

// Starts a daemon detached; returns its pid.
core::Result<pid_t> StartDetached(const std::vector<std::string>& argv, const std::string& log_path,
                                  const std::map<std::string, std::string>& env = {});

// For a child of this process: its exit status when it has exited (reaping it), else nullopt.
std::optional<int> ExitedEarly(pid_t pid);

// True while the process exists and its command line names `program` (its file name).
bool ProcessRunning(pid_t pid, const std::string& program);

// SIGTERM, up to timeout_ms for it to exit, then SIGKILL. Returns "stopped", "killed" or
// "not running".
std::string StopProcess(pid_t pid, const std::string& program, int64_t timeout_ms = 10'000);

// Waits for a daemon's ready file; fails early if the daemon (a child) exits, quoting the tail
// of its log.
core::Result<nlohmann::json> WaitForReady(const std::string& ready_path, pid_t pid,
                                          const std::string& log_path, int64_t timeout_ms);

// The last max_bytes of a file (for error messages), or "".
std::string FileTail(const std::string& path, size_t max_bytes = 2000);

// True when nothing listens on 127.0.0.1:port (it can be bound now).
bool PortIsFree(uint16_t port);

// Where our executables are: the directory of the running `aitbc` when it holds `name`, else
// the directories of $PATH. kNotFound naming the program otherwise.
core::Result<std::string> FindExecutable(const std::string& name, const std::string& bin_dir);

}  // namespace aitbc::cli
