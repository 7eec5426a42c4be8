#pragma once
// Private: the readers of each part of a scenario. Each fills its part of the
// plan or throws load_failure (see yaml_reader.hpp).

#include <string>
#include <vector>

#include "itlfleet/plan/run_plan.hpp"
#include "yaml_reader.hpp"

namespace itlfleet::scenarios::detail {

/// Reads the whole document; `src` names it.
plan::run_plan read_plan(const source& src, const YAML::Node& root);

/// Reads `timeline:`; needs the plan's cluster, fleet and end already read.
/// Leaves the actions sorted stably by time.
void read_timeline(const value_ref& list, plan::run_plan& plan);

/// Reads `expect:`; needs the plan's fleet and end already read.
void read_expectations(const value_ref& list, plan::run_plan& plan);

/// Host names of the declared nodes, in declaration order (for messages).
std::vector<std::string> node_names(const plan::run_plan& plan);

/// The index of `host` among the declared nodes; fails unless it is one
/// (and runs `service`, when given: "tftp" or "tvs"), the message listing
/// the candidates.
plan::node_index check_node(const value_ref& where, const plan::run_plan& plan,
                            const std::string& host, std::string_view service = {});

/// The index of the fleet group `name`; fails unless it is one, the message
/// listing the groups.
plan::group_index check_group(const value_ref& where, const plan::run_plan& plan,
                              const std::string& name);

}  // namespace itlfleet::scenarios::detail
