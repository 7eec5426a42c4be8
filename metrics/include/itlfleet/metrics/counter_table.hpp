#pragma once
/// The counters a run reports, one row each: the name summary.json gives it
/// (and an expectation, when the plan lets a scenario name it), where the
/// value is read, how shards combine it and the Prometheus series that shows
/// it. Expectations, summary.json, shard files and their merge, and the
/// Prometheus exporter iterate these rows instead of naming each counter: a
/// new event counter is a field of event_totals, a row here, its catalogue
/// entry and the engine counting it (plus the plan's name table if scenarios
/// may expect it).
///
/// Header-only, constexpr data; thread-safe.
///
///   for (const event_counter& c : event_counters) w.key(c.name).value(totals.*c.member);

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>

#include "itlfleet/metrics/catalogue.hpp"
#include "itlfleet/metrics/fleet_counters.hpp"
#include "itlfleet/plan/run_plan.hpp"

namespace itlfleet::metrics {

/// A name a scenario may expect, as plan::expectation_metrics spells it. The
/// plan keeps those names: it sits below metrics and checks them when a
/// scenario loads, knowing nothing of how they are counted. A row takes its
/// name from there, so that the two cannot drift apart: a name the plan does
/// not list is not a constant expression, and the row does not compile.
consteval std::string_view expectable(std::string_view name) {
  const auto i = plan::find_metric(name);
  if (!i) throw "not a name of plan::expectation_metrics";
  return plan::expectation_metrics[*i].name;
}

/// How the shards of one run combine a total.
enum class across_shards {
  add,   ///< each shard counts the events of its own phones
  once,  ///< the cluster's own (refused commands, daily alerts): every shard counts all
};

/// One fleet-wide total of event_totals.
struct event_counter {
  std::string_view name;  ///< summary.json's key; an expectation's when expectable()
  std::uint64_t event_totals::*member;
  across_shards merge = across_shards::add;
  /// The Prometheus counter family that shows it (null: none of its own) and
  /// the value of that family's one label (empty: it has no label).
  const catalogue::metric* family = nullptr;
  std::string_view label = {};
};

/// Every total, in summary.json's order, which is also the order of a shard
/// file's totals (after them, `requests` by file kind and result).
inline constexpr auto event_counters = std::to_array<event_counter>({
    {"boots", &event_totals::boots, across_shards::add, &catalogue::boots},
    {expectable("device_resets"), &event_totals::device_resets, across_shards::add,
     &catalogue::device_resets},
    {expectable("refused_commands"), &event_totals::refused_commands, across_shards::once,
     &catalogue::operator_commands, "refused"},
    {expectable("tftp_refusals"), &event_totals::tftp_refusals, across_shards::add,
     &catalogue::tftp_requests, "refused"},
    {expectable("tftp_timeouts"), &event_totals::tftp_timeouts, across_shards::add,
     &catalogue::tftp_requests, "timed_out"},
    {expectable("tvs_queries"), &event_totals::tvs_queries, across_shards::add,
     &catalogue::tvs_queries},
    {expectable("tvs_failures"), &event_totals::tvs_failures, across_shards::add,
     &catalogue::tvs_queries_failed},
    {expectable("backup_alerts"), &event_totals::backup_alerts, across_shards::once,
     &catalogue::backup_alerts},
    {"files_served", &event_totals::files_served, across_shards::add, &catalogue::tftp_requests,
     "served"},
    {"bytes_served", &event_totals::bytes_served, across_shards::add,
     &catalogue::tftp_served_bytes},
    {"itl_installs_callmanager", &event_totals::itl_installs_callmanager, across_shards::add,
     &catalogue::itl_installs, "callmanager"},
    {"itl_installs_recovery", &event_totals::itl_installs_recovery, across_shards::add,
     &catalogue::itl_installs, "itlrecovery"},
    {"configs_rejected", &event_totals::configs_rejected, across_shards::add,
     &catalogue::configs_rejected},
    // Served CTLs are in tftp_requests{result="served"} with every other file.
    {"ctl_served", &event_totals::ctl_served},
    {expectable("ctl_installs"), &event_totals::ctl_installs, across_shards::add,
     &catalogue::ctl_updates, "installed"},
    {expectable("ctl_update_failures"), &event_totals::ctl_update_failures, across_shards::add,
     &catalogue::ctl_updates, "refused"},
    {expectable("itl_fallbacks"), &event_totals::itl_fallbacks, across_shards::add,
     &catalogue::trust_list_fallbacks, "itl"},
    {expectable("ctl_fallbacks"), &event_totals::ctl_fallbacks, across_shards::add,
     &catalogue::trust_list_fallbacks, "ctl"},
});

/// One count of phones besides their states (counts::by_state), per fleet
/// group and for the fleet.
struct phone_count {
  std::string_view name;  ///< summary.json's key and an expectation's
  std::uint64_t counts::*member;
  const catalogue::metric* family;  ///< its gauge, one series per fleet group
};

/// In summary.json's order (after the states), a shard file's too.
inline constexpr auto phone_counts = std::to_array<phone_count>({
    {expectable("stale"), &counts::stale, &catalogue::phones_stale},
    {expectable("unrecoverable"), &counts::unrecoverable, &catalogue::phones_unrecoverable},
    {expectable("recovered"), &counts::recovered, &catalogue::phones_recovered},
    {expectable("ever_locked"), &counts::ever_locked, &catalogue::phones_ever_locked},
});

namespace counter_table_checks {

/// Every name the plan lists is read by exactly one row of its kind: a phone
/// state or count for a count, an event counter for an event; so an
/// expectation can read any name a scenario was allowed to write.
consteval bool plan_names_are_read() {
  for (const plan::metric_def& m : plan::expectation_metrics) {
    const auto named = [&](const auto& row) { return row.name == m.name; };
    const auto counts_rows =
        std::count(sim::phone_state_names.begin(), sim::phone_state_names.end(), m.name) +
        std::count_if(phone_counts.begin(), phone_counts.end(), named);
    const auto event_rows = std::count_if(event_counters.begin(), event_counters.end(), named);
    if (counts_rows + event_rows != 1 || (event_rows == 1) != m.counts_events) return false;
  }
  return true;
}
static_assert(plan_names_are_read(), "a name of plan::expectation_metrics has no row of its kind");

/// A row feeds a counter family, giving a value to its one label if it has one.
/// Checked by CounterTable.every_family_is_a_counter_with_the_rows_label, not
/// by a static_assert: the sanitizer builds (-fsanitize=null) do not let a
/// constant expression compare a catalogue entry's address with null.
constexpr bool families_fit() {
  for (const event_counter& c : event_counters) {
    if (!c.family) continue;
    const bool one_label =
        !c.family->labels.empty() && c.family->labels.find(',') == std::string_view::npos;
    if (c.family->kind != catalogue::metric_kind::counter) return false;
    if (c.label.empty() ? !c.family->labels.empty() : !one_label) return false;
  }
  return true;
}

}  // namespace counter_table_checks

}  // namespace itlfleet::metrics
