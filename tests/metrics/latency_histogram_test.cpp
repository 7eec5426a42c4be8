#include "itlfleet/metrics/latency_histogram.hpp"

#include <gtest/gtest.h>

namespace itlfleet::metrics {
namespace {

TEST(LatencyHistogram, every_value_lies_in_its_bucket_within_one_thirty_second) {
  for (std::int64_t v : {0LL, 1LL, 31LL, 32LL, 33LL, 63LL, 64LL, 1000LL, 123456LL, 999999999LL}) {
    const std::size_t i = latency_histogram::index_of(v);
    const std::int64_t hi = latency_histogram::upper_bound(i);
    const std::int64_t lo = i == 0 ? 0 : latency_histogram::upper_bound(i - 1) + 1;
    EXPECT_LE(lo, v) << v;
    EXPECT_GE(hi, v) << v;
    EXPECT_LE(static_cast<double>(hi - lo + 1), std::max(1.0, static_cast<double>(v) / 32.0 + 1))
        << v;
  }
}

TEST(LatencyHistogram, buckets_tile_the_range_without_gaps) {
  for (std::size_t i = 1; i < latency_histogram::bucket_count; ++i)
    ASSERT_EQ(latency_histogram::index_of(latency_histogram::upper_bound(i - 1) + 1), i) << i;
}

TEST(LatencyHistogram, percentiles_of_a_uniform_ramp) {
  latency_histogram h;
  for (int v = 1; v <= 10000; ++v) h.record(v);  // 1 us .. 10 ms
  EXPECT_EQ(h.count(), 10000u);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 10000);
  EXPECT_EQ(h.sum(), 10000LL * 10001 / 2);
  EXPECT_NEAR(static_cast<double>(h.percentile(50)), 5000, 5000 / 32.0);
  EXPECT_NEAR(static_cast<double>(h.percentile(99)), 9900, 9900 / 32.0);
  EXPECT_EQ(h.percentile(100), 10000);
  EXPECT_EQ(h.percentile(0), 1);
}

TEST(LatencyHistogram, merge_is_the_histogram_of_both) {
  latency_histogram a, b, both;
  for (int v = 0; v < 500; ++v) {
    a.record(v * 7);
    both.record(v * 7);
    b.record(v * 1000);
    both.record(v * 1000);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), both.count());
  EXPECT_EQ(a.percentile(90), both.percentile(90));
  EXPECT_EQ(a.buckets().back().cumulative, 1000u);
}

TEST(LatencyHistogram, empty_and_out_of_range_values_are_safe) {
  latency_histogram h;
  EXPECT_EQ(h.percentile(99), 0);
  EXPECT_TRUE(h.buckets().empty());
  h.record(-5);
  h.record(std::int64_t{1} << 62);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.buckets().size(), 2u);
}

}  // namespace
}  // namespace itlfleet::metrics
