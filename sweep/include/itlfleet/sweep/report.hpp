#pragma once
/// The files a sweep leaves in `--out DIR`, all deterministic (the same
/// sweep gives the same bytes, whatever `--jobs`):
///
/// - sweep.csv: one row per point and seed: the varied settings, final
///   counts by state, time to recover, peak TFTP/TVS load, verdicts;
/// - sweep.json: the same, and every expectation's message, peak load per
///   node, the searches with their threshold and the points they ran;
/// - report.html: the outcome plotted against the varied setting, with the
///   threshold marked, and the table of runs (inline SVG, no scripts).
///
/// Text taken from scenarios and options is made valid UTF-8 first.

#include <optional>
#include <string>

#include "itlfleet/metrics/calibration_ref.hpp"
#include "itlfleet/sweep/sweep.hpp"

namespace itlfleet::sweep {

/// Header: point, seed, one column per varied key (plus `<key>_s` in seconds
/// for a duration; `phones` and `seed` keep their own columns), phones, the final counts (offline,
/// booting, trusted, locked, no_itl, unreachable, stale, unrecoverable, recovered, ever_locked),
/// all_trusted_from_s, recover_s, settled_s, peak_tftp_transfers, longest_tvs_wait_s,
/// tftp_refusals, tftp_timeouts, tvs_queries, tvs_failures, refused_commands, passed, then `find`
/// (with
/// --find: held / failed) and one column per expectation of the scenario
/// (pass / fail). Empty field: no value (e.g. recover_s of a fleet that
/// does not end trusted). RFC 4180 quoting, CRLF-free.
std::string sweep_csv(const sweep_setup& setup, const sweep_result& result);

std::string sweep_json(const sweep_setup& setup, const sweep_result& result);

std::string sweep_report_html(const sweep_setup& setup, const sweep_result& result);

/// One sentence about a search, e.g. "locked == 0 holds from timeline[2].at=20m10s on
/// (fails at 20m); 7 runs" or "locked == 0 fails at every point tried (3 runs)".
std::string describe_search(const sweep_setup& setup, const search_report& search);

/// The calibration every point's TFTP model came from (`--calibration` or a
/// node's `calibration:`), as the outputs name it; none: the scenario's own.
std::optional<metrics::calibration_ref> calibration_of(const point_space& space);

/// The nodes' own calibrations (a node's `calibration:` or `--calibration
/// NODE=FILE`), in cluster order.
std::vector<metrics::node_calibration> node_calibrations_of(const point_space& space);

/// The calibration file every point ran on ("defaults" when none), then
/// "; NODE=FILE" for each node's own: sweep.csv's `tftp_calibration`.
std::string calibration_label(const point_space& space);

}  // namespace itlfleet::sweep
