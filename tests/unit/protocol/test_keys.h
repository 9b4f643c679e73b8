// Deterministic keys for protocol tests.
#pragma once

#include "core/keys.h"

namespace aitbc::protocol::testing {

inline core::PrivateKey KeyFromByte(uint8_t b) {
  core::Bytes seed(32, b);
  return core::PrivateKey::FromSeed(seed).value();
}

}  // namespace aitbc::protocol::testing
