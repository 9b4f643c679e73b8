// Small file-system helpers shared by daemons: atomic writes, reading whole files, data dirs.
//
// Contract: WriteFileAtomic writes to a temporary file in the same directory, fsyncs it and
// renames it over the target, then fsyncs the directory, so a reader sees the old or the new
// content, never a mix, and the new content survives a crash once the call returns.
// Thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace aitbc::core {

// The whole file. kNotFound when it does not exist, kIOError for other failures.
Result<std::string> ReadFile(const std::string& path);
// Errors: kNotFound when the directory is missing, kIOError otherwise; messages name the path
// and give strerror. The file gets exactly `mode` (the umask does not apply).
Status WriteFileAtomic(const std::string& path, std::string_view content, int mode = 0644);
// Like WriteFileAtomic, but fails with kAlreadyExists instead of replacing an existing file
// (for files whose loss loses money, such as keys). Atomic: of two racing writers, one wins.
Status WriteFileAtomicNoReplace(const std::string& path, std::string_view content, int mode = 0600);
// Creates the directory and its parents; succeeds when it exists.
Status EnsureDirectory(const std::string& path, int mode = 0755);
bool FileExists(const std::string& path);
// The directory part of a path: "a/b/c" -> "a/b", "c" -> ".", "/c" -> "/".
std::string ParentDirectory(const std::string& path);

}  // namespace aitbc::core
