#include "net/http_client.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include <nlohmann/json.hpp>

#include "net/http_server.h"
#include "net_test_util.h"

namespace aitbc::net {
namespace {

using core::ErrorCode;
using testing::Latch;
using testing::RawServer;
using testing::RawSocket;
using testing::WaitUntil;

ClientRequest Make(uint16_t port, std::string target, Method method = Method::kGet) {
  ClientRequest request;
  request.method = method;
  request.url.host = "127.0.0.1";
  request.url.port = port;
  request.url.target = std::move(target);
  request.connect_timeout_ms = 2000;
  request.read_timeout_ms = 5000;
  return request;
}

// A real server for the client to talk to.
class ClientTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options = {}) {
    loop_.RunInBackground();
    server_ = std::make_unique<HttpServer>(loop_, router_, std::move(options));
    auto port = server_->Start();
    ASSERT_TRUE(port.ok());
    port_ = *port;
  }
  void TearDown() override { server_.reset(); }

  std::shared_ptr<Router> router_ = std::make_shared<Router>();
  EventLoop loop_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
};

TEST(UrlTest, Parses) {
  auto url = Url::Parse("http://127.0.0.1:8000/v1/jobs?x=1#frag");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8000);
  EXPECT_EQ(url->target, "/v1/jobs?x=1");
  EXPECT_EQ(url->ToString(), "http://127.0.0.1:8000/v1/jobs?x=1");

  url = Url::Parse("HTTP://example.com");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->target, "/");
  EXPECT_EQ(url->ToString(), "http://example.com/");

  url = Url::Parse("http://[::1]:8006?q");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->target, "/?q");
  EXPECT_EQ(url->ToString(), "http://[::1]:8006/?q");
  EXPECT_EQ(url->WithTarget("/status").ToString(), "http://[::1]:8006/status");
}

