#include "process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/file_util.h"

namespace aitbc::testing {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string BaseTmp() {
  const char* t = std::getenv("TMPDIR");
  return t && *t ? t : "/tmp";
}

}  // namespace

TempDir::TempDir() {
  std::string tmpl = BaseTmp() + "/aitbc-test.XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) std::abort();
  path_ = buf.data();
}

TempDir::~TempDir() {
  const char* keep = std::getenv("AITBC_KEEP_TMP");
  if (keep && std::string(keep) == "1") return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Sub(const std::string& name) const {
  std::string p = path_ + "/" + name;
  std::filesystem::create_directories(p);
  return p;
}

std::string BinaryPath(const std::string& name) {
  const char* dir = std::getenv("AITBC_BIN_DIR");
  std::string base = dir && *dir ? dir : "./bin";
  return base + "/" + name;
}

core::Result<Process> Process::Start(std::vector<std::string> argv, ProcessOptions options) {
  if (argv.empty()) return core::Error::InvalidArgument("empty command");
  Process p;
  for (const auto& a : argv) p.command_ += (p.command_.empty() ? "" : " ") + a;
  std::string name = std::filesystem::path(argv[0]).filename().string();
  p.log_path_ = options.log_path.empty() ? BaseTmp() + "/" + name + "-" + std::to_string(getpid()) +
                                               "-" + std::to_string(NowMs()) + ".log"
                                         : options.log_path;
  int log_fd = ::open(p.log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return core::Error::IOError("cannot open " + p.log_path_);

  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) {
    ::close(log_fd);
    return core::Error::IOError(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    // Child: its own process group, so a test's signals reach only it.
    setpgid(0, 0);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    for (const auto& [k, v] : options.env) setenv(k.c_str(), v.c_str(), 1);
    execv(args[0], args.data());
    std::fprintf(stderr, "exec %s failed: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  ::close(log_fd);
  p.pid_ = pid;
  return p;
}

Process::Process(Process&& other) noexcept
    : pid_(other.pid_),
      exit_status_(other.exit_status_),
      command_(std::move(other.command_)),
      log_path_(std::move(other.log_path_)) {
  other.pid_ = -1;
}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !exit_status_) Kill();
    pid_ = other.pid_;
    exit_status_ = other.exit_status_;
    command_ = std::move(other.command_);
    log_path_ = std::move(other.log_path_);
    other.pid_ = -1;
  }
  return *this;
}

Process::~Process() {
  if (pid_ > 0 && !exit_status_) Kill();
}

bool Process::Running() {
  if (pid_ <= 0 || exit_status_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

void Process::Signal(int sig) {
  if (pid_ > 0 && !exit_status_) ::kill(pid_, sig);
}

core::Result<int> Process::Wait(int64_t timeout_ms) {
  int64_t deadline = NowMs() + timeout_ms;
  while (Running()) {
    if (NowMs() >= deadline) return core::Error::Timeout("process still running: " + command_);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!exit_status_) return core::Error::Internal("process was never started");
  return *exit_status_;
}

int Process::Stop(int64_t timeout_ms) {
  Signal(SIGTERM);
  auto status = Wait(timeout_ms);
  if (status.ok()) return *status;
  Signal(SIGKILL);
  return Wait(10'000).value_or(-1);
}

std::string Process::Describe(size_t tail_bytes) const {
  std::string out = "command: " + command_ + "\nlog " + log_path_ + ":\n";
  auto content = core::ReadFile(log_path_);
  if (content.ok()) {
    const std::string& s = *content;
    out += s.size() > tail_bytes ? "..." + s.substr(s.size() - tail_bytes) : s;
  }
  return out;
}

bool WaitUntil(const std::function<bool()>& pred, int64_t timeout_ms, int64_t poll_ms) {
  int64_t deadline = NowMs() + timeout_ms;
  for (;;) {
    if (pred()) return true;
    if (NowMs() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
}

core::Result<nlohmann::json> WaitForReadyFile(const std::string& path, int64_t timeout_ms,
                                              Process* process) {
  int64_t deadline = NowMs() + timeout_ms;
  for (;;) {
    auto content = core::ReadFile(path);
    if (content.ok()) {
      auto json = nlohmann::json::parse(*content, nullptr, false);
      if (!json.is_discarded()) return json;
    }
    if (process != nullptr && !process->Running()) {
      return core::Error::Unavailable("process exited before writing " + path + "\n" +
                                      process->Describe());
    }
    if (NowMs() >= deadline) {
      return core::Error::Timeout("no " + path + " after " + std::to_string(timeout_ms) + " ms" +
                                  (process ? "\n" + process->Describe() : ""));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

core::Result<CommandResult> RunCommand(std::vector<std::string> argv, int64_t timeout_ms,
                                       std::map<std::string, std::string> env) {
  std::string log =
      BaseTmp() + "/aitbc-cmd-" + std::to_string(getpid()) + "-" + std::to_string(NowMs()) + ".log";
  ProcessOptions options;
  options.env = std::move(env);
  options.log_path = log;
  AITBC_ASSIGN_OR_RETURN(Process p, Process::Start(std::move(argv), options));
  auto status = p.Wait(timeout_ms);
  if (!status.ok()) {
    p.Kill();
    return status.error();
  }
  CommandResult result;
  result.exit_code = *status;
  result.output = core::ReadFile(log).value_or("");
  std::remove(log.c_str());
  return result;
}

}  // namespace aitbc::testing
