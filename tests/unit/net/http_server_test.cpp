#include "net/http_server.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include <nlohmann/json.hpp>

#include "net/http_client.h"
#include "net/metrics.h"
#include "net_test_util.h"

namespace aitbc::net {
namespace {

using testing::Latch;
using testing::RawSocket;
using testing::WaitUntil;

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options = {}, size_t threads = 1) {
    loop_ = std::make_unique<EventLoop>(threads);
    loop_->RunInBackground();
    server_ = std::make_unique<HttpServer>(*loop_, router_, std::move(options));
    auto port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.error().ToString();
    port_ = *port;
    ASSERT_NE(port_, 0);
    EXPECT_EQ(server_->port(), port_);
  }

  void TearDown() override {
    server_.reset();
    loop_.reset();
  }

  ClientRequest Make(Method method, std::string target, std::string body = {}) {
    ClientRequest request;
    request.method = method;
    request.url.host = "127.0.0.1";
    request.url.port = port_;
    request.url.target = std::move(target);
    request.body = std::move(body);
    request.read_timeout_ms = 5000;
    return request;
  }
  core::Result<Response> Get(std::string target) {
    return client_.Send(Make(Method::kGet, std::move(target)));
  }

  std::shared_ptr<Router> router_ = std::make_shared<Router>();
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  BlockingHttpClient client_;
};

std::string ErrorCodeOf(const std::string& body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object() || !json.contains("error")) return "<no error body>";
  return json["error"]["code"];
}

Response Echo(Request& request) {
  nlohmann::json body = {{"path", request.path},
                         {"route", std::string(request.route)},
                         {"body", request.body},
                         {"remote", request.remote_address}};
  for (const auto& [k, v] : request.path_params) body["params"][k] = v;
  for (const auto& [k, v] : request.query) body["query"][k] = v;
  return Response::Json(200, body);
}

TEST_F(ServerTest, RoutesWithParameters) {
  router_->Add(Method::kGet, "/v1/jobs/{id}", Echo);
  router_->Add(Method::kPost, "/v1/jobs/{id}/complete", Echo);
  StartServer();

  auto response = Get("/v1/jobs/j%201?wait=5");
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->headers.Get("Content-Type"), "application/json");
  EXPECT_EQ(response->headers.Get("Server"), "aitbc");
  EXPECT_TRUE(response->headers.Get("Date").has_value());
  auto body = nlohmann::json::parse(response->body);
  EXPECT_EQ(body["params"]["id"], "j 1");
  EXPECT_EQ(body["query"]["wait"], "5");
  EXPECT_EQ(body["route"], "/v1/jobs/{id}");
  EXPECT_EQ(body["remote"].get<std::string>().rfind("127.0.0.1:", 0), 0u);

  response = client_.Send(Make(Method::kPost, "/v1/jobs/abc/complete", "result"));
  ASSERT_TRUE(response.ok());
  body = nlohmann::json::parse(response->body);
  EXPECT_EQ(body["params"]["id"], "abc");
  EXPECT_EQ(body["body"], "result");
}

