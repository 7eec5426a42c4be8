// Sweeps that run: each point's outcome is what a run of its plan gives, the
// files do not depend on --jobs, and the threshold search on a built-in finds
// the boundary within its bound of runs.

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>

#include "itlfleet/engine/virtual_engine.hpp"
#include "itlfleet/host/shared_key_store.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "itlfleet/sweep/report.hpp"
#include "itlfleet/sweep/sweep.hpp"

namespace itlfleet::sweep {
namespace {

using sim::phone_state;

/// The process's peak resident memory so far (getrusage), in KB.
long peak_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

sweep_setup prepared(const sweep_request& r) {
  auto s = prepare(r);
  if (!s) ADD_FAILURE() << s.err().message;
  return std::move(*s);
}

sweep_result executed(const sweep_setup& s, unsigned jobs, std::atomic<int>* runs = nullptr) {
  runner_options ro;
  ro.jobs = jobs;
  ro.key_cache = std::make_shared<host::shared_key_store>();
  if (runs != nullptr) ro.on_run_done = [runs] { ++*runs; };
  auto r = execute(s, ro);
  if (!r) ADD_FAILURE() << r.err().message;
  return std::move(*r);
}

/// The TVS regeneration of hold-timer-too-short from 15m to 30m, 15,000 phones
/// (which lock up to a regeneration at 17m).
sweep_request regen_delay(std::string find = "") {
  sweep_request r;
  r.scenario = "hold-timer-too-short";
  r.vary = {"timeline[2].at=15m..30m/30s"};
  r.phones = 15000;
  r.find = std::move(find);
  return r;
}

TEST(SweepRun, each_point_counts_what_a_run_of_its_plan_counts) {
  sweep_request req;
  req.scenario = "double-regen-recovery";
  req.vary = {"phones=200,500", "timeline[1].at=10m,10m5s"};
  req.seeds = 2;
  const auto setup = prepared(req);
  const auto result = executed(setup, 2);
  ASSERT_EQ(result.runs.size(), 8u);
  for (const run_outcome& o : result.runs) {
    auto plan = setup.space.plan(o.point);
    ASSERT_TRUE(plan);
    plan->seed = o.seed;
    auto alone = engine::run_virtual(*plan);
    ASSERT_TRUE(alone);
    for (int s = 0; s < sim::phone_state_count; ++s)
      EXPECT_EQ(o.fleet.state(static_cast<phone_state>(s)),
                alone->final_state.fleet.state(static_cast<phone_state>(s)));
    EXPECT_EQ(o.phones, plan->fleet_size());
    EXPECT_EQ(o.passed, alone->passed);
    EXPECT_EQ(o.events.tftp_refusals, alone->final_state.events.tftp_refusals);
  }
  // Points in grid order, seeds in order within a point.
  EXPECT_EQ(result.runs[0].point, 0u);
  EXPECT_EQ(result.runs[1].point, 0u);
  EXPECT_EQ(result.runs[1].seed, result.runs[0].seed + 1);
  EXPECT_EQ(result.runs[7].point, 3u);
}

TEST(SweepRun, the_files_do_not_depend_on_jobs) {
  auto req = regen_delay();
  req.vary = {"timeline[2].at=15m..17m/30s", "cluster.tftp.max_serving_count=100,150"};
  req.phones = 1500;
  const auto setup = prepared(req);
  const auto one = executed(setup, 1);
  const auto two = executed(setup, 2);
  const auto four = executed(setup, 4);
  EXPECT_EQ(sweep_csv(setup, one), sweep_csv(setup, two));
  EXPECT_EQ(sweep_csv(setup, one), sweep_csv(setup, four));
  EXPECT_EQ(sweep_json(setup, one), sweep_json(setup, two));
  EXPECT_EQ(sweep_report_html(setup, one), sweep_report_html(setup, two));
}

TEST(SweepRun, finds_where_locked_reaches_zero_and_the_runs_on_both_sides_show_it) {
  const auto setup = prepared(regen_delay("locked == 0"));
  std::atomic<int> runs{0};
  const auto result = executed(setup, 2, &runs);
  ASSERT_EQ(result.searches.size(), 1u);
  const auto& s = result.searches[0].result;
  ASSERT_EQ(s.outcome, search_result::kind::threshold)
      << describe_search(setup, result.searches[0]);
  EXPECT_TRUE(s.holds_after);
  EXPECT_EQ(s.after, s.before + 1);

  // The runs on both sides are in the result: locked > 0 before, 0 after.
  const run_outcome* before = nullptr;
  const run_outcome* after = nullptr;
  for (const auto& r : result.runs) {
    if (r.point == result.searches[0].points[s.before]) before = &r;
    if (r.point == result.searches[0].points[s.after]) after = &r;
  }
  ASSERT_NE(before, nullptr);
  ASSERT_NE(after, nullptr);
  EXPECT_GT(before->fleet.state(phone_state::locked), 0u);
  EXPECT_EQ(after->fleet.state(phone_state::locked), 0u);
  EXPECT_EQ(after->found, true);

  // The grid agrees: the first point without locked phones is the threshold.
  const auto grid = executed(prepared(regen_delay()), 2);
  std::size_t first_zero = grid.runs.size();
  for (std::size_t i = 0; i < grid.runs.size() && first_zero == grid.runs.size(); ++i)
    if (grid.runs[i].fleet.state(phone_state::locked) == 0) first_zero = i;
  EXPECT_EQ(first_zero, s.after);

  // 31 points: at most ceil(log2(31)) + 2 = 7 runs, and exactly those counted.
  EXPECT_LE(result.runs.size(), 7u);
  EXPECT_EQ(static_cast<std::size_t>(runs.load()), result.runs.size());
  EXPECT_EQ(s.evaluations, result.runs.size());
}

TEST(SweepRun, runs_of_a_search_stay_within_the_bound_for_every_grid_size) {
  for (const char* values : {"15m..16m/30s", "15m..19m/30s", "15m..23m/30s", "15m..30m/10s"}) {
    auto req = regen_delay("locked == 0");
    req.vary = {std::string("timeline[2].at=") + values};
    const auto setup = prepared(req);
    const auto result = executed(setup, 2);
    const std::size_t n = setup.space.size();
    EXPECT_LE(result.runs.size(), bisection::max_evaluations(n)) << values;
  }
}

TEST(SweepRun, one_search_per_combination_of_the_other_settings) {
  auto req = regen_delay("locked == 0");
  req.vary = {"phones=10000,15000", "timeline[2].at=15m..30m/1m"};
  req.phones.reset();
  req.along = "timeline[2].at";
  const auto setup = prepared(req);
  const auto result = executed(setup, 2);
  ASSERT_EQ(result.searches.size(), 2u);
  for (const auto& s : result.searches)
    EXPECT_EQ(s.result.outcome, search_result::kind::threshold) << describe_search(setup, s);
  // A bigger fleet needs at least as long a wait.
  EXPECT_LE(result.searches[0].result.after, result.searches[1].result.after);
  EXPECT_NE(describe_search(setup, result.searches[1]).find("with phones=15000: "),
            std::string::npos);
}

TEST(SweepRun, a_condition_that_holds_only_in_the_middle_is_reported_as_not_monotone) {
  // Locked counts along the regeneration time, from the full-size scenario:
  // 377 at 20m, 18 at 20m30s and 21m, 0 at 21m30s: "locked == 18" holds in
  // the middle only.
  sweep_request req;
  req.scenario = "hold-timer-too-short";
  req.vary = {"timeline[2].at=20m..21m30s/30s"};
  req.find = "locked == 18";
  const auto setup = prepared(req);
  const auto result = executed(setup, 2);
  ASSERT_EQ(result.searches.size(), 1u);
  EXPECT_EQ(result.searches[0].result.outcome, search_result::kind::not_monotone);
  EXPECT_NE(describe_search(setup, result.searches[0]).find("is not monotone"), std::string::npos);
}

TEST(SweepRun, seeds_give_several_runs_per_point_with_consecutive_seeds) {
  auto req = regen_delay();
  req.vary = {"timeline[2].at=16m"};
  req.seed = 100;
  req.seeds = 3;
  const auto setup = prepared(req);
  const auto result = executed(setup, 2);
  ASSERT_EQ(result.runs.size(), 3u);
  EXPECT_EQ(result.runs[0].seed, 100u);
  EXPECT_EQ(result.runs[2].seed, 102u);
  EXPECT_EQ(sweep_csv(setup, result).find("point,seed,timeline[2].at,timeline[2].at_s,phones,"),
            0u);
}

TEST(SweepRun, refuses_a_grid_past_the_limit_and_names_the_option_that_raises_it) {
  sweep_request req;
  req.scenario = "hold-timer-too-short";
  req.vary = {"phones=1..200", "cluster.tftp.max_serving_count=1..100"};
  auto s = prepare(req);
  ASSERT_FALSE(s);
  EXPECT_NE(s.err().message.find("20000 points"), std::string::npos) << s.err().message;
  EXPECT_NE(s.err().message.find("--max-points"), std::string::npos);
}

TEST(SweepRun, a_grid_of_billions_of_points_is_refused_before_its_values_are_made) {
  // Each axis fits the raised limit alone; together they are 10^14 points.
  // Made one by one, the first axis's values alone took 2 GB.
  sweep_request req;
  req.scenario = "hold-timer-too-short";
  req.max_runs = 10'000'000;
  req.vary = {"phones=1..10000000", "cluster.tftp.max_serving_count=1..10000000"};
  const long before_kb = peak_rss_kb();
  auto s = prepare(req);
  ASSERT_FALSE(s);
  EXPECT_NE(s.err().message.find("100000000000000 points"), std::string::npos) << s.err().message;
  EXPECT_NE(s.err().message.find("--max-points"), std::string::npos);
  EXPECT_LT(peak_rss_kb() - before_kb, 100 * 1024) << "the grid's values were made";
}

TEST(SweepRun, the_csv_quotes_fields_and_leaves_unknown_values_empty) {
  sweep_request req;
  req.scenario = "bulk-reset-localkey";
  req.vary = {"fleet[0].tftp=[cucm-pub],[cucm-pub, cucm-sub1]"};
  req.phones = 300;
  const auto setup = prepared(req);
  const std::string csv = sweep_csv(setup, executed(setup, 1));
  EXPECT_NE(csv.find(",\"[cucm-pub, cucm-sub1]\","), std::string::npos) << csv;
  // Every row has as many fields as the header (quoted commas aside).
  std::size_t header_fields = 0, line_start = 0;
  for (std::size_t i = 0; i <= csv.size(); ++i) {
    if (i == csv.size() || csv[i] == '\n') {
      if (i == line_start) break;
      std::size_t fields = 1;
      bool quoted = false;
      for (std::size_t k = line_start; k < i; ++k) {
        if (csv[k] == '"') quoted = !quoted;
        if (csv[k] == ',' && !quoted) ++fields;
      }
      if (header_fields == 0) header_fields = fields;
      EXPECT_EQ(fields, header_fields) << csv.substr(line_start, i - line_start);
      line_start = i + 1;
    }
  }
}

}  // namespace
}  // namespace itlfleet::sweep
