#include "itlfleet/sweep/point_space.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "itlfleet/scenarios/scenario.hpp"
#include "itlfleet/sweep/sweep.hpp"

namespace itlfleet::sweep {
namespace {

axis vary(std::string_view s) {
  auto a = parse_vary(s, 10'000);
  EXPECT_TRUE(a) << (a ? "" : a.err().message);
  return a ? *a : axis{};
}

point_space space_of(std::string_view scenario, std::vector<std::string_view> varies,
                     std::string_view find = "", std::optional<std::uint64_t> phones = {}) {
  std::vector<axis> axes;
  for (auto v : varies) axes.push_back(vary(v));
  auto s = point_space::create(scenario, std::move(axes), find, phones);
  if (!s) ADD_FAILURE() << s.err().message;
  return std::move(*s);
}

std::string create_error(std::string_view scenario, std::vector<std::string_view> varies,
                         std::string_view find = "") {
  std::vector<axis> axes;
  for (auto v : varies) axes.push_back(vary(v));
  auto s = point_space::create(scenario, std::move(axes), find, {});
  EXPECT_FALSE(s);
  return s ? "" : s.err().message;
}

/// The error `prepare` (which validates every point) gives.
std::string prepare_error(std::string_view scenario, std::vector<std::string> varies) {
  sweep_request r;
  r.scenario = std::string(scenario);
  r.vary = std::move(varies);
  auto s = prepare(r);
  EXPECT_FALSE(s);
  return s ? "" : s.err().message;
}

plan::run_plan plan_of(const point_space& s, std::size_t p) {
  auto plan = s.plan(p);
  if (!plan) ADD_FAILURE() << plan.err().message;
  return std::move(*plan);
}

TEST(PointSpace, sets_a_cluster_setting_at_every_point) {
  const auto s = space_of("hold-timer-too-short", {"cluster.tftp.max_serving_count=100..300/100"});
  ASSERT_EQ(s.size(), 3u);
  for (std::size_t p = 0; p < 3; ++p)
    EXPECT_EQ(plan_of(s, p).cluster.tftp.max_serving_count, 100 * static_cast<int>(p + 1));
  // What the YAML says and the setting does not touch is kept.
  EXPECT_EQ(plan_of(s, 0).cluster.tftp.block_cost, std::chrono::milliseconds(1));
  EXPECT_EQ(plan_of(s, 0).name, "hold-timer-too-short");
}

TEST(PointSpace, finds_list_entries_by_name_or_by_position) {
  const auto s =
      space_of("pre-10-itl", {"fleet.old-phones.count=10,20", "fleet[0].model=CP-7965G"});
  const auto plan = plan_of(s, 1);
  EXPECT_EQ(plan.fleet[1].count, 20u);
  EXPECT_EQ(plan.fleet[0].model, "CP-7965G");
  EXPECT_EQ(plan.fleet[0].count, 9000u);
}

TEST(PointSpace, a_timeline_entry_is_counted_as_written_before_sorting) {
  const auto s = space_of("hold-timer-too-short", {"timeline[2].at=20m", "timeline.1.at=1m"});
  const auto plan = plan_of(s, 0);
  ASSERT_EQ(plan.timeline.size(), 3u);
  // Sorted by time after loading: the CallManager regeneration moved first.
  EXPECT_EQ(plan.timeline[1].at, std::chrono::minutes(1));
  EXPECT_EQ(plan.timeline[1].args, (itlfleet::plan::action_args{itlfleet::plan::regen_certificate{
                                       itlfleet::sim::cert_purpose::callmanager}}));
  EXPECT_EQ(plan.timeline[2].at, std::chrono::minutes(20));
  EXPECT_EQ(plan.timeline[2].args, (itlfleet::plan::action_args{itlfleet::plan::regen_certificate{
                                       itlfleet::sim::cert_purpose::tvs}}));
}

TEST(PointSpace, a_section_the_scenario_leaves_at_its_defaults_is_created) {
  const auto s = space_of("hold-timer-too-short", {"cluster.tvs.concurrency=7"});
  EXPECT_EQ(plan_of(s, 0).cluster.tvs.concurrency, 7);
}

TEST(PointSpace, phones_scale_the_fleet_like_run_phones) {
  const auto s = space_of("pre-10-itl", {"phones=100,1000"});
  EXPECT_EQ(plan_of(s, 0).fleet_size(), 100u);
  EXPECT_EQ(plan_of(s, 1).fleet[0].count, 900u);
  const auto fixed = space_of("double-regen-recovery", {"seed=1,2"}, "", 50);
  EXPECT_EQ(plan_of(fixed, 1).fleet_size(), 50u);
  EXPECT_EQ(plan_of(fixed, 1).seed, 2u);
}

TEST(PointSpace, points_are_numbered_with_the_first_axis_slowest) {
  const auto s = space_of("hold-timer-too-short", {"phones=10,20", "cluster.hold_time=1m..3m/1m"});
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s.coordinates(4), (std::vector<std::size_t>{1, 1}));
  EXPECT_EQ(s.point_at({1, 1}), 4u);
  EXPECT_EQ(s.label(4), "phones=20, cluster.hold_time=2m");
}

TEST(PointSpace, a_wrong_key_names_the_vary_and_what_the_loader_expected) {
  const auto e =
      prepare_error("hold-timer-too-short", {"cluster.tftp.max_serving_cnt=1,2", "phones=5,6"});
  EXPECT_NE(e.find("--vary cluster.tftp.max_serving_cnt=1"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'max_serving_count'"), std::string::npos) << e;
  // Not the line of the rewritten YAML, which is in no file.
  EXPECT_EQ(e.find("builtin:hold-timer-too-short:"), std::string::npos) << e;
}

TEST(PointSpace, a_bad_value_names_the_vary_that_gave_it) {
  const auto e = prepare_error("hold-timer-too-short", {"boot.spread=1m,10"});
  EXPECT_NE(e.find("--vary boot.spread=10: boot.spread: expected a duration"), std::string::npos)
      << e;
}

TEST(PointSpace, a_missing_list_entry_lists_what_is_there) {
  auto e = create_error("pre-10-itl", {"fleet.phones.count=1"});
  EXPECT_NE(e.find("no entry named 'phones' (entries: desk, old-phones)"), std::string::npos) << e;
  e = create_error("hold-timer-too-short", {"timeline[3].at=1m"});
  EXPECT_NE(e.find("timeline has 3 entries: timeline[0] to timeline[2]"), std::string::npos) << e;
  e = create_error("hold-timer-too-short", {"timeline[x.at=1m"});
  EXPECT_NE(e.find("--vary 'timeline[x.at'"), std::string::npos) << e;
}

TEST(PointSpace, errors_in_the_base_scenario_keep_file_line_and_column) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("itlfleet_sweep_broken_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << "cluster:\n  nodes:\n    - {name: a, publisher: true}\n"
                         "fleet:\n  - {count: 10}\nboot: {spred: 60s}\n";
  const auto e = create_error(path.string(), {"phones=1,2"});
  EXPECT_EQ(e.rfind(path.string() + ":6:8:", 0), 0u) << e;
  std::filesystem::remove(path);
}

TEST(PointSpace, find_adds_one_expectation_the_loader_checked) {
  const auto s = space_of("hold-timer-too-short", {"phones=10"}, "locked == 0 by 30m");
  EXPECT_EQ(s.find_checks(), 1u);
  const auto plan = plan_of(s, 0);
  ASSERT_EQ(plan.expect.size(), s.base().expect.size() + 1);
  EXPECT_EQ(scenarios::describe(plan.expect.back()), "locked == 0 by 30m");
  const auto e = create_error("hold-timer-too-short", {"phones=10"}, "lockd == 0");
  EXPECT_NE(e.find("--find 'lockd == 0'"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'locked'"), std::string::npos) << e;
}

TEST(PointSpace, a_value_that_fails_only_with_another_is_reported_with_the_point) {
  sweep_request r;
  r.scenario = "hold-timer-too-short";
  r.vary = {"end=20m,40m", "timeline[2].at=15m,30m"};
  auto setup = prepare(r);
  ASSERT_FALSE(setup);
  EXPECT_NE(setup.err().message.find("end=20m, timeline[2].at=30m: "), std::string::npos)
      << setup.err().message;
}

TEST(PointSpace, a_value_is_judged_with_the_other_values_of_its_point) {
  sweep_request r;
  r.scenario = "hold-timer-too-short";
  r.vary = {"end=50m", "timeline[2].at=45m"};  // 45m alone is past the base's end, 40m
  auto setup = prepare(r);
  ASSERT_TRUE(setup) << setup.err().message;
  EXPECT_EQ(setup->space.plan(0)->timeline.back().at, std::chrono::minutes(45));
}

TEST(PointSpace, points_past_the_cost_limits_of_run_are_refused_unless_allowed) {
  sweep_request r;
  r.scenario = "hold-timer-too-short";
  r.vary = {"sample=10s,1ms"};
  auto s = prepare(r);
  ASSERT_FALSE(s);
  EXPECT_EQ(
      s.err().message.rfind("sample=1ms: builtin:hold-timer-too-short: too large to run: ", 0), 0u)
      << s.err().message;
  EXPECT_NE(s.err().message.find("--allow-large"), std::string::npos);
  r.allow_large = true;
  EXPECT_TRUE(prepare(r));
}

TEST(PointSpace, runs_at_once_must_fit_the_memory_limit_together) {
  sweep_request r;
  r.scenario = "hold-timer-too-short";
  r.vary = {"phones=1000,20000000"};  // each point fits, two at once do not
  r.jobs = 2;
  auto s = prepare(r);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.err().message.rfind("--jobs 2: 2 runs at once would need about ", 0), 0u)
      << s.err().message;
  r.jobs = 1;
  EXPECT_TRUE(prepare(r));
  r.jobs = 2;
  r.allow_large = true;
  EXPECT_TRUE(prepare(r));
}

TEST(PointSpace, the_point_as_a_scenario_file_loads_to_the_same_plan) {
  const auto s = space_of("pre-10-itl", {"timeline[1].at=11m,12m"}, "locked == 0", 300);
  const std::string yaml = s.yaml(1, 77);
  EXPECT_EQ(yaml.rfind("# itlfleet sweep point: timeline[1].at=12m, seed 77\n", 0), 0u);
  auto alone = scenarios::load_string(yaml, "point.yaml");
  ASSERT_TRUE(alone) << alone.err().message;
  const auto in_sweep = plan_of(s, 1);
  EXPECT_EQ(alone->seed, 77u);
  EXPECT_EQ(alone->fleet_size(), 300u);
  EXPECT_EQ(alone->fleet[0].count, in_sweep.fleet[0].count);
  EXPECT_EQ(alone->expect.size() + 1, in_sweep.expect.size());  // without --find
  bool moved = false;  // the CallManager regeneration, now at 12m
  for (const auto& a : alone->timeline)
    moved = moved || (a.args == itlfleet::plan::action_args{itlfleet::plan::regen_certificate{
                                    itlfleet::sim::cert_purpose::callmanager}} &&
                      a.at == std::chrono::minutes(12));
  EXPECT_TRUE(moved);
}

// Each built-in scenario through the YAML rewrite, unchanged: the sweep's
// points are the scenarios they say they are.
TEST(PointSpace, every_builtin_survives_the_rewrite_unchanged) {
  for (const std::string& name : scenarios::builtin_names()) {
    auto original = scenarios::load(name);
    ASSERT_TRUE(original) << name;
    const auto s = space_of(name, {std::string("seed=") + std::to_string(original->seed)});
    const auto p = plan_of(s, 0);
    EXPECT_EQ(p.name, original->name);
    EXPECT_EQ(p.description, original->description) << name;
    EXPECT_EQ(p.end, original->end);
    EXPECT_EQ(p.sample_every, original->sample_every);
    EXPECT_EQ(p.cluster.version, original->cluster.version) << name;
    EXPECT_EQ(p.cluster.domain, original->cluster.domain);
    EXPECT_EQ(p.cluster.hold_timer, original->cluster.hold_timer);
    EXPECT_EQ(p.cluster.security_password, original->cluster.security_password);
    EXPECT_EQ(p.cluster.nodes.size(), original->cluster.nodes.size());
    EXPECT_EQ(p.cluster.tftp.max_serving_count, original->cluster.tftp.max_serving_count);
    EXPECT_EQ(p.cluster.tftp.block_cost, original->cluster.tftp.block_cost);
    ASSERT_EQ(p.fleet.size(), original->fleet.size());
    for (std::size_t g = 0; g < p.fleet.size(); ++g) {
      EXPECT_EQ(p.fleet[g].name, original->fleet[g].name);
      EXPECT_EQ(p.fleet[g].count, original->fleet[g].count);
      EXPECT_EQ(p.fleet[g].firmware, original->fleet[g].firmware) << name;
      EXPECT_EQ(p.fleet[g].tftp, original->fleet[g].tftp);
      EXPECT_EQ(p.fleet[g].itl, original->fleet[g].itl);
    }
    EXPECT_EQ(p.boot.reset_spread, original->boot.reset_spread);
    ASSERT_EQ(p.timeline.size(), original->timeline.size()) << name;
    for (std::size_t i = 0; i < p.timeline.size(); ++i) {
      EXPECT_EQ(p.timeline[i].at, original->timeline[i].at) << name;
      EXPECT_EQ(p.timeline[i].kind, original->timeline[i].kind) << name;
      EXPECT_EQ(p.timeline[i].node, original->timeline[i].node) << name;
      EXPECT_EQ(p.timeline[i].args, original->timeline[i].args) << name;
      EXPECT_EQ(p.timeline[i].text, original->timeline[i].text) << name;
    }
    ASSERT_EQ(p.expect.size(), original->expect.size()) << name;
    for (std::size_t i = 0; i < p.expect.size(); ++i)
      EXPECT_EQ(scenarios::describe(p.expect[i]), scenarios::describe(original->expect[i])) << name;
  }
}

}  // namespace
}  // namespace itlfleet::sweep
