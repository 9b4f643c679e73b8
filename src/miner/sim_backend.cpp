#include "miner/sim_backend.h"

#include <array>
#include <atomic>
#include <mutex>
#include <sstream>

#include "core/encoding.h"
#include "core/hash.h"

namespace aitbc::miner {
namespace {

constexpr std::array<std::string_view, 64> kWords = {
    "the",       "model",    "answer",   "is",      "a",         "of",     "data",     "learning",
    "network",   "token",    "compute",  "miner",   "block",     "chain",  "signal",   "vector",
    "layer",     "weight",   "gradient", "input",   "output",    "result", "system",   "language",
    "inference", "random",   "simple",   "complex", "pattern",   "value",  "function", "memory",
    "process",   "energy",   "light",    "time",    "space",     "field",  "theory",   "method",
    "example",   "question", "reason",   "because", "therefore", "and",    "or",       "with",
    "without",   "through",  "between",  "large",   "small",     "fast",   "slow",     "new",
    "old",       "first",    "last",     "many",    "few",       "every",  "some",     "this"};

// 8 bytes of a hash as a big-endian integer.
uint64_t TopU64(const core::Hash256& hash) {
  uint64_t out = 0;
  for (int i = 0; i < 8; ++i) out = (out << 8) | hash.bytes[i];
  return out;
}

uint64_t CountWords(std::string_view text) {
  uint64_t count = 0;
  bool in_word = false;
  for (char c : text) {
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (!space && !in_word) ++count;
    in_word = !space;
  }
  return count;
}

class SimCall final : public InferenceCall {
 public:
  explicit SimCall(net::EventLoop& loop) : loop_(loop) {}
  void Cancel() override {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    if (timer_) loop_.Cancel(*timer_);
  }
  void SetTimer(net::EventLoop::TimerId id) {
    std::lock_guard lock(mu_);
    if (cancelled_) {
      loop_.Cancel(id);
      return;
    }
    timer_ = id;
  }
  bool cancelled() {
    std::lock_guard lock(mu_);
    return cancelled_;
  }

 private:
  net::EventLoop& loop_;
  std::mutex mu_;
  bool cancelled_ = false;
  std::optional<net::EventLoop::TimerId> timer_;
};

}  // namespace

SimBackend::SimBackend(net::EventLoop& loop, SimOptions options)
    : loop_(loop), options_(std::move(options)) {}

void SimBackend::ListModels(ModelsDone done) {
  loop_.Post([models = options_.models, done = std::move(done)] { done(models); });
}

InferenceOutput SimBackend::Generate(const protocol::JobSpec& spec, uint32_t default_tokens) {
  core::Writer seed_input;
  seed_input.String(spec.prompt);
  seed_input.String(spec.system);
  seed_input.U64(static_cast<uint64_t>(spec.options.seed.value_or(0)));
  core::Hash256 seed = core::Sha256(core::ByteView(seed_input.bytes()));

  uint32_t wanted = spec.options.num_predict.value_or(default_tokens);
  std::string text;
  uint64_t words = 0;
  for (uint32_t i = 0; i < wanted; ++i) {
    core::Writer w;
    w.Fixed(seed.view());
    w.U32(i);
    core::Hash256 pick = core::Sha256(core::ByteView(w.bytes()));
    std::string_view word = kWords[pick.bytes[0] % kWords.size()];
    std::string candidate = text.empty() ? std::string(word) : text + " " + std::string(word);
    bool stopped = false;
    for (const auto& stop : spec.options.stop) {
      if (size_t at = candidate.find(stop); at != std::string::npos) {
        candidate.resize(at);
        stopped = true;
      }
    }
    text = std::move(candidate);
    if (stopped) break;
    ++words;
  }
  InferenceOutput output;
  output.text = std::string(kSimulatedPrefix) + text;
  output.completion_tokens = words;
  output.prompt_tokens = CountWords(spec.prompt) + CountWords(spec.system);
  return output;
}

bool SimBackend::FailsAt(std::string_view job_id, double failure_rate) {
  if (failure_rate <= 0.0) return false;
  if (failure_rate >= 1.0) return true;
  core::Writer w;
  w.Fixed(core::AsBytes(std::string_view("aitbc/sim-fail\0", 15)));
  w.Fixed(core::AsBytes(job_id));
  uint64_t draw = TopU64(core::Sha256(core::ByteView(w.bytes())));
  // draw / 2^64 < rate
  return static_cast<long double>(draw) <
         static_cast<long double>(failure_rate) * 18446744073709551616.0L;
}

std::shared_ptr<InferenceCall> SimBackend::Run(InferenceRequest request, InferenceDone done) {
  auto call = std::make_shared<SimCall>(loop_);
  InferenceOutcome outcome;
  if (!HasModel(options_.models, request.spec.model)) {
    outcome = InferenceOutcome::Fail(
        kFailModelNotFound, "the simulated backend has no model '" + request.spec.model + "'");
  } else if (FailsAt(request.job_id, options_.failure_rate)) {
    outcome = InferenceOutcome::Fail(kFailBackendError, "simulated failure (--sim-failure-rate)");
  } else {
    outcome = InferenceOutcome::Ok(Generate(request.spec, options_.default_tokens));
  }
  int64_t delay = options_.latency_ms;
  if (outcome.ok()) {
    delay += options_.ms_per_token * static_cast<int64_t>(outcome.output.completion_tokens);
  }
  auto id =
      loop_.RunAfter(delay, [call, outcome = std::move(outcome), done = std::move(done)]() mutable {
        if (!call->cancelled()) done(std::move(outcome));
      });
  call->SetTimer(id);
  return call;
}

}  // namespace aitbc::miner
