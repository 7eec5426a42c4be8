#include "itlfleet/engine/plan_schedule.hpp"

#include <algorithm>

namespace itlfleet::engine {

plan_schedule schedule_of(const run_plan& plan) {
  plan_schedule s;
  const std::int64_t end = plan.end.count();
  for (std::uint32_t k = 0; k < plan.timeline.size(); ++k)
    if (const std::int64_t t = plan.timeline[k].at.count(); t <= end) s.actions.push_back({t, k});
  std::stable_sort(s.actions.begin(), s.actions.end(),
                   [](const auto& a, const auto& b) { return a.at_us < b.at_us; });

  std::vector<std::int64_t> asked;
  const std::int64_t step = std::max<std::int64_t>(1, plan.sample_every.count());
  for (std::int64_t t = 0; t < end; t += step) asked.push_back(t);
  asked.push_back(end);
  for (const auto& e : plan.expect)
    if (e.at && e.at->count() <= end) asked.push_back(e.at->count());
  std::sort(asked.begin(), asked.end());
  for (std::int64_t t : asked) {
    if (!s.samples.empty() && s.samples.back().at_us == t)
      ++s.samples.back().asked;
    else
      s.samples.push_back({t, 1});
  }
  return s;
}

}  // namespace itlfleet::engine
