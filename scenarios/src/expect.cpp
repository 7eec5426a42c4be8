// Expectations: `{at: 29m, locked: ">= 90%", trusted: 0}` becomes one
// plan::expectation per metric key.

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "itlfleet/plan/plan_limits.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "itlfleet/sim/duration_text.hpp"
#include "sections.hpp"

namespace itlfleet::scenarios {
namespace {

/// Counters of events rather than of phones: a share of the fleet means
/// nothing for them, and they are counted for the whole cluster, not per group.
bool is_event_count(std::string_view m) {
  const auto i = plan::find_metric(m);
  return i && plan::expectation_metrics[*i].counts_events;
}

struct op_text {
  std::string_view text;
  plan::comparison op;
};

// Two-character operators first so "<=" is not read as "<".
constexpr std::array<op_text, 6> ops = {{
    {"==", plan::comparison::eq},
    {"!=", plan::comparison::ne},
    {"<=", plan::comparison::le},
    {">=", plan::comparison::ge},
    {"<", plan::comparison::lt},
    {">", plan::comparison::gt},
}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

namespace detail {
namespace {

constexpr std::string_view value_forms =
    "a number or \"<op> <number>[%]\" with op ==, !=, <, <=, >, >= (e.g. 0, \">= 9000\", "
    "\"<= 0.1%\")";

/// `at:` or `by:` — "end" (nullopt) or a time no later than the plan's end.
std::optional<plan::sim_time> read_when(const value_ref& v, const plan::run_plan& plan) {
  if (v.node.IsDefined() && v.node.IsScalar() && v.node.Scalar() == "end") return std::nullopt;
  plan::sim_time t = v.duration(plan::sim_duration{0}, plan::limits::max_duration);
  if (t > plan.end) {
    v.fail("expected a time no later than end (" +
           sim::format_sim_time(plan.end, sim::below_second::units) + "), got '" + v.node.Scalar() +
           "'");
  }
  return t;
}

void read_value(const value_ref& v, plan::expectation& e) {
  std::string raw = v.scalar(value_forms);
  std::string_view s = trim(raw);
  for (const auto& o : ops) {
    if (s.starts_with(o.text)) {
      e.op = o.op;
      s = trim(s.substr(o.text.size()));
      break;
    }
  }
  if (s.ends_with('%')) {
    e.percent = true;
    s = trim(s.substr(0, s.size() - 1));
  }
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(value)) {
    v.fail("expected " + std::string(value_forms) + ", got '" + raw + "'");
  }
  if (value < 0) v.fail("expected a non-negative value, got '" + raw + "'");
  if (e.percent && value > 100) v.fail("expected a percentage from 0% to 100%, got '" + raw + "'");
  if (e.percent && is_event_count(e.metric)) {
    v.fail("expected a count for " + e.metric + " (it counts events, not phones), got '" + raw +
           "'");
  }
  e.value = value;
  e.text = e.metric + " " + std::string(trim(raw));
}

void read_entry(const value_ref& item, plan::run_plan& plan) {
  std::vector<std::string_view> allowed = {"at", "by", "group"};
  for (const auto& metric : plan::expectation_metrics) allowed.push_back(metric.name);
  map_reader m(item, item.path + " (keys at, by, group and metric names)", allowed);

  plan::expectation base;
  base.line = item.mark.line + 1;
  if (m.has("at") && m.has("by")) {
    m.get("by").fail("expected either at or by, not both");
  }
  if (m.has("at")) base.at = read_when(m.get("at"), plan);
  if (m.has("by")) {
    base.at = read_when(m.get("by"), plan);
    base.by = true;
  }
  if (m.has("group")) {
    value_ref g = m.get("group");
    base.group = g.string();
    check_group(g, plan, base.group);
  }

  bool any = false;
  for (const auto& [key, mark] : m.keys()) {
    if (key == "at" || key == "by" || key == "group") continue;
    any = true;
    plan::expectation e = base;
    e.metric = key;
    e.line = mark.line + 1;
    if (!e.group.empty() && is_event_count(key)) {
      m.get(key).fail(key + " is counted for the whole cluster; expected no group: in this entry");
    }
    read_value(m.get(key), e);
    plan.expect.push_back(std::move(e));
  }
  if (!any) {
    const auto names = metric_names();
    item.fail("expected at least one metric: " +
              join(std::vector<std::string_view>(names.begin(), names.end())));
  }
}

}  // namespace

void read_expectations(const value_ref& list, plan::run_plan& plan) {
  for (const auto& item : list.sequence("a list of expectations")) read_entry(item, plan);
}

}  // namespace detail

std::span<const std::string_view> metric_names() {
  static const auto names = [] {
    std::array<std::string_view, plan::expectation_metrics.size()> out{};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = plan::expectation_metrics[i].name;
    return out;
  }();
  return names;
}

std::string_view to_string(plan::comparison op) {
  for (const auto& o : ops) {
    if (o.op == op) return o.text;
  }
  return "?";
}

std::string describe(const plan::expectation& e) {
  std::string out = e.metric + " " + std::string(to_string(e.op)) + " " +
                    detail::format_number(e.value) + (e.percent ? "%" : "");
  out += e.by ? " by " : " at ";
  out += e.at ? sim::format_sim_time(*e.at, sim::below_second::units) : "end";
  if (!e.group.empty()) out += " [" + e.group + "]";
  return out;
}

}  // namespace itlfleet::scenarios
