#include "itlfleet/sweep/merge.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "itlfleet/engine/expectations.hpp"
#include "itlfleet/metrics/group_series.hpp"
#include "itlfleet/metrics/report_html.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "itlfleet/sweep/report.hpp"

namespace itlfleet::sweep {
namespace {

namespace fs = std::filesystem;

result<std::string> read_text(const std::string& dir, const std::string& name,
                              const std::string& why) {
  const fs::path path = fs::path(dir) / name;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    return failure(path.string() + ": no such file (" + why + ")");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return failure(path.string() + ": cannot read it");
  return text.str();
}

std::string identity_or_empty(const metrics::shard_header& h, std::string_view key) {
  const std::string* v = h.find(key);
  return v ? *v : std::string();
}

/// A whole number written by this program (identity values); nullopt otherwise.
std::optional<std::uint64_t> number_of(const std::string& text) {
  if (text.empty() || text.size() > 20 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  try {
    return std::stoull(text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// The scenario the shards ran, loaded again from the text they carry.
result<plan::run_plan> shards_plan(const metrics::shard_header& h) {
  auto plan =
      scenarios::load_string(identity_or_empty(h, "scenario_yaml"), identity_or_empty(h, "source"));
  if (!plan) return failure("the shards' scenario does not load: " + plan.err().to_string());
  const auto seed = number_of(identity_or_empty(h, "seed"));
  if (!seed) return failure("shard.json: \"seed\" is not a number");
  plan->seed = *seed;
  if (const std::string phones = identity_or_empty(h, "phones"); !phones.empty()) {
    const auto n = number_of(phones);
    if (!n || *n == 0) return failure("shard.json: \"phones\" is not a number");
    scenarios::scale_fleet(*plan, *n);
  }
  return plan;
}

result<merged_output> merge_runs(const std::vector<std::string>& dirs,
                                 std::vector<metrics::shard_file> shards) {
  // Index order, whatever order the directories came in.
  std::vector<std::size_t> order(shards.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return shards[a].header.index < shards[b].header.index;
  });
  std::vector<metrics::shard_run> runs;
  std::vector<std::string> logs;
  for (std::size_t i : order) {
    auto log = read_text(dirs[i], "events.log", "a run shard's output has one");
    if (!log) return log.err();
    logs.push_back(std::move(*log));
    runs.push_back(std::move(*shards[i].run));
  }
  auto merged = metrics::merge_run_shards(runs);
  if (!merged) return merged.err();
  auto plan = shards_plan(shards.front().header);
  if (!plan) return plan.err();
  if (plan->fleet_size() != merged->info.phones)
    return failure("the shards hold " + std::to_string(merged->info.phones) +
                   " phones, their scenario " + std::to_string(plan->fleet_size()));

  metrics::run_info& info = merged->info;
  const std::vector<metrics::snapshot>& series = merged->series;
  info.group_stale_cleared_us = metrics::stale_cleared_at(series);
  merged_output out;
  out.kind = metrics::shard_kind::run;
  out.shards = shards.front().header.count;
  out.scenario = info.scenario;
  out.phones = info.phones;
  out.checks = engine::check_expectations(*plan, series);
  out.passed = std::all_of(out.checks.begin(), out.checks.end(),
                           [](const metrics::check_result& c) { return c.passed; });
  const metrics::snapshot& final_state = series.back();
  out.files = {
      {"summary.json", metrics::summary_json(info, final_state, out.checks)},
      {"junit.xml", metrics::junit_xml(info, out.checks)},
      {"timeseries.csv", metrics::timeseries_csv(series)},
      {"groups.csv", metrics::groups_csv(info, series)},
      {"events.log", metrics::merge_event_logs(logs)},
      {"report.html", metrics::report_html(info, series, final_state, out.checks)},
  };
  return out;
}

result<merged_output> merge_sweeps(const std::vector<std::string>& dirs,
                                   const std::vector<metrics::shard_file>& shards) {
  std::vector<std::string> csvs(shards.size());
  for (std::size_t i = 0; i < shards.size(); ++i) {
    auto csv = read_text(dirs[i], "sweep.csv", "a sweep shard's output has one");
    if (!csv) return csv.err();
    csvs[shards[i].header.index] = std::move(*csv);
  }
  const auto points = number_of(identity_or_empty(shards.front().header, "points"));
  if (!points) return failure("shard.json: \"points\" is not a number");
  auto csv = merge_sweep_csv(csvs, *points);
  if (!csv) return csv.err();
  merged_output out;
  out.kind = metrics::shard_kind::sweep;
  out.shards = shards.front().header.count;
  out.scenario = identity_or_empty(shards.front().header, "scenario");
  out.sweep_runs =
      static_cast<std::size_t>(std::count(csv->begin(), csv->end(), '\n')) - 1;  // not the header
  out.files = {{"sweep.csv", std::move(*csv)}};
  return out;
}

/// CSV records (RFC 4180: a quoted field may hold a newline), without their
/// line ends.
std::vector<std::string> csv_records(std::string_view text) {
  std::vector<std::string> out;
  std::string record;
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (c == '\n' && !quoted) {
      out.push_back(std::move(record));
      record.clear();
      continue;
    }
    record += c;
  }
  if (!record.empty()) out.push_back(std::move(record));
  return out;
}

std::size_t csv_fields(std::string_view record) {
  std::size_t n = 1;
  bool quoted = false;
  for (char c : record) {
    if (c == '"') quoted = !quoted;
    if (c == ',' && !quoted) ++n;
  }
  return n;
}

}  // namespace

metrics::shard_header run_shard_header(const plan::run_plan& plan, std::string scenario_yaml,
                                       std::optional<std::uint64_t> phones, std::string_view engine,
                                       std::uint32_t index, std::uint32_t count) {
  metrics::shard_header h;
  h.kind = metrics::shard_kind::run;
  h.index = index;
  h.count = count;
  h.identity = {
      {"scenario", plan.name},
      {"source", plan.source},
      {"seed", std::to_string(plan.seed)},
      {"phones", phones ? std::to_string(*phones) : std::string()},
      {"fleet", std::to_string(plan.fleet_size())},
      {"engine", std::string(engine)},
      {"scenario_yaml", std::move(scenario_yaml)},
  };
  return h;
}

metrics::shard_header sweep_shard_header(const sweep_request& request, const sweep_setup& setup,
                                         std::string scenario_yaml) {
  metrics::shard_header h;
  h.kind = metrics::shard_kind::sweep;
  h.index = request.shard_index;
  h.count = request.shard_count;
  std::string vary;
  for (const std::string& v : request.vary) vary += (vary.empty() ? "" : "\n") + v;
  // Shards run on different calibrations answer different questions.
  const auto calibration = calibration_of(setup.space);
  std::string calibrations =
      calibration ? calibration->file + " (" + calibration->server + ", " + calibration->date + ")"
                  : "defaults";
  for (const auto& n : node_calibrations_of(setup.space))
    calibrations += "; " + n.node + "=" + n.calibration.file + " (" + n.calibration.server + ", " +
                    n.calibration.date + ")";
  h.identity = {
      {"scenario", setup.space.base().name},
      {"source", setup.space.base().source},
      {"vary", vary},
      {"phones", request.phones ? std::to_string(*request.phones) : std::string()},
      {"seed", request.seed ? std::to_string(*request.seed) : std::string()},
      {"seeds", std::to_string(request.seeds)},
      {"points", std::to_string(setup.space.size())},
      {"tftp_calibration", calibrations},
      {"scenario_yaml", std::move(scenario_yaml)},
  };
  return h;
}

result<std::string> merge_sweep_csv(const std::vector<std::string>& csvs, std::uint64_t points) {
  const std::size_t count = csvs.size();
  // A shard whose points made more expectations has more verdict columns:
  // the widest header wins and shorter rows get empty verdicts, as one
  // process writes them.
  std::vector<std::vector<std::string>> records(count);
  std::string header;
  for (std::size_t k = 0; k < count; ++k) {
    records[k] = csv_records(csvs[k]);
    if (records[k].empty()) return failure("shard " + std::to_string(k) + ": sweep.csv is empty");
    const std::string& h = records[k].front();
    const std::string& shorter = h.size() < header.size() ? h : header;
    const std::string& longer = h.size() < header.size() ? header : h;
    if (!header.empty() && !(longer.starts_with(shorter) &&
                             (longer.size() == shorter.size() || longer[shorter.size()] == ',')))
      return failure("shard " + std::to_string(k) +
                     ": sweep.csv has other columns than shard 0's: not the same sweep");
    if (h.size() > header.size()) header = h;
  }
  const std::size_t width = csv_fields(header);
  // (point, shard, position) of every row; rows of one point stay in order.
  struct row {
    std::uint64_t point;
    std::string text;
  };
  std::vector<row> rows;
  std::vector<bool> seen(points, false);
  for (std::size_t k = 0; k < count; ++k) {
    std::uint64_t last = UINT64_MAX;
    for (std::size_t r = 1; r < records[k].size(); ++r) {
      std::string text = records[k][r];
      const auto comma = text.find(',');
      const auto point = number_of(text.substr(0, comma));
      if (!point || *point >= points)
        return failure("shard " + std::to_string(k) + ": sweep.csv row " + std::to_string(r) +
                       " names no point of the sweep (0 to " + std::to_string(points - 1) + ")");
      if (*point % count != k)
        return failure("shard " + std::to_string(k) + ": sweep.csv holds point " +
                       std::to_string(*point) + ", which shard " + std::to_string(*point % count) +
                       " runs");
      if (seen[*point] && *point != last)
        return failure("shard " + std::to_string(k) + ": sweep.csv holds point " +
                       std::to_string(*point) + " twice");
      seen[*point] = true;
      last = *point;
      for (std::size_t f = csv_fields(text); f < width; ++f) text += ',';
      rows.push_back({*point, std::move(text)});
    }
  }
  for (std::uint64_t p = 0; p < points; ++p)
    if (!seen[p])
      return failure("point " + std::to_string(p) + " is in no shard's sweep.csv (shard " +
                     std::to_string(p % count) + " should hold it)");
  std::stable_sort(rows.begin(), rows.end(),
                   [](const row& a, const row& b) { return a.point < b.point; });
  std::string out = header + "\n";
  for (const row& r : rows) out += r.text + "\n";
  return out;
}

result<merged_output> merge_shards(const std::vector<std::string>& dirs) {
  if (dirs.empty()) return failure("no shard directories given");
  std::vector<metrics::shard_file> shards;
  std::vector<metrics::shard_header> headers;
  for (const std::string& dir : dirs) {
    auto text =
        read_text(dir, "shard.json", "not the output of `itlfleet run` or `sweep` with --shard");
    if (!text) return text.err();
    auto shard = metrics::parse_shard_json(*text);
    if (!shard)
      return failure((fs::path(dir) / "shard.json").string() + ": " + shard.err().message);
    headers.push_back(shard->header);
    shards.push_back(std::move(*shard));
  }
  if (auto set = metrics::check_shard_set(headers, dirs); !set) return set.err();
  return shards.front().header.kind == metrics::shard_kind::run
             ? merge_runs(dirs, std::move(shards))
             : merge_sweeps(dirs, shards);
}

}  // namespace itlfleet::sweep
