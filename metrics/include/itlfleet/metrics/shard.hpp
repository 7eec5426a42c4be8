#pragma once
/// Shards and merge. A run (or sweep) split with `--shard K/N` leaves, beside
/// its usual files, `shard.json`: who the shard is (index, count, and what
/// every shard of the set must agree on: scenario text, seed, fleet size,
/// engine) and, for a run, what a merge needs that the usual files lose:
/// every sample's counts by group with the event totals, the latency
/// histograms' raw buckets, peak loads, DeviceTLInfo, the operator's actions.
/// This header reads and writes that file and merges shards' figures:
/// counts add, histograms merge bucket by bucket, event logs interleave by
/// time. Judging expectations needs the scenario (sweep/merge.hpp does it).
///
///   auto shard = metrics::parse_shard_json(text);          // one per directory
///   auto set = metrics::check_shard_set(headers, dirs);    // same scenario, all N, once each
///   auto merged = metrics::merge_run_shards(runs);         // the whole run's info and series

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "itlfleet/metrics/fleet_counters.hpp"
#include "itlfleet/metrics/report.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::metrics {

/// What kind of output a shard's directory holds.
enum class shard_kind : std::uint8_t { run, sweep };

/// Who a shard is. Shards merge when `kind`, `count` and every entry of
/// `identity` agree and their indices are 0 to count-1, each once.
struct shard_header {
  shard_kind kind = shard_kind::run;
  std::uint32_t index = 0;
  std::uint32_t count = 1;
  /// (name, value) pairs in a fixed order, e.g. ("seed", "42"),
  /// ("scenario_yaml", <the scenario's text>); compared as text.
  std::vector<std::pair<std::string, std::string>> identity;
  /// The value of identity entry `name`, if any.
  const std::string* find(std::string_view name) const;
};

/// A run shard's figures: `info` as the run reported it (its latencies, load,
/// DeviceTLInfo, actions, the last state change as its only milestone) and
/// every time-series sample.
struct shard_run {
  run_info info;
  std::vector<snapshot> series;
};

/// shard.json's content.
struct shard_file {
  shard_header header;
  std::optional<shard_run> run;  ///< set for kind run
};

/// shard.json of a run shard.
std::string shard_json(const shard_header& header, const run_info& info,
                       const std::vector<snapshot>& series);
/// shard.json of a sweep shard (no figures: its sweep.csv has them).
std::string shard_json(const shard_header& header);

/// Reads shard.json; errors name what is missing or malformed.
result<shard_file> parse_shard_json(std::string_view text);

/// Whether `headers` (read from `names`, e.g. directories, for messages) are
/// one whole set of shards: the same kind, count and identity, every index
/// from 0 to count-1 exactly once.
status check_shard_set(const std::vector<shard_header>& headers,
                       const std::vector<std::string>& names);

/// The whole run from its shards, in index order: counts add sample by
/// sample (every shard must have sampled at the same times, so none may be
/// interrupted), latency histograms merge from their buckets, DeviceTLInfo
/// adds by (group, ITL), peak TFTP transfers add (an upper bound of the
/// simultaneous peak), the longest TVS wait is the longest of any shard,
/// peak_locked_at is found again on the merged series. Expectations are not
/// judged here: they need the scenario.
result<shard_run> merge_run_shards(const std::vector<shard_run>& shards);

/// One events.log from the shards' logs (in shard order): entries ordered
/// by time, stable by shard order for equal times; an entry (a stamped line
/// and the unstamped lines under it) that an earlier shard logged at the
/// same time word for word is kept once — the operator's commands with
/// CUCM's answers, outages, alerts — except notes that count phones (a
/// number before " phones" or " registered phones": "boot-all: 100 phones
/// power on"), which each shard writes for its own phones.
std::string merge_event_logs(const std::vector<std::string>& logs);

}  // namespace itlfleet::metrics
