#include "itlfleet/engine/plan_schedule.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace itlfleet::engine {
namespace {

using std::chrono::seconds;

plan::action action_at(std::int64_t s) {
  plan::action a;
  a.at = seconds(s);
  return a;
}

plan::expectation expect_at(std::optional<std::int64_t> s) {
  plan::expectation e;
  if (s) e.at = seconds(*s);
  return e;
}

std::vector<std::pair<std::int64_t, std::uint32_t>> actions_of(const plan_schedule& s) {
  std::vector<std::pair<std::int64_t, std::uint32_t>> out;
  for (const auto& a : s.actions) out.emplace_back(a.at_us / 1'000'000, a.index);
  return out;
}

std::vector<std::pair<std::int64_t, std::uint32_t>> samples_of(const plan_schedule& s) {
  std::vector<std::pair<std::int64_t, std::uint32_t>> out;
  for (const auto& a : s.samples) out.emplace_back(a.at_us / 1'000'000, a.asked);
  return out;
}

TEST(PlanSchedule, actions_come_in_time_order_and_ties_keep_plan_order) {
  run_plan p;
  p.end = seconds(100);
  p.timeline = {action_at(50),  action_at(10), action_at(50),
                action_at(101), action_at(10), action_at(100)};
  using v = std::vector<std::pair<std::int64_t, std::uint32_t>>;
  // Entry 3 is past the end: never played.
  EXPECT_EQ(actions_of(schedule_of(p)), (v{{10, 1}, {10, 4}, {50, 0}, {50, 2}, {100, 5}}));
}

TEST(PlanSchedule, samples_every_step_at_the_end_and_at_each_expectation_once) {
  run_plan p;
  p.end = seconds(95);
  p.sample_every = seconds(30);
  // 45 between two steps, 60 on a step, 95 the end, 200 past it, and one
  // judged at the end without an instant.
  p.expect = {expect_at(45),  expect_at(60),           expect_at(95),
              expect_at(200), expect_at(std::nullopt), expect_at(60)};
  using v = std::vector<std::pair<std::int64_t, std::uint32_t>>;
  EXPECT_EQ(samples_of(schedule_of(p)), (v{{0, 1}, {30, 1}, {45, 1}, {60, 3}, {90, 1}, {95, 2}}));
}

TEST(PlanSchedule, the_end_on_a_step_is_sampled_once) {
  run_plan p;
  p.end = seconds(60);
  p.sample_every = seconds(20);
  using v = std::vector<std::pair<std::int64_t, std::uint32_t>>;
  EXPECT_EQ(samples_of(schedule_of(p)), (v{{0, 1}, {20, 1}, {40, 1}, {60, 1}}));
}

}  // namespace
}  // namespace itlfleet::engine
