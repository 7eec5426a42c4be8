#pragma once
/// `--vary KEY=VALUES`: one setting of a scenario and the values a sweep
/// gives it.
///
/// VALUES is a comma-separated list of items; an item is one value or a range
/// `FROM..TO/STEP` (TO included when the steps land on it; STEP may be left
/// out for whole numbers, meaning 1; a range may run downwards):
///
///   cluster.tftp.max_serving_count=100..3000/100
///   timeline[2].at=1m..10m/30s
///   phones=10000,20000,40000
///   cluster.tftp.loss=0..0.1/0.02
///   fleet.desk.tftp=[cucm-sub1],[cucm-sub1, cucm-sub2]     (YAML flow values)
///   fleet.desk.model=CP-8861,CP-7965G
///
/// Values keep the order written; the same value twice is an error.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "itlfleet/sim/result.hpp"

namespace itlfleet::sweep {

/// What the values of a setting are: decides how they plot.
enum class value_kind {
  integer,   ///< whole numbers: 100, 2500
  number,    ///< decimals: 0.05
  duration,  ///< scenario durations: 90s, 7m30s (canonical form, see sim::format_sim_time)
  text,      ///< anything else: names, flow lists; plotted as evenly spaced categories
};

/// One value of a varied setting.
struct setting_value {
  /// As it goes into the scenario's YAML; durations in canonical form ("7m30s").
  std::string text;
  /// Where it sits on a plot's axis: the number, or seconds for a duration;
  /// empty for text.
  std::optional<double> position;
};

/// One `--vary`: the setting and its values, in the order written.
struct axis {
  std::string key;  ///< as written: "cluster.tftp.max_serving_count", "timeline[2].at", "phones"
  value_kind kind = value_kind::text;
  std::vector<setting_value> values;
};

/// Parses "KEY=VALUES". Errors name the item at fault; more than
/// `max_values` values is an error that gives the count (checked before any
/// value is made, so a huge range costs nothing).
result<axis> parse_vary(std::string_view text, std::size_t max_values);

/// How many values "KEY=VALUES" gives, counted from its ranges' bounds and
/// steps without making any (a sweep's grid is checked against its limit
/// before a value of it is allocated); nullopt when it does not parse
/// (parse_vary says why).
std::optional<std::uint64_t> count_vary(std::string_view text);

/// "integer", "number", "duration" or "text".
std::string_view kind_name(value_kind k);

}  // namespace itlfleet::sweep
