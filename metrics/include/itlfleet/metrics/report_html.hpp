#pragma once
/// report.html: one self-contained page (no scripts, no network) that tells a
/// run's story to a person: the scenario, the verdict on each expectation,
/// plots drawn as inline SVG (phones by state with the operator's actions
/// marked, TFTP/TVS load, the boot-time distribution, stale ITL by group)
/// and tables (final counts per group, milestones, peak load per node,
/// DeviceTLInfo).
///
///   auto html = metrics::report_html(r.info, r.series, r.final_state, r.checks);
///   metrics::write_file(dir, "report.html", html, err);

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "itlfleet/metrics/fleet_counters.hpp"
#include "itlfleet/metrics/report.hpp"

namespace itlfleet::metrics {

/// Most samples a time plot draws: longer series are thinned to every k-th
/// sample (first and last kept), so the page stays small for long runs.
inline constexpr std::size_t report_max_points = 1000;

/// The page. Deterministic: the same inputs give the same bytes. Every text
/// taken from the inputs is HTML-escaped, and invalid UTF-8 in it becomes
/// U+FFFD, so the page is valid UTF-8 whatever the scenario holds.
std::string report_html(const run_info& info, const std::vector<snapshot>& series,
                        const snapshot& final_state, const std::vector<check_result>& checks);

/// The "TFTP model" fact of a run's or a sweep's page, escaped: which
/// calibration (file, server, date), or the defaults.
std::string tftp_model_html(const std::optional<calibration_ref>& calibration,
                            const std::vector<node_calibration>& nodes = {});

}  // namespace itlfleet::metrics
