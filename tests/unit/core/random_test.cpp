#include "core/random.h"

#include <gtest/gtest.h>

#include <set>

namespace aitbc::core {
namespace {

TEST(RandomTest, DeterministicIsReproducible) {
  DeterministicRandom a(42), b(42), c(43);
  Bytes x = a.RandomBytes(32), y = b.RandomBytes(32), z = c.RandomBytes(32);
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
  EXPECT_NE(a.RandomBytes(32), x);  // the stream moves on
}

TEST(RandomTest, UniformStaysInBound) {
  DeterministicRandom r(1);
  std::set<uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    uint64_t v = r.Uniform(10);
    ASSERT_LT(v, 10u);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 10u);
}

TEST(RandomTest, SystemRandomDiffers) {
  auto& r = SystemRandom::Instance();
  EXPECT_NE(r.RandomBytes(32), r.RandomBytes(32));
}

}  // namespace
}  // namespace aitbc::core
