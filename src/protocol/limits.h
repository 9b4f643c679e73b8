// Size limits of the wire formats: a decoder rejects anything larger before allocating it.
#pragma once

#include <cstddef>

namespace aitbc::protocol {

inline constexpr size_t kMaxChainIdBytes = 64;
inline constexpr size_t kMaxJobIdBytes = 64;
inline constexpr size_t kMaxReceiptIdBytes = 64;
inline constexpr size_t kMaxTxBytes = 4096;
inline constexpr size_t kMaxBlockTxs = 100'000;
inline constexpr size_t kMaxBlockBytes = 32 << 20;

}  // namespace aitbc::protocol
