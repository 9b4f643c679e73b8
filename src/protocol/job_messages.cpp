#include "protocol/job_messages.h"

#include <set>

#include "core/clock.h"
#include "core/encoding.h"
#include "protocol/json_codec.h"

namespace aitbc::protocol {
namespace {

core::Error Invalid(const std::string& message) { return core::Error::InvalidArgument(message); }

core::Status RequireObject(const nlohmann::json& json, std::string_view what) {
  if (!json.is_object()) return Invalid(std::string(what) + " must be a JSON object");
  return core::Ok();
}

core::Result<std::string> OptionalString(const nlohmann::json& obj, std::string_view field) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Invalid("field '" + std::string(field) + "' must be a string");
  return it->get<std::string>();
}

core::Result<int64_t> GetTimeMs(const nlohmann::json& obj, std::string_view field) {
  AITBC_ASSIGN_OR_RETURN(uint64_t v, GetU64(obj, field));
  if (v > static_cast<uint64_t>(INT64_MAX))
    return Invalid("field '" + std::string(field) + "' too large");
  return static_cast<int64_t>(v);
}

core::Result<std::vector<std::string>> StringList(const nlohmann::json& obj, std::string_view field,
                                                  size_t max_items, size_t max_len) {
  std::vector<std::string> out;
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_array()) return Invalid("field '" + std::string(field) + "' must be an array");
  if (it->size() > max_items) {
    return Invalid("field '" + std::string(field) + "' has more than " + std::to_string(max_items) +
                   " items");
  }
  for (const auto& item : *it) {
    if (!item.is_string() || item.get<std::string>().empty() ||
        item.get<std::string>().size() > max_len) {
      return Invalid("field '" + std::string(field) + "' must hold strings of 1 to " +
                     std::to_string(max_len) + " bytes");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

core::Result<double> NumberIn(const nlohmann::json& v, std::string_view name, double lo, double hi,
                              bool lo_open) {
  if (!v.is_number()) return Invalid("option '" + std::string(name) + "' must be a number");
  double d = v.get<double>();
  if (d > hi || d < lo || (lo_open && d == lo)) {
    return Invalid("option '" + std::string(name) + "' must be in " + (lo_open ? "(" : "[") +
                   std::to_string(lo).substr(0, 3) + ", " + std::to_string(hi).substr(0, 3) + "]");
  }
  return d;
}

core::Result<uint32_t> UintIn(const nlohmann::json& v, std::string_view name, uint32_t lo,
                              uint32_t hi) {
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi) {
    return Invalid("option '" + std::string(name) + "' must be an integer from " +
                   std::to_string(lo) + " to " + std::to_string(hi));
  }
  return static_cast<uint32_t>(v.get<int64_t>());
}

}  // namespace

nlohmann::json InferenceOptions::ToJson() const {
  nlohmann::json out = nlohmann::json::object();
  if (temperature) out["temperature"] = *temperature;
  if (top_p) out["top_p"] = *top_p;
  if (top_k) out["top_k"] = *top_k;
  if (num_predict) out["num_predict"] = *num_predict;
  if (seed) out["seed"] = *seed;
  if (!stop.empty()) out["stop"] = stop;
  return out;
}

core::Result<InferenceOptions> InferenceOptions::FromJson(const nlohmann::json& json) {
  InferenceOptions o;
  if (json.is_null()) return o;
  AITBC_TRY(RequireObject(json, "'options'"));
  static const std::set<std::string> kKnown = {"temperature", "top_p", "top_k",
                                               "num_predict", "seed",  "stop"};
  for (const auto& [key, value] : json.items()) {
    if (!kKnown.count(key)) {
      return Invalid("unknown option '" + key +
                     "' (known: temperature, top_p, top_k, num_predict, seed, stop)");
    }
  }
  if (json.contains("temperature")) {
    AITBC_ASSIGN_OR_RETURN(o.temperature,
                           NumberIn(json["temperature"], "temperature", 0, 2, false));
  }
  if (json.contains("top_p")) {
    AITBC_ASSIGN_OR_RETURN(o.top_p, NumberIn(json["top_p"], "top_p", 0, 1, true));
  }
  if (json.contains("top_k")) {
    AITBC_ASSIGN_OR_RETURN(o.top_k, UintIn(json["top_k"], "top_k", 1, 100000));
  }
  if (json.contains("num_predict")) {
    AITBC_ASSIGN_OR_RETURN(o.num_predict, UintIn(json["num_predict"], "num_predict", 1, 32768));
  }
  if (json.contains("seed")) {
    if (!json["seed"].is_number_integer()) return Invalid("option 'seed' must be an integer");
    o.seed = json["seed"].get<int64_t>();
  }
  AITBC_ASSIGN_OR_RETURN(o.stop, StringList(json, "stop", kMaxStopSequences, 64));
  return o;
}

nlohmann::json JobSpec::ToJson() const {
  nlohmann::json out = {{"type", type}, {"model", model}, {"prompt", prompt}};
  if (!system.empty()) out["system"] = system;
  nlohmann::json opts = options.ToJson();
  if (!opts.empty()) out["options"] = std::move(opts);
  return out;
}

core::Result<JobSpec> JobSpec::FromJson(const nlohmann::json& json) {
  AITBC_TRY(RequireObject(json, "job"));
  JobSpec spec;
  if (json.contains("type")) {
    AITBC_ASSIGN_OR_RETURN(spec.type, GetString(json, "type"));
  }
  if (spec.type != "inference") {
    return Invalid("unknown job type '" + spec.type + "' (supported: inference)");
  }
  AITBC_ASSIGN_OR_RETURN(spec.prompt, GetString(json, "prompt"));
  if (spec.prompt.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Invalid("prompt is empty");
  }
  if (spec.prompt.size() > kMaxPromptBytes) {
    return Invalid("prompt of " + std::to_string(spec.prompt.size()) +
                   " bytes exceeds the limit of " + std::to_string(kMaxPromptBytes));
  }
  if (!core::IsValidUtf8(spec.prompt)) return Invalid("prompt is not valid UTF-8");
  AITBC_ASSIGN_OR_RETURN(spec.model, GetString(json, "model"));
  if (spec.model.empty() || spec.model.size() > kMaxModelNameBytes) {
    return Invalid("model name must be 1 to 128 characters");
  }
  for (char c : spec.model) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Invalid("model name must not contain spaces or control characters");
    }
  }
  AITBC_ASSIGN_OR_RETURN(spec.system, OptionalString(json, "system"));
  if (spec.system.size() > kMaxPromptBytes || !core::IsValidUtf8(spec.system)) {
    return Invalid("system prompt must be valid UTF-8 within the prompt size limit");
  }
  if (json.contains("options")) {
    AITBC_ASSIGN_OR_RETURN(spec.options, InferenceOptions::FromJson(json["options"]));
  }
  return spec;
}

