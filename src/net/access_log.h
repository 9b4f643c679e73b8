// The access log line of one answered request (private to src/net: the server calls it).
//
// Contract: logs nothing for AccessLog::kOff. Never logs an API key: only "<role>:<id>" taken
// from a well-formed "aitbc_<role>_<id>_<secret>" key ("opaque" otherwise). The target is
// logged as received; Beast's parser has rejected control characters in it, so a request
// cannot forge log lines. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "net/http_server.h"
#include "net/http_types.h"

namespace aitbc::net {

// "client:9f2c4a..." for a well-formed API key, "opaque" for anything else.
std::string ApiKeyLogId(std::string_view presented_key);
void LogAccess(AccessLog level, const Request& request, int status, double seconds);

}  // namespace aitbc::net
