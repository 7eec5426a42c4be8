#pragma once
/// How every duration is written: the run's table, events.log, report.html,
/// summary.json's texts, loader errors and sweep settings. Hours and minutes
/// when there are any, then seconds: "10m10s", "2h", "0s", "1h5s". Below a
/// second, decimal seconds for measured times ("1m0.5s", "0.0125s": a
/// latency reads as one number) or ms/us parts for times a scenario writes
/// ("1s500ms", "2ms", "200us": as a user would type them). Both forms read
/// back to the same value through scenarios::parse_duration.

#include <chrono>
#include <cstdint>
#include <string>

namespace itlfleet::sim {

/// How the part below a whole second is written.
enum class below_second {
  decimal,  ///< "0.5s", "1m0.0125s"
  units,    ///< "500ms", "1m12ms500us"
};

/// `us` microseconds; a negative value gets a leading '-' (INT64_MIN too).
std::string format_sim_time(std::int64_t us, below_second style = below_second::decimal);

inline std::string format_sim_time(std::chrono::microseconds d,
                                   below_second style = below_second::decimal) {
  return format_sim_time(d.count(), style);
}

}  // namespace itlfleet::sim