TEST(UrlTest, RejectsWhatItCannotUse) {
  for (std::string_view bad :
       {"https://host/", "ftp://x", "127.0.0.1:8000", "http://", "http://:80/", "http://h:0/",
        "http://h:65536/", "http://h:x/", "http://h:/", "http://[::1/", "http://u@h/",
        "http://h/a b", "http://h/\r\n"}) {
    auto url = Url::Parse(bad);
    EXPECT_FALSE(url.ok()) << bad;
    if (!url.ok()) EXPECT_EQ(url.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(LineSplitterTest, SplitsAcrossFeeds) {
  LineSplitter splitter;
  std::vector<std::string> lines;
  auto collect = [&](std::string_view line) { lines.emplace_back(line); };
  ASSERT_TRUE(splitter.Feed("{\"a\":1}\n{\"b\"", collect).ok());
  ASSERT_TRUE(splitter.Feed(":2}\r\n\ndata: x", collect).ok());
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", ""}));
  EXPECT_EQ(splitter.TakeRest(), "data: x");
  EXPECT_EQ(splitter.TakeRest(), "");
}

TEST(LineSplitterTest, RejectsOverlongLines) {
  LineSplitter splitter(8);
  auto ignore = [](std::string_view) {};
  EXPECT_TRUE(splitter.Feed("12345678\n", ignore).ok());
  EXPECT_EQ(splitter.Feed("123456789", ignore).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(splitter.Feed("1234", ignore).ok());
  EXPECT_EQ(splitter.Feed("56789\n", ignore).error().code(), ErrorCode::kInvalidArgument);
}

TEST(ClientErrorsTest, ConnectionRefusedIsUnavailable) {
  BlockingHttpClient client;
  auto response = client.Send(Make(testing::ClosedPort(), "/"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message().find("refused"), std::string::npos);
}

TEST(ClientErrorsTest, ConnectTimeout) {
  // A listener that never accepts, with its backlog filled: further SYNs are dropped, so the
  // connect hangs until our timeout.
  RawServer listener(nullptr, /*backlog=*/0);
  std::vector<std::unique_ptr<testing::PendingConnect>> fillers;
  for (int i = 0; i < 4; ++i) {
    fillers.push_back(std::make_unique<testing::PendingConnect>(listener.port()));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the handshakes settle
  BlockingHttpClient client;
  ClientRequest request = Make(listener.port(), "/");
  request.connect_timeout_ms = 100;
  request.read_timeout_ms = 100;
  auto response = client.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kTimeout) << response.error().ToString();
}

TEST(ClientErrorsTest, ReadTimeoutWhenTheServerNeverAnswers) {
  Latch release;
  RawServer silent([&](int fd, int) {
    RawServer::ReadRequest(fd, 2000);
    release.WaitFor(5000);
  });
  BlockingHttpClient client;
  ClientRequest request = Make(silent.port(), "/");
  request.read_timeout_ms = 100;
  auto response = client.Send(request);
  release.Set();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kTimeout);
}

TEST(ClientErrorsTest, MalformedResponseIsCorruption) {
  RawServer server([](int fd, int) {
    RawServer::ReadRequest(fd, 2000);
    RawServer::WriteAll(fd, "HTTP/1.1 abc nonsense\r\n\r\n");
  });
  BlockingHttpClient client;
  auto response = client.Send(Make(server.port(), "/"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kCorruption);
}

TEST(ClientErrorsTest, ResponseCutShortIsUnavailableAndNotRetried) {
  RawServer server([](int fd, int) {
    RawServer::ReadRequest(fd, 2000);
    RawServer::WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  });
  BlockingHttpClient client;
  auto response = client.Send(Make(server.port(), "/"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(server.accepted(), 1);
}

TEST(ClientErrorsTest, InvalidRequestsAreRejectedBeforeConnecting) {
  BlockingHttpClient client;
  ClientRequest request = Make(1, "/a b");
  EXPECT_EQ(client.Send(request).error().code(), ErrorCode::kInvalidArgument);
  request = Make(1, "/");
  request.headers.Add("X-Evil", "a\r\nInjected: yes");
  EXPECT_EQ(client.Send(request).error().code(), ErrorCode::kInvalidArgument);
}

TEST(ClientErrorsTest, ResponseOverTheLimitIsPayloadTooLarge) {
  RawServer server([](int fd, int) {
    RawServer::ReadRequest(fd, 2000);
    RawServer::WriteAll(fd,
                        "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'x'));
  });
  ClientOptions options;
  options.max_response_bytes = 1000;
  BlockingHttpClient client(options);
  auto response = client.Send(Make(server.port(), "/"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kPayloadTooLarge);
}

TEST(ClientErrorsTest, StaleKeptAliveConnectionIsRetriedOnce) {
  // Connection 0 answers the first request, then closes when the second arrives, as a server
  // does when its idle timeout races with a new request. Connection 1 answers normally.
  RawServer server([](int fd, int index) {
    std::string request = RawServer::ReadRequest(fd, 2000);
    if (index == 0) {
      RawServer::WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
      RawServer::ReadRequest(fd, 2000);
      return;  // closed without an answer
    }
    RawServer::WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond");
    RawServer::ReadRequest(fd, 500);
  });
  BlockingHttpClient client;
  auto first = client.Send(Make(server.port(), "/"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->body, "first");
  auto second = client.Send(Make(server.port(), "/", Method::kPost));
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  EXPECT_EQ(second->body, "second");
  EXPECT_EQ(server.accepted(), 2);
}

TEST_F(ClientTest, ReusesConnections) {
  router_->Add(Method::kGet, "/who",
               [](Request& request) { return Response::Text(200, request.remote_address); });
  StartServer();
  BlockingHttpClient client;
  auto a = client.Send(Make(port_, "/who"));
  auto b = client.Send(Make(port_, "/who"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->body, b->body);  // the same client port: the same connection
  EXPECT_EQ(server_->open_connections(), 1u);
}

TEST_F(ClientTest, ConnectionCloseIsHonoured) {
  router_->Add(Method::kGet, "/who", [](Request& request) {
    Response response = Response::Text(200, request.remote_address);
    response.headers.Add("Connection", "close");
    return response;
  });
  StartServer();
  BlockingHttpClient client;
  auto a = client.Send(Make(port_, "/who"));
  auto b = client.Send(Make(port_, "/who"));
  ASSERT_TRUE(a.ok() && b.ok()) << (a.ok() ? b.error() : a.error()).ToString();
  EXPECT_NE(a->body, b->body);
}

TEST_F(ClientTest, ServerClosingIdleConnectionsIsHarmless) {
  router_->Add(Method::kGet, "/x", [](Request&) { return Response::Text(200, "x"); });
  ServerOptions options;
  options.idle_timeout_ms = 50;
  StartServer(options);
  BlockingHttpClient client;
  ASSERT_TRUE(client.Send(Make(port_, "/x")).ok());
  ASSERT_TRUE(WaitUntil([&] { return server_->open_connections() == 0; }));
  auto again = client.Send(Make(port_, "/x"));
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(again->body, "x");
}

TEST_F(ClientTest, HttpErrorStatusIsAResponse) {
  router_->Add(Method::kGet, "/x",
               [](Request&) { return Response::FromError(core::Error::PermissionDenied("no")); });
  StartServer();
  BlockingHttpClient client;
  auto response = client.Send(Make(port_, "/x"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 403);
  EXPECT_EQ(ErrorFromResponse(*response), core::Error::PermissionDenied("no"));
}

TEST_F(ClientTest, SendsBodyAndHeaders) {
  router_->Add(Method::kPut, "/echo", [](Request& request) {
    nlohmann::json body = {{"body", request.body},
                           {"type", std::string(request.Header("content-type").value_or(""))},
                           {"agent", std::string(request.Header("user-agent").value_or(""))},
                           {"host", std::string(request.Header("host").value_or(""))}};
    return Response::Json(200, body);
  });
  StartServer();
  HttpClient client(loop_);
  ClientRequest request = Make(port_, "/echo", Method::kPut);
  request.body = "payload";
  request.headers.Add("Content-Type", "text/plain");
  std::promise<core::Result<Response>> done;
  client.Send(request, [&](core::Result<Response> r) { done.set_value(std::move(r)); });
  auto response = done.get_future().get();
  ASSERT_TRUE(response.ok());
  auto body = nlohmann::json::parse(response->body);
  EXPECT_EQ(body["body"], "payload");
  EXPECT_EQ(body["type"], "text/plain");
  EXPECT_EQ(body["agent"], "aitbc");
  EXPECT_EQ(body["host"], "127.0.0.1:" + std::to_string(port_));
}

TEST_F(ClientTest, HeadRequestHasNoBody) {
  router_->Add(Method::kGet, "/x", [](Request&) { return Response::Text(200, "hello"); });
  StartServer();
  BlockingHttpClient client;
  auto head = client.Send(Make(port_, "/x", Method::kHead));
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->headers.Get("Content-Length"), "5");
  EXPECT_EQ(head->body, "");
  auto get = client.Send(Make(port_, "/x"));  // the kept connection is still in step
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->body, "hello");
}

// A stream handler that writes a piece only after the test saw the previous one arrive: the
// pieces must reach the client one by one, not at the end.
class StreamingTest : public ClientTest {
 protected:
  void SetUp() override {
    router_->AddAsync(Method::kGet, "/stream", [this](Request& request, Responder responder) {
      bool sse = request.Query("sse").has_value();
      Headers headers;
      headers.Add("Content-Type", sse ? "text/event-stream" : "application/x-ndjson");
      std::lock_guard lock(mu_);
      writer_ = responder.StartStream(200, std::move(headers));
      sse_ = sse;
      started_.Set();
    });
    StartServer();
  }

  void Pump(int pieces) {
    ASSERT_TRUE(started_.WaitFor(3000));
    for (int i = 0; i < pieces; ++i) {
      std::string text = "{\"n\":" + std::to_string(i) + "}";
      if (sse_) {
        writer_->WriteEvent("token", text);
      } else {
        writer_->Write(text + "\n");
      }
      ASSERT_TRUE(WaitUntil([&] {
        std::lock_guard lock(mu_);
        return static_cast<int>(lines_.size()) > i;
      })) << "piece "
          << i << " did not arrive on its own";
    }
    writer_->End();
  }

  void OnData(std::string_view data) {
    std::lock_guard lock(mu_);
    ASSERT_TRUE(splitter_
                    .Feed(data,
                          [&](std::string_view line) {
                            if (line.rfind("data: ", 0) == 0) line.remove_prefix(6);
                            if (line.empty() || line.rfind("event: ", 0) == 0) return;
                            lines_.emplace_back(line);
                          })
                    .ok());
  }

  std::mutex mu_;
  std::shared_ptr<StreamWriter> writer_;
  bool sse_ = false;
  Latch started_;
  LineSplitter splitter_;
  std::vector<std::string> lines_;
};

TEST_F(StreamingTest, NdjsonArrivesIncrementally) {
  HttpClient client(loop_);
  std::promise<core::Result<Response>> done;
  client.SendStreaming(
      Make(port_, "/stream"),
      [&](std::string_view data) {
        OnData(data);
        return true;
      },
      [&](core::Result<Response> r) { done.set_value(std::move(r)); });
  Pump(3);
  auto response = done.get_future().get();
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->headers.Get("Content-Type"), "application/x-ndjson");
  EXPECT_EQ(response->body, "");
  EXPECT_EQ(lines_, (std::vector<std::string>{"{\"n\":0}", "{\"n\":1}", "{\"n\":2}"}));
}

TEST_F(StreamingTest, ServerSentEventsArriveIncrementally) {
  std::thread pump([this] { Pump(3); });
  BlockingHttpClient client;
  auto response = client.SendStreaming(Make(port_, "/stream?sse=1"), [&](std::string_view data) {
    OnData(data);
    return true;
  });
  pump.join();
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->headers.Get("Content-Type"), "text/event-stream");
  EXPECT_EQ(lines_.size(), 3u);
}

TEST_F(StreamingTest, ReaderCanStopEarly) {
  BlockingHttpClient client;
  std::thread writer([this] {
    ASSERT_TRUE(started_.WaitFor(3000));
    writer_->Write("one\n");
    writer_->Write("two\n");
  });
  auto response = client.SendStreaming(Make(port_, "/stream"), [&](std::string_view data) {
    OnData(data);
    return false;  // enough
  });
  writer.join();
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(WaitUntil([&] { return writer_->closed(); }));  // the server saw us go
}

TEST_F(StreamingTest, GapLongerThanTheReadTimeoutIsTimeout) {
  BlockingHttpClient client;
  ClientRequest request = Make(port_, "/stream");
  request.read_timeout_ms = 150;
  std::thread writer([this] {
    ASSERT_TRUE(started_.WaitFor(3000));
    writer_->Write("one\n");  // then silence
  });
  auto response = client.SendStreaming(request, [&](std::string_view data) {
    OnData(data);
    return true;
  });
  writer.join();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kTimeout);
  EXPECT_EQ(lines_, (std::vector<std::string>{"one"}));
}

TEST_F(ClientTest, StreamingAPlainBodyAndAnErrorBody) {
  router_->Add(Method::kGet, "/plain", [](Request&) { return Response::Text(200, "a\nb\n"); });
  router_->Add(Method::kGet, "/missing",
               [](Request&) { return Response::FromError(core::Error::NotFound("no model")); });
  StartServer();
  BlockingHttpClient client;
  std::string received;
  auto collect = [&](std::string_view data) {
    received += data;
    return true;
  };
  auto response = client.SendStreaming(Make(port_, "/plain"), collect);
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(received, "a\nb\n");

  received.clear();
  response = client.SendStreaming(Make(port_, "/missing"), collect);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(received, "");  // an error is not streamed: it is in the response
  EXPECT_EQ(ErrorFromResponse(*response), core::Error::NotFound("no model"));
}

TEST_F(ClientTest, ManyParallelRequestsOnOneClient) {
  router_->Add(Method::kGet, "/n/{n}",
               [](Request& request) { return Response::Text(200, request.PathParam("n")); });
  StartServer();
  HttpClient client(loop_);
  constexpr int kRequests = 50;
  std::atomic<int> ok{0};
  std::atomic<int> finished{0};
  for (int i = 0; i < kRequests; ++i) {
    client.Send(Make(port_, "/n/" + std::to_string(i)), [&, i](core::Result<Response> r) {
      if (r.ok() && r->body == std::to_string(i)) ++ok;
      ++finished;
    });
  }
  ASSERT_TRUE(WaitUntil([&] { return finished.load() == kRequests; }, 10'000));
  EXPECT_EQ(ok.load(), kRequests);
}

}  // namespace
}  // namespace aitbc::net
