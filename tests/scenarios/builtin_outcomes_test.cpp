// Every built-in scenario, run in full on the virtual engine, with its
// outcome pinned exactly: how many phones end trusted, locked, recovered and
// unrecoverable, and when the fleet got there. A change to the model that
// moves any of these numbers must be a deliberate one.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <ostream>

#include "itlfleet/engine/virtual_engine.hpp"
#include "itlfleet/metrics/report.hpp"
#include "itlfleet/scenarios/scenario.hpp"

namespace itlfleet::scenarios {
namespace {

using sim::phone_state;

struct outcome {
  const char* scenario;
  std::uint64_t phones, trusted, locked, recovered, unrecoverable, ever_locked;
  std::uint64_t refused_commands, tftp_refusals;
  const char* first_all_locked;   ///< first sample with every powered phone locked, or "-"
  const char* last_state_change;  ///< when the last phone changed state
};

// Measured from the engine and checked against the story each scenario tells
// (see its YAML); see docs/model.md for the rules behind them.
const outcome expected[] = {
    {"bulk-reset-localkey", 6000, 6000, 0, 6000, 0, 6000, 1, 0, "12m10s", "29m9.602s"},
    {"bulk-reset-remotekey", 4000, 4000, 0, 4000, 0, 4000, 0, 0, "12m10s", "28m9.157s"},
    {"double-regen-hold-timer", 5000, 5000, 0, 0, 0, 0, 1, 0, "-", "22m9.529s"},
    {"double-regen-no-hold-timer", 5000, 0, 5000, 0, 0, 5000, 0, 0, "12m10s", "12m9.032s"},
    {"double-regen-recovery", 5000, 5000, 0, 5000, 0, 5000, 0, 0, "12m10s", "33m9.57s"},
    {"hold-timer-too-short", 20000, 12411, 7589, 0, 0, 7589, 0, 306957, "-", "23m31.336s"},
    {"itlrecovery-regen", 6000, 6000, 0, 0, 0, 0, 0, 0, "-", "23m9.988s"},
    {"pre-10-itl", 10000, 9000, 1000, 9000, 1000, 10000, 0, 0, "16m10s", "33m9.747s"},
    {"publisher-rename", 4000, 4000, 0, 4000, 0, 4000, 0, 0, "12m10s", "28m9.25s"},
    {"tftp-overload-40k", 40000, 40000, 0, 0, 0, 0, 0, 22858, "-", "16m42.051s"},
};

// gtest prints parameters in test names and failures: the scenario says it all.
void PrintTo(const outcome& o, std::ostream* os) {
  *os << o.scenario;
}

std::string first_all_locked(const engine::run_result& r) {
  for (const auto& s : r.series) {
    const auto& c = s.fleet;
    const std::uint64_t powered = c.total() - c.state(phone_state::offline);
    if (powered > 0 && c.state(phone_state::locked) == c.total())
      return metrics::format_sim_time(s.time_us);
  }
  return "-";
}

std::string milestone(const engine::run_result& r, const std::string& name) {
  for (const auto& [n, t] : r.info.milestones)
    if (n == name) return metrics::format_sim_time(t - t % 1000);
  return "?";
}

class BuiltinOutcome : public ::testing::TestWithParam<outcome> {};

TEST_P(BuiltinOutcome, matches_the_pinned_numbers) {
  const outcome& want = GetParam();
  auto plan = load(want.scenario);
  ASSERT_TRUE(plan.ok()) << plan.err().to_string();
  auto run = engine::run_virtual(*plan);
  ASSERT_TRUE(run.ok()) << run.err().to_string();
  const engine::run_result& r = *run;
  const auto& f = r.final_state.fleet;
  const auto& ev = r.final_state.events;
  if (std::getenv("ITLFLEET_PRINT_OUTCOMES")) {
    std::printf("{\"%s\", %llu, %llu, %llu, %llu, %llu, %llu, %llu, %llu, \"%s\", \"%s\"},\n",
                want.scenario, (unsigned long long)f.total(),
                (unsigned long long)f.state(phone_state::trusted),
                (unsigned long long)f.state(phone_state::locked), (unsigned long long)f.recovered,
                (unsigned long long)f.unrecoverable, (unsigned long long)f.ever_locked,
                (unsigned long long)ev.refused_commands, (unsigned long long)ev.tftp_refusals,
                first_all_locked(r).c_str(), milestone(r, "last_state_change").c_str());
  }
  EXPECT_TRUE(r.passed) << "the scenario's own expectations must hold";
  for (const auto& c : r.checks) EXPECT_TRUE(c.passed) << c.name << ": " << c.message;
  EXPECT_EQ(f.total(), want.phones);
  EXPECT_EQ(f.state(phone_state::trusted), want.trusted);
  EXPECT_EQ(f.state(phone_state::locked), want.locked);
  EXPECT_EQ(f.recovered, want.recovered);
  EXPECT_EQ(f.unrecoverable, want.unrecoverable);
  EXPECT_EQ(f.ever_locked, want.ever_locked);
  EXPECT_EQ(ev.refused_commands, want.refused_commands);
  EXPECT_EQ(ev.tftp_refusals, want.tftp_refusals);
  EXPECT_EQ(first_all_locked(r), want.first_all_locked);
  EXPECT_EQ(milestone(r, "last_state_change"), want.last_state_change);
}

INSTANTIATE_TEST_SUITE_P(Library, BuiltinOutcome, ::testing::ValuesIn(expected),
                         [](const auto& param_info) {
                           std::string name = param_info.param.scenario;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

TEST(BuiltinOutcome, every_builtin_scenario_has_pinned_numbers) {
  for (const auto& name : builtin_names()) {
    bool found = false;
    for (const auto& o : expected) found = found || name == o.scenario;
    EXPECT_TRUE(found) << name << " has no pinned outcome in this test";
  }
}

}  // namespace
}  // namespace itlfleet::scenarios
