#include "core/encoding.h"

#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <string>

#include "test_util.h"

namespace aitbc::core {
namespace {

using testing::Contains;

TEST(WriterTest, FixedWidthIntegersAreBigEndian) {
  Writer w;
  w.U8(0xab);
  w.U16(0x0102);
  w.U32(0x03040506);
  w.U64(0x0708090a0b0c0d0e);
  EXPECT_EQ(HexEncode(w.bytes()),
            "ab"
            "0102"
            "03040506"
            "0708090a0b0c0d0e");
  EXPECT_EQ(w.size(), 15u);
}

TEST(WriterTest, BoolVarStringAndFixed) {
  Writer w;
  w.Bool(true);
  w.Bool(false);
  w.Var(Bytes{0xde, 0xad});
  w.String("hi");
  w.Var(Bytes{});
  std::array<uint8_t, 3> fixed = {1, 2, 3};
  w.Fixed(fixed);
  EXPECT_EQ(HexEncode(w.bytes()),
            "0100"
            "00000002dead"
            "000000026869"
            "00000000"
            "010203");
  Bytes taken = w.Take();
  EXPECT_EQ(taken.size(), 21u);
}

TEST(WriterTest, ExtremeIntegers) {
  Writer w;
  w.U16(std::numeric_limits<uint16_t>::max());
  w.U32(std::numeric_limits<uint32_t>::max());
  w.U64(std::numeric_limits<uint64_t>::max());
  w.U64(0);
  EXPECT_EQ(HexEncode(w.bytes()), std::string(28, 'f') + std::string(16, '0'));
}

// One of everything, written and read back.
Bytes Sample() {
  Writer w;
  w.U8(7);
  w.U16(300);
  w.U32(70000);
  w.U64(1ull << 40);
  w.Bool(true);
  std::array<uint8_t, 4> fixed = {9, 8, 7, 6};
  w.Fixed(fixed);
  w.Var(Bytes{1, 2, 3});
  w.String("héllo");
  return w.Take();
}

// Reads Sample()'s layout; any error is returned.
Status ReadSample(Reader& r) {
  AITBC_ASSIGN_OR_RETURN(uint8_t a, r.U8());
  AITBC_ASSIGN_OR_RETURN(uint16_t b, r.U16());
  AITBC_ASSIGN_OR_RETURN(uint32_t c, r.U32());
  AITBC_ASSIGN_OR_RETURN(uint64_t d, r.U64());
  AITBC_ASSIGN_OR_RETURN(bool e, r.Bool());
  std::array<uint8_t, 4> fixed{};
  AITBC_TRY(r.Fixed(fixed));
  AITBC_ASSIGN_OR_RETURN(Bytes var, r.Var(16));
  AITBC_ASSIGN_OR_RETURN(std::string s, r.String(16));
  EXPECT_EQ(a, 7);
  EXPECT_EQ(b, 300);
  EXPECT_EQ(c, 70000u);
  EXPECT_EQ(d, 1ull << 40);
  EXPECT_TRUE(e);
  EXPECT_EQ(fixed, (std::array<uint8_t, 4>{9, 8, 7, 6}));
  EXPECT_EQ(var, (Bytes{1, 2, 3}));
  EXPECT_EQ(s, "héllo");
  return r.ExpectEnd();
}

TEST(ReaderTest, RoundTrip) {
  Bytes data = Sample();
  Reader r(data);
  Status status = ReadSample(r);
  EXPECT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(r.position(), data.size());
}

TEST(ReaderTest, TruncationAtEveryOffsetIsAnError) {
  Bytes data = Sample();
  for (size_t len = 0; len < data.size(); ++len) {
    Bytes prefix(data.begin(), data.begin() + static_cast<ptrdiff_t>(len));
    Reader r(prefix);
    Status status = ReadSample(r);
    ASSERT_FALSE(status.ok()) << "prefix of " << len << " bytes was accepted";
    EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(Contains(status.error().message(), "truncated")) << status.error().message();
    EXPECT_LE(r.position(), len);
  }
}

TEST(ReaderTest, TruncationMessageSaysWhatAndWhere) {
  Bytes data = {0x00, 0x01, 0x02};
  Reader r(data);
  ASSERT_TRUE(r.U8().ok());
  auto v = r.U32();
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message(), "truncated input: reading u32 at offset 1 needs 4 bytes, 2 left");
  EXPECT_EQ(r.position(), 1u);  // a failed read consumes nothing
  EXPECT_TRUE(Contains(r.U64().error().message(), "reading u64 at offset 1"));
  EXPECT_TRUE(r.U16().ok());
  EXPECT_TRUE(Contains(r.U8().error().message(), "reading u8 at offset 3"));
  EXPECT_TRUE(Contains(r.Bool().error().message(), "reading bool at offset 3"));
  std::array<uint8_t, 2> out{};
  EXPECT_TRUE(Contains(r.Fixed(out).error().message(), "2 fixed bytes at offset 3"));
}

TEST(ReaderTest, BoolAcceptsOnlyZeroAndOne) {
  Bytes data = {0, 1, 2, 0xff};
  Reader r(data);
  EXPECT_FALSE(*r.Bool());
  EXPECT_TRUE(*r.Bool());
  auto two = r.Bool();
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(two.error().message(), "invalid bool 2 at offset 2 (must be 0 or 1)");
  EXPECT_EQ(r.position(), 2u);
  ASSERT_TRUE(r.U8().ok());
  EXPECT_FALSE(r.Bool().ok());
}

TEST(ReaderTest, VarLengthAboveLimitIsRejectedBeforeAllocating) {
  // A length prefix of 0xFFFFFFFF with nothing behind it must not allocate 4 GiB (ASan would
  // report the allocation) and must say what is wrong.
  Bytes data = {0xff, 0xff, 0xff, 0xff};
  Reader r(data);
  auto v = r.Var(1024);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(v.error().message(),
            "byte string length 4294967295 at offset 0 exceeds the limit of 1024 bytes");
  EXPECT_EQ(r.position(), 0u);
  auto s = Reader(data).String(1024);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.error().message(), "string length 4294967295"));
}

