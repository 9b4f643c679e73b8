#include "core/sodium_init.h"

#include <sodium.h>

#include <cstdlib>

namespace aitbc::core {

void EnsureSodium() {
  // sodium_init is itself thread-safe; the static makes later calls free.
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();
}

}  // namespace aitbc::core
