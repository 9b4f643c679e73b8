// Initialises libsodium once per process. Every core function that calls libsodium calls this
// first; it is cheap after the first call and thread-safe.
#pragma once

namespace aitbc::core {

// Aborts when libsodium cannot initialise (no usable entropy source): nothing secure can run.
void EnsureSodium();

}  // namespace aitbc::core