TEST(ReaderTest, VarLengthWithinLimitButBeyondInputIsTruncation) {
  // Even with a huge limit, a length larger than the input is caught before allocating.
  Bytes data = {0xff, 0xff, 0xff, 0xff, 1, 2};
  Reader r(data);
  auto v = r.Var(std::numeric_limits<size_t>::max());
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message(),
            "truncated input: reading byte string at offset 4 needs 4294967295 bytes, 2 left");
  EXPECT_EQ(r.position(), 0u);
}

TEST(ReaderTest, VarAtExactLimit) {
  Writer w;
  w.Var(Bytes(5, 0xaa));
  Bytes data = w.Take();
  EXPECT_TRUE(Reader(data).Var(5).ok());
  EXPECT_FALSE(Reader(data).Var(4).ok());
  EXPECT_TRUE(Contains(Reader(data).Var(4).error().message(), "exceeds the limit of 4"));
  Bytes empty = {0, 0, 0, 0};
  Reader r(empty);
  auto v = r.Var(0);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->empty());
  EXPECT_TRUE(r.ExpectEnd().ok());
}

TEST(ReaderTest, StringRejectsInvalidUtf8) {
  Writer w;
  w.U8(0);
  w.Var(Bytes{'a', 0xc0, 0x80});  // overlong NUL
  Bytes data = w.Take();
  Reader r(data);
  ASSERT_TRUE(r.U8().ok());
  auto s = r.String(100);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.error().message(), "string at offset 1 is not valid UTF-8");
  EXPECT_EQ(r.position(), 1u);
  // The same bytes are a fine byte string.
  EXPECT_TRUE(r.Var(100).ok());
}

TEST(ReaderTest, ExpectEndDetectsTrailingBytes) {
  Bytes data = {1, 2, 3};
  Reader r(data);
  ASSERT_TRUE(r.U8().ok());
  Status end = r.ExpectEnd();
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(end.error().message(), "2 trailing bytes at offset 1");
  ASSERT_TRUE(r.U16().ok());
  EXPECT_TRUE(r.ExpectEnd().ok());
  Bytes sample = Sample();
  sample.push_back(0);
  Reader trailing(sample);
  EXPECT_FALSE(ReadSample(trailing).ok());
}

TEST(ReaderTest, EmptyInput) {
  Reader r(ByteView{});
  EXPECT_TRUE(r.ExpectEnd().ok());
  EXPECT_FALSE(r.U8().ok());
  EXPECT_FALSE(r.Var(10).ok());
  std::array<uint8_t, 0> none{};
  EXPECT_TRUE(r.Fixed(none).ok());
}

TEST(Utf8Test, AcceptsValidText) {
  for (const char* s : {"", "plain ascii", "h\xc3\xa9llo", "\xe2\x82\xac",  // U+20AC
                        "\xf0\x9f\x98\x80",                                 // U+1F600
                        "\xc2\x80", "\xdf\xbf",                             // U+0080, U+07FF
                        "\xe0\xa0\x80", "\xef\xbf\xbf",                     // U+0800, U+FFFF
                        "\xed\x9f\xbf", "\xee\x80\x80",                     // around surrogates
                        "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf"}) {          // U+10000, U+10FFFF
    EXPECT_TRUE(IsValidUtf8(s)) << HexEncode(AsBytes(s));
  }
  EXPECT_TRUE(IsValidUtf8(std::string_view("a\0b", 3)));  // U+0000 is a code point
}

TEST(Utf8Test, RejectsInvalidText) {
  for (const char* s : {
           "\x80",              // lone continuation byte
           "\xbf",              //
           "\xc0\x80",          // overlong NUL
           "\xc1\xbf",          // overlong 2-byte
           "\xe0\x80\x80",      // overlong 3-byte
           "\xe0\x9f\xbf",      // overlong 3-byte (U+07FF)
           "\xf0\x80\x80\x80",  // overlong 4-byte
           "\xf0\x8f\xbf\xbf",  // overlong 4-byte (U+FFFF)
           "\xed\xa0\x80",      // U+D800 (surrogate)
           "\xed\xbf\xbf",      // U+DFFF (surrogate)
           "\xf4\x90\x80\x80",  // U+110000
           "\xf5\x80\x80\x80",  // lead byte above F4
           "\xf8\x88\x80\x80\x80",
           "\xff",
           "\xfe",
           "\xc3",              // truncated 2-byte
           "\xe2\x82",          // truncated 3-byte
           "\xf0\x9f\x98",      // truncated 4-byte
           "\xc3\x28",          // bad continuation
           "\xe2\x28\xa1",      //
           "\xf0\x9f\x28\x80",  //
           "ok\xe2\x82",        // truncated at the end of valid text
       }) {
    EXPECT_FALSE(IsValidUtf8(s)) << HexEncode(AsBytes(s));
  }
}

}  // namespace
}  // namespace aitbc::core
