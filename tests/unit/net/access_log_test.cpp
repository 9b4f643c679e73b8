#include "net/access_log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "core/random.h"
#include "net/api_keys.h"
#include "net/http_client.h"
#include "net/http_server.h"

namespace aitbc::net {
namespace {

TEST(ApiKeyLogIdTest, OnlyTheRoleAndIdOfAWellFormedKey) {
  core::DeterministicRandom random(1);
  NewApiKey key = GenerateApiKey(Role::kClient, "owner", random, 0);
  std::string id = ApiKeyLogId(key.plaintext);
  EXPECT_EQ(id, "client:" + key.record.id);
  // The secret (the part after the id) never appears.
  std::string secret = key.plaintext.substr(key.plaintext.rfind('_') + 1);
  EXPECT_EQ(id.find(secret), std::string::npos);

  EXPECT_EQ(ApiKeyLogId(""), "opaque");
  EXPECT_EQ(ApiKeyLogId("hunter2"), "opaque");
  EXPECT_EQ(ApiKeyLogId("aitbc_client_short_secret"), "opaque");
  EXPECT_EQ(ApiKeyLogId("aitbc_Client_0123456789abcdef_s"), "opaque");
  EXPECT_EQ(ApiKeyLogId("aitbc_client_0123456789ABCDEF_s"), "opaque");
  EXPECT_EQ(ApiKeyLogId("aitbc_client_0123456789abcdef"), "opaque");
}

// Captures the default logger's output for one test.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() {
    spdlog::default_logger()->flush();
    return out_.str();
  }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream out_;
};

core::Result<Response> GetWithKey(uint16_t port, const std::string& target,
                                  const std::string& key) {
  BlockingHttpClient client;
  ClientRequest request;
  request.url.host = "127.0.0.1";
  request.url.port = port;
  request.url.target = target;
  request.headers.Set("X-Api-Key", key);
  return client.Send(std::move(request));
}

TEST(AccessLogTest, ServerLogsEachRequestWithoutTheKey) {
  CapturedLog log;
  auto router = std::make_shared<Router>();
  router->Add(Method::kGet, "/v1/jobs/{id}", [](Request&) { return Response::Text(200, "ok"); });
  EventLoop loop;
  loop.RunInBackground();
  ServerOptions options;
  options.access_log = AccessLog::kInfo;
  HttpServer server(loop, router, options);
  auto port = server.Start();
  ASSERT_TRUE(port.ok()) << port.error().ToString();

  core::DeterministicRandom random(2);
  NewApiKey key = GenerateApiKey(Role::kMiner, "m", random, 0);
  ASSERT_TRUE(GetWithKey(*port, "/v1/jobs/job_1?wait=1", key.plaintext).ok());
  ASSERT_TRUE(GetWithKey(*port, "/nope", "not-a-key").ok());
  server.Stop();
  loop.Stop();

  std::string text = log.text();
  EXPECT_NE(text.find("GET /v1/jobs/job_1?wait=1 200"), std::string::npos) << text;
  EXPECT_NE(text.find("key=miner:" + key.record.id), std::string::npos) << text;
  EXPECT_NE(text.find("GET /nope 404"), std::string::npos) << text;
  EXPECT_NE(text.find("key=opaque"), std::string::npos) << text;
  EXPECT_EQ(text.find(key.plaintext), std::string::npos) << "the key was logged: " << text;
  EXPECT_EQ(text.find("not-a-key"), std::string::npos) << "a header was logged: " << text;
}

TEST(AccessLogTest, OffLogsNothing) {
  CapturedLog log;
  Request request;
  request.target = "/x";
  LogAccess(AccessLog::kOff, request, 200, 0.001);
  EXPECT_EQ(log.text(), "");
  LogAccess(AccessLog::kDebug, request, 200, 0.001);
  EXPECT_NE(log.text().find("/x 200"), std::string::npos);
}

}  // namespace
}  // namespace aitbc::net
