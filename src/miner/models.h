// ModelCatalog: the backend's model list, cached between refreshes, and whether the backend
// answered the last time it was asked (its health).
//
// Contract: thread-safe. Refresh() asks the backend and calls done on an EventLoop thread once
// the cache holds the answer; a failed refresh keeps the previous list and marks the backend
// unhealthy.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "miner/backend.h"

namespace aitbc::miner {

class ModelCatalog {
 public:
  explicit ModelCatalog(Backend& backend) : backend_(backend) {}

  void Refresh(std::function<void()> done);
  std::vector<std::string> models() const;
  bool Has(std::string_view model) const;
  bool healthy() const;
  // Why the last refresh failed; empty after a success.
  std::string last_error() const;

 private:
  Backend& backend_;
  mutable std::mutex mu_;
  std::vector<std::string> models_;
  bool healthy_ = false;
  std::string last_error_ = "not asked yet";
};

}  // namespace aitbc::miner
