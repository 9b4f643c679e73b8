#include "net/router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace aitbc::net {
namespace {

// Captures what a handler answers, as the server's connection would.
class CaptureSink : public Responder::Sink {
 public:
  void Send(Response response) override {
    ++answers;
    last = std::move(response);
  }
  std::shared_ptr<StreamWriter> StartStream(int status, Headers headers) override {
    ++answers;
    stream_status = status;
    stream_headers = std::move(headers);
    return writer;
  }

  class Writer : public StreamWriter {
   public:
    void Write(std::string chunk) override { data += chunk; }
    void End() override { ended = true; }
    bool closed() const override { return false; }
    std::string data;
    bool ended = false;
  };

  int answers = 0;
  Response last;
  int stream_status = 0;
  Headers stream_headers;
  std::shared_ptr<Writer> writer = std::make_shared<Writer>();
};

struct Dispatched {
  Response response;
  Request request;
  int answers = 0;
};

Dispatched Call(const Router& router, Method method, std::string target) {
  auto sink = std::make_shared<CaptureSink>();
  Dispatched out;
  out.request.method = method;
  out.request.target = std::move(target);
  EXPECT_TRUE(ParseTarget(out.request).ok());
  router.Dispatch(out.request, Responder(sink));
  out.response = sink->last;
  out.answers = sink->answers;
  return out;
}

std::string ErrorCode(const Response& response) {
  return nlohmann::json::parse(response.body)["error"]["code"];
}

Response Echo(Request& request) {
  nlohmann::json body = {{"route", std::string(request.route)}};
  for (const auto& [k, v] : request.path_params) body["params"][k] = v;
  return Response::Json(200, body);
}

TEST(RouterTest, MatchesLiteralsAndParameters) {
  Router router;
  router.Add(Method::kGet, "/v1/jobs/{id}", Echo);
  router.Add(Method::kPost, "/v1/jobs/{id}/complete", Echo);
  router.Add(Method::kGet, "/", Echo);

  auto got = Call(router, Method::kGet, "/v1/jobs/abc?wait=1");
  EXPECT_EQ(got.response.status, 200);
  EXPECT_EQ(got.answers, 1);
  auto body = nlohmann::json::parse(got.response.body);
  EXPECT_EQ(body["route"], "/v1/jobs/{id}");
  EXPECT_EQ(body["params"]["id"], "abc");
  EXPECT_EQ(got.request.route, "/v1/jobs/{id}");

  body = nlohmann::json::parse(Call(router, Method::kPost, "/v1/jobs/x-1/complete").response.body);
  EXPECT_EQ(body["params"]["id"], "x-1");
  EXPECT_EQ(Call(router, Method::kGet, "/").response.status, 200);
}

TEST(RouterTest, ParametersAreDecodedAfterSplitting) {
  Router router;
  router.Add(Method::kGet, "/v1/jobs/{id}", Echo);
  auto got = Call(router, Method::kGet, "/v1/jobs/a%2Fb%20c");
  ASSERT_EQ(got.response.status, 200);
  EXPECT_EQ(nlohmann::json::parse(got.response.body)["params"]["id"], "a/b c");
}

TEST(RouterTest, LiteralBeatsParameter) {
  Router router;
  router.Add(Method::kGet, "/v1/jobs/{id}", Echo);
  router.Add(Method::kGet, "/v1/jobs/receipts", Echo);
  auto body = nlohmann::json::parse(Call(router, Method::kGet, "/v1/jobs/receipts").response.body);
  EXPECT_EQ(body["route"], "/v1/jobs/receipts");
  body = nlohmann::json::parse(Call(router, Method::kGet, "/v1/jobs/r").response.body);
  EXPECT_EQ(body["route"], "/v1/jobs/{id}");
}

TEST(RouterTest, UnknownPathIs404Json) {
  Router router;
  router.Add(Method::kGet, "/v1/jobs/{id}", Echo);
  for (std::string target : {"/nope", "/v1/jobs", "/v1/jobs/", "/v1/jobs/a/b"}) {
    auto got = Call(router, Method::kGet, target);
    EXPECT_EQ(got.response.status, 404) << target;
    EXPECT_EQ(ErrorCode(got.response), "not_found");
    EXPECT_TRUE(got.request.route.empty());
  }
}

TEST(RouterTest, WrongMethodIs405WithAllow) {
  Router router;
  router.Add(Method::kGet, "/v1/jobs/{id}", Echo);
  router.Add(Method::kDelete, "/v1/jobs/{id}", Echo);
  auto got = Call(router, Method::kPost, "/v1/jobs/1");
  EXPECT_EQ(got.response.status, 405);
  EXPECT_EQ(got.response.headers.Get("Allow"), "GET, HEAD, DELETE");
  EXPECT_EQ(ErrorCode(got.response), "method_not_allowed");
  EXPECT_EQ(got.request.route, "/v1/jobs/{id}");

  got = Call(router, Method::kOptions, "/v1/jobs/1");
  EXPECT_EQ(got.response.status, 204);
  EXPECT_EQ(got.response.headers.Get("Allow"), "GET, HEAD, DELETE");
}

TEST(RouterTest, HeadFallsBackToGet) {
  Router router;
  router.Add(Method::kGet, "/x", [](Request&) { return Response::Text(200, "get"); });
  EXPECT_EQ(Call(router, Method::kHead, "/x").response.body, "get");
  router.Add(Method::kHead, "/y", [](Request&) { return Response::Text(200, "head"); });
  router.Add(Method::kGet, "/y", [](Request&) { return Response::Text(200, "get"); });
  EXPECT_EQ(Call(router, Method::kHead, "/y").response.body, "head");
}

TEST(RouterTest, ThrowingHandlerAnswers500) {
  Router router;
  router.Add(Method::kGet, "/boom", [](Request&) -> Response { throw std::runtime_error("x"); });
  router.AddAsync(Method::kGet, "/async-boom",
                  [](Request&, Responder) { throw std::runtime_error("y"); });
  for (std::string target : {"/boom", "/async-boom"}) {
    auto got = Call(router, Method::kGet, target);
    EXPECT_EQ(got.response.status, 500) << target;
    EXPECT_EQ(got.answers, 1);
    EXPECT_EQ(ErrorCode(got.response), "internal");
  }
}

TEST(RouterTest, DroppedResponderAnswers500) {
  Router router;
  router.AddAsync(Method::kGet, "/drop", [](Request&, Responder) {});
  auto got = Call(router, Method::kGet, "/drop");
  EXPECT_EQ(got.response.status, 500);
  EXPECT_EQ(got.answers, 1);
}

TEST(ResponderTest, AnswersOnceAndMoveAssignAnswersTheOldOne) {
  auto first = std::make_shared<CaptureSink>();
  auto second = std::make_shared<CaptureSink>();
  {
    Responder a(first);
    Responder b(second);
    EXPECT_TRUE(a.valid());
    a = std::move(b);  // the responder `a` held is dropped: first gets a 500
    EXPECT_EQ(first->answers, 1);
    EXPECT_EQ(first->last.status, 500);
    a.Send(Response::Text(200, "ok"));
    EXPECT_FALSE(a.valid());
    a.Send(Response::Text(201, "again"));  // ignored
  }
  EXPECT_EQ(second->answers, 1);
  EXPECT_EQ(second->last.status, 200);

  Responder empty;
  auto writer = empty.StartStream(200, {});
  ASSERT_NE(writer, nullptr);
  EXPECT_TRUE(writer->closed());
}

TEST(StreamWriterTest, WriteEventFormatsServerSentEvents) {
  CaptureSink::Writer writer;
  writer.WriteEvent("token", "hello");
  writer.WriteEvent("", "a\nb");
  EXPECT_EQ(writer.data, "event: token\ndata: hello\n\ndata: a\ndata: b\n\n");
}

TEST(RouterTest, StreamingHandlerGetsAWriter) {
  Router router;
  router.AddAsync(Method::kGet, "/stream", [](Request&, Responder responder) {
    Headers headers;
    headers.Add("Content-Type", "text/event-stream");
    auto writer = responder.StartStream(200, std::move(headers));
    writer->Write("x");
    writer->End();
  });
  auto sink = std::make_shared<CaptureSink>();
  Request request;
  request.method = Method::kGet;
  request.target = "/stream";
  router.Dispatch(request, Responder(sink));
  EXPECT_EQ(sink->stream_status, 200);
  EXPECT_EQ(sink->writer->data, "x");
  EXPECT_TRUE(sink->writer->ended);
}

TEST(RouterDeathTest, BadPatternsAbort) {
  EXPECT_DEATH(
      {
        Router router;
        router.Add(Method::kGet, "no-slash", Echo);
      },
      "");
  EXPECT_DEATH(
      {
        Router router;
        router.Add(Method::kGet, "/a/{id}", Echo);
        router.Add(Method::kGet, "/a/{other}", Echo);
      },
      "");
}

}  // namespace
}  // namespace aitbc::net
