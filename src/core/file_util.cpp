#include "core/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace aitbc::core {
namespace {

Error ErrnoError(std::string_view action, const std::string& path, int err) {
  std::string message = std::string(action) + " " + path + ": " + std::strerror(err);
  if (err == ENOENT) return Error::NotFound(std::move(message));
  return Error::IOError(std::move(message));
}

// Closes a file descriptor on scope exit unless released.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  // Closes now and reports close's own error (which can carry a delayed write error).
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Status WriteAll(int fd, std::string_view content, const std::string& path) {
  while (!content.empty()) {
    ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("writing", path, errno);
    }
    content.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("opening directory", dir, errno);
  FdCloser closer(fd);
  if (::fsync(fd) != 0) return ErrnoError("syncing directory", dir, errno);
  return Ok();
}

// Writes a synced temporary file next to path and moves it into place: by rename (replacing)
// or by link (failing when path exists).
Status WriteViaTemp(const std::string& path, std::string_view content, int mode, bool replace) {
  std::string temp = path + ".tmp.XXXXXX";
  int fd = ::mkstemp(temp.data());
  if (fd < 0) return ErrnoError("creating a temporary file for", path, errno);
  FdCloser closer(fd);
  auto fail = [&](Error error) {
    ::unlink(temp.c_str());
    return error;
  };
  // fchmod, unlike open's mode, is not masked by the umask: the file gets exactly `mode`.
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    return fail(ErrnoError("setting the mode of", temp, errno));
  }
  if (auto written = WriteAll(fd, content, temp); !written.ok()) {
    return fail(std::move(written).error());
  }
  if (::fsync(fd) != 0) return fail(ErrnoError("syncing", temp, errno));
  if (closer.Close() != 0) return fail(ErrnoError("closing", temp, errno));
  if (replace) {
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      return fail(ErrnoError("renaming " + temp + " to", path, errno));
    }
  } else {
    if (::link(temp.c_str(), path.c_str()) != 0) {
      int err = errno;
      if (err == EEXIST) return fail(Error::AlreadyExists(path + " already exists"));
      return fail(ErrnoError("linking " + temp + " to", path, err));
    }
    ::unlink(temp.c_str());
  }
  return SyncDirectory(ParentDirectory(path));
}

}  // namespace

Result<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("opening", path, errno);
  FdCloser closer(fd);
  std::string content;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("reading", path, errno);
    }
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
  }
  return content;
}

Status WriteFileAtomic(const std::string& path, std::string_view content, int mode) {
  return WriteViaTemp(path, content, mode, /*replace=*/true);
}

Status WriteFileAtomicNoReplace(const std::string& path, std::string_view content, int mode) {
  return WriteViaTemp(path, content, mode, /*replace=*/false);
}

Status EnsureDirectory(const std::string& path, int mode) {
  if (path.empty()) return Error::InvalidArgument("empty directory path");
  // Create each prefix in turn, like mkdir -p.
  for (size_t end = path.find('/', 1);; end = path.find('/', end + 1)) {
    std::string prefix = path.substr(0, end);
    if (::mkdir(prefix.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
      return ErrnoError("creating directory", prefix, errno);
    }
    if (end == std::string::npos) break;
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoError("checking directory", path, errno);
  if (!S_ISDIR(st.st_mode)) {
    return Error::IOError("creating directory " + path + ": exists and is not a directory");
  }
  return Ok();
}

std::string ParentDirectory(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace aitbc::core
