#pragma once
/// `--find CONDITION`: the statement a threshold search looks for, written as
/// an expectation. It becomes one more entry of the scenario's `expect:`
/// list, so the scenarios library validates it and the engine judges it
/// exactly as it judges the scenario's own expectations.
///
/// Accepted forms (docs/scenarios.md, "Expectations"):
///
///   locked == 0                          at the end of the run
///   locked<=1%                           blanks optional
///   recovered >= 99.5% by 30m            at some sample no later than 30m
///   trusted == 100% at 20m [desk]        at a time, one fleet group (as `describe` prints it)
///   locked 0 in desk                     a bare value means ==; "in G" or "group G"
///   {by: 20m, locked: 0}                 a YAML flow map, as in a scenario file

#include <string>
#include <string_view>

#include "itlfleet/sim/result.hpp"

namespace itlfleet::sweep {

/// The condition as a YAML flow map for `expect:`, e.g. "{locked: \"== 0\"}".
/// The metric and values are checked later, by the loader; this only checks
/// the shape and names what it expected.
result<std::string> expect_entry(std::string_view condition);

}  // namespace itlfleet::sweep
