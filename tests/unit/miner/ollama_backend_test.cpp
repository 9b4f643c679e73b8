// The Ollama backend against an Ollama-protocol test server: every path and every error path.
#include "miner/ollama_backend.h"

#include <gtest/gtest.h>

#include "fake_ollama_server.h"
#include "test_util.h"

namespace aitbc::miner {
namespace {

using testing::FakeOllamaServer;
using testing::Job;
using testing::ListSync;
using testing::OllamaMode;
using testing::RunSync;

class OllamaBackendTest : public testing::LoopFixture {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }

  OllamaBackend Backend(OllamaApi api = OllamaApi::kAuto, int64_t idle_timeout_ms = 10'000) {
    OllamaOptions options;
    options.url = net::Url::Parse(server_.url()).value();
    options.api = api;
    options.idle_timeout_ms = idle_timeout_ms;
    return OllamaBackend(*client_, options);
  }

  InferenceOutcome Failing(OllamaMode mode, int64_t idle_timeout_ms = 10'000) {
    server_.set_mode(mode);
    OllamaBackend backend = Backend(OllamaApi::kAuto, idle_timeout_ms);
    return RunSync(backend, Job("llama3.2:latest"));
  }

  FakeOllamaServer server_;
};

TEST_F(OllamaBackendTest, GenerateStreamsTheTextAndTakesCountsFromTheFinalMessage) {
  OllamaBackend backend = Backend();
  InferenceOutcome outcome = RunSync(backend, Job("llama3.2:latest", "What is machine learning?"));
  ASSERT_TRUE(outcome.ok()) << outcome.failure->code << ": " << outcome.failure->reason;
  EXPECT_EQ(outcome.output.text, server_.FullText());
  EXPECT_EQ(outcome.output.prompt_tokens, 4u);  // the test server counts the prompt's words
  EXPECT_EQ(outcome.output.completion_tokens, 8u);
  EXPECT_FALSE(outcome.output.tokens_estimated);
  EXPECT_EQ(outcome.output.total_duration_ns, FakeOllamaServer::kTotalDurationNs);
  EXPECT_EQ(outcome.output.load_duration_ns, FakeOllamaServer::kLoadDurationNs);
  EXPECT_EQ(outcome.output.eval_duration_ns, FakeOllamaServer::kEvalDurationNs);

  auto requests = server_.requests("POST", "/api/generate");
  ASSERT_EQ(requests.size(), 1u);
  const nlohmann::json& body = requests[0].json;
  EXPECT_EQ(body["model"], "llama3.2:latest");
  EXPECT_EQ(body["prompt"], "What is machine learning?");
  EXPECT_EQ(body["stream"], true);
  EXPECT_FALSE(body.contains("options"));  // none were given
  EXPECT_FALSE(body.contains("system"));
}

TEST_F(OllamaBackendTest, ChatIsUsedForAJobWithASystemPrompt) {
  OllamaBackend backend = Backend();
  InferenceRequest request = Job("llama3.2:latest", "Explain GPUs");
  request.spec.system = "You are terse";
  InferenceOutcome outcome = RunSync(backend, request);
  ASSERT_TRUE(outcome.ok()) << outcome.failure->reason;
  EXPECT_EQ(outcome.output.text, server_.FullText());
  EXPECT_EQ(outcome.output.prompt_tokens, 5u);  // "You are terse" + "Explain GPUs"
  EXPECT_EQ(server_.count("POST", "/api/generate"), 0u);
  auto requests = server_.requests("POST", "/api/chat");
  ASSERT_EQ(requests.size(), 1u);
  nlohmann::json expected =
      nlohmann::json::array({{{"role", "system"}, {"content", "You are terse"}},
                             {{"role", "user"}, {"content", "Explain GPUs"}}});
  EXPECT_EQ(requests[0].json["messages"], expected);
  EXPECT_EQ(requests[0].json["stream"], true);
}

TEST_F(OllamaBackendTest, ChatCanBeForcedAndGenerateCanCarryTheSystemPrompt) {
  OllamaBackend chat = Backend(OllamaApi::kChat);
  ASSERT_TRUE(RunSync(chat, Job("llama3.2:latest")).ok());
  auto chats = server_.requests("POST", "/api/chat");
  ASSERT_EQ(chats.size(), 1u);
  EXPECT_EQ(chats[0].json["messages"].size(), 1u);
  EXPECT_EQ(chats[0].json["messages"][0]["role"], "user");

  OllamaBackend generate = Backend(OllamaApi::kGenerate);
  InferenceRequest request = Job("llama3.2:latest");
  request.spec.system = "Be brief";
  ASSERT_TRUE(RunSync(generate, request).ok());
  auto generates = server_.requests("POST", "/api/generate");
  ASSERT_EQ(generates.size(), 1u);
  EXPECT_EQ(generates[0].json["system"], "Be brief");
}

TEST_F(OllamaBackendTest, OptionsArePassedThroughUnchanged) {
  OllamaBackend backend = Backend();
  InferenceRequest request = Job("llama3.2:latest");
  request.spec.options.temperature = 0.7;
  request.spec.options.top_p = 0.9;
  request.spec.options.top_k = 40;
  request.spec.options.num_predict = 3;
  request.spec.options.seed = 123;
  request.spec.options.stop = {"\n", "user:"};
  InferenceOutcome outcome = RunSync(backend, request);
  ASSERT_TRUE(outcome.ok()) << outcome.failure->reason;
  // The test server honours num_predict like Ollama.
  EXPECT_EQ(outcome.output.text, server_.FullText(3));
  EXPECT_EQ(outcome.output.completion_tokens, 3u);
  auto requests = server_.requests("POST", "/api/generate");
  ASSERT_EQ(requests.size(), 1u);
  nlohmann::json expected = {{"temperature", 0.7}, {"top_p", 0.9}, {"top_k", 40},
                             {"num_predict", 3},   {"seed", 123},  {"stop", {"\n", "user:"}}};
  EXPECT_EQ(requests[0].json["options"], expected);
}

TEST_F(OllamaBackendTest, ANonStreamedReplyIsReadToo) {
  server_.set_mode(OllamaMode::kNonStreamed);
  OllamaBackend backend = Backend();
  InferenceOutcome outcome = RunSync(backend, Job("llama3.2:latest"));
  ASSERT_TRUE(outcome.ok()) << outcome.failure->reason;
  EXPECT_EQ(outcome.output.text, server_.FullText());
  EXPECT_EQ(outcome.output.completion_tokens, 8u);

  InferenceRequest chat = Job("llama3.2:latest");
  chat.spec.system = "x";
  outcome = RunSync(backend, chat);
  ASSERT_TRUE(outcome.ok()) << outcome.failure->reason;
  EXPECT_EQ(outcome.output.text, server_.FullText());
}

TEST_F(OllamaBackendTest, ModelsComeFromTags) {
  OllamaBackend backend = Backend();
  auto models = ListSync(backend);
  ASSERT_TRUE(models.ok()) << models.error().ToString();
  EXPECT_EQ(*models, (std::vector<std::string>{"llama3.2:latest", "qwen2.5:0.5b"}));
  server_.set_models({"llama3.2:latest", "mistral:7b"});
  models = ListSync(backend);
  ASSERT_TRUE(models.ok());
  EXPECT_EQ(*models, (std::vector<std::string>{"llama3.2:latest", "mistral:7b"}));
}

TEST_F(OllamaBackendTest, ListingModelsFailsWhenTheServerFails) {
  server_.set_mode(OllamaMode::kTagsFail);
  OllamaBackend backend = Backend();
  auto models = ListSync(backend);
  ASSERT_FALSE(models.ok());
  EXPECT_NE(models.error().message().find("cannot read the model directory"), std::string::npos)
      << models.error().message();
}

TEST_F(OllamaBackendTest, AModelNameWithoutATagMeansLatest) {
  OllamaBackend backend = Backend();
  std::vector<std::string> models = {"llama3.2:latest", "registry.local:5000/team/phi"};
  EXPECT_TRUE(backend.HasModel(models, "llama3.2"));
  EXPECT_TRUE(backend.HasModel(models, "llama3.2:latest"));
  EXPECT_FALSE(backend.HasModel(models, "llama3.2:1b"));
  EXPECT_FALSE(backend.HasModel(models, "llama3"));
  EXPECT_TRUE(backend.HasModel(models, "registry.local:5000/team/phi:latest"));
  EXPECT_EQ(OllamaCanonicalModel("registry.local:5000/team/phi"),
            "registry.local:5000/team/phi:latest");
}

TEST_F(OllamaBackendTest, AMissingModelFailsWithModelNotFoundAndNoOtherModelIsTried) {
  OllamaBackend backend = Backend();
  InferenceOutcome outcome = RunSync(backend, Job("mistral:7b"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "model_not_found");
  EXPECT_NE(outcome.failure->reason.find("mistral:7b"), std::string::npos);
  EXPECT_NE(outcome.failure->reason.find("try pulling it first"), std::string::npos);
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].json["model"], "mistral:7b");
}

