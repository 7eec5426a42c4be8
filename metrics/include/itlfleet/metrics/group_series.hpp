#pragma once
/// The run's time series per fleet group: groups.csv, and the ranking by
/// stale phones that the report's "stale ITL by group" plot draws from.
///
///   const auto csv = metrics::groups_csv(r.info, r.series);

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "itlfleet/metrics/fleet_counters.hpp"
#include "itlfleet/metrics/report.hpp"

namespace itlfleet::metrics {

/// Most groups groups.csv names one by one. A fleet may have 65,536 groups;
/// past this limit the others are summed into one row per sample, so the file
/// stays within (limit + 1) rows per timeseries.csv row and its columns still
/// add up to the fleet.
inline constexpr std::size_t groups_csv_max_named = 64;

/// Per group: the most stale phones it had at any sample. O(groups x samples).
std::vector<std::uint64_t> peak_stale(const std::vector<snapshot>& series);

/// Group indices by `peak` (from peak_stale()), most first; ties (and groups
/// never stale) in fleet order.
std::vector<std::size_t> groups_by_peak_stale(const std::vector<std::uint64_t>& peak);

/// Per group: the first sample time from which its stale count stays 0 to
/// the end of the series, when it was above 0 before (the phones took the
/// ITL of the last change); nothing when it never was stale or still is.
/// O(groups x samples).
std::vector<std::optional<std::int64_t>> stale_cleared_at(const std::vector<snapshot>& series);

/// The group's name as the outputs print it: `info.group_names[g]`, or
/// "group<g>" when the run did not name it.
std::string group_name(const run_info& info, std::size_t g);

/// Whether group `g`'s firmware (9.4(1) and later) reports its installed ITL
/// to CUCM in DeviceTLInfo alarms (`info.group_reports_device_tl_info`).
bool reports_device_tl_info(const run_info& info, std::size_t g);

/// Header "time_s,group,<phone states>,stale,unrecoverable,recovered,
/// ever_locked,device_tl_info", then one row per sample per group in fleet
/// order, groups in fleet order within a sample. `device_tl_info` is the
/// group's stale phones when its firmware sends DeviceTLInfo alarms
/// (`info.group_reports_device_tl_info`), else 0: the stale phones CUCM can
/// see. With more than groups_csv_max_named groups, the ones with the most
/// stale phones at any sample are named and the rest summed in a row whose
/// group is "(N other groups)" (a name with spaces, which no group can
/// have). Group names are CSV fields (metrics/csv_field.hpp).
std::string groups_csv(const run_info& info, const std::vector<snapshot>& series);

}  // namespace itlfleet::metrics
