// Test support for end-to-end and integration tests: temporary directories, real child
// processes (our daemons) started, signalled and killed, and waiting for their ready files.
//
// Contract: a Process that is still running when destroyed is killed with SIGKILL and reaped,
// so a failing test never leaks daemons. Output goes to log files in the process's directory,
// whose tail Describe() returns for failure messages. Not thread-safe; one test thread.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace aitbc::testing {

// A fresh directory under $TMPDIR (or /tmp), removed on destruction unless AITBC_KEEP_TMP=1.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // path()/name, created.
  std::string Sub(const std::string& name) const;

 private:
  std::string path_;
};

// The path of one of our executables: $AITBC_BIN_DIR/<name> (set by CTest).
std::string BinaryPath(const std::string& name);

struct ProcessOptions {
  std::map<std::string, std::string> env;  // added to the inherited environment
  std::string log_path;                    // stdout+stderr; default: <tmp>/<name>-<pid>.log
};

class Process {
 public:
  static core::Result<Process> Start(std::vector<std::string> argv, ProcessOptions options = {});

  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  pid_t pid() const { return pid_; }
  bool Running();
  // Sends a signal (SIGKILL for crash tests, SIGTERM for graceful stops).
  void Signal(int sig);
  // Waits for exit; the exit code, or 128+signal when killed; kTimeout if still running.
  core::Result<int> Wait(int64_t timeout_ms);
  // SIGTERM, wait up to timeout_ms, then SIGKILL. Returns the exit status.
  int Stop(int64_t timeout_ms = 10'000);
  void Kill() {
    Signal(9);
    Wait(10'000).value_or(-1);
  }
  // The command line and the last lines of its log, for failure messages.
  std::string Describe(size_t tail_bytes = 4000) const;
  const std::string& log_path() const { return log_path_; }

 private:
  Process() = default;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  std::string command_;
  std::string log_path_;
};

// Polls until pred() is true (true) or timeout_ms passes (false).
bool WaitUntil(const std::function<bool()>& pred, int64_t timeout_ms, int64_t poll_ms = 20);

// Waits for a daemon's <datadir>/ready.json and returns it parsed. Fails early, with the
// process's log tail, if the process exits first.
core::Result<nlohmann::json> WaitForReadyFile(const std::string& path, int64_t timeout_ms,
                                              Process* process = nullptr);

// Runs a command to completion, capturing stdout and stderr together.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
core::Result<CommandResult> RunCommand(std::vector<std::string> argv, int64_t timeout_ms = 60'000,
                                       std::map<std::string, std::string> env = {});

}  // namespace aitbc::testing
