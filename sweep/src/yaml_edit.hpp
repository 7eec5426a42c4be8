#pragma once
// Private to the sweep library: setting one value in a scenario's YAML
// document by its path, the way `--vary KEY=...` names it.
//
// Paths: mapping keys joined by '.'; in a list, an entry by its 0-based
// position ("timeline[2].at" or "timeline.2.at", as the loader's messages
// count) or by its `name:` ("fleet.desk.count", "cluster.nodes.cucm-pub.services";
// also "fleet[desk].count"). Unnamed fleet groups answer to the loader's
// default name "group-<n>" (1-based).

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "itlfleet/sim/result.hpp"

namespace itlfleet::sweep::detail {

/// The parts of a path: "timeline[2].at" → {"timeline", "2", "at"}.
result<std::vector<std::string>> split_path(std::string_view key);

/// A value as a YAML node: a flow list or map or a quoted string when the
/// text starts with '[', '{', '"' or '\'', else a plain scalar.
result<YAML::Node> parse_value(const std::string& value);

/// Sets `root` at `path` to `value` (a scalar, or a flow list or map when
/// the text starts with '[' or '{'). Missing mapping keys are created (the
/// loader then rejects unknown ones, with a "did you mean"); a missing list
/// entry is an error that lists what is there. Errors name `key`.
status set_value(YAML::Node root, const std::vector<std::string>& path, const std::string& key,
                 const std::string& value);

}  // namespace itlfleet::sweep::detail
