#include "itlfleet/engine/expectations.hpp"

#include <cmath>
#include <cstdio>
#include <optional>
#include <string_view>

#include "itlfleet/metrics/counter_table.hpp"

namespace itlfleet::engine {
namespace {

using metrics::counts;

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

/// A metric's value: a phone state, another phone count or an event total
/// (counter_table.hpp, which checks that every name the plan lists is one).
std::optional<std::uint64_t> read(std::string_view metric, const counts& c,
                                  const metrics::event_totals& e) {
  for (std::size_t k = 0; k < c.by_state.size(); ++k)
    if (sim::phone_state_names[k] == metric) return c.by_state[k];
  for (const metrics::phone_count& p : metrics::phone_counts)
    if (p.name == metric) return c.*p.member;
  for (const metrics::event_counter& t : metrics::event_counters)
    if (t.name == metric) return e.*t.member;
  return std::nullopt;
}

std::string not_reached(std::int64_t at, std::int64_t reached) {
  return "not reached: the run was interrupted at " + metrics::format_sim_time(reached) +
         ", before " + metrics::format_sim_time(at);
}

}  // namespace

bool metric_value(const metrics::snapshot& s, const std::string& metric, int group, double& out) {
  if (!find_metric(metric)) return false;
  const counts& c = group >= 0 ? s.groups[static_cast<std::size_t>(group)] : s.fleet;
  const auto value = read(metric, c, s.events);
  out = static_cast<double>(value.value_or(0));
  return value.has_value();
}

std::vector<metrics::check_result> check_expectations(const run_plan& plan,
                                                      const std::vector<metrics::snapshot>& series,
                                                      std::optional<std::int64_t> reached_us) {
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
      if (!r.passed && reached_us && at > *reached_us) {
        r.message = not_reached(at, *reached_us);
      } else if (!r.passed) {
        double v = 0;
        const metrics::snapshot* last = &series.front();
        for (const auto& s : series)
          if (s.time_us <= at) last = &s;
        observe(plan, e, *last, group, v);
        r.message = "never held up to " + metrics::format_sim_time(at) + "; " + e.metric + scope +
                    " was " + number(v) + unit + " at " + metrics::format_sim_time(last->time_us);
      }
    } else if (reached_us && at > *reached_us) {
      r.message = not_reached(at, *reached_us);
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
