#include "core/address.h"

#include <algorithm>
#include <optional>

#include "core/hash.h"

namespace aitbc::core {
namespace {

constexpr std::string_view kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr size_t kMaxLength = 90;
constexpr size_t kChecksumLength = 6;
constexpr uint32_t kBech32Constant = 1;  // BIP-173 bech32, not bech32m (0x2bc830a3)
constexpr size_t kAddressLength = 20;

uint32_t Polymod(const std::vector<uint8_t>& values) {
  constexpr uint32_t kGenerator[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i) {
      if ((top >> i) & 1) chk ^= kGenerator[i];
    }
  }
  return chk;
}

// The human-readable part expanded for the checksum, followed by the data groups.
std::vector<uint8_t> ChecksumInput(std::string_view hrp, const std::vector<uint8_t>& groups) {
  std::vector<uint8_t> out;
  out.reserve(hrp.size() * 2 + 1 + groups.size() + kChecksumLength);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
  out.insert(out.end(), groups.begin(), groups.end());
  return out;
}

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::vector<uint8_t> EightToFive(ByteView data) {
  std::vector<uint8_t> out;
  out.reserve((data.size() * 8 + 4) / 5);
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : data) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 31));
    }
  }
  if (bits > 0) out.push_back(static_cast<uint8_t>((acc << (5 - bits)) & 31));
  return out;
}

// Strict conversion back: fewer than 5 padding bits, all zero (BIP-173 convertbits, no pad).
std::optional<Bytes> FiveToEight(const std::vector<uint8_t>& groups) {
  Bytes out;
  out.reserve(groups.size() * 5 / 8);
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t g : groups) {
    acc = ((acc << 5) | g) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  if (bits >= 5 || ((acc << (8 - bits)) & 0xff) != 0) return std::nullopt;
  return out;
}

Error Bech32Error(std::string message) { return Error::InvalidArgument("bech32: " + message); }

}  // namespace

std::string Bech32Encode(std::string_view hrp, ByteView data8) {
  std::string lower_hrp;
  for (char c : hrp) lower_hrp += ToLower(c);
  std::vector<uint8_t> groups = EightToFive(data8);
  std::vector<uint8_t> input = ChecksumInput(lower_hrp, groups);
  input.insert(input.end(), kChecksumLength, 0);
  uint32_t checksum = Polymod(input) ^ kBech32Constant;
  std::string out = lower_hrp + '1';
  for (uint8_t g : groups) out += kCharset[g];
  for (size_t i = 0; i < kChecksumLength; ++i) out += kCharset[(checksum >> (5 * (5 - i))) & 31];
  return out;
}

Result<Bech32Decoded> Bech32Decode(std::string_view text) {
  if (text.size() > kMaxLength) {
    return Bech32Error("string is too long (" + std::to_string(text.size()) +
                       " characters, at most " + std::to_string(kMaxLength) + ")");
  }
  bool has_lower = false;
  bool has_upper = false;
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 33 || c > 126) {
      return Bech32Error("invalid character (byte " + std::to_string(c) + ") at position " +
                         std::to_string(i));
    }
    has_lower |= (c >= 'a' && c <= 'z');
    has_upper |= (c >= 'A' && c <= 'Z');
  }
  if (has_lower && has_upper) return Bech32Error("mixed upper and lower case");

  size_t sep = text.rfind('1');
  if (sep == std::string_view::npos) return Bech32Error("missing separator '1'");
  if (sep == 0) return Bech32Error("empty human-readable part");
  if (text.size() - sep - 1 < kChecksumLength) {
    return Bech32Error("data part is shorter than the 6-character checksum");
  }

  std::string hrp;
  for (char c : text.substr(0, sep)) hrp += ToLower(c);
  std::vector<uint8_t> groups;
  for (size_t i = sep + 1; i < text.size(); ++i) {
    size_t v = kCharset.find(ToLower(text[i]));
    if (v == std::string_view::npos) {
      return Bech32Error(std::string("invalid character '") + text[i] + "' at position " +
                         std::to_string(i));
    }
    groups.push_back(static_cast<uint8_t>(v));
  }
  if (Polymod(ChecksumInput(hrp, groups)) != kBech32Constant) {
    return Bech32Error("invalid checksum (a character is wrong or missing)");
  }
  groups.resize(groups.size() - kChecksumLength);
  auto data = FiveToEight(groups);
  if (!data) return Bech32Error("invalid padding in the data part");
  return Bech32Decoded{std::move(hrp), std::move(*data)};
}

Address Address::FromPublicKey(const PublicKey& key) {
  Hash256 digest = Sha256(key.view());
  Address address;
  std::copy_n(digest.bytes.begin(), kAddressLength, address.bytes_.begin());
  return address;
}

Result<Address> Address::Parse(std::string_view text) {
  auto decoded = Bech32Decode(text);
  if (!decoded.ok()) return decoded.error().WithContext("address");
  if (decoded->hrp != kHumanPart) {
    return Error::InvalidArgument("address: wrong prefix \"" + decoded->hrp + "\", expected \"" +
                                  std::string(kHumanPart) + "\"");
  }
  if (decoded->data.size() != kAddressLength) {
    return Error::InvalidArgument("address: payload is " + std::to_string(decoded->data.size()) +
                                  " bytes, expected " + std::to_string(kAddressLength));
  }
  Address address;
  std::copy_n(decoded->data.begin(), kAddressLength, address.bytes_.begin());
  return address;
}

bool Address::IsZero() const {
  for (uint8_t b : bytes_) {
    if (b != 0) return false;
  }
  return true;
}

std::string Address::ToString() const { return Bech32Encode(kHumanPart, view()); }

}  // namespace aitbc::core
