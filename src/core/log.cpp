#include "core/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <vector>

#include "core/file_util.h"

namespace aitbc::core {
namespace {

constexpr std::string_view kLevelNames = "trace, debug, info, warn, error, critical, off";

Result<spdlog::level::level_enum> ParseLevel(std::string_view text) {
  std::string lower;
  for (char c : text) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  using spdlog::level::level_enum;
  if (lower == "trace") return level_enum::trace;
  if (lower == "debug") return level_enum::debug;
  if (lower == "info") return level_enum::info;
  if (lower == "warn" || lower == "warning") return level_enum::warn;
  if (lower == "error") return level_enum::err;
  if (lower == "critical") return level_enum::critical;
  if (lower == "off") return level_enum::off;
  return Error::InvalidArgument("invalid log level \"" + std::string(text) +
                                "\" (expected one of " + std::string(kLevelNames) + ")");
}

Result<spdlog::sink_ptr> OpenFileSink(const std::string& file) {
  Status made = EnsureDirectory(ParentDirectory(file));
  if (!made.ok()) return made.error().WithContext("opening log file " + file);
  try {
    return spdlog::sink_ptr(std::make_shared<spdlog::sinks::basic_file_sink_mt>(file));
  } catch (const spdlog::spdlog_ex& e) {
    return Error::IOError("opening log file " + file + ": " + e.what());
  }
}

}  // namespace

Status InitLogging(const LogOptions& options) {
  AITBC_ASSIGN_OR_RETURN(spdlog::level::level_enum level, ParseLevel(options.level));
  std::vector<spdlog::sink_ptr> sinks;
  if (!options.file.empty()) {
    AITBC_ASSIGN_OR_RETURN(spdlog::sink_ptr file_sink, OpenFileSink(options.file));
    sinks.push_back(std::move(file_sink));
  }
  if (options.file.empty() || options.also_stderr) {
    sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  }
  std::string name = options.component.empty() ? "aitbc" : options.component;
  auto logger = std::make_shared<spdlog::logger>(name, sinks.begin(), sinks.end());
  // UTC, so lines from daemons on different machines sort together.
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ [%n] %v", spdlog::pattern_time_type::utc);
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  spdlog::flush_every(std::chrono::seconds(1));
  return Ok();
}

}  // namespace aitbc::core
