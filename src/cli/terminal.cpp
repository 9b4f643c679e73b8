#include "cli/terminal.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace aitbc::cli {

bool IsTerminal(int fd) { return ::isatty(fd) == 1; }

core::Result<std::string> ReadPassphrase(const std::string& prompt) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return core::Error::FailedPrecondition(
        "no terminal to ask for the wallet passphrase: set AITBC_WALLET_PASSPHRASE");
  }
  struct termios old_tio {};
  bool restore = ::tcgetattr(fd, &old_tio) == 0;
  if (restore) {
    struct termios tio = old_tio;
    tio.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tio.c_lflag |= ECHONL;
    ::tcsetattr(fd, TCSAFLUSH, &tio);
  }
  (void)!::write(fd, prompt.data(), prompt.size());
  std::string line;
  char c;
  for (;;) {
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
    if (c != '\r') line += c;
  }
  if (restore) ::tcsetattr(fd, TCSAFLUSH, &old_tio);
  ::close(fd);
  return line;
}

}  // namespace aitbc::cli
