// GPU facts and utilisation for the miner's registration, status and signed metrics.
//
// NVML (libnvidia-ml.so.1, the NVIDIA driver's management library) is loaded with dlopen at run
// time, so the miner builds and runs on machines without it; no NVML header is needed. Without
// the library, or without a GPU at the index, there is no GPU: Info() and Sample() give nothing,
// and the miner leaves every GPU field out rather than inventing one.
// Contract: GpuSampler implementations are thread-safe. UtilizationAverage is one job's
// accumulator (not thread-safe; the job runner guards it).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"

namespace aitbc::miner {

struct GpuInfo {
  std::string name;        // "NVIDIA H100 80GB HBM3"
  uint64_t memory_mb = 0;  // total memory
};

class GpuSampler {
 public:
  virtual ~GpuSampler() = default;
  // The GPU's static facts; nullopt without a GPU.
  virtual std::optional<GpuInfo> Info() const = 0;
  // Utilisation now, in basis points (0..10000); nullopt when it cannot be measured.
  virtual std::optional<uint16_t> SampleUtilizationBp() = 0;
};

// No GPU: every answer is "absent".
class NoGpu final : public GpuSampler {
 public:
  std::optional<GpuInfo> Info() const override { return std::nullopt; }
  std::optional<uint16_t> SampleUtilizationBp() override { return std::nullopt; }
};

// Loads NVML from `library` and opens GPU `index`. Errors (kUnavailable) say why there is no GPU:
// the library is missing, nvmlInit failed, or there is no device at the index.
core::Result<std::unique_ptr<GpuSampler>> OpenNvml(
    unsigned index, const std::string& library = "libnvidia-ml.so.1");

// The average of the samples taken while one job ran.
class UtilizationAverage {
 public:
  void Add(uint16_t bp) {
    sum_ += bp;
    ++count_;
  }
  size_t count() const { return count_; }
  // Rounded to the nearest basis point; nullopt without samples.
  std::optional<uint16_t> Average() const;

 private:
  uint64_t sum_ = 0;
  size_t count_ = 0;
};

}  // namespace aitbc::miner
