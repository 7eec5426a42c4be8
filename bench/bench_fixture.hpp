#pragma once
/// A seed-shaped ITL (publisher + subscriber, 1024-bit keys, six records) and
/// the identities behind it, built once per benchmark process.

#include <chrono>

#include "itlfleet/plan/run_plan.hpp"
#include "itlfleet/sim/itl_builder.hpp"
#include "itlfleet/sim/pki.hpp"

namespace itlfleet::bench {

struct fixture {
  sim::identity callmanager, capf, tvs, itlrecovery, sub_tvs;
  std::vector<sim::itl_entry> entries;
  sim::trust_file itl;
  bytes raw;
};

const fixture& seed_itl();

/// Double regeneration without the hold timer on a single node, then the
/// bulk reset (boot over 2 minutes, CallManager and TVS regenerated 10 s
/// apart, ITL reset at 30m, reset all at 31m): the scenario the 1M target
/// is set on. `sample_every` sets the time-series resolution.
plan::run_plan double_regen_plan(std::uint64_t phones, std::chrono::microseconds sample_every);

}  // namespace itlfleet::bench
