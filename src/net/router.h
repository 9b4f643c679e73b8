// Router: maps method + path pattern to a handler. Patterns are literal segments and
// "{name}" parameters: "/v1/jobs/{id}/complete".
//
// Contract: routes are added before the server starts; Dispatch is thread-safe afterwards.
// An unknown path answers 404 and a known path with the wrong method 405 (with Allow), both
// with the JSON error body. A handler that throws answers 500 and the server lives on.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/http_types.h"

namespace aitbc::net {

// Writes a streamed (chunked) response body. Thread-safe; Write/End may be called from any
// thread. After the peer disconnects, closed() is true and writes are dropped.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  virtual void Write(std::string chunk) = 0;
  // Writes one Server-Sent Event: "event: <event>\ndata: <data>\n\n" (event omitted if empty).
  void WriteEvent(std::string_view event, std::string_view data);
  virtual void End() = 0;
  virtual bool closed() const = 0;
};

// The one-shot answer channel of an asynchronous handler. Move-only. Send() or StartStream()
// may be called once, from any thread. If it is destroyed unused, the client gets a 500.
class Responder {
 public:
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void Send(Response response) = 0;
    virtual std::shared_ptr<StreamWriter> StartStream(int status, Headers headers) = 0;
  };

  Responder() = default;
  explicit Responder(std::shared_ptr<Sink> sink) : sink_(std::move(sink)) {}
  Responder(Responder&&) noexcept = default;
  Responder& operator=(Responder&&) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  void Send(Response response);
  std::shared_ptr<StreamWriter> StartStream(int status, Headers headers);
  bool valid() const { return sink_ != nullptr; }

 private:
  std::shared_ptr<Sink> sink_;
};

using Handler = std::function<Response(Request&)>;
using AsyncHandler = std::function<void(Request&, Responder)>;

class Router {
 public:
  void Add(Method method, std::string pattern, Handler handler);
  void AddAsync(Method method, std::string pattern, AsyncHandler handler);
  // Finds the route, fills request.path_params and request.route and calls the handler
  // (catching exceptions). HEAD falls back to the GET route (the server drops the body);
  // OPTIONS on a known path answers 204 with Allow. An async handler must move what it needs out
  // of the request before it returns: the request may be gone when it answers.
  void Dispatch(Request& request, Responder responder) const;

 private:
  struct Route;
  void AddRoute(std::shared_ptr<Route> route);
  std::vector<std::shared_ptr<Route>> routes_;
};

}  // namespace aitbc::net
