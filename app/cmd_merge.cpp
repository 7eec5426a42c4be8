// `itlfleet merge OUT DIR...`: one result from the output directories of
// `--shard K/N` runs or sweeps (sweep/merge.hpp does the work).

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "commands.hpp"
#include "itlfleet/metrics/output_files.hpp"
#include "itlfleet/sim/utf8.hpp"
#include "itlfleet/sweep/merge.hpp"

namespace itlfleet::app {
namespace {

struct merge_options {
  std::string out;
  std::vector<std::string> dirs;
};

int merge(const merge_options& o) {
  // The merged files would replace a shard's own.
  std::error_code ec;
  const auto out = std::filesystem::weakly_canonical(o.out, ec);
  for (const std::string& dir : o.dirs) {
    std::error_code ec2;
    if (!ec && std::filesystem::weakly_canonical(dir, ec2) == out && !ec2) {
      print_error("OUT " + o.out + " is one of the shard directories: merge into another");
      return exit_bad_input;
    }
  }
  // Refusals come before anything is created or written.
  auto merged = sweep::merge_shards(o.dirs);
  if (!merged) {
    print_error(merged.err().to_string());
    return exit_bad_input;
  }
  std::string err;
  if (!metrics::prepare_output_dir(o.out, err)) {
    print_error("OUT: " + err);
    return exit_bad_input;
  }
  if (!metrics::write_output_files(o.out, merged->files, err)) {
    print_error(err);
    return exit_bad_input;
  }
  std::string names;
  for (const auto& f : merged->files) names += (names.empty() ? "" : ", ") + f.name;
  if (merged->kind == metrics::shard_kind::sweep) {
    std::printf("Merged %u shards of sweep %s: %zu runs. Wrote %s to %s\n", merged->shards,
                terminal_safe(merged->scenario).c_str(), merged->sweep_runs, names.c_str(),
                o.out.c_str());
    return exit_ok;
  }
  std::printf("Merged %u shards of %s: %llu phones. Wrote %s to %s\n", merged->shards,
              terminal_safe(merged->scenario).c_str(),
              static_cast<unsigned long long>(merged->phones), names.c_str(), o.out.c_str());
  if (!merged->checks.empty()) std::printf("\nExpectations:\n");
  for (const auto& c : merged->checks)
    std::printf("  %s  %s  (%s)\n", c.passed ? "PASS" : "FAIL", terminal_safe(c.name).c_str(),
                terminal_safe(c.message).c_str());
  std::printf("%s\n", merged->passed ? "All expectations hold." : "Some expectations failed.");
  return merged->passed ? exit_ok : exit_rejected;
}

}  // namespace

void add_merge_command(CLI::App& app) {
  auto o = std::make_shared<merge_options>();
  CLI::App* cmd = app.add_subcommand(
      "merge",
      "Merge the output directories of `run --shard K/N` (or `sweep --shard K/N`) into one "
      "result, the same files as a single run (or sweep.csv of a single sweep)");
  cmd->add_option("out", o->out, "Directory for the merged files")->required();
  cmd->add_option("dirs", o->dirs, "The shards' output directories, every shard once, any order")
      ->required()
      ->expected(1, -1);
  cmd->footer(
      "Run shards give summary.json, junit.xml, timeseries.csv, groups.csv, events.log and "
      "report.html: counts add sample by sample, latency histograms merge from their buckets, "
      "the scenario's expectations are judged again on the merged time series (each shard's "
      "shard.json carries the scenario and seed), events.log interleaves the shards' logs by "
      "time with the operator's commands once. Sweep shards give sweep.csv, rows in point "
      "order.\n"
      "Refused (exit 2) before anything is written: shards of different scenarios, seeds, "
      "fleet sizes or shard counts, a shard missing or given twice, an interrupted shard, a "
      "directory without shard.json.\n"
      "Exit status: 0 merged (runs: every expectation holds), 1 merged but an expectation "
      "failed, 2 refused or an I/O error.");
  cmd->callback([o] { finish(merge(*o)); });
}

}  // namespace itlfleet::app
