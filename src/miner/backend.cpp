#include "miner/backend.h"

#include <algorithm>

namespace aitbc::miner {

bool Backend::HasModel(const std::vector<std::string>& models, std::string_view model) const {
  return std::find(models.begin(), models.end(), model) != models.end();
}

}  // namespace aitbc::miner