TEST_F(ServerTest, UnknownPathAndWrongMethod) {
  router_->Add(Method::kGet, "/v1/jobs/{id}", Echo);
  StartServer();
  auto response = Get("/nope");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(ErrorCodeOf(response->body), "not_found");

  response = client_.Send(Make(Method::kDelete, "/v1/jobs/1"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->headers.Get("Allow"), "GET, HEAD");
  EXPECT_EQ(ErrorCodeOf(response->body), "method_not_allowed");
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  router_->Add(Method::kGet, "/x", [](Request&) { return Response::Text(200, "hello"); });
  StartServer();
  RawSocket socket(port_);
  ASSERT_TRUE(socket.connected());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(socket.Send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n"));
    std::string response = socket.ReadResponse(3000);
    EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
    EXPECT_NE(response.find("\r\n\r\nhello"), std::string::npos);
    EXPECT_EQ(response.find("Connection: close"), std::string::npos);
  }
  EXPECT_EQ(server_->open_connections(), 1u);
  // Pipelined: two requests in one write, two answers in order.
  ASSERT_TRUE(
      socket.Send("GET /x HTTP/1.1\r\nHost: t\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_EQ(socket.ReadResponse(3000).rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(socket.ReadResponse(3000).rfind("HTTP/1.1 404", 0), 0u);
}

TEST_F(ServerTest, Http10ClosesUnlessKeepAliveAsked) {
  router_->Add(Method::kGet, "/x", [](Request&) { return Response::Text(200, "hello"); });
  StartServer();
  {
    RawSocket socket(port_);
    ASSERT_TRUE(socket.Send("GET /x HTTP/1.0\r\n\r\n"));
    std::string data = socket.ReadUntilClosed(3000);
    EXPECT_TRUE(socket.closed());
    EXPECT_NE(data.find("Connection: close"), std::string::npos);
    EXPECT_NE(data.find("hello"), std::string::npos);
  }
  RawSocket socket(port_);
  ASSERT_TRUE(socket.Send("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  std::string response = socket.ReadResponse(3000);
  EXPECT_NE(response.find("Connection: keep-alive"), std::string::npos) << response;
  ASSERT_TRUE(socket.Send("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_NE(socket.ReadResponse(3000).find("hello"), std::string::npos);
}

TEST_F(ServerTest, HeadAnswersHeadersOnly) {
  router_->Add(Method::kGet, "/x", [](Request&) { return Response::Text(200, "hello"); });
  StartServer();
  RawSocket socket(port_);
  ASSERT_TRUE(socket.Send("HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::string response = socket.ReadResponse(3000, /*head_request=*/true);
  EXPECT_NE(response.find("Content-Length: 5\r\n"), std::string::npos) << response;
  EXPECT_EQ(response.substr(response.size() - 4), "\r\n\r\n");
  // No body followed: the next answer starts right at the status line.
  ASSERT_TRUE(socket.Send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n"));
  response = socket.ReadResponse(3000);
  EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
  EXPECT_NE(response.find("hello"), std::string::npos);
}

TEST_F(ServerTest, BodyOverLimitWithContentLengthIs413) {
  router_->Add(Method::kPost, "/echo", Echo);
  ServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);

  // Announced too large: answered before any body byte is sent.
  RawSocket socket(port_);
  ASSERT_TRUE(socket.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n"));
  std::string data = socket.ReadUntilClosed(3000);
  EXPECT_EQ(data.rfind("HTTP/1.1 413", 0), 0u) << data;
  EXPECT_NE(data.find("Connection: close"), std::string::npos);
  EXPECT_EQ(ErrorCodeOf(data.substr(data.find("\r\n\r\n") + 4)), "payload_too_large");
  EXPECT_TRUE(socket.closed());

  // At the limit is fine.
  auto response = client_.Send(Make(Method::kPost, "/echo", std::string(1024, 'a')));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  response = client_.Send(Make(Method::kPost, "/echo", std::string(1025, 'a')));
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 413);
}

TEST_F(ServerTest, ChunkedBodyGrowingPastLimitIs413) {
  router_->Add(Method::kPost, "/echo", Echo);
  ServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);

  {  // A chunked body within the limit is reassembled.
    RawSocket socket(port_);
    ASSERT_TRUE(
        socket.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
    std::string response = socket.ReadResponse(3000);
    EXPECT_NE(response.find(R"("body":"abcde")"), std::string::npos) << response;
  }
  RawSocket socket(port_);
  std::string chunk(600, 'x');
  std::string request = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) request += "258\r\n" + chunk + "\r\n";  // 0x258 = 600
  request += "0\r\n\r\n";
  ASSERT_TRUE(socket.Send(request));
  std::string data = socket.ReadUntilClosed(3000);
  EXPECT_EQ(data.rfind("HTTP/1.1 413", 0), 0u) << data;
  EXPECT_TRUE(socket.closed());
}

TEST_F(ServerTest, HeaderOverLimitIs431) {
  router_->Add(Method::kGet, "/x", Echo);
  ServerOptions options;
  options.max_header_bytes = 1024;
  StartServer(options);
  RawSocket socket(port_);
  ASSERT_TRUE(
      socket.Send("GET /x HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4000, 'b') + "\r\n\r\n"));
  std::string data = socket.ReadUntilClosed(3000);
  EXPECT_EQ(data.rfind("HTTP/1.1 431", 0), 0u) << data;
}

TEST_F(ServerTest, MalformedHttpIs400AndCloses) {
  router_->Add(Method::kGet, "/x", Echo);
  StartServer();
  for (std::string bad : {"GET /x HTTP/9.x\r\n\r\n", "G\x01T /x HTTP/1.1\r\n\r\n",
                          "GET /x HTTP/1.1\r\nBad Header\r\n\r\n",
                          "POST /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n"}) {
    RawSocket socket(port_);
    ASSERT_TRUE(socket.Send(bad));
    std::string data = socket.ReadUntilClosed(3000);
    EXPECT_EQ(data.rfind("HTTP/1.1 400", 0), 0u) << bad << " -> " << data;
    EXPECT_EQ(ErrorCodeOf(data.substr(data.find("\r\n\r\n") + 4)), "invalid_argument");
    EXPECT_TRUE(socket.closed());
  }
  // A target that is not a path is a 400 too, but the connection stays usable.
  RawSocket socket(port_);
  ASSERT_TRUE(socket.Send("GET /x%zz HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_EQ(socket.ReadResponse(3000).rfind("HTTP/1.1 400", 0), 0u);
}

TEST_F(ServerTest, MalformedJsonIs400WithErrorBody) {
  router_->Add(Method::kPost, "/json", [](Request& request) {
    auto json = request.JsonBody();
    if (!json.ok()) return Response::FromError(json.error());
    return Response::Json(200, *json);
  });
  StartServer();
  auto response = client_.Send(Make(Method::kPost, "/json", "{\"a\":"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 400);
  auto error = ErrorFromResponse(*response);
  EXPECT_EQ(error.code(), core::ErrorCode::kInvalidArgument);
  EXPECT_NE(error.message().find("malformed JSON at byte"), std::string::npos);
}

TEST_F(ServerTest, ThrowingHandlerAnswers500AndServerLivesOn) {
  router_->Add(Method::kGet, "/boom", [](Request&) -> Response { throw std::logic_error("bug"); });
  router_->Add(Method::kGet, "/ok", [](Request&) { return Response::Text(200, "fine"); });
  StartServer();
  RawSocket socket(port_);
  ASSERT_TRUE(socket.Send("GET /boom HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::string response = socket.ReadResponse(3000);
  EXPECT_EQ(response.rfind("HTTP/1.1 500", 0), 0u);
  EXPECT_EQ(response.find("bug"), std::string::npos);  // no internals leak to the client
  ASSERT_TRUE(socket.Send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_NE(socket.ReadResponse(3000).find("fine"), std::string::npos);
}

TEST_F(ServerTest, SlowHeadersHitTheHeaderTimeout) {
  router_->Add(Method::kGet, "/x", Echo);
  ServerOptions options;
  options.header_timeout_ms = 150;
  StartServer(options);
  RawSocket socket(port_);
  ASSERT_TRUE(socket.Send("GET /x HTTP/1.1\r\nHost: t\r\n"));  // never finished
  std::string data = socket.ReadUntilClosed(5000);
  EXPECT_TRUE(socket.closed());
  EXPECT_EQ(data.rfind("HTTP/1.1 408", 0), 0u) << data;
  EXPECT_TRUE(WaitUntil([&] { return server_->open_connections() == 0; }));

  RawSocket silent(port_);  // connects and never sends: closed without an answer
  EXPECT_EQ(silent.ReadUntilClosed(5000), "");
  EXPECT_TRUE(silent.closed());
}

TEST_F(ServerTest, SlowHeadersOnAKeptAliveConnectionTimeOutToo) {
  router_->Add(Method::kGet, "/x", [](Request&) { return Response::Text(200, "x"); });
  ServerOptions options;
  options.header_timeout_ms = 150;
  options.idle_timeout_ms = 10'000;
  StartServer(options);
  RawSocket socket(port_);
  ASSERT_TRUE(socket.Send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_EQ(socket.ReadResponse(3000).rfind("HTTP/1.1 200", 0), 0u);
  ASSERT_TRUE(socket.Send("GET /x HTTP/1.1\r\n"));
  std::string data = socket.ReadUntilClosed(5000);
  EXPECT_TRUE(socket.closed());
  EXPECT_EQ(data.rfind("HTTP/1.1 408", 0), 0u) << data;
}

TEST_F(ServerTest, SlowBodyHitsTheReadTimeout) {
  router_->Add(Method::kPost, "/x", Echo);
  ServerOptions options;
  options.read_timeout_ms = 150;
  StartServer(options);
  RawSocket socket(port_);
  ASSERT_TRUE(socket.Send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"));
  std::string data = socket.ReadUntilClosed(5000);
  EXPECT_TRUE(socket.closed());
  EXPECT_EQ(data.rfind("HTTP/1.1 408", 0), 0u) << data;
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosed) {
  router_->Add(Method::kGet, "/x", [](Request&) { return Response::Text(200, "x"); });
  ServerOptions options;
  options.idle_timeout_ms = 150;
  StartServer(options);
  RawSocket socket(port_);
  ASSERT_TRUE(socket.Send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_EQ(socket.ReadResponse(3000).rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(socket.ReadUntilClosed(5000), "");  // closed quietly
  EXPECT_TRUE(socket.closed());
  EXPECT_TRUE(WaitUntil([&] { return server_->open_connections() == 0; }));
}

TEST_F(ServerTest, Expect100ContinueIsHonoured) {
  router_->Add(Method::kPost, "/echo", Echo);
  StartServer();
  RawSocket socket(port_);
  ASSERT_TRUE(socket.Send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(socket.ReadSome(3000), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(socket.Send("abc"));
  EXPECT_NE(socket.ReadResponse(3000).find(R"("body":"abc")"), std::string::npos);
}

TEST_F(ServerTest, AsyncResponderAnswersFromAnotherThread) {
  std::vector<std::thread> workers;
  std::mutex mu;
  router_->AddAsync(Method::kGet, "/later/{n}", [&](Request& request, Responder responder) {
    std::string n = request.PathParam("n");
    std::lock_guard lock(mu);
    workers.emplace_back([n, responder = std::move(responder)]() mutable {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      responder.Send(Response::Text(200, "answer " + n));
    });
  });
  StartServer({}, /*threads=*/2);
  std::vector<std::future<core::Result<Response>>> results;
  for (int i = 0; i < 8; ++i) {
    results.push_back(std::async(std::launch::async, [this, i] {
      BlockingHttpClient client;
      return client.Send(Make(Method::kGet, "/later/" + std::to_string(i)));
    }));
  }
  for (int i = 0; i < 8; ++i) {
    auto response = results[static_cast<size_t>(i)].get();
    ASSERT_TRUE(response.ok()) << response.error().ToString();
    EXPECT_EQ(response->body, "answer " + std::to_string(i));
  }
  std::lock_guard lock(mu);
  for (auto& worker : workers) worker.join();
}

TEST_F(ServerTest, DroppedResponderAnswers500) {
  router_->AddAsync(Method::kGet, "/drop", [](Request&, Responder responder) {
    std::thread([r = std::move(responder)] {}).detach();  // dropped on another thread
  });
  StartServer();
  auto response = Get("/drop");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(ErrorCodeOf(response->body), "internal");
}

TEST_F(ServerTest, GracefulStopLetsAnInFlightRequestFinish) {
  Latch handler_called;
  std::thread answerer;
  router_->AddAsync(Method::kGet, "/slow", [&](Request&, Responder responder) {
    answerer = std::thread([responder = std::move(responder)]() mutable {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      responder.Send(Response::Text(200, "finished"));
    });
    handler_called.Set();
  });
  StartServer();
  RawSocket idle(port_);  // an idle connection is closed right away by Stop
  ASSERT_TRUE(idle.connected());
  auto in_flight = std::async(std::launch::async, [this] { return Get("/slow"); });
  ASSERT_TRUE(handler_called.WaitFor(3000));

  server_->Stop();  // blocks until the in-flight answer is written
  auto response = in_flight.get();
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->body, "finished");
  EXPECT_EQ(response->headers.Get("Connection"), "close");
  EXPECT_EQ(server_->open_connections(), 0u);
  idle.ReadUntilClosed(3000);
  EXPECT_TRUE(idle.closed());
  answerer.join();

  // Nothing listens any more.
  auto refused = Get("/slow");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), core::ErrorCode::kUnavailable);
  server_->Stop();  // idempotent
}

TEST_F(ServerTest, StopForceClosesAfterTheDrainTimeout) {
  std::vector<Responder> parked;
  std::mutex mu;
  router_->AddAsync(Method::kGet, "/never", [&](Request&, Responder responder) {
    std::lock_guard lock(mu);
    parked.push_back(std::move(responder));
  });
  ServerOptions options;
  options.drain_timeout_ms = 100;
  StartServer(options);
  auto in_flight = std::async(std::launch::async, [this] { return Get("/never"); });
  ASSERT_TRUE(WaitUntil([&] {
    std::lock_guard lock(mu);
    return !parked.empty();
  }));
  server_->Stop();
  auto response = in_flight.get();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), core::ErrorCode::kUnavailable);
  std::lock_guard lock(mu);
  parked.clear();  // answering a closed connection is harmless
}

TEST_F(ServerTest, StopAsyncCallsBackOnceClosed) {
  router_->Add(Method::kGet, "/x", Echo);
  StartServer();
  ASSERT_TRUE(Get("/x").ok());
  Latch stopped;
  server_->StopAsync([&] { stopped.Set(); });
  EXPECT_TRUE(stopped.WaitFor(3000));
  Latch again;
  server_->StopAsync([&] { again.Set(); });  // already stopped: called anyway
  EXPECT_TRUE(again.WaitFor(3000));
}

TEST_F(ServerTest, MaxConnectionsClosesExtraConnections) {
  router_->Add(Method::kGet, "/x", [](Request&) { return Response::Text(200, "x"); });
  ServerOptions options;
  options.max_connections = 1;
  StartServer(options);
  RawSocket first(port_);
  ASSERT_TRUE(first.Send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_EQ(first.ReadResponse(3000).rfind("HTTP/1.1 200", 0), 0u);

  RawSocket second(port_);
  second.Send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(second.ReadUntilClosed(3000), "");
  EXPECT_TRUE(second.closed());

  ASSERT_TRUE(first.Send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_EQ(first.ReadResponse(3000).rfind("HTTP/1.1 200", 0), 0u);
}

TEST_F(ServerTest, StreamsChunkedAndEndsTheConnection) {
  router_->AddAsync(Method::kGet, "/events", [](Request&, Responder responder) {
    Headers headers;
    headers.Add("Content-Type", "text/event-stream");
    auto writer = responder.StartStream(200, std::move(headers));
    writer->WriteEvent("token", "hi");
    writer->Write("");  // ignored: an empty chunk would end the stream
    writer->Write("raw");
    writer->End();
    writer->Write("after end");  // dropped
  });
  StartServer();
  RawSocket socket(port_);
  ASSERT_TRUE(socket.Send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::string data = socket.ReadUntilClosed(3000);
  EXPECT_TRUE(socket.closed());
  EXPECT_NE(data.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << data;
  EXPECT_NE(data.find("Content-Type: text/event-stream\r\n"), std::string::npos);
  std::string body = data.substr(data.find("\r\n\r\n") + 4);
  EXPECT_EQ(body, "17\r\nevent: token\ndata: hi\n\n\r\n3\r\nraw\r\n0\r\n\r\n");
}

TEST_F(ServerTest, StreamSeesAClosedPeer) {
  std::shared_ptr<StreamWriter> writer;
  Latch started;
  router_->AddAsync(Method::kGet, "/events", [&](Request&, Responder responder) {
    writer = responder.StartStream(200, {});
    started.Set();
  });
  StartServer();
  {
    RawSocket socket(port_);
    ASSERT_TRUE(socket.Send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n"));
    ASSERT_TRUE(started.WaitFor(3000));
    EXPECT_NE(socket.ReadSome(3000).find("200 OK"), std::string::npos);
    EXPECT_FALSE(writer->closed());
  }  // the client goes away
  EXPECT_TRUE(WaitUntil([&] { return writer->closed(); }));
  writer->Write("into the void");  // dropped, no crash
  EXPECT_TRUE(WaitUntil([&] { return server_->open_connections() == 0; }));
}

TEST_F(ServerTest, StopEndsOpenStreams) {
  std::shared_ptr<StreamWriter> writer;
  Latch started;
  router_->AddAsync(Method::kGet, "/events", [&](Request&, Responder responder) {
    writer = responder.StartStream(200, {});
    writer->Write("first");
    started.Set();
  });
  StartServer();
  RawSocket socket(port_);
  ASSERT_TRUE(socket.Send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(started.WaitFor(3000));
  server_->Stop();
  EXPECT_TRUE(writer->closed());
  std::string data = socket.ReadUntilClosed(3000);
  EXPECT_TRUE(socket.closed());
  EXPECT_NE(data.find("5\r\nfirst\r\n0\r\n\r\n"), std::string::npos) << data;
}

TEST_F(ServerTest, CountsRequestsInMetrics) {
  MetricsRegistry metrics;
  router_->Add(Method::kGet, "/v1/items/{id}", Echo);
  ServerOptions options;
  options.metrics = &metrics;
  StartServer(options);
  ASSERT_TRUE(Get("/v1/items/1").ok());
  ASSERT_TRUE(Get("/v1/items/2").ok());
  ASSERT_TRUE(Get("/missing").ok());
  std::string text = metrics.Render();
  EXPECT_NE(
      text.find("http_requests_total{code=\"200\",method=\"GET\",route=\"/v1/items/{id}\"} 2"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("http_requests_total{code=\"404\",method=\"GET\",route=\"unmatched\"} 1"),
            std::string::npos);
  EXPECT_NE(
      text.find("http_request_duration_seconds_count{method=\"GET\",route=\"/v1/items/{id}\"} 2"),
      std::string::npos);
  EXPECT_NE(text.find("http_open_connections 1"), std::string::npos);
  server_.reset();
  EXPECT_NE(metrics.Render().find("http_open_connections 0"), std::string::npos);
}

TEST_F(ServerTest, ManyConcurrentClientsOnAMultiThreadLoop) {
  router_->Add(Method::kPost, "/echo",
               [](Request& request) { return Response::Text(200, std::move(request.body)); });
  StartServer({}, /*threads=*/4);
  std::vector<std::future<int>> results;
  for (int c = 0; c < 8; ++c) {
    results.push_back(std::async(std::launch::async, [this, c] {
      BlockingHttpClient client;
      int ok = 0;
      for (int i = 0; i < 25; ++i) {
        std::string body = std::to_string(c) + ":" + std::to_string(i);
        auto response = client.Send(Make(Method::kPost, "/echo", body));
        if (response.ok() && response->body == body) ++ok;
      }
      return ok;
    }));
  }
  for (auto& result : results) EXPECT_EQ(result.get(), 25);
}

TEST_F(ServerTest, StartErrors) {
  StartServer();
  EXPECT_EQ(server_->Start().error().code(), core::ErrorCode::kFailedPrecondition);

  ServerOptions taken;
  taken.port = port_;
  HttpServer second(*loop_, router_, taken);
  auto result = second.Start();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), core::ErrorCode::kUnavailable);
  EXPECT_NE(result.error().message().find(std::to_string(port_)), std::string::npos);

  ServerOptions bad_host;
  bad_host.host = "no-such-host.invalid";
  HttpServer third(*loop_, router_, bad_host);
  EXPECT_FALSE(third.Start().ok());
}

TEST_F(ServerTest, LoopStoppedBeforeTheServerIsDestroyed) {
  router_->Add(Method::kGet, "/x", Echo);
  StartServer();
  RawSocket socket(port_);
  ASSERT_TRUE(socket.Send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_EQ(socket.ReadResponse(3000).rfind("HTTP/1.1 200", 0), 0u);
  loop_->Stop();
  server_->Stop();  // nothing runs the loop: closes from this thread, without waiting
  socket.ReadUntilClosed(3000);
  EXPECT_TRUE(socket.closed());
  server_.reset();
  loop_.reset();  // destroys the suspended connection coroutines
}

TEST(ParseListenAddressTest, Cases) {
  using Pair = std::pair<std::string, uint16_t>;
  EXPECT_EQ(*ParseListenAddress("127.0.0.1:0"), (Pair{"127.0.0.1", 0}));
  EXPECT_EQ(*ParseListenAddress("0.0.0.0:8006"), (Pair{"0.0.0.0", 8006}));
  EXPECT_EQ(*ParseListenAddress(":8000"), (Pair{"127.0.0.1", 8000}));
  EXPECT_EQ(*ParseListenAddress("[::1]:8000"), (Pair{"::1", 8000}));
  EXPECT_EQ(*ParseListenAddress("localhost:65535"), (Pair{"localhost", 65535}));
  for (std::string_view bad : {"", "8000", "host:", "host:65536", "host:-1", "host:80x", "[::1]",
                               "[::1]8000", "[::1:80", "::1:80", "[]:80"}) {
    auto parsed = ParseListenAddress(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) EXPECT_EQ(parsed.error().code(), core::ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace aitbc::net
