// The "name: value" lines our tools print for scripts and for each other (`aitbc-node init`,
// `aitbc-coordinator init` and `keys create`, `aitbc-miner init`).
//
// Contract: every line holding ": " gives name = the text before its first ": " and value = the
// text after it; other lines are skipped; a repeated name keeps its last value.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace aitbc::core {

std::map<std::string, std::string> ParseFieldLines(std::string_view text);

}  // namespace aitbc::core
