// The simulated backend: deterministic text, the "[simulated]" marker, token counts, stop
// sequences, the deterministic failure rate, its model list, latency on timers, cancellation.
#include "miner/sim_backend.h"

#include <algorithm>
#include <sstream>

#include <gtest/gtest.h>

#include "test_util.h"

namespace aitbc::miner {
namespace {

using testing::Job;
using testing::RunSync;

protocol::JobSpec Spec(std::string prompt, std::optional<int64_t> seed = std::nullopt) {
  protocol::JobSpec spec;
  spec.model = "llama3.2:latest";
  spec.prompt = std::move(prompt);
  spec.options.seed = seed;
  return spec;
}

TEST(SimBackendTest, TheSamePromptAndSeedGiveTheSameText) {
  InferenceOutput a = SimBackend::Generate(Spec("What is machine learning?", 42), 32);
  InferenceOutput b = SimBackend::Generate(Spec("What is machine learning?", 42), 32);
  EXPECT_EQ(a.text, b.text);
  EXPECT_NE(a.text, SimBackend::Generate(Spec("What is machine learning?", 43), 32).text);
  EXPECT_NE(a.text, SimBackend::Generate(Spec("What is deep learning?", 42), 32).text);
  // Without a seed the seed is 0.
  EXPECT_EQ(SimBackend::Generate(Spec("x"), 32).text, SimBackend::Generate(Spec("x", 0), 32).text);
}

TEST(SimBackendTest, TheTextSaysItIsSimulatedAndTokensAreCounted) {
  InferenceOutput out = SimBackend::Generate(Spec("What is machine learning?"), 32);
  EXPECT_EQ(out.text.rfind("[simulated] ", 0), 0u) << out.text;
  EXPECT_EQ(out.completion_tokens, 32u);
  EXPECT_EQ(out.prompt_tokens, 4u);
  // 32 words after the marker.
  std::string words = out.text.substr(std::string("[simulated] ").size());
  EXPECT_EQ(std::count(words.begin(), words.end(), ' '), 31);

  protocol::JobSpec spec = Spec("short");
  spec.options.num_predict = 5;
  EXPECT_EQ(SimBackend::Generate(spec, 32).completion_tokens, 5u);
}

TEST(SimBackendTest, AStopSequenceCutsTheText) {
  protocol::JobSpec spec = Spec("What is machine learning?", 1);
  std::string full = SimBackend::Generate(spec, 32).text.substr(12);
  std::string third_word;
  {
    std::istringstream in(full);
    for (int i = 0; i < 3; ++i) in >> third_word;
  }
  spec.options.stop = {" " + third_word};
  InferenceOutput cut = SimBackend::Generate(spec, 32);
  EXPECT_EQ(cut.text.find(" " + third_word), std::string::npos) << cut.text;
  EXPECT_LT(cut.completion_tokens, 32u);
  EXPECT_EQ(full.rfind(cut.text.substr(12), 0), 0u);  // a prefix of the full text
}

TEST(SimBackendTest, TheFailureRateIsDeterministicPerJobId) {
  EXPECT_FALSE(SimBackend::FailsAt("job_1", 0.0));
  EXPECT_TRUE(SimBackend::FailsAt("job_1", 1.0));
  int failed = 0;
  for (int i = 0; i < 1000; ++i) {
    std::string id = "job_" + std::to_string(i);
    bool fails = SimBackend::FailsAt(id, 0.3);
    EXPECT_EQ(fails, SimBackend::FailsAt(id, 0.3));
    if (fails) {
      EXPECT_TRUE(SimBackend::FailsAt(id, 0.5)) << "a higher rate keeps every failure";
      ++failed;
    }
  }
  EXPECT_GT(failed, 230);
  EXPECT_LT(failed, 370);
}

class SimBackendRunTest : public testing::LoopFixture {};

TEST_F(SimBackendRunTest, RunsOnTimersAndReportsFailuresAndMissingModels) {
  SimOptions options;
  options.latency_ms = 20;
  options.ms_per_token = 1;
  options.models = {"llama3.2:latest", "tiny"};
  SimBackend backend(loop_, options);
  EXPECT_TRUE(backend.simulated());
  EXPECT_EQ(backend.name(), "sim");

  auto models = testing::ListSync(backend);
  ASSERT_TRUE(models.ok());
  EXPECT_EQ(*models, (std::vector<std::string>{"llama3.2:latest", "tiny"}));

  InferenceRequest request = Job("tiny", "hello there");
  InferenceOutcome outcome = RunSync(backend, request);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.output.text, SimBackend::Generate(request.spec, 32).text);

  outcome = RunSync(backend, Job("mistral"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "model_not_found");

  options.failure_rate = 1.0;
  SimBackend failing(loop_, options);
  outcome = RunSync(failing, Job("tiny"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "backend_error");
  EXPECT_NE(outcome.failure->reason.find("simulated"), std::string::npos);
}

TEST_F(SimBackendRunTest, ACancelledJobNeverReports) {
  SimOptions options;
  options.latency_ms = 50;
  SimBackend backend(loop_, options);
  auto reported = std::make_shared<std::atomic<bool>>(false);
  auto call =
      backend.Run(Job("llama3.2:latest"), [reported](InferenceOutcome) { reported->store(true); });
  call->Cancel();
  // A later job with the same latency finishes after the cancelled one would have.
  ASSERT_TRUE(RunSync(backend, Job("llama3.2:latest")).ok());
  EXPECT_FALSE(reported->load());
}

}  // namespace
}  // namespace aitbc::miner
