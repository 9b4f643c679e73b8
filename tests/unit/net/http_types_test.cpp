#include "net/http_types.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace aitbc::net {
namespace {

using core::ErrorCode;

TEST(HeadersTest, NamesAreCaseInsensitive) {
  Headers headers;
  headers.Add("Content-Type", "application/json");
  headers.Add("X-Api-Key", "k1");
  EXPECT_EQ(headers.Get("content-type"), "application/json");
  EXPECT_EQ(headers.Get("X-API-KEY"), "k1");
  EXPECT_FALSE(headers.Get("missing").has_value());

  headers.Add("x-api-key", "k2");
  headers.Set("X-Api-Key", "k3");  // replaces both
  EXPECT_EQ(headers.Get("x-api-key"), "k3");
  EXPECT_EQ(headers.all().size(), 2u);

  headers.Remove("CONTENT-TYPE");
  EXPECT_FALSE(headers.Get("Content-Type").has_value());
  EXPECT_EQ(headers.all().size(), 1u);
}

TEST(MethodTest, NamesRoundTrip) {
  for (Method m : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kPatch,
                   Method::kDelete, Method::kOptions}) {
    EXPECT_EQ(MethodFromName(MethodName(m)), m);
  }
  EXPECT_EQ(MethodFromName("get"), Method::kOther);  // methods are case-sensitive
  EXPECT_EQ(MethodFromName("TRACE"), Method::kOther);
}

TEST(PercentTest, DecodesAndEncodes) {
  EXPECT_EQ(*PercentDecode("a%20b%2Fc", false), "a b/c");
  EXPECT_EQ(*PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(*PercentDecode("a+b", true), "a b");
  EXPECT_EQ(*PercentDecode("%e2%82%AC", false), "\xe2\x82\xac");
  const std::string raw = "job id/é?&=+~._-";
  std::string encoded = PercentEncode(raw);
  EXPECT_EQ(encoded.find_first_of(" /?&=+"), std::string::npos);
  EXPECT_EQ(*PercentDecode(encoded, false), raw);
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
}

TEST(PercentTest, RejectsMalformedEscapes) {
  for (std::string_view bad : {"%", "%4", "ab%", "%zz", "%4g", "x%G1"}) {
    auto decoded = PercentDecode(bad, false);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(decoded.error().message().find("position"), std::string::npos);
  }
}

TEST(ParseTargetTest, SplitsPathAndQuery) {
  Request request;
  request.target = "/v1/jobs/a%20b?wait=5&name=x+y&flag&wait=9&e=%3D";
  ASSERT_TRUE(ParseTarget(request).ok());
  EXPECT_EQ(request.path, "/v1/jobs/a b");
  EXPECT_EQ(request.Query("wait"), "5");  // the first occurrence wins
  EXPECT_EQ(request.Query("name"), "x y");
  EXPECT_EQ(request.Query("flag"), "");
  EXPECT_EQ(request.Query("e"), "=");
  EXPECT_FALSE(request.Query("missing").has_value());
}

TEST(ParseTargetTest, RejectsBadTargets) {
  Request request;
  request.target = "http://host/x";
  EXPECT_EQ(ParseTarget(request).error().code(), ErrorCode::kInvalidArgument);
  request.target = "/x%zz";
  EXPECT_EQ(ParseTarget(request).error().code(), ErrorCode::kInvalidArgument);
  request.target = "/x?a=%";
  EXPECT_EQ(ParseTarget(request).error().code(), ErrorCode::kInvalidArgument);
}

TEST(RequestTest, PathParamMissingIsEmpty) {
  Request request;
  request.path_params["id"] = "abc";
  EXPECT_EQ(request.PathParam("id"), "abc");
  EXPECT_EQ(request.PathParam("other"), "");
}

TEST(RequestTest, JsonBody) {
  Request request;
  request.body = R"({"a": [1, 2]})";
  auto json = request.JsonBody();
  ASSERT_TRUE(json.ok());
  EXPECT_EQ((*json)["a"][1], 2);

  request.body = R"({"a": 1,})";
  json = request.JsonBody();
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(json.error().message().find("malformed JSON at byte 9"), std::string::npos)
      << json.error().message();
  EXPECT_EQ(json.error().message().find("[json.exception"), std::string::npos);

  request.body.clear();
  EXPECT_NE(request.JsonBody().error().message().find("empty"), std::string::npos);
}

TEST(ResponseTest, Helpers) {
  Response json = Response::Json(201, {{"id", "x"}});
  EXPECT_EQ(json.status, 201);
  EXPECT_EQ(json.headers.Get("Content-Type"), "application/json");
  EXPECT_EQ(json.body, R"({"id":"x"})");

  Response text = Response::Text(200, "hi", "text/csv");
  EXPECT_EQ(text.headers.Get("content-type"), "text/csv");
  EXPECT_EQ(text.body, "hi");

  Response error = Response::FromError(core::Error::NotFound("job \"7\" not found"));
  EXPECT_EQ(error.status, 404);
  auto body = nlohmann::json::parse(error.body);
  EXPECT_EQ(body["error"]["code"], "not_found");
  EXPECT_EQ(body["error"]["message"], "job \"7\" not found");

  Response custom = Response::JsonError(405, "method_not_allowed", "no");
  EXPECT_EQ(custom.status, 405);
  EXPECT_EQ(nlohmann::json::parse(custom.body)["error"]["code"], "method_not_allowed");
}

TEST(ResponseTest, InvalidUtf8DoesNotThrow) {
  Response response = Response::FromError(core::Error::InvalidArgument("bad \xff byte"));
  EXPECT_EQ(response.status, 400);
  EXPECT_TRUE(nlohmann::json::accept(response.body));
}

TEST(ResponseTest, TooManyRequestsRoundsRetryAfterUp) {
  Response r = Response::TooManyRequests(1500, "slow down");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers.Get("Retry-After"), "2");
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["code"], "resource_exhausted");
  EXPECT_EQ(Response::TooManyRequests(0, "x").headers.Get("Retry-After"), "1");
  EXPECT_EQ(Response::TooManyRequests(1, "x").headers.Get("Retry-After"), "1");
  EXPECT_EQ(Response::TooManyRequests(3000, "x").headers.Get("Retry-After"), "3");
}

