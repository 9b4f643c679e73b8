// The OpenAI-compatible backend against an OpenAI-protocol test server: every path and every
// error path.
#include "miner/openai_backend.h"

#include <gtest/gtest.h>

#include "fake_openai_server.h"
#include "test_util.h"

namespace aitbc::miner {
namespace {

using testing::FakeOpenAiOptions;
using testing::FakeOpenAiServer;
using testing::Job;
using testing::ListSync;
using testing::OpenAiMode;
using testing::RunSync;

constexpr const char* kModel = "qwen2.5-0.5b-instruct";

class OpenAiBackendTest : public testing::LoopFixture {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }

  OpenAiBackend Backend(OpenAiApi api = OpenAiApi::kChat, int64_t idle_timeout_ms = 10'000,
                        std::string api_key = "") {
    OpenAiOptions options;
    options.url = net::Url::Parse(server_.url()).value();
    options.api = api;
    options.idle_timeout_ms = idle_timeout_ms;
    options.api_key = std::move(api_key);
    return OpenAiBackend(*client_, options);
  }

  InferenceOutcome Failing(OpenAiMode mode, int64_t idle_timeout_ms = 10'000) {
    server_.set_mode(mode);
    OpenAiBackend backend = Backend(OpenAiApi::kChat, idle_timeout_ms);
    return RunSync(backend, Job(kModel));
  }

  FakeOpenAiServer server_;
};

TEST_F(OpenAiBackendTest, ChatStreamsTheTextWithUsageFromTheFinalChunk) {
  OpenAiBackend backend = Backend();
  InferenceRequest request = Job(kModel, "Say hello to the world");
  request.spec.system = "You are kind";
  InferenceOutcome outcome = RunSync(backend, request);
  ASSERT_TRUE(outcome.ok()) << outcome.failure->code << ": " << outcome.failure->reason;
  EXPECT_EQ(outcome.output.text, "Hello, world!");
  EXPECT_EQ(outcome.output.prompt_tokens, 8u);  // words of both messages
  EXPECT_EQ(outcome.output.completion_tokens, 4u);
  EXPECT_FALSE(outcome.output.tokens_estimated);

  auto requests = server_.requests("POST", "/v1/chat/completions");
  ASSERT_EQ(requests.size(), 1u);
  const nlohmann::json& body = requests[0].json;
  EXPECT_EQ(body["model"], kModel);
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
  nlohmann::json messages =
      nlohmann::json::array({{{"role", "system"}, {"content", "You are kind"}},
                             {{"role", "user"}, {"content", "Say hello to the world"}}});
  EXPECT_EQ(body["messages"], messages);
  EXPECT_FALSE(requests[0].Header("Authorization").has_value());
}

TEST_F(OpenAiBackendTest, WithoutUsageTheMinerCountsChunksAndSaysSo) {
  server_.set_mode(OpenAiMode::kNoUsage);
  OpenAiBackend backend = Backend();
  InferenceOutcome outcome = RunSync(backend, Job(kModel));
  ASSERT_TRUE(outcome.ok()) << outcome.failure->reason;
  EXPECT_EQ(outcome.output.text, "Hello, world!");
  EXPECT_EQ(outcome.output.completion_tokens, 4u);
  EXPECT_EQ(outcome.output.prompt_tokens, 0u);
  EXPECT_TRUE(outcome.output.tokens_estimated);
}

TEST_F(OpenAiBackendTest, CompletionsApiSendsThePromptAndReadsText) {
  OpenAiBackend backend = Backend(OpenAiApi::kCompletions);
  InferenceRequest request = Job(kModel, "Once upon a time");
  request.spec.system = "Tell a story";
  InferenceOutcome outcome = RunSync(backend, request);
  ASSERT_TRUE(outcome.ok()) << outcome.failure->reason;
  EXPECT_EQ(outcome.output.text, "Hello, world!");
  EXPECT_EQ(outcome.output.completion_tokens, 4u);
  auto requests = server_.requests("POST", "/v1/completions");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].json["prompt"], "Tell a story\n\nOnce upon a time");
  EXPECT_FALSE(requests[0].json.contains("messages"));
}

TEST_F(OpenAiBackendTest, OptionsMapToOpenAiParameters) {
  OpenAiBackend backend = Backend();
  InferenceRequest request = Job(kModel);
  request.spec.options.temperature = 0.2;
  request.spec.options.top_p = 0.5;
  request.spec.options.top_k = 20;
  request.spec.options.num_predict = 2;
  request.spec.options.seed = 7;
  request.spec.options.stop = {"###"};
  InferenceOutcome outcome = RunSync(backend, request);
  ASSERT_TRUE(outcome.ok()) << outcome.failure->reason;
  EXPECT_EQ(outcome.output.text, "Hello,");  // the server honours max_tokens
  EXPECT_EQ(outcome.output.completion_tokens, 2u);
  auto requests = server_.requests("POST", "/v1/chat/completions");
  ASSERT_EQ(requests.size(), 1u);
  const nlohmann::json& body = requests[0].json;
  EXPECT_EQ(body["max_tokens"], 2);
  EXPECT_EQ(body["temperature"], 0.2);
  EXPECT_EQ(body["top_p"], 0.5);
  EXPECT_EQ(body["top_k"], 20);
  EXPECT_EQ(body["seed"], 7);
  EXPECT_EQ(body["stop"], nlohmann::json::array({"###"}));
}

