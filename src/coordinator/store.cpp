#include "coordinator/store.h"

#include "coordinator/store_backends.h"

namespace aitbc::coordinator {

core::Result<std::unique_ptr<Store>> OpenStore(const std::string& url,
                                               const StoreOptions& options) {
  auto starts_with = [&](std::string_view prefix) { return url.rfind(prefix, 0) == 0; };
  if (starts_with("postgresql://") || starts_with("postgres://")) {
    return OpenPgStore(url, options);
  }
  if (starts_with("sqlite://")) return OpenSqliteStore(url.substr(9), options);
  if (url.empty()) return core::Error::InvalidArgument("empty database URL");
  return OpenSqliteStore(url, options);
}

}  // namespace aitbc::coordinator
