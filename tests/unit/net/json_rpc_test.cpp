#include "net/json_rpc.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "net/http_server.h"
#include "net_test_util.h"

namespace aitbc::net::jsonrpc {
namespace {

using core::Error;
using core::ErrorCode;
using nlohmann::json;

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dispatcher_.Add("add", [](const json& params) -> core::Result<json> {
      if (params.is_array() && params.size() == 2 && params[0].is_number() &&
          params[1].is_number()) {
        return json(params[0].get<int>() + params[1].get<int>());
      }
      if (params.is_object() && params.contains("a") && params.contains("b")) {
        return json(params["a"].get<int>() + params["b"].get<int>());
      }
      return Error::InvalidArgument("add takes two numbers");
    });
    dispatcher_.Add("missing_thing",
                    [](const json&) -> core::Result<json> { return Error::NotFound("no tx"); });
    dispatcher_.Add("throws",
                    [](const json&) -> core::Result<json> { throw std::runtime_error("bug"); });
    dispatcher_.Add("params", [](const json& params) -> core::Result<json> { return params; });
    dispatcher_.Add("count", [this](const json&) -> core::Result<json> { return json(++calls_); });
    dispatcher_.AddAsync("later", [](const json& params, auto done) {
      std::thread([params, done] {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        done(json{{"echo", params}});
        done(json("ignored second answer"));
      }).detach();
    });
  }

  // Runs HandleBody and waits for its answer ("" for none).
  std::string Handle(std::string_view body, size_t max_batch = 1000) {
    std::promise<std::string> answer;
    dispatcher_.HandleBody(body, max_batch, [&](std::string out) { answer.set_value(out); });
    auto future = answer.get_future();
    EXPECT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    return future.get();
  }
  json HandleJson(std::string_view body) {
    std::string out = Handle(body);
    EXPECT_FALSE(out.empty());
    return json::parse(out);
  }

  Dispatcher dispatcher_;
  std::atomic<int> calls_{0};
};

TEST_F(DispatcherTest, SingleRequest) {
  json answer = HandleJson(R"({"jsonrpc":"2.0","id":1,"method":"add","params":[2,3]})");
  EXPECT_EQ(answer, json::parse(R"({"jsonrpc":"2.0","id":1,"result":5})"));
  answer = HandleJson(R"({"jsonrpc":"2.0","id":"abc","method":"add","params":{"a":1,"b":1}})");
  EXPECT_EQ(answer["id"], "abc");
  EXPECT_EQ(answer["result"], 2);
  answer = HandleJson(R"({"jsonrpc":"2.0","id":null,"method":"params"})");
  EXPECT_TRUE(answer["id"].is_null());
  EXPECT_EQ(answer["result"], json::object());  // absent params read as {}
}

TEST_F(DispatcherTest, NotificationsGetNoAnswer) {
  EXPECT_EQ(Handle(R"({"jsonrpc":"2.0","method":"count"})"), "");
  EXPECT_EQ(Handle(R"({"jsonrpc":"2.0","method":"no_such_method"})"), "");
  EXPECT_EQ(Handle(R"({"jsonrpc":"2.0","method":"missing_thing"})"), "");
  EXPECT_EQ(Handle(R"([{"jsonrpc":"2.0","method":"count"},{"jsonrpc":"2.0","method":"count"}])"),
            "");
  EXPECT_EQ(calls_.load(), 3);
}

TEST_F(DispatcherTest, BatchKeepsOrderAndSkipsNotifications) {
  json answer = HandleJson(R"([
    {"jsonrpc":"2.0","id":1,"method":"later","params":[1]},
    {"jsonrpc":"2.0","method":"count"},
    {"jsonrpc":"2.0","id":2,"method":"add","params":[1,1]},
    {"jsonrpc":"2.0","id":3,"method":"nope"},
    5
  ])");
  ASSERT_TRUE(answer.is_array());
  ASSERT_EQ(answer.size(), 4u);
  EXPECT_EQ(answer[0]["id"], 1);
  EXPECT_EQ(answer[0]["result"]["echo"], json::array({1}));
  EXPECT_EQ(answer[1]["result"], 2);
  EXPECT_EQ(answer[2]["error"]["code"], kMethodNotFound);
  EXPECT_EQ(answer[3]["error"]["code"], kInvalidRequest);
  EXPECT_TRUE(answer[3]["id"].is_null());
}

