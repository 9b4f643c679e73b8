#include "net/json_rpc.h"

#include <atomic>
#include <mutex>

#include <spdlog/spdlog.h>

namespace aitbc::net::jsonrpc {
namespace {

using nlohmann::json;

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json ErrorResponse(const json& id, int code, std::string message) {
  return {
      {"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", std::move(message)}}}};
}

json ErrorResponse(const json& id, const core::Error& error) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", ErrorObject(error)}};
}

}  // namespace

json ErrorObject(const core::Error& error) {
  int code = kApplicationError;
  if (error.code() == core::ErrorCode::kInvalidArgument) code = kInvalidParams;
  if (error.code() == core::ErrorCode::kInternal) code = kInternalError;
  return {{"code", code},
          {"message", error.message()},
          {"data", {{"code", std::string(core::ErrorCodeName(error.code()))}}}};
}

core::Error ErrorFromObject(const json& error) {
  if (!error.is_object())
    return core::Error::Corruption("malformed JSON-RPC error: " + Dump(error));
  std::string message = "JSON-RPC error";
  if (auto it = error.find("message"); it != error.end() && it->is_string()) {
    message = it->get<std::string>();
  }
  auto data = error.find("data");
  if (data != error.end() && data->is_object()) {
    if (auto code = data->find("code"); code != data->end() && code->is_string()) {
      return core::Error(core::ErrorCodeFromName(code->get<std::string>()), std::move(message));
    }
  }
  // Other servers (CometBFT) put details in a string "data".
  if (data != error.end() && data->is_string() && !data->get<std::string>().empty()) {
    message += ": " + data->get<std::string>();
  }
  int code = kInternalError;
  if (auto it = error.find("code"); it != error.end() && it->is_number_integer()) {
    code = it->get<int>();
  }
  switch (code) {
    case kParseError:
    case kInvalidRequest:
    case kInvalidParams:
      return core::Error::InvalidArgument(std::move(message));
    case kMethodNotFound:
      return core::Error::NotFound(std::move(message));
    default:
      return core::Error::Internal(std::move(message));
  }
}

struct Dispatcher::Entry {
  Method method;
  AsyncMethod async_method;
};

void Dispatcher::Add(std::string name, Method method) {
  auto entry = std::make_shared<Entry>();
  entry->method = std::move(method);
  methods_->emplace_back(std::move(name), std::move(entry));
}

void Dispatcher::AddAsync(std::string name, AsyncMethod method) {
  auto entry = std::make_shared<Entry>();
  entry->async_method = std::move(method);
  methods_->emplace_back(std::move(name), std::move(entry));
}

void Dispatcher::Mount(Router& router, const std::string& path, size_t max_batch) const {
  router.AddAsync(net::Method::kPost, path,
                  [this, max_batch](Request& request, Responder responder) {
                    auto shared = std::make_shared<Responder>(std::move(responder));
                    HandleBody(request.body, max_batch, [shared](std::string body) {
                      if (body.empty()) {  // only notifications: nothing to say
                        Response response;
                        response.status = 204;
                        shared->Send(std::move(response));
                        return;
                      }
                      Response response;
                      response.status = 200;
                      response.headers.Add("Content-Type", "application/json");
                      response.body = std::move(body);
                      shared->Send(std::move(response));
                    });
                  });
}

void Dispatcher::HandleBody(std::string_view body, std::function<void(std::string)> done) const {
  HandleBody(body, kDefaultMaxBatch, std::move(done));
}

