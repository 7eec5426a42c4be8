// `itlfleet compare RUN_A RUN_B`: two runs' outputs side by side (times to
// 50/90/100% trusted after the last fall in trust, peak transfers,
// refusals), B's error relative to A; with --tolerance, a pass or fail.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "cli_support.hpp"
#include "commands.hpp"
#include "itlfleet/metrics/number_format.hpp"
#include "itlfleet/metrics/run_comparison.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "itlfleet/sim/utf8.hpp"

namespace itlfleet::app {
namespace {

struct compare_options {
  std::string a, b;
  std::string from;  ///< a duration; empty: each run's last fall in trust
  std::optional<double> tolerance_percent;
  bool json = false;
};

int compare(const compare_options& o) {
  std::optional<std::int64_t> from;
  if (!o.from.empty()) {
    auto d = scenarios::parse_duration(o.from);
    if (!d) {
      print_error("--from: " + d.err().message);
      return exit_bad_input;
    }
    from = d->count();
  }
  auto a = metrics::read_run_figures(o.a, from);
  if (!a) {
    print_error(a.err().to_string());
    return exit_bad_input;
  }
  // B counts from A's instant: the same scenario's reset happens at the
  // same scenario time in both.
  auto b = metrics::read_run_figures(o.b, from ? from : a->from_us);
  if (!b) {
    print_error(b.err().to_string());
    return exit_bad_input;
  }
  const auto c = metrics::compare_runs(*a, *b);
  for (const auto& m : c.mismatches) print_error("warning: " + m);
  const std::string text = o.json ? metrics::comparison_json(c) : metrics::comparison_table(c);
  std::printf("%s", o.json ? text.c_str() : terminal_safe(text).c_str());
  if (!o.tolerance_percent) return exit_ok;
  const auto beyond = metrics::figures_beyond(c, *o.tolerance_percent / 100);
  if (beyond.empty()) {
    if (!o.json) std::printf("\nEvery figure within ±%g%%.\n", *o.tolerance_percent);
    return exit_ok;
  }
  std::string names;
  for (const auto& n : beyond) names += (names.empty() ? "" : ", ") + n;
  print_error("beyond ±" + metrics::trim_zeros(std::to_string(*o.tolerance_percent)) +
              "%: " + names);
  return exit_rejected;
}

}  // namespace

void add_compare_command(CLI::App& app) {
  auto o = std::make_shared<compare_options>();
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "Compare two runs' outputs (e.g. a live measurement and a virtual prediction of the same "
      "scenario): times to 50%, 90% and 100% trusted, peak TFTP transfers, refusals");
  cmd->add_option("run_a", o->a, "The reference run's --out directory (e.g. the live run)")
      ->required();
  cmd->add_option("run_b", o->b, "The run compared with it (e.g. the virtual prediction)")
      ->required();
  cmd->add_option("--from", o->from,
                  "Count the times from this scenario time (e.g. 2m, the reset); default: the "
                  "first sample of A's last fall in the trusted count")
      ->type_name("DURATION");
  cmd->add_option("--tolerance", o->tolerance_percent,
                  "Exit 1 when a figure (timeouts aside) differs from A's by more than PCT "
                  "percent, or is reached in one run only")
      ->type_name("PCT")
      ->check(CLI::Range(0.0, 1000.0));
  cmd->add_flag("--json", o->json, "Print the comparison as JSON instead of a table");
  cmd->footer(
      "Reads summary.json and timeseries.csv of each directory. Times are scenario time, to "
      "where the trusted count crosses the share after the bottom of the fall, interpolated "
      "between the two samples around it (a finer `sample` gives finer times).\n"
      "Exit status: 0 compared (and within --tolerance), 1 a figure beyond --tolerance, 2 a "
      "directory without a run's files or bad options.");
  cmd->callback([o] { finish(compare(*o)); });
}

}  // namespace itlfleet::app
