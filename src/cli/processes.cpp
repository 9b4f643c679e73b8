#include "cli/processes.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "core/file_util.h"

extern char** environ;

namespace aitbc::cli {

namespace {

int64_t SteadyNowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

void SleepFor(int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Builds argv/envp arrays before fork (no allocation in the child).
struct ExecArgs {
  std::vector<std::string> env_strings;
  std::vector<char*> argv;
  std::vector<char*> envp;

  ExecArgs(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
    for (char** e = environ; *e != nullptr; ++e) {
      std::string entry = *e;
      std::string name = entry.substr(0, entry.find('='));
      if (env.count(name) == 0) env_strings.push_back(std::move(entry));
    }
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
  }
};

core::Error ErrnoError(const std::string& what) {
  return core::Error::IOError(what + ": " + std::strerror(errno));
}

std::string TempPath(const char* tag) {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
  return dir + "/aitbc-" + tag + "-" + std::to_string(getpid()) + "-" +
         std::to_string(SteadyNowMs()) + ".XXXXXX";
}

// mkstemp: a fresh file, returned open.
int MakeTemp(std::string& path) {
  std::vector<char> buf(path.begin(), path.end());
  buf.push_back('\0');
  int fd = ::mkstemp(buf.data());
  path = buf.data();
  return fd;
}

}  // namespace

core::Result<ToolOutput> RunTool(const std::vector<std::string>& argv,
                                 const std::map<std::string, std::string>& env,
                                 int64_t timeout_ms) {
  if (argv.empty()) return core::Error::InvalidArgument("no command");
  std::string out_path = TempPath("out"), err_path = TempPath("err");
  int out_fd = MakeTemp(out_path);
  if (out_fd < 0) return ErrnoError("creating a temporary file");
  int err_fd = MakeTemp(err_path);
  if (err_fd < 0) {
    ::close(out_fd);
    ::unlink(out_path.c_str());
    return ErrnoError("creating a temporary file");
  }
  ExecArgs exec(argv, env);
  pid_t pid = ::fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::execve(exec.argv[0], exec.argv.data(), exec.envp.data());
    ::_exit(127);
  }
  ::close(out_fd);
  ::close(err_fd);
  auto cleanup = [&] {
    ::unlink(out_path.c_str());
    ::unlink(err_path.c_str());
  };
  if (pid < 0) {
    cleanup();
    return ErrnoError("starting " + argv[0]);
  }
  const int64_t deadline = SteadyNowMs() + timeout_ms;
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) {
      cleanup();
      return ErrnoError("waiting for " + argv[0]);
    }
    if (SteadyNowMs() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      cleanup();
      return core::Error::Timeout(argv[0] + " did not finish within " +
                                  std::to_string(timeout_ms / 1000) + " s");
    }
    SleepFor(10);
  }
  ToolOutput result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = core::ReadFile(out_path).value_or("");
  result.err = core::ReadFile(err_path).value_or("");
  cleanup();
  if (result.exit_code == 127 && result.out.empty() && result.err.empty()) {
    return core::Error::NotFound("cannot run " + argv[0]);
  }
  return result;
}

core::Result<pid_t> StartDetached(const std::vector<std::string>& argv, const std::string& log_path,
                                  const std::map<std::string, std::string>& env) {
  if (argv.empty()) return core::Error::InvalidArgument("no command");
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return ErrnoError("opening " + log_path);
  ExecArgs exec(argv, env);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    // The daemon must not inherit our signal dispositions or mask.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(exec.argv[0], exec.argv.data(), exec.envp.data());
    ::_exit(127);
  }
  ::close(log_fd);
  if (pid < 0) return ErrnoError("starting " + argv[0]);
  return pid;
}

std::optional<int> ExitedEarly(pid_t pid) {
  int status = 0;
  pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (r < 0 && errno == ECHILD && ::kill(pid, 0) != 0) return -1;  // not ours, and gone
  return std::nullopt;
}

bool ProcessRunning(pid_t pid, const std::string& program) {
  if (pid <= 0) return false;
  auto cmdline = core::ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  if (!cmdline.ok() || cmdline->empty()) return false;
  std::string first = cmdline->substr(0, cmdline->find('\0'));
  if (std::filesystem::path(first).filename().string() != program) return false;
  // A zombie (exited, not yet reaped) is not running.
  auto stat = core::ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (stat.ok()) {
    size_t close = stat->rfind(')');
    if (close != std::string::npos && close + 2 < stat->size() && (*stat)[close + 2] == 'Z') {
      return false;
    }
  }
  return true;
}

std::string StopProcess(pid_t pid, const std::string& program, int64_t timeout_ms) {
  if (!ProcessRunning(pid, program)) return "not running";
  ::kill(pid, SIGTERM);
  const int64_t deadline = SteadyNowMs() + timeout_ms;
  while (SteadyNowMs() < deadline) {
    ExitedEarly(pid);  // reaps it when it is our child
    if (!ProcessRunning(pid, program)) return "stopped";
    SleepFor(50);
  }
  ::kill(pid, SIGKILL);
  for (int i = 0; i < 100 && ProcessRunning(pid, program); ++i) {
    ExitedEarly(pid);
    SleepFor(20);
  }
  return "killed";
}

std::string FileTail(const std::string& path, size_t max_bytes) {
  auto text = core::ReadFile(path);
  if (!text.ok()) return "";
  if (text->size() <= max_bytes) return *text;
  return "..." + text->substr(text->size() - max_bytes);
}

core::Result<nlohmann::json> WaitForReady(const std::string& ready_path, pid_t pid,
                                          const std::string& log_path, int64_t timeout_ms) {
  const int64_t deadline = SteadyNowMs() + timeout_ms;
  for (;;) {
    auto text = core::ReadFile(ready_path);
    if (text.ok()) {
      nlohmann::json json = nlohmann::json::parse(*text, nullptr, false);
      if (json.is_object()) return json;
    }
    if (auto code = ExitedEarly(pid); code.has_value()) {
      return core::Error::Unavailable("exited with status " + std::to_string(*code) +
                                      " before it was ready; the end of " + log_path + ":\n" +
                                      FileTail(log_path));
    }
    if (SteadyNowMs() > deadline) {
      return core::Error::Timeout("not ready after " + std::to_string(timeout_ms / 1000) +
                                  " s; the end of " + log_path + ":\n" + FileTail(log_path));
    }
    SleepFor(50);
  }
}

bool PortIsFree(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return free;
}

core::Result<std::string> FindExecutable(const std::string& name, const std::string& bin_dir) {
  auto executable = [](const std::string& path) { return ::access(path.c_str(), X_OK) == 0; };
  if (!bin_dir.empty()) {
    std::string path = bin_dir + "/" + name;
    if (executable(path)) return path;
    return core::Error::NotFound(name + " not found in " + bin_dir);
  }
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    std::string path = (self.parent_path() / name).string();
    if (executable(path)) return path;
  }
  const char* path_env = std::getenv("PATH");
  std::string dirs = path_env != nullptr ? path_env : "";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (!dir.empty() && executable(dir + "/" + name)) return dir + "/" + name;
    start = end + 1;
  }
  return core::Error::NotFound("cannot find " + name +
                               " next to aitbc or on PATH (build it, or pass --bin-dir)");
}

}  // namespace aitbc::cli
