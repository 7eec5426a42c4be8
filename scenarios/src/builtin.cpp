// Lookup of the built-in scenarios (the data is generated; see builtin_data.hpp).

#include <algorithm>

#include "builtin_data.hpp"
#include "itlfleet/scenarios/scenario.hpp"

namespace itlfleet::scenarios {

std::vector<std::string> builtin_names() {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < detail::builtin_count; ++i) {
    names.emplace_back(detail::builtin_entries[i].name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<std::string_view> builtin_yaml(std::string_view name) {
  for (std::size_t i = 0; i < detail::builtin_count; ++i) {
    if (detail::builtin_entries[i].name == name) return detail::builtin_entries[i].yaml;
  }
  return std::nullopt;
}

}  // namespace itlfleet::scenarios
