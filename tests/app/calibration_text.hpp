#pragma once
// What the calibrate tests read from calibration.yaml.

#include <regex>
#include <string>

namespace itlfleet {

/// The first integer after `key` in `text`, or -1.
inline long long value_after(const std::string& text, const std::string& key) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(key + "\\s*([0-9]+)"))) return -1;
  return std::stoll(m[1]);
}

}  // namespace itlfleet
