#include "miner/models.h"

#include <spdlog/spdlog.h>

namespace aitbc::miner {
namespace {

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

void ModelCatalog::Refresh(std::function<void()> done) {
  backend_.ListModels(
      [this, done = std::move(done)](core::Result<std::vector<std::string>> result) {
        {
          std::lock_guard lock(mu_);
          if (result.ok()) {
            if (*result != models_) spdlog::info("backend models: [{}]", Join(*result));
            if (!healthy_) spdlog::info("backend {} answers", backend_.name());
            models_ = std::move(result).value();
            healthy_ = true;
            last_error_.clear();
          } else {
            if (healthy_ || last_error_ != result.error().message()) {
              spdlog::warn("backend {} unhealthy: {}", backend_.name(), result.error().message());
            }
            healthy_ = false;
            last_error_ = result.error().message();
          }
        }
        if (done) done();
      });
}

std::vector<std::string> ModelCatalog::models() const {
  std::lock_guard lock(mu_);
  return models_;
}

bool ModelCatalog::Has(std::string_view model) const {
  std::lock_guard lock(mu_);
  return backend_.HasModel(models_, model);
}

bool ModelCatalog::healthy() const {
  std::lock_guard lock(mu_);
  return healthy_;
}

std::string ModelCatalog::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

}  // namespace aitbc::miner
