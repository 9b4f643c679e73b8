// Terminal helpers for the `aitbc` command: is a stream a terminal, and reading a passphrase
// without echo.
//
// Contract: ReadPassphrase reads one line from the controlling terminal (/dev/tty) with echo
// off and restores the terminal afterwards; kFailedPrecondition when there is no terminal (a
// script must then set AITBC_WALLET_PASSPHRASE).
#pragma once

#include <string>

#include "core/result.h"

namespace aitbc::cli {

bool IsTerminal(int fd);
core::Result<std::string> ReadPassphrase(const std::string& prompt);

}  // namespace aitbc::cli
