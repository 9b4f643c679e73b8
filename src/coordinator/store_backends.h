// Internal: the backend openers behind OpenStore (store.h).
#pragma once

#include <memory>
#include <string>

#include "coordinator/store.h"

namespace aitbc::coordinator {

core::Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                     const StoreOptions& options);
core::Result<std::unique_ptr<Store>> OpenPgStore(const std::string& url,
                                                 const StoreOptions& options);

}  // namespace aitbc::coordinator
