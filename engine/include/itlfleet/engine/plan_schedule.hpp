#pragma once
/// The instants a run acts on, derived once from its plan: the virtual engine
/// queues them, the live engine sets its timers by them, so both act on the
/// same instants.

#include <cstdint>
#include <vector>

#include "itlfleet/engine/plan.hpp"

namespace itlfleet::engine {

struct plan_schedule {
  /// Timeline entry `index` (into run_plan::timeline), due at `at_us`
  /// (scenario microseconds).
  struct action_at {
    std::int64_t at_us = 0;
    std::uint32_t index = 0;
  };
  /// A sample due at `at_us`; `asked` is how many of the plan's reasons ask
  /// for it (the sampling step, the end, each expectation at that instant),
  /// at least 1: the virtual engine counts each as an event processed.
  struct sample_at {
    std::int64_t at_us = 0;
    std::uint32_t asked = 1;
  };
  /// The timeline entries due no later than the end, in time order, entries
  /// due at the same instant in plan order.
  std::vector<action_at> actions;
  /// Every `sample` step from 0 before the end, the end itself, and every
  /// expectation's instant no later than the end: in time order, each
  /// instant once. The last is the end.
  std::vector<sample_at> samples;
};

/// The schedule of `plan` (a sampling step under 1 us counts as 1 us).
plan_schedule schedule_of(const run_plan& plan);

}  // namespace itlfleet::engine