TEST_F(DispatcherTest, InvalidRequests) {
  json answer = HandleJson("[]");
  EXPECT_EQ(answer["error"]["code"], kInvalidRequest);
  EXPECT_TRUE(answer["id"].is_null());

  for (std::string body :
       {R"({"id":1,"method":"add"})", R"({"jsonrpc":"1.0","id":1,"method":"add"})",
        R"({"jsonrpc":"2.0","id":1,"method":7})",
        R"({"jsonrpc":"2.0","id":1,"method":"add","params":3})", R"("text")",
        R"({"jsonrpc":"2.0","id":{"x":1},"method":"add"})"}) {
    answer = HandleJson(body);
    EXPECT_EQ(answer["error"]["code"], kInvalidRequest) << body;
  }
  answer = HandleJson(R"({"jsonrpc":"2.0","id":9,"method":7})");
  EXPECT_EQ(answer["id"], 9);  // a usable id is echoed

  answer = json::parse(Handle(R"([{"jsonrpc":"2.0","id":1,"method":"count"}, 2])", 1));
  EXPECT_EQ(answer["error"]["code"], kInvalidRequest);  // batch over max_batch
  EXPECT_NE(answer["error"]["message"].get<std::string>().find("limit"), std::string::npos);
}

TEST_F(DispatcherTest, ParseError) {
  json answer = HandleJson(R"({"jsonrpc":"2.0", "id":1, )");
  EXPECT_EQ(answer["error"]["code"], kParseError);
  EXPECT_TRUE(answer["id"].is_null());
}

TEST_F(DispatcherTest, MethodErrors) {
  json answer = HandleJson(R"({"jsonrpc":"2.0","id":1,"method":"nope"})");
  EXPECT_EQ(answer["error"]["code"], kMethodNotFound);

  answer = HandleJson(R"({"jsonrpc":"2.0","id":1,"method":"add","params":["x"]})");
  EXPECT_EQ(answer["error"]["code"], kInvalidParams);
  EXPECT_EQ(answer["error"]["message"], "add takes two numbers");
  EXPECT_EQ(answer["error"]["data"]["code"], "invalid_argument");

  answer = HandleJson(R"({"jsonrpc":"2.0","id":1,"method":"missing_thing"})");
  EXPECT_EQ(answer["error"]["code"], kApplicationError);
  EXPECT_EQ(answer["error"]["data"]["code"], "not_found");
  EXPECT_EQ(ErrorFromObject(answer["error"]), Error::NotFound("no tx"));

  answer = HandleJson(R"({"jsonrpc":"2.0","id":1,"method":"throws"})");
  EXPECT_EQ(answer["error"]["code"], kInternalError);
  EXPECT_EQ(answer["error"]["message"], "internal error");
}

TEST(ErrorObjectTest, RoundTripsEveryCode) {
  for (ErrorCode code :
       {ErrorCode::kInvalidArgument, ErrorCode::kUnauthenticated, ErrorCode::kPermissionDenied,
        ErrorCode::kNotFound, ErrorCode::kAlreadyExists, ErrorCode::kFailedPrecondition,
        ErrorCode::kInsufficientFunds, ErrorCode::kPayloadTooLarge, ErrorCode::kResourceExhausted,
        ErrorCode::kUnavailable, ErrorCode::kTimeout, ErrorCode::kCorruption, ErrorCode::kIOError,
        ErrorCode::kInternal}) {
    Error error(code, "message");
    EXPECT_EQ(ErrorFromObject(ErrorObject(error)), error);
  }
  EXPECT_EQ(ErrorObject(Error::Internal("x"))["code"], kInternalError);
}

