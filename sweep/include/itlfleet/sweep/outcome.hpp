#pragma once
/// What a sweep keeps of one run: the final counts, how long the fleet took
/// to come back, the peak load and the verdicts. A few hundred bytes, so a
/// sweep of thousands of points does not hold thousands of time series.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "itlfleet/engine/run_types.hpp"
#include "itlfleet/metrics/fleet_counters.hpp"
#include "itlfleet/metrics/report.hpp"

namespace itlfleet::sweep {

struct run_outcome {
  std::size_t point = 0;
  std::uint64_t seed = 0;
  std::uint64_t phones = 0;
  metrics::counts fleet;  ///< final counts, whole fleet
  metrics::event_totals events;
  std::vector<metrics::node_load> load;  ///< peak load per node, cluster order
  /// Highest peak of concurrent TFTP transfers on any node, and longest TVS
  /// wait on any node: the capacity figures a sweep plots.
  std::uint64_t peak_tftp_transfers = 0;
  std::int64_t longest_tvs_wait_us = 0;
  /// The last phone state change (the fleet is at rest from here on).
  std::int64_t settled_us = 0;
  /// Start of the final stretch of samples in which every powered-on phone
  /// is trusted; empty when the run does not end that way.
  std::optional<std::int64_t> all_trusted_from_us;
  /// Time to recover: `all_trusted_from_us` minus the last accepted operator
  /// action at or before it (a regeneration, a reset, boot-all); empty when
  /// the fleet does not end all trusted.
  std::optional<std::int64_t> recover_us;
  /// The scenario's own expectations, in order.
  std::vector<metrics::check_result> checks;
  bool passed = false;  ///< every one of `checks` held
  /// The --find condition: held (every expectation it makes), and what was observed.
  std::optional<bool> found;
  std::string found_message;
  std::uint64_t events_processed = 0;
};

/// Summarises a run of `point` with `seed`; the last `find_checks` of its
/// checks are the --find condition's.
run_outcome summarise(const engine::run_result& r, std::size_t point, std::uint64_t seed,
                      std::size_t find_checks);

}  // namespace itlfleet::sweep
