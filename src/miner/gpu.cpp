#include "miner/gpu.h"

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <mutex>

namespace aitbc::miner {
namespace {

// The few NVML declarations the miner needs (from NVML's public API; ABI-stable).
using NvmlReturn = int;  // nvmlReturn_t: 0 is NVML_SUCCESS
using NvmlDevice = struct NvmlDeviceOpaque*;
struct NvmlMemory {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};
struct NvmlUtilization {
  unsigned int gpu;     // percent of time a kernel ran over the last sample period
  unsigned int memory;  // percent of time memory was read or written
};
using NvmlInitFn = NvmlReturn (*)();
using NvmlShutdownFn = NvmlReturn (*)();
using NvmlGetHandleByIndexFn = NvmlReturn (*)(unsigned int, NvmlDevice*);
using NvmlGetNameFn = NvmlReturn (*)(NvmlDevice, char*, unsigned int);
using NvmlGetMemoryInfoFn = NvmlReturn (*)(NvmlDevice, NvmlMemory*);
using NvmlGetUtilizationFn = NvmlReturn (*)(NvmlDevice, NvmlUtilization*);
using NvmlErrorStringFn = const char* (*)(NvmlReturn);

constexpr NvmlReturn kNvmlSuccess = 0;
constexpr unsigned kNameBufferSize = 96;  // NVML_DEVICE_NAME_V2_BUFFER_SIZE

class NvmlSampler final : public GpuSampler {
 public:
  NvmlSampler(void* library, NvmlShutdownFn shutdown, NvmlGetUtilizationFn utilization,
              NvmlDevice device, GpuInfo info)
      : library_(library),
        shutdown_(shutdown),
        utilization_(utilization),
        device_(device),
        info_(std::move(info)) {}
  ~NvmlSampler() override {
    shutdown_();
    dlclose(library_);
  }

  std::optional<GpuInfo> Info() const override { return info_; }

  std::optional<uint16_t> SampleUtilizationBp() override {
    NvmlUtilization rates{};
    if (utilization_(device_, &rates) != kNvmlSuccess) return std::nullopt;
    return static_cast<uint16_t>(std::min(rates.gpu, 100u) * 100);
  }

 private:
  void* library_;
  NvmlShutdownFn shutdown_;
  NvmlGetUtilizationFn utilization_;
  NvmlDevice device_;
  GpuInfo info_;
};

template <typename Fn>
Fn Symbol(void* library, const char* name) {
  return reinterpret_cast<Fn>(dlsym(library, name));
}

}  // namespace

core::Result<std::unique_ptr<GpuSampler>> OpenNvml(unsigned index, const std::string& library) {
  // dlerror() is process-global; serialise our use of it.
  static std::mutex dl_mu;
  std::lock_guard lock(dl_mu);
  void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    return core::Error::Unavailable("cannot load " + library + ": " +
                                    (why ? why : "unknown error"));
  }
  auto init = Symbol<NvmlInitFn>(handle, "nvmlInit_v2");
  auto shutdown = Symbol<NvmlShutdownFn>(handle, "nvmlShutdown");
  auto get_handle = Symbol<NvmlGetHandleByIndexFn>(handle, "nvmlDeviceGetHandleByIndex_v2");
  auto get_name = Symbol<NvmlGetNameFn>(handle, "nvmlDeviceGetName");
  auto get_memory = Symbol<NvmlGetMemoryInfoFn>(handle, "nvmlDeviceGetMemoryInfo");
  auto get_utilization = Symbol<NvmlGetUtilizationFn>(handle, "nvmlDeviceGetUtilizationRates");
  auto error_string = Symbol<NvmlErrorStringFn>(handle, "nvmlErrorString");
  if (!init || !shutdown || !get_handle || !get_name || !get_memory || !get_utilization) {
    dlclose(handle);
    return core::Error::Unavailable(library + " lacks the NVML functions the miner needs");
  }
  auto describe = [error_string](NvmlReturn code) {
    std::string text = "NVML error " + std::to_string(code);
    if (error_string && error_string(code)) text += std::string(" (") + error_string(code) + ")";
    return text;
  };
  if (NvmlReturn rc = init(); rc != kNvmlSuccess) {
    dlclose(handle);
    return core::Error::Unavailable("nvmlInit_v2 failed: " + describe(rc));
  }
  NvmlDevice device = nullptr;
  if (NvmlReturn rc = get_handle(index, &device); rc != kNvmlSuccess) {
    shutdown();
    dlclose(handle);
    return core::Error::Unavailable("no GPU at index " + std::to_string(index) + ": " +
                                    describe(rc));
  }
  GpuInfo info;
  std::array<char, kNameBufferSize> name{};
  if (get_name(device, name.data(), static_cast<unsigned>(name.size())) == kNvmlSuccess) {
    info.name = std::string(name.data());
  }
  if (info.name.empty()) info.name = "NVIDIA GPU " + std::to_string(index);
  NvmlMemory memory{};
  if (get_memory(device, &memory) == kNvmlSuccess) info.memory_mb = memory.total / (1024 * 1024);
  return std::unique_ptr<GpuSampler>(
      std::make_unique<NvmlSampler>(handle, shutdown, get_utilization, device, std::move(info)));
}

std::optional<uint16_t> UtilizationAverage::Average() const {
  if (count_ == 0) return std::nullopt;
  return static_cast<uint16_t>((sum_ + count_ / 2) / count_);
}

}  // namespace aitbc::miner
