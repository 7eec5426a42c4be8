#include "itlfleet/metrics/prometheus_histogram.hpp"

#include <cmath>

namespace itlfleet::metrics {

std::vector<std::uint64_t> cumulative_at(const latency_histogram& h,
                                         std::span<const double> bounds_s) {
  std::vector<std::uint64_t> out(bounds_s.size(), 0);
  const auto buckets = h.buckets();
  std::size_t b = 0;
  std::uint64_t below = 0;  // cumulative count of the last bucket at or under the bound
  for (std::size_t i = 0; i < bounds_s.size(); ++i) {
    const auto bound_us = static_cast<std::int64_t>(std::llround(bounds_s[i] * 1e6));
    while (b < buckets.size() && buckets[b].upper_us <= bound_us) below = buckets[b++].cumulative;
    out[i] = below;
  }
  return out;
}

}  // namespace itlfleet::metrics
