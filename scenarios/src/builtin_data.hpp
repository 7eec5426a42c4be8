#pragma once
// Private: the scenario files of scenarios/library/, embedded at build time
// by cmake/embed_library.cmake into builtin_library.cpp (sorted by name).

#include <cstddef>
#include <string_view>

namespace itlfleet::scenarios::detail {

struct builtin_entry {
  std::string_view name;  ///< file name without .yaml
  std::string_view yaml;
};

extern const builtin_entry builtin_entries[];
extern const std::size_t builtin_count;

}  // namespace itlfleet::scenarios::detail