TEST(StatusMappingTest, EveryCode) {
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInsufficientFunds), 402);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kPayloadTooLarge), 413);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kTimeout), 504);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kCorruption), 500);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kIOError), 500);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInternal), 500);
}

TEST(ErrorFromResponseTest, ReadsOurErrorBody) {
  core::Error original = core::Error::AlreadyExists("job exists");
  core::Error back = ErrorFromResponse(Response::FromError(original));
  EXPECT_EQ(back, original);
}

TEST(ErrorFromResponseTest, FallsBackToTheStatus) {
  Response response;
  response.status = 503;
  response.body = "<html>busy</html>";
  core::Error error = ErrorFromResponse(response);
  EXPECT_EQ(error.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(error.message(), "HTTP 503: <html>busy</html>");

  response.status = 429;
  response.body.clear();
  EXPECT_EQ(ErrorFromResponse(response).code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(ErrorFromResponse(response).message(), "HTTP 429");
  response.status = 418;
  EXPECT_EQ(ErrorFromResponse(response).code(), ErrorCode::kInvalidArgument);
  response.status = 502;
  EXPECT_EQ(ErrorFromResponse(response).code(), ErrorCode::kUnavailable);
  response.status = 501;
  EXPECT_EQ(ErrorFromResponse(response).code(), ErrorCode::kInternal);

  // An error body with a code we do not know: the status decides, the message is kept.
  response.status = 404;
  response.body = R"({"error":{"code":"gone_fishing","message":"no such thing"}})";
  EXPECT_EQ(ErrorFromResponse(response), core::Error::NotFound("no such thing"));

  // A long non-JSON body is cut.
  response.status = 500;
  response.body = std::string(1000, 'x');
  EXPECT_LT(ErrorFromResponse(response).message().size(), 300u);
}

TEST(EqualsIgnoreCaseTest, Ascii) {
  EXPECT_TRUE(EqualsIgnoreCase("Keep-Alive", "keep-alive"));
  EXPECT_FALSE(EqualsIgnoreCase("close", "closed"));
  EXPECT_FALSE(EqualsIgnoreCase("a", "b"));
}

}  // namespace
}  // namespace aitbc::net