TEST(ErrorObjectTest, ForeignErrors) {
  // CometBFT style: details in a string "data".
  json comet = {{"code", -32603}, {"message", "Internal error"}, {"data", "tx already exists"}};
  EXPECT_EQ(ErrorFromObject(comet), Error::Internal("Internal error: tx already exists"));
  EXPECT_EQ(ErrorFromObject({{"code", -32601}, {"message", "m"}}).code(), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorFromObject({{"code", -32602}, {"message", "m"}}).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(ErrorFromObject("weird").code(), ErrorCode::kCorruption);
}

// Over HTTP: Mount on a server, call with the async and the blocking client.
class RpcOverHttpTest : public DispatcherTest {
 protected:
  void SetUp() override {
    DispatcherTest::SetUp();
    auto router = std::make_shared<Router>();
    dispatcher_.Mount(*router, "/");
    router->Add(Method::kPost, "/guarded", [](Request&) {
      return Response::FromError(Error::Unauthenticated("missing API key"));
    });
    loop_.RunInBackground();
    server_ = std::make_unique<HttpServer>(loop_, router, ServerOptions{});
    auto port = server_->Start();
    ASSERT_TRUE(port.ok());
    url_ = *Url::Parse("http://127.0.0.1:" + std::to_string(*port) + "/");
  }
  void TearDown() override { server_.reset(); }

  EventLoop loop_;
  std::unique_ptr<HttpServer> server_;
  Url url_;
};

TEST_F(RpcOverHttpTest, CallAndCallBatch) {
  HttpClient http(loop_);
  Client client(http, url_);
  std::promise<core::Result<json>> one;
  client.Call("add", json::array({20, 22}), [&](core::Result<json> r) { one.set_value(r); });
  auto result = one.get_future().get();
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(*result, 42);

  std::promise<std::vector<core::Result<json>>> many;
  client.CallBatch({{"later", json::array({"a"})},
                    {"missing_thing", json::object()},
                    {"add", json{{"a", 1}, {"b", 2}}},
                    {"nope", {}}},
                   [&](std::vector<core::Result<json>> r) { many.set_value(std::move(r)); });
  auto results = many.get_future().get();
  ASSERT_EQ(results.size(), 4u);
  ASSERT_TRUE(results[0].ok());
  EXPECT_EQ((*results[0])["echo"], json::array({"a"}));
  EXPECT_EQ(results[1].error(), Error::NotFound("no tx"));
  ASSERT_TRUE(results[2].ok());
  EXPECT_EQ(*results[2], 3);
  EXPECT_EQ(results[3].error().code(), ErrorCode::kNotFound);

  std::promise<std::vector<core::Result<json>>> none;
  client.CallBatch({}, [&](std::vector<core::Result<json>> r) { none.set_value(std::move(r)); });
  EXPECT_TRUE(none.get_future().get().empty());
}

TEST_F(RpcOverHttpTest, BlockingClientAndErrorsAreHttp200) {
  BlockingHttpClient http;
  BlockingClient client(http, url_);
  auto result = client.Call("add", json::array({1, 2}));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 3);
  EXPECT_EQ(client.Call("add", json::array({"x"})).error(),
            Error::InvalidArgument("add takes two numbers"));

  ClientRequest raw;
  raw.method = Method::kPost;
  raw.url = url_;
  raw.body = R"({"jsonrpc":"2.0","id":1,"method":"nope"})";
  auto response = http.Send(raw);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->headers.Get("Content-Type"), "application/json");

  raw.body = "{not json";
  response = http.Send(raw);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(json::parse(response->body)["error"]["code"], kParseError);

  raw.body = R"({"jsonrpc":"2.0","method":"count"})";  // a notification
  response = http.Send(raw);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 204);
  EXPECT_EQ(response->body, "");
}

TEST_F(RpcOverHttpTest, NonRpcHttpErrorsAndTransportErrors) {
  BlockingHttpClient http;
  BlockingClient guarded(http, url_.WithTarget("/guarded"));
  EXPECT_EQ(guarded.Call("add", json::array({1, 2})).error(),
            Error::Unauthenticated("missing API key"));

  HttpClient async_http(loop_);
  Url dead = url_;
  dead.port = testing::ClosedPort();
  Client client(async_http, dead);
  std::promise<std::vector<core::Result<json>>> many;
  client.CallBatch({{"add", json::array({1, 2})}, {"add", json::array({3, 4})}},
                   [&](std::vector<core::Result<json>> r) { many.set_value(std::move(r)); });
  auto results = many.get_future().get();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(results[1].error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace aitbc::net::jsonrpc
