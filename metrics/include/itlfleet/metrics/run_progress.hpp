#pragma once
/// Where a run stands at one time-series sample, as an engine reports it:
/// what the progress line draws and what the Prometheus exporter takes. The
/// pointers are borrowed for the call.

#include <cstdint>
#include <vector>

#include "itlfleet/metrics/fleet_counters.hpp"
#include "itlfleet/metrics/report.hpp"

namespace itlfleet::metrics {

struct run_progress {
  std::int64_t sim_time_us = 0;  ///< scenario time (live runs: real time / time scale)
  std::int64_t end_us = 0;
  std::uint64_t events = 0;  ///< engine events processed so far
  /// Counts by group and for the fleet, and event totals; when null only the
  /// time and events are known.
  const metrics::snapshot* snapshot = nullptr;
  /// Latency distributions so far, see metrics::latency; may be null.
  const std::vector<latency>* latencies = nullptr;
  /// The operator's actions so far, in time order; may be null.
  const std::vector<operator_action>* actions = nullptr;
  /// Live runs with in-process servers: what each node's servers report;
  /// null otherwise.
  const std::vector<server_figures>* servers = nullptr;
  /// "virtual" or "live".
  const char* engine = "virtual";
};

}  // namespace itlfleet::metrics
