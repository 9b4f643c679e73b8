#include "core/hash.h"

#include <gtest/gtest.h>

namespace aitbc::core {
namespace {

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256(std::string_view("")).ToHex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256(std::string_view("abc")).ToHex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, IncrementalMatchesOneShot) {
  Sha256Hasher h;
  h.Update(AsBytes("a"));
  h.Update(AsBytes("bc"));
  EXPECT_EQ(h.Finish(), Sha256(std::string_view("abc")));
}

TEST(Sha256Test, HexRoundTripAndZero) {
  Hash256 h = Sha256(std::string_view("x"));
  EXPECT_EQ(*Hash256::FromHex(h.ToHex()), h);
  EXPECT_FALSE(Hash256::FromHex("00").ok());
  EXPECT_TRUE(Hash256{}.IsZero());
  EXPECT_FALSE(h.IsZero());
}

TEST(Blake2bTest, KnownVector) {
  // BLAKE2b-512("abc") from RFC 7693 appendix A.
  EXPECT_EQ(HexEncode(Blake2b(AsBytes("abc"), 64)),
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
            "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
}

}  // namespace
}  // namespace aitbc::core
