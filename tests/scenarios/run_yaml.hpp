#pragma once
// Runs a scenario written inline on the virtual engine, for tests that
// play an administrator's story in full and read its outcome.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "itlfleet/engine/virtual_engine.hpp"
#include "itlfleet/scenarios/scenario.hpp"

namespace itlfleet::scenarios::test {

/// Loads and runs `yaml`; a load or run error fails the test and returns an
/// empty result.
inline engine::run_result run_yaml(const std::string& yaml, const std::string& name) {
  auto plan = load_string(yaml, name);
  EXPECT_TRUE(plan.ok()) << plan.err().to_string();
  if (!plan.ok()) return {};
  auto r = engine::run_virtual(*plan);
  EXPECT_TRUE(r.ok()) << r.err().to_string();
  if (!r.ok()) return {};
  return std::move(r.value());
}

/// Timeline entries: CallManager at 10m and TVS at 10m10s on `cucm-pub`,
/// the technote's back-to-back regenerations.
inline const std::string regenerations_back_to_back =
    "  - {at: 10m, do: set cert regen CallManager, on: cucm-pub}\n"
    "  - {at: 10m10s, do: set cert regen TVS, on: cucm-pub}\n";

/// The fleet's counts at the last sample at or before `minutes`.
inline const metrics::counts& fleet_at(const engine::run_result& r, std::int64_t minutes) {
  const metrics::snapshot* row = &r.series.front();
  for (const auto& s : r.series)
    if (s.time_us <= minutes * 60'000'000) row = &s;
  return row->fleet;
}

}  // namespace itlfleet::scenarios::test
