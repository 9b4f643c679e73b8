// Helpers for core's unit tests, next to tests/support's TempDir.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>

#include "process.h"  // tests/support: TempDir

namespace aitbc::testing {

inline bool Contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// tests/vectors/<name>: from $AITBC_SOURCE_DIR (set by aitbc_add_test under CTest), else the
// source directory compiled in, so the test binary also runs on its own.
inline std::string VectorPath(std::string_view name) {
  const char* env = std::getenv("AITBC_SOURCE_DIR");
  std::string root = (env != nullptr && *env != '\0') ? env : AITBC_TEST_SOURCE_DIR;
  return root + "/tests/vectors/" + std::string(name);
}

}  // namespace aitbc::testing