nlohmann::json AssignRequest::ToJson() const {
  return {{"job_id", job_id},
          {"job_data", job_data.ToJson()},
          {"reward", AmountToJson(reward)},
          {"price", PriceToJson(price)},
          {"deadline_ms", deadline_ms}};
}

core::Result<AssignRequest> AssignRequest::FromJson(const nlohmann::json& json) {
  AITBC_TRY(RequireObject(json, "assignment"));
  AssignRequest a;
  AITBC_ASSIGN_OR_RETURN(a.job_id, GetString(json, "job_id"));
  AITBC_TRY(ValidateJobId(a.job_id));
  if (!json.contains("job_data")) return Invalid("missing field 'job_data'");
  AITBC_ASSIGN_OR_RETURN(a.job_data, JobSpec::FromJson(json["job_data"]));
  if (!json.contains("reward")) return Invalid("missing field 'reward'");
  AITBC_ASSIGN_OR_RETURN(a.reward, AmountFromJson(json["reward"], "reward"));
  if (!json.contains("price")) return Invalid("missing field 'price'");
  AITBC_ASSIGN_OR_RETURN(a.price, PriceFromJson(json["price"]));
  AITBC_ASSIGN_OR_RETURN(a.deadline_ms, GetTimeMs(json, "deadline_ms"));
  return a;
}

