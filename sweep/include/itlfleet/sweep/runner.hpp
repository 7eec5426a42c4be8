#pragma once
/// Runs points of a sweep on every core: each run is an independent,
/// single-threaded virtual engine on its own thread, so a run's result does
/// not depend on which thread ran it, how many ran at once or in which
/// order they finished.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "itlfleet/sim/pki.hpp"
#include "itlfleet/sim/result.hpp"
#include "itlfleet/sweep/outcome.hpp"
#include "itlfleet/sweep/point_space.hpp"

namespace itlfleet::sweep {

/// One run: a point, with a seed (empty: the seed the point's plan has).
struct run_task {
  std::size_t point = 0;
  std::optional<std::uint64_t> seed;
};

struct runner_options {
  /// Runs at once (threads); at least 1.
  unsigned jobs = 1;
  /// Shared by every run so keys are generated once per process, not once
  /// per point (see host::shared_key_store); must be thread-safe. Null:
  /// every run generates its cluster's keys.
  std::shared_ptr<sim::key_store> key_cache;
  /// Called after each run, from the thread that ran it, one call at a time.
  std::function<void()> on_run_done;
};

/// Runs every task; outcomes in task order. On an error (a plan the engine
/// rejects) no new run starts, and the error of the earliest failed task is
/// returned, naming its point.
result<std::vector<run_outcome>> run_batch(const point_space& space,
                                           const std::vector<run_task>& tasks,
                                           const runner_options& options);

}  // namespace itlfleet::sweep
