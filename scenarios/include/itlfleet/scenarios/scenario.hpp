#pragma once
/// Scenarios: YAML files that describe one simulated run (cluster, fleet,
/// operator timeline, expectations), loaded into an `plan::run_plan`.
///
/// The format is documented in docs/scenarios.md. Loading validates
/// everything it can without running the simulation: unknown keys, types,
/// durations, verbs, node and group names, times past `end`, the range of
/// every number and the text of every string (plan/plan_limits.hpp).
/// Errors read `<file>:<line>:<col>: <what was expected>` (1-based line and
/// column). What a valid plan will cost to run: cost.hpp.
/// No function here throws; all are thread-safe (they share no state).
///
/// ```
/// auto plan = itlfleet::scenarios::load("double-regen-recovery");
/// if (!plan) { std::cerr << plan.err().message << '\n'; return 2; }
/// itlfleet::scenarios::scale_fleet(*plan, 100000);
/// ```

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "itlfleet/plan/run_plan.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::scenarios {

/// Parses a scenario held in memory. `source_name` names it in error
/// messages and becomes `run_plan::source`; when the YAML has no `name`,
/// the plan is named after it (directory and .yaml/.yml extension dropped).
result<plan::run_plan> load_string(std::string_view yaml, const std::string& source_name);

/// Reads and parses a scenario file; an unreadable file is an error naming it.
result<plan::run_plan> load_file(const std::string& path);

/// Applies `itlfleet calibrate`'s calibration.yaml to the plan. `spec` is
/// FILE, every node's: the nodes' own models (a node's `calibration:`,
/// `tftp:`, `http:`, `tvs:`) are dropped and its `tftp:`, `http:` and
/// `tvs:` settings override the cluster's; or NODE=FILE (unless a file has
/// the whole name), one node's: they override that node's models (its own,
/// else the cluster's) and the cluster's stay. An unknown NODE is an error
/// listing the nodes. The plan records which calibration it used
/// (cluster_plan::tftp_calibration, node_plan::calibration).
status apply_calibration(plan::run_plan& plan, const std::string& spec);

/// apply_calibration for each of `specs` (`--calibration`, repeated): the
/// FILEs first, then the NODE=FILEs, whatever their order.
status apply_calibrations(plan::run_plan& plan, const std::vector<std::string>& specs);

/// Names of the scenarios built into the library, sorted.
std::vector<std::string> builtin_names();

/// The YAML text of a built-in scenario, if `name` is one.
std::optional<std::string_view> builtin_yaml(std::string_view name);

/// A built-in name ("bulk-reset-localkey" or "builtin:bulk-reset-localkey"),
/// else a file path. Neither: an error that lists the built-in names.
/// Built-ins get `source` "builtin:<name>".
result<plan::run_plan> load(std::string_view name_or_path);

/// The YAML text load(name_or_path) reads: a built-in's or the file's, so
/// that a run's outputs can carry their scenario (shard.json) and
/// load_string(text, plan.source) gives the same plan again.
result<std::string> scenario_text(std::string_view name_or_path);

/// `--phones N`: rescales the fleet groups so they total exactly `phones`,
/// keeping their proportions (largest remainder; ties go to the group
/// declared first, so the result is deterministic). A group of 0 stays 0.
/// A fleet whose groups are all 0 is split evenly. Absolute expectation
/// values are not touched: write expectations in percent to survive scaling.
void scale_fleet(plan::run_plan& plan, std::uint64_t phones);

/// Parses a duration: one or more `<number><unit>` parts in decreasing unit
/// order, units h, m, s, ms, us (or µs), numbers may have a fraction
/// ("0.2ms"); or a bare "0". Result must be a whole number of microseconds.
/// Examples: "90s", "10m10s", "1h", "2ms", "0.2ms", "500us", "0".
result<plan::sim_duration> parse_duration(std::string_view text);

/// Its inverse, the form a scenario would write ("10m10s", "2ms", "1s500ms"):
/// sim::format_sim_time(d, sim::below_second::units).

/// The metric names an expectation may check, in documentation order.
std::span<const std::string_view> metric_names();

/// The canonical timeline verb of an action kind, as written in YAML
/// ("set cert regen", "utils itl reset localkey", "boot-all", ...).
std::string_view verb_name(plan::action_kind kind);

/// "==", "!=", "<", "<=", ">", ">=".
std::string_view to_string(plan::comparison op);

/// A one-line statement of an expectation for reports, e.g.
/// "recovered >= 99.5% at end", "locked == 0 by 20m", "locked == 100% at end [old-phones]".
std::string describe(const plan::expectation& e);

}  // namespace itlfleet::scenarios
