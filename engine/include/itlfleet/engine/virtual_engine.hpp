#pragma once
/// The virtual-time engine: runs a plan's fleet against a modelled cluster in
/// simulated time, deterministically (same plan and seed, same outputs byte
/// for byte), as fast as the machine allows.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "itlfleet/engine/run_plan.hpp"
#include "itlfleet/metrics/event_log.hpp"
#include "itlfleet/metrics/fleet_counters.hpp"
#include "itlfleet/metrics/report.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::engine {

/// Where a run stands, for a progress line.
struct progress {
  std::int64_t sim_time_us = 0;
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

/// Runs the plan. Errors are configuration problems (an invalid cluster);
/// per-phone failures are outcomes, never errors.
result<run_result> run_virtual(const run_plan& plan, const run_options& options = {});

}  // namespace itlfleet::engine
