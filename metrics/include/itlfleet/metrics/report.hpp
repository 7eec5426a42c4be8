#pragma once
/// The files a run leaves behind, all deterministic for a given seed:
/// summary.json, junit.xml (one test case per expectation), timeseries.csv
/// (phones by state over simulated time), groups.csv (the same per group,
/// group_series.hpp) and events.log.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "itlfleet/metrics/calibration_ref.hpp"
#include "itlfleet/metrics/fleet_counters.hpp"
#include "itlfleet/metrics/latency_histogram.hpp"
#include "itlfleet/metrics/output_files.hpp"
#include "itlfleet/sim/duration_text.hpp"

namespace itlfleet {
class json_writer;
}

namespace itlfleet::metrics {

/// The verdict on one expectation.
struct check_result {
  std::string name;  ///< the expectation as written, e.g. "locked == 0 at 20m"
  bool passed = false;
  std::string message;  ///< observed value and when, e.g. "locked was 0 at 20m (first at 14m10s)"
  int line = 0;         ///< line in the scenario file
};

/// What CUCM learns from DeviceTLInfo alarms: phones of one group (firmware
/// 9.4(1) and later) reporting one installed ITL.
struct itl_report {
  std::string group;
  std::string itl_signature;  ///< SHA-1 as the alarm writes it: hex bytes separated by spaces
  std::uint64_t phones = 0;
  bool current = false;  ///< equals the ITL the group's TFTP server serves now
};

/// The busiest a node's services got during the run: the capacity question.
struct node_load {
  std::string node;
  std::uint64_t peak_tftp_transfers = 0;  ///< concurrent transfers at the peak
  std::int64_t longest_tvs_wait_us = 0;   ///< longest wait for a TVS session slot
};

/// One administrator command (or other operator action) of the timeline, as
/// it happened: for annotations on plots and dashboards.
struct operator_action {
  std::int64_t time_us = 0;  ///< scenario time
  std::string text;          ///< the command as written, e.g. "set cert regen TVS"
  std::string node;          ///< host it ran on; empty for fleet actions
  bool ok = true;            ///< false: CUCM refused it
};

/// A named latency distribution of a run, in scenario microseconds (live
/// runs: wall time divided by the time scale, like every other time of a
/// run): "boot" (power-on or reboot to the end of the boot sequence),
/// "time_to_trust" (reset or power-on to trusted), "tvs_query" (one TVS
/// exchange TVS answered; virtual runs: as modelled) and in live runs
/// "download" (one ITL, CTL or config fetch). The names are the catalogue's histograms'
/// (catalogue.hpp).
struct latency {
  std::string name;
  latency_histogram histogram;
};

/// A run stopped before its end: what stopped it and how far it got.
struct interruption {
  std::string reason;      ///< e.g. "SIGINT", "SIGTERM"
  std::int64_t at_us = 0;  ///< the scenario time reached
};

/// What summary.json and junit.xml describe.
/// Recovery by hand at a technician's pace (`delete itl` / `factory reset`
/// with `rate:`): what a lockout costs in people.
struct manual_recovery {
  std::uint64_t visits = 0;       ///< phones a technician erased
  std::uint64_t not_reached = 0;  ///< selected phones whose visit fell after the end
  double technician_hours = 0;
  std::optional<std::int64_t> last_visit_us;
};

struct run_info {
  std::string scenario;
  std::string source;
  /// The scenario's story, its YAML `description` (may be empty).
  std::string description;
  std::uint64_t seed = 0;
  std::uint64_t phones = 0;
  std::int64_t end_us = 0;
  std::vector<std::string> group_names;
  std::uint64_t events_processed = 0;
  std::uint64_t crypto_operations = 0;
  std::uint64_t distinct_files = 0;
  /// Simulated instants of interest (microseconds), e.g. "peak_locked", "all_trusted".
  std::vector<std::pair<std::string, std::int64_t>> milestones;
  /// Technicians' visits; summary.json and the report show it when any.
  manual_recovery manual;
  /// DeviceTLInfo at the end of the run, by group and installed ITL.
  std::vector<itl_report> device_tl_info;
  /// Peak load per node, in cluster order.
  std::vector<node_load> load;
  /// The operator's commands and fleet actions in time order.
  std::vector<operator_action> actions;
  /// Latency distributions (see `latency`); empty ones are left out.
  std::vector<latency> latencies;
  /// "virtual" or "live".
  std::string engine = "virtual";
  /// The calibration of the server models (TFTP, HTTP, TVS: whichever it
  /// holds), if the run used one.
  std::optional<calibration_ref> tftp_calibration;
  /// The nodes with a calibration of their own, in cluster order.
  std::vector<node_calibration> node_calibrations;
  /// Indexed like group_names: the group's firmware sends DeviceTLInfo
  /// alarms (9.4(1) and later), so CUCM sees which ITL its phones hold.
  std::vector<bool> group_reports_device_tl_info;
  /// Indexed like group_names: when the group's stale count last fell to 0
  /// and stayed there (group_series.hpp stale_cleared_at); summary.json
  /// writes it as the group's "stale_cleared_at" when set.
  std::vector<std::optional<std::int64_t>> group_stale_cleared_us;
  /// Set in one shard of a run (`--shard K/N`): summary.json says which,
  /// and that shard.json beside it holds what `itlfleet merge` needs.
  struct shard_position {
    std::uint32_t index = 0;
    std::uint32_t count = 1;
  };
  std::optional<shard_position> shard;
  /// Set when the run was stopped before end_us; the outputs then hold what
  /// was reached, and the run does not pass.
  std::optional<interruption> interrupted;
};

/// "10m10s", "2h", "0s", "1m0.5s": how simulated times are printed everywhere
/// (sim/duration_text.hpp).
using sim::format_sim_time;

/// Microseconds as decimal seconds, exact, without trailing zeros: "600",
/// "0.0125", "-1.5" (the time columns of CSV files).
std::string seconds_decimal(std::int64_t us);

/// `"tftp_calibration"`: the calibration's file, server and date, or
/// "defaults" (summary.json, sweep.json); then, when some node has its own,
/// `"node_calibrations"`: a list of its node, file, server and date. Needs
/// a json_writer inside an object.
void write_tftp_calibration(json_writer& w, const std::optional<calibration_ref>& calibration,
                            const std::vector<node_calibration>& nodes = {});

std::string summary_json(const run_info& info, const snapshot& final_state,
                         const std::vector<check_result>& checks);
std::string junit_xml(const run_info& info, const std::vector<check_result>& checks);
/// Header "time_s,offline,booting,trusted,locked,no_itl,unreachable,stale,unrecoverable,recovered"
/// then one row per snapshot.
std::string timeseries_csv(const std::vector<snapshot>& series);

/// Escapes `s` for XML or HTML text (`attribute`: for a quoted attribute
/// value). Characters that XML 1.0 forbids become '?', bytes that are not
/// UTF-8 become U+FFFD: the result is always valid in a UTF-8 document.
std::string xml_escape(std::string_view s, bool attribute);

}  // namespace itlfleet::metrics
