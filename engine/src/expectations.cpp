#include "itlfleet/engine/expectations.hpp"

#include <cmath>
#include <cstdio>

namespace itlfleet::engine {
namespace {

using metrics::counts;
using sim::phone_state;

bool count_value(const counts& c, const std::string& m, double& out) {
  static const struct {
    const char* name;
    phone_state state;
  } states[] = {{"offline", phone_state::offline}, {"booting", phone_state::booting},
                {"trusted", phone_state::trusted}, {"locked", phone_state::locked},
                {"no_itl", phone_state::no_itl},   {"unreachable", phone_state::unreachable}};
  for (const auto& s : states) {
    if (m == s.name) {
      out = static_cast<double>(c.state(s.state));
      return true;
    }
  }
  if (m == "stale")
    out = static_cast<double>(c.stale);
  else if (m == "unrecoverable")
    out = static_cast<double>(c.unrecoverable);
  else if (m == "recovered")
    out = static_cast<double>(c.recovered);
  else if (m == "ever_locked")
    out = static_cast<double>(c.ever_locked);
  else
    return false;
  return true;
}

bool holds(double observed, comparison op, double expected) {
  switch (op) {
    case comparison::eq:
      return observed == expected;
    case comparison::ne:
      return observed != expected;
    case comparison::lt:
      return observed < expected;
    case comparison::le:
      return observed <= expected;
    case comparison::gt:
      return observed > expected;
    case comparison::ge:
      return observed >= expected;
  }
  return false;
}

std::string number(double v) {
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

int group_index(const run_plan& plan, const std::string& name) {
  for (std::size_t i = 0; i < plan.fleet.size(); ++i)
    if (plan.fleet[i].name == name) return static_cast<int>(i);
  return -1;
}

/// The observed value, in the unit the expectation is written in.
bool observe(const run_plan& plan, const expectation& e, const metrics::snapshot& s, int group,
             double& out) {
  if (!metric_value(s, e.metric, group, out)) return false;
  if (!e.percent) return true;
  const counts& c = group >= 0 ? s.groups[static_cast<std::size_t>(group)] : s.fleet;
  double base =
      e.metric == "recovered" ? static_cast<double>(c.ever_locked) : static_cast<double>(c.total());
  (void)plan;
  out = base == 0 ? 0 : 100.0 * out / base;
  return true;
}

}  // namespace

bool metric_value(const metrics::snapshot& s, const std::string& metric, int group, double& out) {
  const counts& c = group >= 0 ? s.groups[static_cast<std::size_t>(group)] : s.fleet;
  if (count_value(c, metric, out)) return true;
  const auto& ev = s.events;
  if (metric == "refused_commands")
    out = static_cast<double>(ev.refused_commands);
  else if (metric == "tftp_refusals")
    out = static_cast<double>(ev.tftp_refusals);
  else if (metric == "tftp_timeouts")
    out = static_cast<double>(ev.tftp_timeouts);
  else if (metric == "tvs_queries")
    out = static_cast<double>(ev.tvs_queries);
  else if (metric == "tvs_failures")
    out = static_cast<double>(ev.tvs_failures);
  else if (metric == "backup_alerts")
    out = static_cast<double>(ev.backup_alerts);
  else
    return false;
  return true;
}

std::vector<metrics::check_result> check_expectations(
    const run_plan& plan, const std::vector<metrics::snapshot>& series) {
  std::vector<metrics::check_result> out;
  for (const expectation& e : plan.expect) {
    metrics::check_result r;
    r.name = e.text;
    r.line = e.line;
    const int group = e.group.empty() ? -1 : group_index(plan, e.group);
    const std::int64_t at = e.at ? e.at->count() : plan.end.count();
    const std::string unit = e.percent ? "%" : "";
    const std::string scope = e.group.empty() ? "" : " in group " + e.group;
    if (series.empty() || (!e.group.empty() && group < 0)) {
      r.message = "nothing to check against";
      out.push_back(r);
      continue;
    }
    if (e.by) {
      // The first sample, no later than `at`, where the statement holds.
      for (const auto& s : series) {
        if (s.time_us > at) break;
        double v = 0;
        if (observe(plan, e, s, group, v) && holds(v, e.op, e.value)) {
          r.passed = true;
          r.message = e.metric + scope + " was " + number(v) + unit + " at " +
                      metrics::format_sim_time(s.time_us);
          break;
        }
      }
      if (!r.passed) {
        double v = 0;
        const metrics::snapshot* last = &series.front();
        for (const auto& s : series)
          if (s.time_us <= at) last = &s;
        observe(plan, e, *last, group, v);
        r.message = "never held up to " + metrics::format_sim_time(at) + "; " + e.metric + scope +
                    " was " + number(v) + unit + " at " + metrics::format_sim_time(last->time_us);
      }
    } else {
      // The row at exactly `at` (the engine samples every expectation time).
      const metrics::snapshot* row = nullptr;
      for (const auto& s : series)
        if (s.time_us <= at) row = &s;
      double v = 0;
      if (row == nullptr || !observe(plan, e, *row, group, v)) {
        r.message = "no sample at " + metrics::format_sim_time(at);
      } else {
        r.passed = holds(v, e.op, e.value);
        r.message = e.metric + scope + " was " + number(v) + unit + " at " +
                    metrics::format_sim_time(row->time_us);
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace itlfleet::engine
