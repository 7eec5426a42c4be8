#pragma once
/// What every engine takes and gives: options, progress reports and the
/// result of a run. The virtual and the live engine share them, so the CLI
/// and the reports do not care which one ran.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "itlfleet/metrics/fleet_counters.hpp"
#include "itlfleet/metrics/report.hpp"
#include "itlfleet/metrics/run_progress.hpp"
#include "itlfleet/sim/pki.hpp"

namespace itlfleet::engine {

/// Where a run stands, for a progress line and the Prometheus exporter.
using progress = metrics::run_progress;

struct run_options {
  /// Pay OpenSSL's cost on every trust check instead of once per distinct question.
  bool verify_every_time = false;
  /// Log every phone's state changes; default: only for fleets up to 2,000 phones.
  std::optional<bool> phone_log;
  /// Generated keys kept between runs (host/key_cache.hpp); null: memory only.
  std::shared_ptr<sim::key_store> key_cache;
  /// This run is shard `shard_index` of `shard_count`: it runs the phones whose
  /// fleet index i has i mod shard_count == shard_index, with the same draws
  /// (boot times, resets, selections) they have in the whole run, so shards'
  /// counts add up to the whole run's.
  std::uint32_t shard_index = 0;
  std::uint32_t shard_count = 1;
  /// Virtual engine only: at most `pace` simulated seconds per wall-clock
  /// second (before an event ahead of the wall clock the run sleeps until
  /// its time), so a dashboard can watch a run unfold; 0 runs as fast as
  /// possible. The only wall-clock read in the virtual engine; results are
  /// the same with or without it.
  double pace = 0;
  /// Called at every time-series sample.
  std::function<void(const progress&)> on_progress;
  /// Asked between events (virtual engine, also while --pace waits) and
  /// every 100 ms of wall time (live engine), on the engine's thread. A
  /// non-null answer stops the run where it stands: a last sample is taken,
  /// the result says it was interrupted, with this reason (e.g. "SIGTERM"),
  /// and expectations after that point fail as not reached. Null: runs on.
  /// The answer must outlive the run (a string literal).
  std::function<const char*()> stop_requested;
};

struct run_result {
  metrics::run_info info;
  std::vector<metrics::snapshot> series;  ///< one row per sample, in time order
  metrics::snapshot final_state;
  std::vector<metrics::check_result> checks;
  std::string event_log;
  bool passed = false;  ///< every expectation held
  /// Problems with the scenario itself that the run still played out, e.g.
  /// an ITL larger than phones load; `itlfleet run` prints them.
  std::vector<std::string> warnings;
};

}  // namespace itlfleet::engine
