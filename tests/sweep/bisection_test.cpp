#include "itlfleet/sweep/bisection.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace itlfleet::sweep {
namespace {

search_result search(std::size_t n, const std::function<verdict(std::size_t)>& judge) {
  bisection b(n);
  for (int guard = 0; !b.done() && guard < 1000; ++guard)
    for (std::size_t i : b.wanted()) b.record(i, judge(i));
  EXPECT_TRUE(b.done());
  return b.result();
}

TEST(Bisection, max_evaluations_is_ceil_log2_plus_two) {
  EXPECT_EQ(bisection::max_evaluations(1), 1u);
  EXPECT_EQ(bisection::max_evaluations(2), 3u);
  EXPECT_EQ(bisection::max_evaluations(31), 7u);
  EXPECT_EQ(bisection::max_evaluations(32), 7u);
  EXPECT_EQ(bisection::max_evaluations(33), 8u);
}

// Every monotone condition over every size up to 130, rising and falling:
// the boundary is exact and the runs stay within ceil(log2(n)) + 2.
TEST(Bisection, finds_every_boundary_of_a_monotone_condition_within_the_bound) {
  for (std::size_t n = 1; n <= 130; ++n) {
    for (std::size_t t = 0; t <= n; ++t) {  // first index that holds; n: none
      for (bool rising : {true, false}) {
        auto holds = [&](std::size_t i) { return rising ? i >= t : i < t; };
        const auto r =
            search(n, [&](std::size_t i) { return holds(i) ? verdict::holds : verdict::fails; });
        ASSERT_LE(r.evaluations, bisection::max_evaluations(n)) << n << " " << t;
        const bool all = rising ? t == 0 : t == n;
        const bool none = rising ? t == n : t == 0;
        if (all) {
          EXPECT_EQ(r.outcome, search_result::kind::holds_everywhere) << n << " " << t;
        } else if (none) {
          EXPECT_EQ(r.outcome, search_result::kind::fails_everywhere) << n << " " << t;
        } else {
          ASSERT_EQ(r.outcome, search_result::kind::threshold) << n << " " << t;
          EXPECT_EQ(r.after, r.before + 1);
          EXPECT_EQ(r.holds_after, rising);
          EXPECT_EQ(r.after, t);
        }
        // Both sides of a threshold were run, and were judged as they are.
        for (const auto& [i, v] : r.seen) EXPECT_EQ(v == verdict::holds, holds(i));
      }
    }
  }
}

TEST(Bisection, says_so_when_the_middle_disagrees_with_both_ends) {
  const auto r = search(9, [](std::size_t i) { return i == 4 ? verdict::holds : verdict::fails; });
  EXPECT_EQ(r.outcome, search_result::kind::not_monotone);
  EXPECT_EQ(r.evaluations, 3u);
}

TEST(Bisection, a_point_where_seeds_disagree_is_reported_and_counted_as_failing) {
  const auto r = search(8, [](std::size_t i) {
    return i < 3 ? verdict::fails : i == 3 ? verdict::mixed : verdict::holds;
  });
  ASSERT_EQ(r.outcome, search_result::kind::threshold);
  EXPECT_EQ(r.after, 4u);
  ASSERT_EQ(r.mixed.size(), 1u);
  EXPECT_EQ(r.mixed[0], 3u);
}

TEST(Bisection, asks_for_both_ends_first_and_never_twice_for_a_point) {
  bisection b(10);
  EXPECT_EQ(b.wanted(), (std::vector<std::size_t>{0, 9}));
  EXPECT_EQ(b.wanted(), (std::vector<std::size_t>{0, 9}));
  b.record(0, verdict::fails);
  EXPECT_EQ(b.wanted(), (std::vector<std::size_t>{9}));
  b.record(9, verdict::holds);
  EXPECT_EQ(b.wanted(), (std::vector<std::size_t>{4}));
}

}  // namespace
}  // namespace itlfleet::sweep
