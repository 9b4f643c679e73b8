// LtHash16: a homomorphic multiset hash of the state's elements (docs/chain.md).
#include <string_view>

#include "chain/state.h"

namespace aitbc::chain {
namespace {

// BLAKE2b key: separates this expansion from every other use of BLAKE2b.
constexpr std::string_view kExpansionKey{"aitbc/lthash/v1\0", 16};
constexpr size_t kBlockBytes = 64;  // one BLAKE2b-512 output
constexpr size_t kBlocks = LtHash::kLanes * 2 / kBlockBytes;

// H(element): 2048 bytes = BLAKE2b-512(key, u32be(i) || element) for i = 0..31, read as
// 1024 little-endian u16 lanes.
std::array<uint16_t, LtHash::kLanes> Expand(core::ByteView element) {
  core::Bytes message(4 + element.size());
  std::copy(element.begin(), element.end(), message.begin() + 4);
  std::array<uint16_t, LtHash::kLanes> lanes{};
  for (uint32_t block = 0; block < kBlocks; ++block) {
    message[0] = static_cast<uint8_t>(block >> 24);
    message[1] = static_cast<uint8_t>(block >> 16);
    message[2] = static_cast<uint8_t>(block >> 8);
    message[3] = static_cast<uint8_t>(block);
    core::Bytes out = core::Blake2b(message, kBlockBytes, core::AsBytes(kExpansionKey));
    for (size_t j = 0; j < kBlockBytes / 2; ++j) {
      lanes[block * (kBlockBytes / 2) + j] =
          static_cast<uint16_t>(out[2 * j] | (static_cast<uint16_t>(out[2 * j + 1]) << 8));
    }
  }
  return lanes;
}

}  // namespace

void LtHash::Add(core::ByteView element) {
  auto h = Expand(element);
  for (size_t i = 0; i < kLanes; ++i) lanes_[i] = static_cast<uint16_t>(lanes_[i] + h[i]);
}

void LtHash::Remove(core::ByteView element) {
  auto h = Expand(element);
  for (size_t i = 0; i < kLanes; ++i) lanes_[i] = static_cast<uint16_t>(lanes_[i] - h[i]);
}

core::Bytes LtHash::Encode() const {
  core::Bytes out(kLanes * 2);
  for (size_t i = 0; i < kLanes; ++i) {
    out[2 * i] = static_cast<uint8_t>(lanes_[i]);
    out[2 * i + 1] = static_cast<uint8_t>(lanes_[i] >> 8);
  }
  return out;
}

core::Result<LtHash> LtHash::Decode(core::ByteView bytes) {
  if (bytes.size() != kLanes * 2) {
    return core::Error::InvalidArgument("an LtHash is " + std::to_string(kLanes * 2) +
                                        " bytes, got " + std::to_string(bytes.size()));
  }
  LtHash h;
  for (size_t i = 0; i < kLanes; ++i) {
    h.lanes_[i] =
        static_cast<uint16_t>(bytes[2 * i] | (static_cast<uint16_t>(bytes[2 * i + 1]) << 8));
  }
  return h;
}

core::Hash256 LtHash::Digest() const { return core::Sha256(Encode()); }

}  // namespace aitbc::chain
