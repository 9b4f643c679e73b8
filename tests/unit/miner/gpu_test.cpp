// GPU metrics: without NVML there is no GPU and nothing is invented; the average of samples.
// (The NVML path itself needs an NVIDIA driver; docs/miner.md says how it was checked.)
#include "miner/gpu.h"

#include <gtest/gtest.h>

namespace aitbc::miner {
namespace {

TEST(GpuTest, AMissingNvmlLibraryMeansNoGpuAndSaysWhy) {
  auto gpu = OpenNvml(0, "libnvidia-ml-does-not-exist.so.1");
  ASSERT_FALSE(gpu.ok());
  EXPECT_EQ(gpu.error().code(), core::ErrorCode::kUnavailable);
  EXPECT_NE(gpu.error().message().find("libnvidia-ml-does-not-exist.so.1"), std::string::npos);
}

TEST(GpuTest, ALibraryWithoutNvmlIsRefused) {
  // libc is loadable but has no NVML functions.
  auto gpu = OpenNvml(0, "libc.so.6");
  ASSERT_FALSE(gpu.ok());
  EXPECT_NE(gpu.error().message().find("lacks the NVML functions"), std::string::npos);
}

TEST(GpuTest, NoGpuReportsNothing) {
  NoGpu gpu;
  EXPECT_FALSE(gpu.Info().has_value());
  EXPECT_FALSE(gpu.SampleUtilizationBp().has_value());
}

TEST(GpuTest, TheAverageIsRoundedAndAbsentWithoutSamples) {
  UtilizationAverage average;
  EXPECT_FALSE(average.Average().has_value());
  average.Add(5000);
  average.Add(7501);
  EXPECT_EQ(average.count(), 2u);
  EXPECT_EQ(average.Average(), 6251);  // 6250.5 rounds up
  average.Add(0);
  EXPECT_EQ(average.Average(), 4167);  // 4167.0
}

}  // namespace
}  // namespace aitbc::miner
