#pragma once
/// What a run will cost, estimated from its plan before anything runs, and a
/// check against limits a user can lift. The load-time ranges
/// (plan/plan_limits.hpp) keep every value inside what the engine's types
/// hold; this catches values that are each legal but together too expensive:
/// a 1 us sample over an hour, tens of millions of phones, thousands of key
/// generations. Pure functions of the plan; thread-safe. It lives with the
/// engine because its figures are the engine's own (bytes per phone and per
/// pending event).
///
/// ```
/// auto plan = itlfleet::scenarios::load(name);          // then scale_fleet(...)
/// if (!allow_large) {
///   if (auto s = itlfleet::engine::check_cost(*plan); !s) { print(s.err().message); return 2; }
/// }
/// ```

#include <cstdint>
#include <string>

#include "itlfleet/engine/plan.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::engine {

/// How the plan will be run: the engine and the share of the fleet.
struct run_shape {
  bool live = false;              ///< `--engine live`: a phone costs sockets and coroutines
  std::uint32_t shard_count = 1;  ///< `--shard K/N`: this process runs 1/N of the phones
};

/// Estimated figures of one run. Memory figures are bytes.
struct run_cost {
  std::uint64_t phones = 0;         ///< phones this process runs
  std::uint64_t samples = 0;        ///< time-series rows: one per `sample` up to `end`, the end,
                                    ///< and one per expectation time
  std::uint64_t series_points = 0;  ///< samples x (groups + 1): counts kept per row
  std::uint64_t rsa_keygens = 0;    ///< keys generated: 3 per node (4 from 10.0) plus the
                                    ///< timeline's regenerations, renames and domain changes
  double keygen_seconds = 0;        ///< rough time for them without the key cache
  std::uint64_t phone_bytes = 0;    ///< phones x the engine's bytes per phone
  std::uint64_t series_bytes = 0;   ///< the time series and its pending sample events
  std::uint64_t memory_bytes = 0;   ///< estimated peak memory of the whole run
};

/// Past any of these a run is refused unless the user lifts them (the CLI's
/// `--allow-large`). Defaults: what a laptop runs in minutes.
struct cost_limits {
  std::uint64_t max_samples = 1'000'000;
  std::uint64_t max_rsa_keygens = 1'000;
  std::uint64_t max_memory_bytes = std::uint64_t{8} << 30;  ///< 8 GiB
  /// How the user lifts the limits, for the message.
  std::string raise_with = "--allow-large";
};

/// The estimate for `plan` as it will run (after `scale_fleet`).
run_cost estimate_cost(const run_plan& plan, const run_shape& shape = {});

/// ok() when the estimate is within `limits`; otherwise an error that names
/// the plan's source, the figure and its cause, the setting to change and
/// `limits.raise_with`, e.g. "my.yaml: too large to run: 3,600,001 time-series
/// samples (end 1h / sample 1ms) exceed the limit of 1,000,000: set a longer
/// sample (at least 4ms) or a shorter end, or pass --allow-large to run it anyway".
status check_cost(const run_plan& plan, const cost_limits& limits = {},
                  const run_shape& shape = {});

}  // namespace itlfleet::engine
