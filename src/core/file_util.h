// Small file-system helpers shared by daemons: atomic writes, reading whole files, data dirs.
//
// Contract: WriteFileAtomic writes to a temporary file in the same directory, fsyncs it and
// renames it over the target, so a reader sees the old or the new content, never a mix.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace aitbc::core {

Result<std::string> ReadFile(const std::string& path);
Status WriteFileAtomic(const std::string& path, std::string_view content, int mode = 0644);
// Creates the directory and its parents; succeeds when it exists.
Status EnsureDirectory(const std::string& path, int mode = 0755);
bool FileExists(const std::string& path);

}  // namespace aitbc::core
