#include "core/field_lines.h"

namespace aitbc::core {

std::map<std::string, std::string> ParseFieldLines(std::string_view text) {
  std::map<std::string, std::string> fields;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    size_t colon = line.find(": ");
    if (colon == std::string_view::npos) continue;
    fields[std::string(line.substr(0, colon))] = std::string(line.substr(colon + 2));
  }
  return fields;
}

}  // namespace aitbc::core