nlohmann::json StatusReport::ToJson() const {
  return {{"status", status},
          {"started_at", core::FormatRfc3339(started_at_ms)},
          {"started_at_ms", started_at_ms}};
}

core::Result<StatusReport> StatusReport::FromJson(const nlohmann::json& json) {
  AITBC_TRY(RequireObject(json, "status report"));
  StatusReport s;
  AITBC_ASSIGN_OR_RETURN(s.status, GetString(json, "status"));
  if (s.status != "running") {
    return Invalid("status must be \"running\" (use /complete or /fail to finish a job)");
  }
  if (json.contains("started_at_ms")) {
    AITBC_ASSIGN_OR_RETURN(s.started_at_ms, GetTimeMs(json, "started_at_ms"));
  }
  return s;
}

nlohmann::json CompleteRequest::ToJson() const {
  nlohmann::json out = {{"job_id", job_id},
                        {"result", result},
                        {"metrics", MetricsToJson(metrics)},
                        {"proof",
                         {{"hash", proof.hash.ToHex()},
                          {"signature", proof.signature.ToHex()},
                          {"public_key", proof.public_key.ToHex()}}}};
  if (!gpu_name.empty()) out["metrics"]["gpu_name"] = gpu_name;
  return out;
}

core::Result<CompleteRequest> CompleteRequest::FromJson(const nlohmann::json& json) {
  AITBC_TRY(RequireObject(json, "completion"));
  CompleteRequest c;
  AITBC_ASSIGN_OR_RETURN(c.job_id, GetString(json, "job_id"));
  AITBC_ASSIGN_OR_RETURN(c.result, GetString(json, "result"));
  if (c.result.size() > kMaxResultBytes) return Invalid("result exceeds 1 MiB");
  if (!core::IsValidUtf8(c.result)) return Invalid("result is not valid UTF-8");
  if (!json.contains("metrics")) return Invalid("missing field 'metrics'");
  AITBC_ASSIGN_OR_RETURN(c.metrics, MetricsFromJson(json["metrics"]));
  AITBC_ASSIGN_OR_RETURN(c.gpu_name, OptionalString(json["metrics"], "gpu_name"));
  if (!json.contains("proof") || !json["proof"].is_object()) {
    return Invalid("missing object 'proof'");
  }
  const auto& proof = json["proof"];
  AITBC_ASSIGN_OR_RETURN(std::string hash, GetString(proof, "hash"));
  AITBC_ASSIGN_OR_RETURN(c.proof.hash, core::Hash256::FromHex(hash));
  AITBC_ASSIGN_OR_RETURN(std::string sig, GetString(proof, "signature"));
  AITBC_ASSIGN_OR_RETURN(c.proof.signature, core::Signature::FromHex(sig));
  AITBC_ASSIGN_OR_RETURN(std::string key, GetString(proof, "public_key"));
  AITBC_ASSIGN_OR_RETURN(c.proof.public_key, core::PublicKey::FromHex(key));
  return c;
}

nlohmann::json FailReport::ToJson() const { return {{"code", code}, {"reason", reason}}; }

core::Result<FailReport> FailReport::FromJson(const nlohmann::json& json) {
  AITBC_TRY(RequireObject(json, "failure report"));
  FailReport f;
  AITBC_ASSIGN_OR_RETURN(f.reason, GetString(json, "reason"));
  AITBC_ASSIGN_OR_RETURN(f.code, OptionalString(json, "code"));
  if (f.code.empty()) f.code = "backend_error";
  static const std::set<std::string> kCodes = {
      "model_not_found", "backend_unavailable", "backend_error", "timeout",
      "invalid_output",  "cancelled",           "internal"};
  if (!kCodes.count(f.code)) return Invalid("unknown failure code '" + f.code + "'");
  if (f.reason.size() > 4096) f.reason.resize(4096);
  return f;
}

