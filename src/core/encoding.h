// The deterministic byte encoding of everything that is signed or hashed (docs/encoding.md).
//
// Rules: unsigned integers are fixed-width big-endian (u8, u16, u32, u64); byte strings and
// UTF-8 strings are a u32 length followed by the bytes; fixed-size values (keys, hashes,
// addresses, signatures) are their raw bytes without a length; an optional value is a u8 0/1
// followed by the value when 1; a list is a u32 count followed by the items. There is exactly
// one encoding of each value, so decode(encode(x)) == x and encode(decode(b)) == b for all
// accepted b.
//
// Contract: Reader never reads past its input and checks a length prefix against max_len
// and against the bytes left before it allocates; every Read* reports truncation, a length
// above the limit, a bool other than 0/1 or invalid UTF-8 as kInvalidArgument, naming what
// it read and the offset. A failed read leaves the position where it was. Writer appends to an
// owned buffer; Var/String of more than 2^32-1 bytes is a programmer error and aborts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"

namespace aitbc::core {

class Writer {
 public:
  Writer() = default;
  explicit Writer(size_t reserve) { buf_.reserve(reserve); }

  void U8(uint8_t v);
  void U16(uint16_t v);
  void U32(uint32_t v);
  void U64(uint64_t v);
  void Bool(bool v) { U8(v ? 1 : 0); }
  void Fixed(ByteView bytes);  // raw, no length
  void Var(ByteView bytes);    // u32 length + bytes
  void String(std::string_view s) { Var(AsBytes(s)); }

  const Bytes& bytes() const { return buf_; }
  Bytes Take() { return std::move(buf_); }
  size_t size() const { return buf_.size(); }

 private:
  Bytes buf_;
};

class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}

  Result<uint8_t> U8();
  Result<uint16_t> U16();
  Result<uint32_t> U32();
  Result<uint64_t> U64();
  Result<bool> Bool();  // only 0 or 1
  Status Fixed(std::span<uint8_t> out);
  // A u32-length-prefixed byte string of at most max_len bytes.
  Result<Bytes> Var(size_t max_len);
  // Like Var, and the bytes must be valid UTF-8.
  Result<std::string> String(size_t max_len);

  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  // Error unless every byte was consumed (trailing bytes make an encoding non-canonical).
  Status ExpectEnd() const;

 private:
  // An error naming what was being read and where, unless n more bytes are left.
  Status Need(size_t n, std::string_view what) const;
  uint64_t TakeBigEndian(size_t n);  // after Need(n)
  Result<ByteView> VarView(size_t max_len, std::string_view what);
  ByteView data_;
  size_t pos_ = 0;
};

bool IsValidUtf8(std::string_view s);

}  // namespace aitbc::core