void Dispatcher::HandleBody(std::string_view body, size_t max_batch,
                            std::function<void(std::string)> done) const {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    done(Dump(ErrorResponse(nullptr, kParseError, "Parse error: the body is not valid JSON")));
    return;
  }
  if (!parsed.is_array()) {
    HandleOne(parsed, [done = std::move(done)](json response) {
      done(response.is_null() ? std::string() : Dump(response));
    });
    return;
  }
  if (parsed.empty()) {
    done(Dump(ErrorResponse(nullptr, kInvalidRequest, "Invalid Request: empty batch")));
    return;
  }
  if (parsed.size() > max_batch) {
    done(Dump(ErrorResponse(nullptr, kInvalidRequest,
                            "Invalid Request: batch of " + std::to_string(parsed.size()) +
                                " requests exceeds the limit of " + std::to_string(max_batch))));
    return;
  }
  // Answers may come back from other threads and in any order; slots keep the request order.
  struct Batch {
    std::mutex mu;
    std::vector<json> slots;
    size_t remaining;
    std::function<void(std::string)> done;
  };
  auto batch = std::make_shared<Batch>();
  batch->slots.resize(parsed.size());
  batch->remaining = parsed.size();
  batch->done = std::move(done);
  for (size_t i = 0; i < parsed.size(); ++i) {
    HandleOne(parsed[i], [batch, i](json response) {
      bool last = false;
      {
        std::lock_guard lock(batch->mu);
        batch->slots[i] = std::move(response);
        last = --batch->remaining == 0;
      }
      if (!last) return;
      json out = json::array();
      for (auto& slot : batch->slots) {
        if (!slot.is_null()) out.push_back(std::move(slot));
      }
      batch->done(out.empty() ? std::string() : Dump(out));
    });
  }
}

void Dispatcher::HandleOne(const json& request, std::function<void(json)> answer) const {
  if (!request.is_object()) {
    answer(ErrorResponse(nullptr, kInvalidRequest, "Invalid Request: not an object"));
    return;
  }
  json id = nullptr;
  bool notification = true;
  if (auto it = request.find("id"); it != request.end()) {
    if (!it->is_null() && !it->is_string() && !it->is_number()) {
      answer(ErrorResponse(nullptr, kInvalidRequest,
                           "Invalid Request: id must be a number, a string or null"));
      return;
    }
    id = *it;
    notification = false;
  }
  auto version = request.find("jsonrpc");
  if (version == request.end() || *version != "2.0") {
    answer(ErrorResponse(id, kInvalidRequest, "Invalid Request: \"jsonrpc\" must be \"2.0\""));
    return;
  }
  auto method = request.find("method");
  if (method == request.end() || !method->is_string()) {
    answer(ErrorResponse(id, kInvalidRequest, "Invalid Request: \"method\" must be a string"));
    return;
  }
  static const json kNoParams = json::object();
  const json* params = &kNoParams;  // absent params read as {}
  if (auto it = request.find("params"); it != request.end()) {
    if (!it->is_object() && !it->is_array()) {
      answer(ErrorResponse(id, kInvalidRequest,
                           "Invalid Request: \"params\" must be an object or an array"));
      return;
    }
    params = &*it;
  }
  const std::string& name = method->get_ref<const std::string&>();
  const Entry* entry = nullptr;
  for (const auto& [method_name, candidate] : *methods_) {
    if (method_name == name) {
      entry = candidate.get();
      break;
    }
  }
  if (!entry) {
    answer(notification ? json() : ErrorResponse(id, kMethodNotFound, "Method not found: " + name));
    return;
  }

  auto reply = [answer = std::move(answer), id = std::move(id),
                notification](core::Result<json> result) {
    if (notification) {
      answer(json());
    } else if (result.ok()) {
      answer(json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result).value()}});
    } else {
      answer(ErrorResponse(id, result.error()));
    }
  };
  if (entry->method) {
    core::Result<json> result = core::Error::Internal("internal error");
    try {
      result = entry->method(*params);
    } catch (const std::exception& e) {
      spdlog::error("JSON-RPC method {} threw: {}", name, e.what());
    } catch (...) {
      spdlog::error("JSON-RPC method {} threw a non-standard exception", name);
    }
    reply(std::move(result));
    return;
  }
  // Async: the answer may come from any thread, exactly once (extra answers are dropped).
  auto fired = std::make_shared<std::atomic<bool>>(false);
  auto shared_reply = std::make_shared<std::function<void(core::Result<json>)>>(std::move(reply));
  auto answer_once = [shared_reply, fired](core::Result<json> result) {
    if (fired->exchange(true)) {
      spdlog::warn("JSON-RPC method answered more than once; extra answer dropped");
      return;
    }
    (*shared_reply)(std::move(result));
  };
  try {
    entry->async_method(*params, answer_once);
  } catch (const std::exception& e) {
    spdlog::error("JSON-RPC method {} threw: {}", name, e.what());
    answer_once(core::Error::Internal("internal error"));
  } catch (...) {
    spdlog::error("JSON-RPC method {} threw a non-standard exception", name);
    answer_once(core::Error::Internal("internal error"));
  }
}

