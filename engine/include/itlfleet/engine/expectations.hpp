#pragma once
/// Checking a plan's expectations against the time series of a run.

#include <cstdint>
#include <optional>
#include <vector>

#include "itlfleet/engine/plan.hpp"
#include "itlfleet/metrics/fleet_counters.hpp"
#include "itlfleet/metrics/report.hpp"

namespace itlfleet::engine {

/// The value of a metric (state count, derived count or event total) for
/// the fleet or one group; false when the metric name is unknown.
bool metric_value(const metrics::snapshot& s, const std::string& metric, int group, double& out);

/// One verdict per expectation, in plan order. `series` must be in time
/// order and hold a row for every expectation's `at` time up to `reached_us`.
/// A run stopped early passes `reached_us`, the scenario time it got to: an
/// expectation due later fails as not reached (a `by` one passes if it held
/// already).
std::vector<metrics::check_result> check_expectations(
    const run_plan& plan, const std::vector<metrics::snapshot>& series,
    std::optional<std::int64_t> reached_us = std::nullopt);

}  // namespace itlfleet::engine
