#include "itlfleet/sweep/outcome.hpp"

#include <algorithm>

namespace itlfleet::sweep {
namespace {

bool all_on_trusted(const metrics::counts& c) {
  const std::uint64_t on = c.total() - c.state(sim::phone_state::offline);
  return on > 0 && c.state(sim::phone_state::trusted) == on;
}

}  // namespace

run_outcome summarise(const engine::run_result& r, std::size_t point, std::uint64_t seed,
                      std::size_t find_checks) {
  run_outcome o;
  o.point = point;
  o.seed = seed;
  o.phones = r.info.phones;
  o.fleet = r.final_state.fleet;
  o.events = r.final_state.events;
  o.load = r.info.load;
  for (const auto& l : o.load) {
    o.peak_tftp_transfers = std::max(o.peak_tftp_transfers, l.peak_tftp_transfers);
    o.longest_tvs_wait_us = std::max(o.longest_tvs_wait_us, l.longest_tvs_wait_us);
  }
  for (const auto& [name, t] : r.info.milestones)
    if (name == "last_state_change") o.settled_us = t;

  // Walk back from the end while every powered-on phone is trusted.
  std::optional<std::int64_t> from;
  for (auto it = r.series.rbegin(); it != r.series.rend() && all_on_trusted(it->fleet); ++it)
    from = it->time_us;
  o.all_trusted_from_us = from;
  if (from) {
    std::optional<std::int64_t> cause;
    for (const auto& a : r.info.actions)
      if (a.ok && a.time_us <= *from) cause = a.time_us;
    if (cause) o.recover_us = *from - *cause;
  }

  const std::size_t own = r.checks.size() - std::min(find_checks, r.checks.size());
  o.checks.assign(r.checks.begin(), r.checks.begin() + static_cast<std::ptrdiff_t>(own));
  o.passed = std::all_of(o.checks.begin(), o.checks.end(), [](const auto& c) { return c.passed; });
  if (find_checks > 0) {
    bool held = true;
    for (std::size_t i = own; i < r.checks.size(); ++i) {
      held = held && r.checks[i].passed;
      o.found_message += (o.found_message.empty() ? "" : "; ") + r.checks[i].message;
    }
    o.found = held;
  }
  o.events_processed = r.info.events_processed;
  return o;
}

}  // namespace itlfleet::sweep