// ---------------------------------------------------------------------------------------------
// Client

namespace {

ClientRequest MakeHttpRequest(const Url& url, int64_t timeout_ms, std::string body) {
  ClientRequest request;
  request.method = Method::kPost;
  request.url = url;
  request.headers.Add("Content-Type", "application/json");
  request.body = std::move(body);
  request.read_timeout_ms = timeout_ms;
  return request;
}

// A request object; null params are left out (JSON-RPC allows only an object or an array).
json MakeCall(int64_t id, std::string method, json params) {
  json call = {{"jsonrpc", "2.0"}, {"id", id}, {"method", std::move(method)}};
  if (!params.is_null()) call["params"] = std::move(params);
  return call;
}

// The decoded body of an HTTP answer to a JSON-RPC request.
core::Result<json> ParseHttpAnswer(core::Result<Response> response) {
  if (!response.ok()) return std::move(response).error();
  json body = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    if (response->status != 200) return ErrorFromResponse(*response);
    return core::Error::Corruption("JSON-RPC response is not valid JSON");
  }
  // A server in front of us (auth, rate limit) may answer with our REST error body.
  if (response->status != 200 && !(body.is_object() && body.contains("jsonrpc")) &&
      !body.is_array()) {
    return ErrorFromResponse(*response);
  }
  return body;
}

core::Result<json> ResultOf(const json& answer) {
  if (!answer.is_object()) return core::Error::Corruption("malformed JSON-RPC response");
  if (auto error = answer.find("error"); error != answer.end() && !error->is_null()) {
    return ErrorFromObject(*error);
  }
  auto result = answer.find("result");
  if (result == answer.end()) return core::Error::Corruption("JSON-RPC response has no result");
  return *result;
}

}  // namespace

void Client::Call(std::string method, json params, std::function<void(core::Result<json>)> done) {
  json request = MakeCall(1, std::move(method), std::move(params));
  http_.Send(MakeHttpRequest(url_, timeout_ms, Dump(request)),
             [done = std::move(done)](core::Result<Response> response) {
               auto body = ParseHttpAnswer(std::move(response));
               if (!body.ok()) return done(std::move(body).error());
               done(ResultOf(*body));
             });
}

void Client::CallBatch(std::vector<std::pair<std::string, json>> calls,
                       std::function<void(std::vector<core::Result<json>>)> done) {
  const size_t count = calls.size();
  if (count == 0) return done({});
  json request = json::array();
  for (size_t i = 0; i < count; ++i) {
    // Ids are the positions in the batch.
    request.push_back(
        MakeCall(static_cast<int64_t>(i), std::move(calls[i].first), std::move(calls[i].second)));
  }
  http_.Send(MakeHttpRequest(url_, timeout_ms, Dump(request)),
             [done = std::move(done), count](core::Result<Response> response) {
               std::vector<core::Result<json>> results(
                   count, core::Error::Corruption("no answer for this call in the batch"));
               auto body = ParseHttpAnswer(std::move(response));
               if (!body.ok()) {
                 std::fill(results.begin(), results.end(), body.error());
                 return done(std::move(results));
               }
               if (body->is_object()) {  // one error for the whole batch (e.g. too large)
                 core::Result<json> single = ResultOf(*body);
                 core::Error error =
                     single.ok()
                         ? core::Error::Corruption("JSON-RPC batch answered with one result")
                         : single.error();
                 std::fill(results.begin(), results.end(), error);
                 return done(std::move(results));
               }
               for (const auto& answer : *body) {
                 if (!answer.is_object()) continue;
                 auto id = answer.find("id");
                 if (id == answer.end() || !id->is_number_integer()) continue;
                 int64_t index = id->get<int64_t>();
                 if (index < 0 || index >= static_cast<int64_t>(count)) continue;
                 results[static_cast<size_t>(index)] = ResultOf(answer);
               }
               done(std::move(results));
             });
}

core::Result<json> BlockingClient::Call(const std::string& method, const json& params) {
  json request = MakeCall(1, method, params);
  auto body = ParseHttpAnswer(http_.Send(MakeHttpRequest(url_, timeout_ms, Dump(request))));
  if (!body.ok()) return std::move(body).error();
  return ResultOf(*body);
}

}  // namespace aitbc::net::jsonrpc
