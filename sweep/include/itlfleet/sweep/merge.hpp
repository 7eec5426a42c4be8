#pragma once
/// `itlfleet merge OUT DIR...`: one result from the output directories of
/// `--shard K/N` runs or sweeps. Each directory's shard.json says what it
/// is (metrics/shard.hpp); a set of run shards becomes the files of one run
/// (summary.json, junit.xml, timeseries.csv, groups.csv, events.log,
/// report.html), its expectations judged again on the merged time series
/// with the scenario the shards carry; a set of sweep shards becomes the
/// sweep.csv of one process. Here rather than in metrics because judging
/// needs the scenarios library and the engine's expectation checker.
///
///   auto merged = sweep::merge_shards({"out/0", "out/1", "out/2"});
///   if (!merged) { print(merged.err()); return 2; }       // mixed, missing or duplicate shards
///   metrics::write_output_files(out, merged->files, err);

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "itlfleet/metrics/output_files.hpp"
#include "itlfleet/metrics/report.hpp"
#include "itlfleet/metrics/shard.hpp"
#include "itlfleet/plan/run_plan.hpp"
#include "itlfleet/sim/result.hpp"
#include "itlfleet/sweep/sweep.hpp"

namespace itlfleet::sweep {

/// The identity of shard `index` of `count` of a run of `plan`, loaded from
/// `scenario_yaml`, with `--phones` `phones` (if given) and `engine`
/// ("virtual" or "live"): what every shard of the run must share.
metrics::shard_header run_shard_header(const plan::run_plan& plan, std::string scenario_yaml,
                                       std::optional<std::uint64_t> phones, std::string_view engine,
                                       std::uint32_t index, std::uint32_t count);

/// The identity of a sweep shard (`request.shard_index` of `shard_count`)
/// over `setup`'s points.
metrics::shard_header sweep_shard_header(const sweep_request& request, const sweep_setup& setup,
                                         std::string scenario_yaml);

struct merged_output {
  metrics::shard_kind kind = metrics::shard_kind::run;
  std::uint32_t shards = 0;
  /// The files to write, in the order a single run (or sweep) lists them.
  std::vector<metrics::output_file> files;
  std::string scenario;        ///< its name
  std::uint64_t phones = 0;    ///< run: the whole fleet
  std::size_t sweep_runs = 0;  ///< sweep: rows of sweep.csv
  /// Run: the expectations judged on the merged series, and whether all held.
  std::vector<metrics::check_result> checks;
  bool passed = true;
};

/// Merges the shard outputs in `dirs` (any order). Errors: a directory
/// without a readable shard.json or the files a merge takes, shards of
/// different scenarios, seeds, fleet sizes, engines or counts, a shard
/// missing or given twice, an interrupted shard.
result<merged_output> merge_shards(const std::vector<std::string>& dirs);

/// sweep.csv of one process from the shards' sweep.csv texts (in shard
/// index order) of a sweep of `points` points split `count` ways.
result<std::string> merge_sweep_csv(const std::vector<std::string>& csvs, std::uint64_t points);

}  // namespace itlfleet::sweep