TEST_F(OllamaBackendTest, A404ForAListedModelIsModelNotFound) {
  InferenceOutcome outcome = Failing(OllamaMode::kModelMissing);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "model_not_found");
}

TEST_F(OllamaBackendTest, ConnectionRefusedIsBackendUnavailable) {
  OllamaOptions options;
  options.url =
      net::Url::Parse("http://127.0.0.1:" + std::to_string(testing::UnusedPort())).value();
  OllamaBackend backend(*client_, options);
  InferenceOutcome outcome = RunSync(backend, Job("llama3.2:latest"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "backend_unavailable") << outcome.failure->reason;
  EXPECT_FALSE(ListSync(backend).ok());
}

TEST_F(OllamaBackendTest, Http500IsBackendErrorWithOllamasMessage) {
  InferenceOutcome outcome = Failing(OllamaMode::kFail);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "backend_error");
  EXPECT_NE(outcome.failure->reason.find("500"), std::string::npos);
  EXPECT_NE(outcome.failure->reason.find("llama runner process has terminated"), std::string::npos)
      << outcome.failure->reason;
}

TEST_F(OllamaBackendTest, AnErrorLineInTheStreamIsBackendError) {
  InferenceOutcome outcome = Failing(OllamaMode::kErrorLine);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "backend_error");
  EXPECT_NE(outcome.failure->reason.find("unexpected EOF"), std::string::npos)
      << outcome.failure->reason;
}

