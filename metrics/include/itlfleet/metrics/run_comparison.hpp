#pragma once
/// Two runs' outputs side by side (`itlfleet compare A B`): how long the
/// fleet took to be 50%, 90% and 100% trusted again after its last fall in
/// trust (a reset, a regeneration), the busiest node's peak of concurrent
/// TFTP transfers, refusals and timeouts, and B's error relative to A. Built
/// to check a virtual prediction against a live measurement of the same
/// scenario, read from the files a run writes (summary.json, timeseries.csv).
///
///   auto a = read_run_figures("live", std::nullopt);
///   auto b = read_run_figures("virtual", a->from_us);
///   auto c = compare_runs(*a, *b);
///   std::puts(comparison_table(c).c_str());

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "itlfleet/sim/result.hpp"

namespace itlfleet::metrics {

/// The figures of one run's output directory.
struct run_figures {
  std::string dir;
  std::string scenario, engine;
  std::string calibration;  ///< the calibration file, or "defaults"
  std::uint64_t phones = 0;
  /// The instant the times count from, scenario microseconds: given, or the
  /// first sample of the last fall in the trusted count (0 without a fall).
  std::int64_t from_us = 0;
  /// From `from_us` until 50%, 90%, 100% of the phones are trusted (after
  /// the bottom of the fall), interpolated between the samples around the
  /// crossing; none: never reached.
  std::optional<std::int64_t> to_trusted_us[3];
  std::uint64_t peak_transfers = 0;  ///< the busiest node's concurrent TFTP transfers
  std::uint64_t refusals = 0;        ///< TFTP (and HTTP 503) refusals: the serving count
  std::uint64_t timeouts = 0;        ///< TFTP downloads given up for no answer
};

inline constexpr int trusted_percents[3] = {50, 90, 100};

/// Reads DIR/summary.json and DIR/timeseries.csv. `from_us`: the instant
/// to count from; none: the run's last fall in trust. Errors name the file
/// and what is wrong with it.
result<run_figures> read_run_figures(const std::string& dir, std::optional<std::int64_t> from_us);

/// One compared figure: A's value, B's, and (B - A) / A.
struct compared_figure {
  std::string name;
  std::optional<double> a, b;  ///< none: not reached in that run
  bool is_time = false;        ///< seconds, else a count
  bool checked = true;         ///< false: shown, not held to a tolerance (timeouts)
  /// None when it cannot be computed: a value missing, or A zero and B not.
  std::optional<double> error;
};

struct run_comparison {
  run_figures a, b;
  std::vector<compared_figure> figures;
  /// What makes the two runs not the same experiment (another scenario,
  /// fleet size or starting instant), for a warning.
  std::vector<std::string> mismatches;
};

run_comparison compare_runs(const run_figures& a, const run_figures& b);

/// The comparison as a Markdown table, one row per figure, with a heading
/// line naming both runs (engine, calibration, directory).
std::string comparison_table(const run_comparison& c);

/// The comparison as JSON: both runs' figures and each error (null when it
/// cannot be computed).
std::string comparison_json(const run_comparison& c);

/// The checked figures whose |error| exceeds `tolerance` (a fraction: 0.15
/// for ±15%), or whose error cannot be computed.
std::vector<std::string> figures_beyond(const run_comparison& c, double tolerance);

}  // namespace itlfleet::metrics