TEST_F(OpenAiBackendTest, ANonStreamedReplyIsReadToo) {
  server_.set_mode(OpenAiMode::kNonStreamed);
  for (OpenAiApi api : {OpenAiApi::kChat, OpenAiApi::kCompletions}) {
    OpenAiBackend backend = Backend(api);
    InferenceOutcome outcome = RunSync(backend, Job(kModel));
    ASSERT_TRUE(outcome.ok()) << outcome.failure->reason;
    EXPECT_EQ(outcome.output.text, "Hello, world!");
    EXPECT_EQ(outcome.output.completion_tokens, 4u);
    EXPECT_FALSE(outcome.output.tokens_estimated);
  }
}

TEST_F(OpenAiBackendTest, ModelsComeFromV1Models) {
  OpenAiBackend backend = Backend();
  auto models = ListSync(backend);
  ASSERT_TRUE(models.ok()) << models.error().ToString();
  EXPECT_EQ(*models, std::vector<std::string>{kModel});
  server_.set_mode(OpenAiMode::kModelsFail);
  EXPECT_FALSE(ListSync(backend).ok());
}

TEST(OpenAiBackendKeyTest, TheApiKeyIsSentAsABearerToken) {
  net::EventLoop loop(1);
  loop.RunInBackground();
  net::HttpClient client(loop);
  FakeOpenAiOptions server_options;
  server_options.api_key = "sk-local-123";
  FakeOpenAiServer server(server_options);
  ASSERT_TRUE(server.Start().ok());
  OpenAiOptions options;
  options.url = net::Url::Parse(server.url()).value();
  options.api_key = "sk-local-123";
  OpenAiBackend with_key(client, options);
  ASSERT_TRUE(ListSync(with_key).ok());
  InferenceOutcome outcome = RunSync(with_key, Job(kModel));
  ASSERT_TRUE(outcome.ok()) << outcome.failure->reason;
  auto requests = server.requests("POST", "/v1/chat/completions");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("Authorization"), "Bearer sk-local-123");

  options.api_key = "wrong";
  OpenAiBackend wrong_key(client, options);
  outcome = RunSync(wrong_key, Job(kModel));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "backend_error");
  EXPECT_NE(outcome.failure->reason.find("401"), std::string::npos);
  EXPECT_NE(outcome.failure->reason.find("Incorrect API key"), std::string::npos);
  EXPECT_FALSE(ListSync(wrong_key).ok());
  loop.Stop();
}

TEST_F(OpenAiBackendTest, AMissingModelFailsWithModelNotFoundAndNoOtherModelIsTried) {
  OpenAiBackend backend = Backend();
  InferenceOutcome outcome = RunSync(backend, Job("llama-3-70b"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "model_not_found");
  EXPECT_NE(outcome.failure->reason.find("llama-3-70b"), std::string::npos);
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].json["model"], "llama-3-70b");
}

TEST_F(OpenAiBackendTest, ConnectionRefusedIsBackendUnavailable) {
  OpenAiOptions options;
  options.url =
      net::Url::Parse("http://127.0.0.1:" + std::to_string(testing::UnusedPort())).value();
  OpenAiBackend backend(*client_, options);
  InferenceOutcome outcome = RunSync(backend, Job(kModel));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "backend_unavailable") << outcome.failure->reason;
}

TEST_F(OpenAiBackendTest, Http500IsBackendErrorWithTheServersMessage) {
  InferenceOutcome outcome = Failing(OpenAiMode::kFail);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "backend_error");
  EXPECT_NE(outcome.failure->reason.find("CUDA error: out of memory"), std::string::npos)
      << outcome.failure->reason;
}

TEST_F(OpenAiBackendTest, AnErrorEventIsBackendError) {
  InferenceOutcome outcome = Failing(OpenAiMode::kErrorEvent);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "backend_error");
  EXPECT_NE(outcome.failure->reason.find("the model crashed"), std::string::npos);
}

TEST_F(OpenAiBackendTest, GarbageIsInvalidOutput) {
  InferenceOutcome outcome = Failing(OpenAiMode::kGarbage);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "invalid_output") << outcome.failure->reason;
}

TEST_F(OpenAiBackendTest, AStreamWithoutDoneIsInvalidOutput) {
  InferenceOutcome outcome = Failing(OpenAiMode::kTruncated);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "invalid_output");
  EXPECT_NE(outcome.failure->reason.find("[DONE]"), std::string::npos);
}

TEST_F(OpenAiBackendTest, AServerThatNeverAnswersTimesOut) {
  InferenceOutcome outcome = Failing(OpenAiMode::kStall, 300);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "timeout") << outcome.failure->reason;
}

TEST_F(OpenAiBackendTest, AStreamThatStopsMidWayTimesOut) {
  InferenceOutcome outcome = Failing(OpenAiMode::kStallMidStream, 300);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure->code, "timeout") << outcome.failure->reason;
}

}  // namespace
}  // namespace aitbc::miner
