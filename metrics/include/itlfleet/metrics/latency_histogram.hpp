#pragma once
/// A latency histogram with log-linear buckets, in the manner of
/// HdrHistogram (which Debian does not package for C++): values in
/// microseconds, each power of two split into 32 linear sub-buckets, so any
/// recorded value is known to within 1/32 (about 3%) from 1 us to 2^40 us
/// (12.7 days). Recording is O(1) and allocation-free; the histogram is a
/// fixed array of counts. Not thread-safe: one owner records, readers copy.
///
///   latency_histogram h;
///   h.record(1500);                 // 1.5 ms
///   h.percentile(99.0);             // upper bound of the bucket holding p99
///   for (auto b : h.buckets()) ...  // cumulative counts for Prometheus `le` buckets

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace itlfleet::metrics {

class latency_histogram {
 public:
  static constexpr int sub_bucket_bits = 5;  ///< 32 sub-buckets per power of two
  static constexpr int magnitudes = 40;      ///< up to 2^40 us
  static constexpr std::size_t bucket_count = (static_cast<std::size_t>(magnitudes) + 1)
                                              << sub_bucket_bits;

  /// Records one value in microseconds; negatives count as 0, values past
  /// the range as the top bucket.
  void record(std::int64_t us);
  /// Adds another histogram's counts (shards, phones, nodes).
  void merge(const latency_histogram& other);

  std::uint64_t count() const { return count_; }
  std::int64_t min() const { return count_ ? min_ : 0; }
  std::int64_t max() const { return max_; }
  /// Sum of recorded values, in microseconds (exact).
  std::int64_t sum() const { return sum_; }
  /// The value below which `p` percent of recorded values lie, as the upper
  /// bound of its bucket (clamped to max()); 0 when empty.
  std::int64_t percentile(double p) const;

  /// Non-empty buckets in ascending order: upper bound (us, inclusive) and
  /// the cumulative count of values up to it.
  struct bucket {
    std::int64_t upper_us;
    std::uint64_t cumulative;
  };
  std::vector<bucket> buckets() const;

  /// Non-empty buckets by index with their own (not cumulative) counts: what
  /// a shard's file keeps so that shards merge exactly (percentiles do not).
  struct raw_bucket {
    std::size_t index;
    std::uint64_t count;
  };
  std::vector<raw_bucket> raw_buckets() const;
  /// The histogram that raw_buckets(), min(), max() and sum() described;
  /// nullopt when they cannot have come from one (an index out of range,
  /// min above max, a count of zero).
  static std::optional<latency_histogram> from_raw(const std::vector<raw_bucket>& buckets,
                                                   std::int64_t min, std::int64_t max,
                                                   std::int64_t sum);

  /// The bucket index of a value, and the largest value of a bucket.
  static std::size_t index_of(std::int64_t us);
  static std::int64_t upper_bound(std::size_t index);

 private:
  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t count_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  std::int64_t sum_ = 0;
};

}  // namespace itlfleet::metrics