TEST_F(OllamaBackendTest, GarbageIsInvalidOutput) {
  InferenceOutcome outcome = Failing(OllamaMode::kGarbage);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "invalid_output");
  EXPECT_NE(outcome.failure->reason.find("not a JSON object"), std::string::npos);
}

TEST_F(OllamaBackendTest, AStreamWithoutTheFinalMessageIsInvalidOutput) {
  InferenceOutcome outcome = Failing(OllamaMode::kTruncated);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "invalid_output");
  EXPECT_NE(outcome.failure->reason.find("done"), std::string::npos);
}

TEST_F(OllamaBackendTest, AServerThatNeverAnswersTimesOut) {
  InferenceOutcome outcome = Failing(OllamaMode::kStall, /*idle_timeout_ms=*/300);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "timeout") << outcome.failure->reason;
}

TEST_F(OllamaBackendTest, AStreamThatStopsMidWayTimesOut) {
  InferenceOutcome outcome = Failing(OllamaMode::kStallMidStream, /*idle_timeout_ms=*/300);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "timeout") << outcome.failure->reason;
}

TEST_F(OllamaBackendTest, ACancelledCallNeverReports) {
  OllamaBackend backend = Backend();
  auto reported = std::make_shared<std::atomic<bool>>(false);
  auto call =
      backend.Run(Job("llama3.2:latest"), [reported](InferenceOutcome) { reported->store(true); });
  call->Cancel();
  // The server answers the whole stream; the cancelled call still says nothing.
  ASSERT_TRUE(server_.WaitFor("POST", "/api/generate", 1));
  OllamaBackend other = Backend();
  ASSERT_TRUE(RunSync(other, Job("llama3.2:latest", "second")).ok());
  EXPECT_FALSE(reported->load());
}

}  // namespace
}  // namespace aitbc::miner
