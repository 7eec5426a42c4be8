#pragma once
/// The virtual-time engine: runs a plan's fleet against a modelled cluster in
/// simulated time, deterministically (same plan and seed, same outputs byte
/// for byte), as fast as the machine allows.

#include "itlfleet/engine/plan.hpp"
#include "itlfleet/engine/run_types.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::engine {

/// Runs the plan. Errors are configuration problems (an invalid cluster);
/// per-phone failures are outcomes, never errors.
result<run_result> run_virtual(const run_plan& plan, const run_options& options = {});

}  // namespace itlfleet::engine
