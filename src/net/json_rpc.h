// JSON-RPC 2.0 over HTTP POST: a method dispatcher for servers (single and batch requests,
// notifications, standard error codes) and a client.
//
// Error codes: -32700 parse error, -32600 invalid request, -32601 method not found,
// -32602 invalid params, -32603 internal error; application errors are -32000 with
// data {"code": "<core::ErrorCode name>"} so clients can rebuild the core::Error.
// Contract: the dispatcher is thread-safe after set-up; methods run on the server's loop
// threads; async methods answer through their callback exactly once, from any thread (later
// answers are dropped). A method that throws answers -32603.
// Requests: "jsonrpc" must be "2.0"; "params" may be an object or an array (absent reads as
// {}); "id" may be a number, a string or null, and a request without "id" is a notification
// that gets no answer (not even an error). An empty batch is one -32600 error.
// HTTP: Mount() answers every JSON-RPC outcome, errors and parse errors included, with HTTP 200
// (as CometBFT does), and 204 with no body when every request was a notification. The client
// treats a non-200 answer without a JSON-RPC body (a proxy, an auth layer) with
// ErrorFromResponse.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "net/http_client.h"
#include "net/router.h"

namespace aitbc::net::jsonrpc {

inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kApplicationError = -32000;

// core::Error -> JSON-RPC error object; kInvalidArgument becomes -32602.
nlohmann::json ErrorObject(const core::Error& error);
// JSON-RPC error object -> core::Error (uses data.code when present).
core::Error ErrorFromObject(const nlohmann::json& error);

class Dispatcher {
 public:
  using Method = std::function<core::Result<nlohmann::json>(const nlohmann::json& params)>;
  using AsyncMethod = std::function<void(const nlohmann::json& params,
                                         std::function<void(core::Result<nlohmann::json>)> done)>;

  void Add(std::string name, Method method);
  void AddAsync(std::string name, AsyncMethod method);
  // Registers POST `path` on the router to serve this dispatcher (the dispatcher must outlive
  // the router). Limits a batch to max_batch requests.
  void Mount(Router& router, const std::string& path, size_t max_batch = 1000) const;
  // Handles one HTTP body (single request or batch); done gets the HTTP body to answer with
  // (empty when every request was a notification).
  void HandleBody(std::string_view body, std::function<void(std::string)> done) const;
  void HandleBody(std::string_view body, size_t max_batch,
                  std::function<void(std::string)> done) const;

  static constexpr size_t kDefaultMaxBatch = 1000;

 private:
  struct Entry;
  // Answers one request object; answer gets null for a notification.
  void HandleOne(const nlohmann::json& request, std::function<void(nlohmann::json)> answer) const;
  std::shared_ptr<std::vector<std::pair<std::string, std::shared_ptr<Entry>>>> methods_ =
      std::make_shared<std::vector<std::pair<std::string, std::shared_ptr<Entry>>>>();
};

// Null params are left out of the request. Errors: the JSON-RPC error as ErrorFromObject
// rebuilds it, transport errors as HttpClient reports them, kCorruption for a malformed answer.
class Client {
 public:
  Client(HttpClient& http, Url url) : http_(http), url_(std::move(url)) {}

  void Call(std::string method, nlohmann::json params,
            std::function<void(core::Result<nlohmann::json>)> done);
  // One HTTP request for many calls; results in the same order. A transport error or an error
  // for the whole batch is given to every call.
  void CallBatch(std::vector<std::pair<std::string, nlohmann::json>> calls,
                 std::function<void(std::vector<core::Result<nlohmann::json>>)> done);
  int64_t timeout_ms = 30'000;

 private:
  HttpClient& http_;
  Url url_;
};

// Blocking form for the CLI and tests.
class BlockingClient {
 public:
  BlockingClient(BlockingHttpClient& http, Url url) : http_(http), url_(std::move(url)) {}
  core::Result<nlohmann::json> Call(const std::string& method, const nlohmann::json& params);
  int64_t timeout_ms = 30'000;

 private:
  BlockingHttpClient& http_;
  Url url_;
};

}  // namespace aitbc::net::jsonrpc
