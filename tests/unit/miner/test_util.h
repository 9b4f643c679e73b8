// Helpers shared by the miner's tests: a running EventLoop with an HttpClient, synchronous
// calls of the asynchronous backends, a free port, and job specs.
#pragma once

#include <future>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "miner/backend.h"
#include "net/event_loop.h"
#include "net/http_client.h"

namespace aitbc::miner::testing {

class LoopFixture : public ::testing::Test {
 protected:
  LoopFixture() : client_(std::make_unique<net::HttpClient>(loop_)) { loop_.RunInBackground(); }
  ~LoopFixture() override {
    loop_.Stop();
    client_.reset();
  }
  net::EventLoop loop_{1};
  std::unique_ptr<net::HttpClient> client_;
};

// Runs one inference and waits for its outcome (a failure "internal" if none came in time).
inline InferenceOutcome RunSync(Backend& backend, InferenceRequest request,
                                int64_t timeout_ms = 15'000) {
  auto promise = std::make_shared<std::promise<InferenceOutcome>>();
  auto future = promise->get_future();
  auto call = backend.Run(std::move(request), [promise](InferenceOutcome outcome) {
    promise->set_value(std::move(outcome));
  });
  if (future.wait_for(std::chrono::milliseconds(timeout_ms)) != std::future_status::ready) {
    call->Cancel();
    return InferenceOutcome::Fail("internal", "the test timed out waiting for the backend");
  }
  return future.get();
}

inline core::Result<std::vector<std::string>> ListSync(Backend& backend) {
  auto promise = std::make_shared<std::promise<core::Result<std::vector<std::string>>>>();
  auto future = promise->get_future();
  backend.ListModels([promise](core::Result<std::vector<std::string>> models) {
    promise->set_value(std::move(models));
  });
  if (future.wait_for(std::chrono::seconds(15)) != std::future_status::ready) {
    return core::Error::Timeout("the test timed out waiting for the model list");
  }
  return future.get();
}

inline InferenceRequest Job(std::string model, std::string prompt = "What is machine learning?",
                            std::string job_id = "job_1") {
  InferenceRequest request;
  request.job_id = std::move(job_id);
  request.spec.model = std::move(model);
  request.spec.prompt = std::move(prompt);
  return request;
}

// A port nothing listens on (bound once, then released).
uint16_t UnusedPort();

}  // namespace aitbc::miner::testing
