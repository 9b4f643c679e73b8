#include "miner/outbox.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "core/file_util.h"
#include "core/json_fields.h"
#include "protocol/receipt.h"

namespace aitbc::miner {
namespace {

namespace fs = std::filesystem;

core::Status MoveInto(const std::string& from, const std::string& dir, const std::string& name) {
  AITBC_TRY(core::EnsureDirectory(dir));
  std::string to = dir + "/" + name;
  if (std::rename(from.c_str(), to.c_str()) != 0) {
    return core::Error::IOError("moving " + from + " to " + to + ": " + std::strerror(errno));
  }
  return core::Ok();
}

}  // namespace

std::string_view ReportKindName(ReportKind kind) {
  return kind == ReportKind::kComplete ? "complete" : "fail";
}

nlohmann::json OutboxEntry::ToJson() const {
  return {{"job_id", job_id},
          {"kind", ReportKindName(kind)},
          {"body", body},
          {"created_ms", created_ms}};
}

core::Result<OutboxEntry> OutboxEntry::FromJson(const nlohmann::json& json) {
  constexpr std::string_view kWhat = "outbox entry";
  OutboxEntry entry;
  AITBC_ASSIGN_OR_RETURN(entry.job_id, core::JsonStringField(json, "job_id", kWhat));
  if (!protocol::ValidateJobId(entry.job_id).ok()) {
    return core::Error::Corruption("outbox entry: invalid job id");
  }
  AITBC_ASSIGN_OR_RETURN(std::string kind, core::JsonStringField(json, "kind", kWhat));
  if (kind == "complete") {
    entry.kind = ReportKind::kComplete;
  } else if (kind == "fail") {
    entry.kind = ReportKind::kFail;
  } else {
    return core::Error::Corruption("outbox entry: unknown kind \"" + kind + "\"");
  }
  AITBC_ASSIGN_OR_RETURN(const nlohmann::json* body, core::JsonObjectField(json, "body", kWhat));
  entry.body = *body;
  AITBC_ASSIGN_OR_RETURN(uint64_t created, core::JsonUintField(json, "created_ms", kWhat));
  entry.created_ms = static_cast<int64_t>(created);
  return entry;
}

core::Status Outbox::Init() { return core::EnsureDirectory(dir_, 0700); }

std::string Outbox::PathFor(const std::string& job_id) const {
  return dir_ + "/" + job_id + ".json";
}

core::Status Outbox::Put(const OutboxEntry& entry) {
  AITBC_TRY(protocol::ValidateJobId(entry.job_id));
  std::string text = entry.ToJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::lock_guard lock(mu_);
  return core::WriteFileAtomic(PathFor(entry.job_id), text, 0600);
}

core::Status Outbox::Remove(const std::string& job_id) {
  AITBC_TRY(protocol::ValidateJobId(job_id));
  std::lock_guard lock(mu_);
  std::error_code ec;
  fs::remove(PathFor(job_id), ec);
  if (ec) return core::Error::IOError("removing " + PathFor(job_id) + ": " + ec.message());
  return core::Ok();
}

core::Status Outbox::Reject(const std::string& job_id, const std::string& why) {
  AITBC_TRY(protocol::ValidateJobId(job_id));
  std::lock_guard lock(mu_);
  std::string rejected = dir_ + "/rejected";
  AITBC_TRY(MoveInto(PathFor(job_id), rejected, job_id + ".json"));
  return core::WriteFileAtomic(rejected + "/" + job_id + ".why.txt", why + "\n", 0600);
}

core::Result<std::vector<OutboxEntry>> Outbox::LoadAll() {
  std::lock_guard lock(mu_);
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string name = it->path().filename().string();
    if (name.find(".json.tmp.") != std::string::npos) {
      fs::remove(it->path(), ec);  // a write that a crash interrupted; its report was never sent
      ec.clear();
      continue;
    }
    if (name.size() > 5 && name.ends_with(".json")) files.push_back(it->path().string());
  }
  if (ec) return core::Error::IOError("listing the outbox " + dir_ + ": " + ec.message());
  std::vector<OutboxEntry> entries;
  for (const std::string& path : files) {
    core::Result<OutboxEntry> entry = [&]() -> core::Result<OutboxEntry> {
      AITBC_ASSIGN_OR_RETURN(std::string text, core::ReadFile(path));
      AITBC_ASSIGN_OR_RETURN(nlohmann::json json, core::ParseJsonObject(text, "outbox entry"));
      return OutboxEntry::FromJson(json);
    }();
    std::string name = fs::path(path).filename().string();
    if (entry.ok() && name == entry->job_id + ".json") {
      entries.push_back(std::move(entry).value());
      continue;
    }
    std::string why = entry.ok() ? "file name does not match its job id" : entry.error().ToString();
    spdlog::error("outbox: {} is unreadable ({}); moving it to {}/corrupt", path, why, dir_);
    core::Status moved = MoveInto(path, dir_ + "/corrupt", name);
    if (!moved.ok()) spdlog::error("outbox: {}", moved.error().ToString());
  }
  std::sort(entries.begin(), entries.end(), [](const OutboxEntry& a, const OutboxEntry& b) {
    return a.created_ms != b.created_ms ? a.created_ms < b.created_ms : a.job_id < b.job_id;
  });
  return entries;
}

}  // namespace aitbc::miner
