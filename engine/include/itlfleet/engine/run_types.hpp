#pragma once
/// What every engine takes and gives: options, progress reports and the
/// result of a run. The virtual and the live engine share them, so the CLI
/// and the reports do not care which one ran.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "itlfleet/metrics/fleet_counters.hpp"
#include "itlfleet/metrics/report.hpp"

namespace itlfleet::engine {

/// Where a run stands, for a progress line.
struct progress {
  std::int64_t sim_time_us = 0;  ///< scenario time (live runs: real time / time scale)
  std::int64_t end_us = 0;
  std::uint64_t events = 0;
  const metrics::counts* fleet = nullptr;
};

struct run_options {
  /// Pay OpenSSL's cost on every trust check instead of once per distinct question.
  bool verify_every_time = false;
  /// Log every phone's state changes; default: only for fleets up to 2,000 phones.
  std::optional<bool> phone_log;
  /// On-disk cache for generated keys; empty: memory only.
  std::string key_cache_dir;
  /// This run is shard `shard_index` of `shard_count`: it runs the phones whose
  /// fleet index i has i mod shard_count == shard_index, with the same draws
  /// (boot times, resets, selections) they have in the whole run, so shards'
  /// counts add up to the whole run's.
  std::uint32_t shard_index = 0;
  std::uint32_t shard_count = 1;
  /// Called at every time-series sample.
  std::function<void(const progress&)> on_progress;
};

struct run_result {
  metrics::run_info info;
  std::vector<metrics::snapshot> series;  ///< one row per sample, in time order
  metrics::snapshot final_state;
  std::vector<metrics::check_result> checks;
  std::string event_log;
  bool passed = false;  ///< every expectation held
};

}  // namespace itlfleet::engine
