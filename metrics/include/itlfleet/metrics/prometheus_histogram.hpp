#pragma once
/// A latency_histogram (log-linear, microseconds) seen as a Prometheus
/// histogram with fixed `le` bounds in seconds. Pure functions, no state.

#include <cstdint>
#include <span>
#include <vector>

#include "itlfleet/metrics/latency_histogram.hpp"

namespace itlfleet::metrics {

/// The `le` bounds (seconds) itlfleet exports for every latency histogram:
/// millisecond TFTP/TVS exchanges up to hour-long recoveries of a fleet.
inline constexpr double prometheus_latency_bounds[] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};

/// Cumulative counts of `h` at each of `bounds_s` (ascending, seconds): the
/// number of recorded values whose log-linear bucket lies wholly at or below
/// the bound. A value within about 3% below a bound may be counted under the
/// next bound (the log-linear bucket straddling it is not split); the counts
/// never decrease along the bounds, and never decrease over time as `h` grows.
/// O(buckets of h), independent of how many values it holds.
std::vector<std::uint64_t> cumulative_at(const latency_histogram& h,
                                         std::span<const double> bounds_s);

}  // namespace itlfleet::metrics
