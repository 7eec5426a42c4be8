#include "itlfleet/metrics/prometheus_histogram.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace itlfleet::metrics {
namespace {

TEST(PrometheusHistogram, empty_histogram_counts_zero_at_every_bound) {
  const auto c = cumulative_at(latency_histogram{}, prometheus_latency_bounds);
  ASSERT_EQ(c.size(), std::size(prometheus_latency_bounds));
  for (auto v : c) EXPECT_EQ(v, 0u);
}

TEST(PrometheusHistogram, values_well_inside_a_bound_count_under_it) {
  latency_histogram h;
  h.record(50'000);         // 0.05 s
  h.record(900'000);        // 0.9 s
  h.record(1'500'000);      // 1.5 s
  h.record(90'000'000);     // 90 s
  h.record(5'000'000'000);  // past the last bound: only in +Inf
  const double bounds[] = {0.1, 1, 2, 60, 120, 3600};
  const auto c = cumulative_at(h, bounds);
  EXPECT_EQ(c, (std::vector<std::uint64_t>{1, 2, 3, 3, 4, 4}));
}

TEST(PrometheusHistogram, counts_never_decrease_along_bounds_or_as_values_arrive) {
  latency_histogram h;
  std::vector<std::uint64_t> before(std::size(prometheus_latency_bounds), 0);
  for (std::int64_t v = 1; v < 4'000'000'000; v = v * 3 + 7) {
    h.record(v);
    const auto c = cumulative_at(h, prometheus_latency_bounds);
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (i > 0) {
        EXPECT_LE(c[i - 1], c[i]);
      }
      EXPECT_GE(c[i], before[i]);
      EXPECT_LE(c[i], h.count());
    }
    before = c;
  }
}

TEST(PrometheusHistogram, a_value_just_below_a_bound_is_within_three_percent_of_it) {
  // 0.99 s shares a log-linear bucket with values above 1 s only if the
  // bucket straddles 1 s; either way the error is under 1/32 of the value.
  latency_histogram h;
  h.record(990'000);
  const double bounds[] = {0.96, 1.03};
  const auto c = cumulative_at(h, bounds);
  EXPECT_EQ(c[0], 0u);
  EXPECT_EQ(c[1], 1u);
}

}  // namespace
}  // namespace itlfleet::metrics
