// `itlfleet sweep SCENARIO --vary KEY=VALUES ...`: one scenario over a grid of
// settings, or a threshold search (--find), every point an independent
// virtual-engine run, on every core. Prints a table and the answer; writes
// sweep.csv, sweep.json, report.html (and the threshold point as a scenario).

#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli_support.hpp"
#include "commands.hpp"
#include "itlfleet/host/key_cache.hpp"
#include "itlfleet/host/shared_key_store.hpp"
#include "itlfleet/metrics/output_files.hpp"
#include "itlfleet/metrics/report.hpp"
#include "itlfleet/metrics/shard.hpp"
#include "itlfleet/plan/plan_limits.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "itlfleet/sim/utf8.hpp"
#include "itlfleet/sweep/merge.hpp"
#include "itlfleet/sweep/report.hpp"
#include "itlfleet/sweep/sweep.hpp"
#include "sweep_progress.hpp"

namespace itlfleet::app {
namespace {

using sim::phone_state;

/// Rows the terminal table shows; sweep.csv has every run.
constexpr std::size_t max_table_rows = 200;

struct sweep_options {
  sweep::sweep_request request;
  std::optional<unsigned> jobs;
  std::string out;
  std::optional<std::size_t> print_point;
  bool quiet = false;
  std::string shard;  ///< "K/N"
};

std::string safe(std::string_view s) {
  return terminal_safe(s);
}

/// The table of runs, columns sized to their contents.
void print_table(const sweep::sweep_setup& setup, const sweep::sweep_result& result) {
  const auto& space = setup.space;
  std::vector<std::string> head = {"point"};
  for (const auto& a : space.axes()) head.push_back(safe(a.key));
  // Seed and phones show once, as a varied setting or as a column of their
  // own (a varied seed leaves setup.seeds empty).
  bool phones_varied = false;
  for (const auto& a : space.axes()) phones_varied = phones_varied || a.key == sweep::phones_key;
  const bool show_seed = setup.seeds.size() > 1;
  if (show_seed) head.emplace_back("seed");
  if (!phones_varied) head.emplace_back("phones");
  for (const char* h : {"trusted", "locked", "unrecov", "recover", "settled", "peak TFTP",
                        "TVS wait", "expectations"})
    head.emplace_back(h);
  if (!setup.find.empty()) head.push_back(safe(setup.find));

  std::vector<std::vector<std::string>> rows;
  for (const auto& r : result.runs) {
    if (rows.size() == max_table_rows) break;
    std::vector<std::string> row = {std::to_string(r.point)};
    const auto c = space.coordinates(r.point);
    for (std::size_t k = 0; k < space.axes().size(); ++k)
      row.push_back(safe(space.axes()[k].values[c[k]].text));
    if (show_seed) row.push_back(std::to_string(r.seed));
    if (!phones_varied) row.push_back(std::to_string(r.phones));
    row.push_back(std::to_string(r.fleet.state(phone_state::trusted)));
    row.push_back(std::to_string(r.fleet.state(phone_state::locked)));
    row.push_back(std::to_string(r.fleet.unrecoverable));
    row.push_back(r.recover_us ? metrics::format_sim_time(*r.recover_us) : "-");
    row.push_back(metrics::format_sim_time(r.settled_us));
    row.push_back(std::to_string(r.peak_tftp_transfers));
    row.push_back(metrics::format_sim_time(r.longest_tvs_wait_us));
    std::size_t failed = 0;
    for (const auto& ch : r.checks) failed += ch.passed ? 0 : 1;
    row.push_back(failed == 0 ? "all hold"
                              : std::to_string(failed) + " of " + std::to_string(r.checks.size()) +
                                    " fail");
    if (r.found) row.emplace_back(*r.found ? "holds" : "fails");
    rows.push_back(std::move(row));
  }

  std::vector<std::size_t> width(head.size());
  for (std::size_t i = 0; i < head.size(); ++i) width[i] = head[i].size();
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      std::string cell = cells[i];
      cell.resize(width[i], ' ');
      s += (i == 0 ? "" : "  ") + cell;
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    std::printf("%s\n", s.c_str());
  };
  std::printf("\n");
  line(head);
  for (const auto& row : rows) line(row);
  if (result.runs.size() > rows.size())
    std::printf("... and %zu more runs (all of them in sweep.csv with --out)\n",
                result.runs.size() - rows.size());
}

/// The seed a point's stand-alone scenario gets: the sweep's first, or the
/// point's own when `seed` is varied.
std::uint64_t first_seed(const sweep::sweep_setup& setup, std::size_t point) {
  if (!setup.seeds.empty()) return setup.seeds.front();
  auto plan = setup.space.plan(point);  // validated before: cannot fail
  return plan ? plan->seed : 0;
}

/// `shard`: set with --shard, whose shard.json it becomes.
int write_outputs(const sweep_options& o, const sweep::sweep_setup& setup,
                  const sweep::sweep_result& result,
                  const std::optional<metrics::shard_header>& shard) {
  std::vector<metrics::output_file> files = {
      {"sweep.csv", sweep::sweep_csv(setup, result)},
      {"sweep.json", sweep::sweep_json(setup, result)},
      {"report.html", sweep::sweep_report_html(setup, result)},
  };
  if (shard) files.push_back({"shard.json", metrics::shard_json(*shard)});
  // The threshold point of each search as a scenario of its own, to run it
  // alone (`itlfleet run DIR/threshold.yaml`) and see its whole story.
  std::vector<std::string> thresholds;
  for (std::size_t s = 0; s < result.searches.size(); ++s) {
    const auto& r = result.searches[s].result;
    if (r.outcome != sweep::search_result::kind::threshold) continue;
    const std::size_t point = result.searches[s].points[r.holds_after ? r.after : r.before];
    const std::string name = result.searches.size() == 1
                                 ? "threshold.yaml"
                                 : "threshold-" + std::to_string(s + 1) + ".yaml";
    files.push_back({name, setup.space.yaml(point, first_seed(setup, point))});
    thresholds.push_back(name);
  }
  std::string err;
  if (!metrics::write_output_files(o.out, files, err)) {
    print_error(err);
    return exit_bad_input;
  }
  std::printf("\nWrote sweep.csv, sweep.json, report.html%s", shard ? ", shard.json" : "");
  for (const auto& t : thresholds) std::printf(", %s", t.c_str());
  std::printf(" to %s\n", o.out.c_str());
  if (thresholds.size() == 1)
    std::printf("Run the threshold point alone: itlfleet run %s/%s\n", o.out.c_str(),
                thresholds.front().c_str());
  return exit_ok;
}

int run_sweep(const sweep_options& o) {
  if (o.request.scenario.empty()) {
    print_error(
        "a scenario is required: a built-in name (see `itlfleet run --list`) or a YAML file");
    return exit_bad_input;
  }
  const unsigned jobs = o.jobs.value_or(std::max(1u, std::thread::hardware_concurrency()));
  sweep::sweep_request request = o.request;
  request.jobs = jobs;
  if (!o.shard.empty() && !parse_shard(o.shard, request.shard_index, request.shard_count)) {
    print_error("--shard: expected K/N with 0 <= K < N, got '" + o.shard + "'");
    return exit_bad_input;
  }
  // A shard's outputs carry the scenario, so that shards of another file
  // of the same name are told apart: read before anything runs.
  std::optional<metrics::shard_header> shard;
  if (!o.shard.empty()) {
    auto yaml = scenarios::scenario_text(request.scenario);
    if (!yaml) {
      print_error(yaml.err().to_string());
      return exit_bad_input;
    }
    shard = metrics::shard_header{};
    shard->identity = {{"scenario_yaml", std::move(*yaml)}};
  }
  // Printing a point runs nothing: no cost limits.
  if (o.print_point) request.allow_large = true;
  auto setup = sweep::prepare(request);
  if (!setup) {
    print_error(setup.err().to_string());
    return exit_bad_input;
  }
  if (shard) shard = sweep::sweep_shard_header(request, *setup, shard->identity.front().second);
  const auto& space = setup->space;

  if (o.print_point) {
    if (*o.print_point >= space.size()) {
      print_error("--print-point: the sweep has points 0 to " + std::to_string(space.size() - 1));
      return exit_bad_input;
    }
    std::printf("%s", space.yaml(*o.print_point, first_seed(*setup, *o.print_point)).c_str());
    return exit_ok;
  }
  if (!o.out.empty()) {
    // A directory that cannot take the files fails now, not after the sweep.
    std::string err;
    if (!metrics::prepare_output_dir(o.out, err)) {
      print_error("--out: " + err);
      return exit_bad_input;
    }
  }

  const std::size_t seeds = std::max<std::size_t>(1, setup->seeds.size());
  std::string fleet = std::to_string(space.base().fleet_size()) + " phones";
  if (auto p = space.plan(0); p) fleet = std::to_string(p->fleet_size()) + " phones";
  for (const auto& a : space.axes())
    if (a.key == sweep::phones_key) fleet = "phones varied";
  std::printf("itlfleet sweep %s (%s): %zu points x %zu seed%s, %s, %s simulated each\n",
              safe(space.base().name).c_str(), safe(space.base().source).c_str(), space.size(),
              seeds, seeds == 1 ? "" : "s", fleet.c_str(),
              metrics::format_sim_time(space.base().end.count()).c_str());
  if (shard)
    std::printf("shard %u of %u: points p with p mod %u = %u, %zu runs\n", setup->shard_index,
                setup->shard_count, setup->shard_count, setup->shard_index, setup->planned_runs);
  if (setup->search_axis)
    std::printf("searching %s for \"%s\": at most %zu runs\n",
                safe(space.axes()[*setup->search_axis].key).c_str(), safe(setup->find).c_str(),
                setup->planned_runs);
  std::fflush(stdout);

  // One key store for every run: the cluster's keys are generated (or read
  // from the disk cache) once, not once per point.
  auto keys = std::make_shared<host::shared_key_store>(host::default_key_store());
  sweep_progress bar(!o.quiet && isatty(STDERR_FILENO), setup->planned_runs,
                     setup->search_axis.has_value());
  sweep::runner_options ro;
  ro.jobs = jobs;
  ro.key_cache = keys;
  ro.on_run_done = [&bar] { bar.run_done(); };

  const auto start = std::chrono::steady_clock::now();
  auto result = sweep::execute(*setup, ro);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  bar.done();
  if (!result) {
    print_error(result.err().to_string());
    return exit_bad_input;
  }

  print_table(*setup, *result);
  bool answered = true;
  if (setup->search_axis) {
    std::printf("\n");
    for (const auto& s : result->searches) {
      std::printf("%s\n", safe(sweep::describe_search(*setup, s)).c_str());
      answered = answered && s.result.outcome == sweep::search_result::kind::threshold;
    }
  }
  std::fflush(stdout);
  // Wall-clock figures go to stderr: stdout stays the same for the same sweep.
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::fprintf(
      stderr, "\n%zu runs in %.2f s of wall time with %u jobs (%.1f runs/s), peak memory %.1f MB\n",
      result->runs.size(), wall, jobs,
      wall > 0 ? static_cast<double>(result->runs.size()) / wall : 0.0,
      static_cast<double>(usage.ru_maxrss) / 1024.0);
  if (!o.out.empty()) {
    if (int code = write_outputs(o, *setup, *result, shard); code != exit_ok) return code;
  }
  std::fflush(stdout);
  return answered ? exit_ok : exit_rejected;
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  auto o = std::make_shared<sweep_options>();
  CLI::App* cmd = app.add_subcommand(
      "sweep",
      "Run a scenario over a grid of settings, or search for the threshold where a condition "
      "starts to hold; every point runs on the virtual engine, in parallel");
  cmd->add_option("scenario", o->request.scenario,
                  "A built-in scenario name (`itlfleet run --list`) or a scenario YAML file");
  cmd->add_option("--vary", o->request.vary,
                  "KEY=VALUES: a setting by its YAML path (cluster.tftp.max_serving_count, "
                  "fleet.desk.count, boot.reset_spread, timeline[2].at; phones for the fleet "
                  "size) and its values: a list (10000,20000,40000), a range with a step "
                  "(100..3000/100, 1m..10m/30s) or both; repeat for a grid")
      ->type_name("KEY=VALUES")
      ->required()
      ->expected(1)  // one KEY=VALUES per --vary: the scenario may follow it
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option(
         "--find", o->request.find,
         "Bisect for where this condition starts (or stops) holding, e.g. \"locked == 0\", "
         "\"recovered >= 99% by 30m\", \"trusted == 100% at 20m [desk]\"; runs at most "
         "ceil(log2(values)) + 2 points per search")
      ->type_name("CONDITION");
  cmd->add_option("--along", o->request.along,
                  "With --find and several --vary: the KEY to search along (one search per "
                  "combination of the others)")
      ->type_name("KEY");
  cmd->add_option("--phones", o->request.phones,
                  "Scale every point's fleet to N phones (or vary it: --vary phones=...)")
      ->check(unsigned_integer() & CLI::Range(std::uint64_t{1}, plan::limits::max_phones));
  cmd->add_option("--seed", o->request.seed, "The first seed (default: the scenario's)")
      ->check(unsigned_integer());
  cmd->add_option("--seeds", o->request.seeds,
                  "Runs per point, with seeds S, S+1, ...: shows the spread; with --find a point "
                  "holds when it holds for every seed")
      ->check(CLI::Range(1u, 1000u))
      ->capture_default_str();
  cmd->add_option("--jobs,-j", o->jobs,
                  "Runs at once, each a single-threaded engine (default: the number of cores); "
                  "results do not depend on it")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_option(
      "--out", o->out,
      "Directory for sweep.csv, sweep.json, report.html (and threshold.yaml with --find)");
  cmd->add_option("--max-points", o->request.max_runs,
                  "Refuse sweeps of more than this many runs (points x seeds)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}))
      ->capture_default_str();
  cmd->add_option("--print-point", o->print_point,
                  "Print point N's scenario (varied settings written in) as YAML and exit, to "
                  "run it alone with `itlfleet run`")
      ->type_name("N");
  cmd->add_option("--calibration", o->request.calibration,
                  "A calibration.yaml of `itlfleet calibrate`: its TFTP, HTTP and TVS settings "
                  "replace every node's in every point; NODE=FILE (repeatable), one node's; a "
                  "--vary of the same setting still varies it")
      ->type_name("[NODE=]FILE")
      ->expected(1)  // one file per --calibration: the scenario may follow it
      ->allow_extra_args(false);
  cmd->add_flag("--allow-large", o->request.allow_large,
                "Run points past `itlfleet run`'s cost limits (time-series samples, RSA key "
                "generations, memory; with --jobs N, N runs' memory together)");
  cmd->add_option("--shard", o->shard,
                  "Run shard K of N of a grid: the points p with p mod N = K (each with every "
                  "seed); --out also gets shard.json, and `itlfleet merge` joins the shards' "
                  "sweep.csv into the one a single process writes (not with --find)")
      ->type_name("K/N");
  cmd->add_flag("--quiet,-q", o->quiet, "No progress bar");
  cmd->footer(
      "Points are numbered in grid order, the first --vary varying slowest. Every point's "
      "scenario is validated before any run starts.\n"
      "Exit status: 0 done (with --find: a threshold found in every search), 1 --find found no "
      "threshold in the range or the condition is not monotone, 2 bad scenario or options.\n"
      "The same sweep gives byte-identical sweep.csv, sweep.json and report.html, whatever "
      "--jobs.");
  cmd->callback([o] { finish(run_sweep(*o)); });
}

}  // namespace itlfleet::app
