#include "core/encoding.h"

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace aitbc::core {

void Writer::U8(uint8_t v) { buf_.push_back(v); }

void Writer::U16(uint16_t v) {
  buf_.push_back(static_cast<uint8_t>(v >> 8));
  buf_.push_back(static_cast<uint8_t>(v));
}

void Writer::U32(uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) buf_.push_back(static_cast<uint8_t>(v >> shift));
}

void Writer::U64(uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) buf_.push_back(static_cast<uint8_t>(v >> shift));
}

void Writer::Fixed(ByteView bytes) { buf_.insert(buf_.end(), bytes.begin(), bytes.end()); }

void Writer::Var(ByteView bytes) {
  // A signed or hashed value of 4 GiB is a bug in the caller, not input to reject.
  if (bytes.size() > std::numeric_limits<uint32_t>::max()) std::abort();
  U32(static_cast<uint32_t>(bytes.size()));
  Fixed(bytes);
}

Status Reader::Need(size_t n, std::string_view what) const {
  if (n <= remaining()) return Ok();
  return Error::InvalidArgument("truncated input: reading " + std::string(what) + " at offset " +
                                std::to_string(pos_) + " needs " + std::to_string(n) + " bytes, " +
                                std::to_string(remaining()) + " left");
}

uint64_t Reader::TakeBigEndian(size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | data_[pos_ + i];
  pos_ += n;
  return v;
}

Result<uint8_t> Reader::U8() {
  AITBC_TRY(Need(1, "u8"));
  return static_cast<uint8_t>(TakeBigEndian(1));
}

Result<uint16_t> Reader::U16() {
  AITBC_TRY(Need(2, "u16"));
  return static_cast<uint16_t>(TakeBigEndian(2));
}

Result<uint32_t> Reader::U32() {
  AITBC_TRY(Need(4, "u32"));
  return static_cast<uint32_t>(TakeBigEndian(4));
}

Result<uint64_t> Reader::U64() {
  AITBC_TRY(Need(8, "u64"));
  return TakeBigEndian(8);
}

Result<bool> Reader::Bool() {
  AITBC_TRY(Need(1, "bool"));
  uint8_t v = data_[pos_];
  if (v > 1) {
    return Error::InvalidArgument("invalid bool " + std::to_string(v) + " at offset " +
                                  std::to_string(pos_) + " (must be 0 or 1)");
  }
  ++pos_;
  return v == 1;
}

Status Reader::Fixed(std::span<uint8_t> out) {
  AITBC_TRY(Need(out.size(), std::to_string(out.size()) + " fixed bytes"));
  std::copy_n(data_.begin() + static_cast<ptrdiff_t>(pos_), out.size(), out.begin());
  pos_ += out.size();
  return Ok();
}

Result<ByteView> Reader::VarView(size_t max_len, std::string_view what) {
  const size_t start = pos_;
  AITBC_TRY(Need(4, std::string(what) + " length"));
  auto len = static_cast<size_t>(TakeBigEndian(4));
  if (len > max_len) {
    pos_ = start;
    return Error::InvalidArgument(std::string(what) + " length " + std::to_string(len) +
                                  " at offset " + std::to_string(start) + " exceeds the limit of " +
                                  std::to_string(max_len) + " bytes");
  }
  if (auto need = Need(len, what); !need.ok()) {
    pos_ = start;
    return std::move(need).error();
  }
  ByteView out = data_.subspan(pos_, len);
  pos_ += len;
  return out;
}

Result<Bytes> Reader::Var(size_t max_len) {
  AITBC_ASSIGN_OR_RETURN(ByteView view, VarView(max_len, "byte string"));
  return Bytes(view.begin(), view.end());
}

Result<std::string> Reader::String(size_t max_len) {
  const size_t start = pos_;
  AITBC_ASSIGN_OR_RETURN(ByteView view, VarView(max_len, "string"));
  std::string_view text = AsString(view);
  if (!IsValidUtf8(text)) {
    pos_ = start;
    return Error::InvalidArgument("string at offset " + std::to_string(start) +
                                  " is not valid UTF-8");
  }
  return std::string(text);
}

Status Reader::ExpectEnd() const {
  if (remaining() == 0) return Ok();
  return Error::InvalidArgument(std::to_string(remaining()) + " trailing bytes at offset " +
                                std::to_string(pos_));
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    // Lead byte: sequence length and the allowed range of the second byte (which excludes
    // overlong forms, UTF-16 surrogates and code points above U+10FFFF).
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      len = 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      len = 3;
      if (b0 == 0xe0) lo = 0xa0;
      if (b0 == 0xed) hi = 0x9f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      len = 4;
      if (b0 == 0xf0) lo = 0x90;
      if (b0 == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b1 < lo || b1 > hi) return false;
    for (size_t k = 2; k < len; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if (b < 0x80 || b > 0xbf) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace aitbc::core
