#include "itlfleet/sweep/bisection.hpp"

#include <cassert>

namespace itlfleet::sweep {

bisection::bisection(std::size_t points) : n_(points), seen_(points), hi_(points - 1) {
  assert(points > 0);
}

std::vector<std::size_t> bisection::wanted() const {
  const std::size_t last = n_ - 1;
  std::vector<std::size_t> out;
  if (!seen_[0]) out.push_back(0);
  if (last != 0 && !seen_[last]) out.push_back(last);
  if (!out.empty() || last == 0) return out;
  if (holds(0) == holds(last)) {
    // No change between the ends; the middle tells "none in the range" from
    // "not monotone" at the price of one run.
    const std::size_t mid = last / 2;
    if (mid != 0 && !seen_[mid]) out.push_back(mid);
    return out;
  }
  if (hi_ - lo_ > 1) out.push_back(lo_ + (hi_ - lo_) / 2);
  return out;
}

void bisection::record(std::size_t point, verdict v) {
  assert(point < n_ && !seen_[point]);
  seen_[point] = v;
  ++evaluations_;
  const std::size_t last = n_ - 1;
  if (point == 0 || point == last || !seen_[0] || !seen_[last]) return;
  if (holds(0) == holds(last)) return;  // the middle probe: nothing to narrow
  if (point > lo_ && point < hi_) (holds(point) == holds(lo_) ? lo_ : hi_) = point;
}

search_result bisection::result() const {
  search_result r;
  r.evaluations = evaluations_;
  for (std::size_t i = 0; i < n_; ++i) {
    if (!seen_[i]) continue;
    r.seen.emplace_back(i, *seen_[i]);
    if (*seen_[i] == verdict::mixed) r.mixed.push_back(i);
  }
  const std::size_t last = n_ - 1;
  if (!seen_[0] || !seen_[last]) return r;  // not run yet
  if (holds(0) == holds(last)) {
    bool monotone = true;
    for (const auto& [i, v] : r.seen) monotone = monotone && (v == verdict::holds) == holds(0);
    r.outcome = !monotone  ? search_result::kind::not_monotone
                : holds(0) ? search_result::kind::holds_everywhere
                           : search_result::kind::fails_everywhere;
    return r;
  }
  r.outcome = search_result::kind::threshold;
  r.before = lo_;
  r.after = hi_;
  r.holds_after = holds(hi_);
  return r;
}

std::size_t bisection::max_evaluations(std::size_t points) {
  if (points <= 1) return 1;
  std::size_t log2 = 0;
  while ((std::size_t{1} << log2) < points) ++log2;
  return log2 + 2;
}

}  // namespace itlfleet::sweep