nlohmann::json MinerRegistration::ToJson() const {
  nlohmann::json out = {{"url", url},
                        {"public_key", public_key.ToHex()},
                        {"address", core::Address::FromPublicKey(public_key).ToString()},
                        {"models", models},
                        {"slots", slots},
                        {"price", PriceToJson(price)},
                        {"backend", backend},
                        {"version", version}};
  if (!gpu_name.empty()) out["gpu"] = {{"name", gpu_name}, {"memory_mb", gpu_memory_mb}};
  return out;
}

core::Result<MinerRegistration> MinerRegistration::FromJson(const nlohmann::json& json) {
  AITBC_TRY(RequireObject(json, "registration"));
  MinerRegistration m;
  AITBC_ASSIGN_OR_RETURN(m.url, GetString(json, "url"));
  AITBC_ASSIGN_OR_RETURN(std::string key, GetString(json, "public_key"));
  AITBC_ASSIGN_OR_RETURN(m.public_key, core::PublicKey::FromHex(key));
  AITBC_ASSIGN_OR_RETURN(m.models, StringList(json, "models", 256, kMaxModelNameBytes));
  AITBC_ASSIGN_OR_RETURN(uint64_t slots, GetU64(json, "slots"));
  if (slots == 0 || slots > 1024) return Invalid("'slots' must be 1 to 1024");
  m.slots = static_cast<uint32_t>(slots);
  if (!json.contains("price")) return Invalid("missing field 'price'");
  AITBC_ASSIGN_OR_RETURN(m.price, PriceFromJson(json["price"]));
  AITBC_ASSIGN_OR_RETURN(m.backend, GetString(json, "backend"));
  if (m.backend != "ollama" && m.backend != "openai" && m.backend != "sim") {
    return Invalid("'backend' must be ollama, openai or sim");
  }
  AITBC_ASSIGN_OR_RETURN(m.version, OptionalString(json, "version"));
  if (json.contains("gpu") && json["gpu"].is_object()) {
    AITBC_ASSIGN_OR_RETURN(m.gpu_name, OptionalString(json["gpu"], "name"));
    if (json["gpu"].contains("memory_mb")) {
      AITBC_ASSIGN_OR_RETURN(m.gpu_memory_mb, GetU64(json["gpu"], "memory_mb"));
    }
  }
  return m;
}

nlohmann::json MinerHeartbeat::ToJson() const {
  return {{"free_slots", free_slots},
          {"running_jobs", running_jobs},
          {"backend_healthy", backend_healthy},
          {"models", models}};
}

core::Result<MinerHeartbeat> MinerHeartbeat::FromJson(const nlohmann::json& json) {
  AITBC_TRY(RequireObject(json, "heartbeat"));
  MinerHeartbeat h;
  AITBC_ASSIGN_OR_RETURN(uint64_t free_slots, GetU64(json, "free_slots"));
  if (free_slots > 1024) return Invalid("'free_slots' must be at most 1024");
  h.free_slots = static_cast<uint32_t>(free_slots);
  AITBC_ASSIGN_OR_RETURN(h.running_jobs, StringList(json, "running_jobs", 1024, 64));
  if (json.contains("backend_healthy")) {
    if (!json["backend_healthy"].is_boolean())
      return Invalid("'backend_healthy' must be a boolean");
    h.backend_healthy = json["backend_healthy"].get<bool>();
  }
  AITBC_ASSIGN_OR_RETURN(h.models, StringList(json, "models", 256, kMaxModelNameBytes));
  return h;
}

}  // namespace aitbc::protocol
