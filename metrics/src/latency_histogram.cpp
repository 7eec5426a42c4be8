#include "itlfleet/metrics/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace itlfleet::metrics {

namespace {
constexpr std::int64_t sub_buckets = std::int64_t{1} << latency_histogram::sub_bucket_bits;
}  // namespace

// Values below 32 us get a bucket each (magnitude 0). Above, a value with
// highest bit b (b >= 5) falls in magnitude b - 4, sub-bucket given by the
// 5 bits below its highest: the bucket spans 2^(b-5) values.
std::size_t latency_histogram::index_of(std::int64_t us) {
  if (us < sub_buckets) return static_cast<std::size_t>(std::max<std::int64_t>(us, 0));
  const auto v = static_cast<std::uint64_t>(us);
  const int top = static_cast<int>(std::bit_width(v)) - 1;  // >= sub_bucket_bits
  const int magnitude = top - sub_bucket_bits + 1;
  if (magnitude > magnitudes) return bucket_count - 1;
  const auto sub = (v >> (top - sub_bucket_bits)) & static_cast<std::uint64_t>(sub_buckets - 1);
  return (static_cast<std::size_t>(magnitude) << sub_bucket_bits) + static_cast<std::size_t>(sub);
}

std::int64_t latency_histogram::upper_bound(std::size_t index) {
  const auto magnitude = static_cast<int>(index >> sub_bucket_bits);
  const auto sub = static_cast<std::int64_t>(index & static_cast<std::size_t>(sub_buckets - 1));
  if (magnitude == 0) return sub;
  const int shift = magnitude - 1;  // bucket width 2^shift
  return ((sub_buckets + sub + 1) << shift) - 1;
}

void latency_histogram::record(std::int64_t us) {
  us = std::max<std::int64_t>(us, 0);
  ++counts_[index_of(us)];
  min_ = count_ == 0 ? us : std::min(min_, us);
  max_ = std::max(max_, us);
  sum_ += us;
  ++count_;
}

void latency_histogram::merge(const latency_histogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  count_ += other.count_;
}

std::int64_t latency_histogram::percentile(double p) const {
  if (count_ == 0) return 0;
  const double clamped = std::clamp(p, 0.0, 100.0);
  // The rank of the value asked for, 1-based: at least the first value.
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(clamped / 100.0 * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(upper_bound(i), max_);
  }
  return max_;
}

std::vector<latency_histogram::bucket> latency_histogram::buckets() const {
  std::vector<bucket> out;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    if (counts_[i] == 0) continue;
    seen += counts_[i];
    out.push_back({upper_bound(i), seen});
  }
  return out;
}

std::vector<latency_histogram::raw_bucket> latency_histogram::raw_buckets() const {
  std::vector<raw_bucket> out;
  for (std::size_t i = 0; i < bucket_count; ++i)
    if (counts_[i] != 0) out.push_back({i, counts_[i]});
  return out;
}

std::optional<latency_histogram> latency_histogram::from_raw(const std::vector<raw_bucket>& buckets,
                                                             std::int64_t min, std::int64_t max,
                                                             std::int64_t sum) {
  latency_histogram h;
  for (const raw_bucket& b : buckets) {
    if (b.index >= bucket_count || b.count == 0) return std::nullopt;
    h.counts_[b.index] += b.count;
    h.count_ += b.count;
  }
  if (h.count_ == 0) return min == 0 && max == 0 && sum == 0 ? std::optional(h) : std::nullopt;
  if (min < 0 || min > max || sum < 0) return std::nullopt;
  h.min_ = min;
  h.max_ = max;
  h.sum_ = sum;
  return h;
}

}  // namespace itlfleet::metrics
