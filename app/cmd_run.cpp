// `itlfleet run SCENARIO`: a scenario on the virtual-time engine, with a live
// progress line, a final table and the run's files.

#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "commands.hpp"
#include "endpoint_list.hpp"
#include "itlfleet/engine/cost.hpp"
#include "itlfleet/engine/live_engine.hpp"
#include "itlfleet/engine/virtual_engine.hpp"
#include "itlfleet/host/key_cache.hpp"
#include "itlfleet/metrics/group_series.hpp"
#include "itlfleet/metrics/prometheus_exporter.hpp"
#include "itlfleet/metrics/report.hpp"
#include "itlfleet/metrics/report_html.hpp"
#include "itlfleet/metrics/run_metrics.hpp"
#include "itlfleet/plan/plan_limits.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "itlfleet/sweep/merge.hpp"
#include "stop_signals.hpp"

namespace itlfleet::app {
namespace {

using sim::phone_state;

struct run_options {
  std::string scenario;
  std::optional<std::uint64_t> phones;
  std::optional<std::uint64_t> seed;
  std::string out;
  /// calibration.yaml files ([NODE=]FILE) whose server settings the nodes take
  std::vector<std::string> calibration;
  bool verify_every_time = false;
  std::string phone_log = "auto";
  bool quiet = false;
  bool list = false;
  bool allow_large = false;  ///< run past the cost limits
  // Live mode.
  std::string engine = "virtual";
  double time_scale = 1.0;
  std::optional<std::uint32_t> threads;  ///< live: default one per core
  std::string tftp, http, tvs;           ///< external servers, one per node
  std::string shard;                     ///< "K/N"
  double loss = 0.0;
  double delay_ms = 0.0;
  double transfer_deadline_s = 60;
  // Prometheus.
  std::string metrics;      ///< HOST:PORT to serve /metrics on
  std::string linger;       ///< keep serving this long after the run
  double pace = 0;          ///< virtual: simulated seconds per wall second
  std::string pushgateway;  ///< push the final figures here
};

/// The live engine's options from the command line; false after printing an error.
bool live_options_of(const run_options& o, engine::live_options& live) {
  live.time_scale = o.time_scale;
  live.threads = o.threads.value_or(0);
  live.loss = o.loss;
  live.transfer_deadline = std::chrono::seconds(static_cast<std::int64_t>(o.transfer_deadline_s));
  live.delay = std::chrono::microseconds(static_cast<std::int64_t>(o.delay_ms * 1000));
  // Each list fills its own vector of endpoints (UDP for TFTP, TCP else).
  auto read = [](const std::string& text, const char* option, std::uint16_t default_port,
                 auto& into) {
    if (text.empty()) return true;
    auto parsed = parse_endpoint_list(text, default_port);
    if (!parsed) {
      print_error(std::string(option) + ": " + parsed.err().message);
      return false;
    }
    for (const auto& hp : *parsed) into.emplace_back(hp.address, hp.port);
    return true;
  };
  if (!read(o.tftp, "--tftp", 69, live.tftp) || !read(o.http, "--http", 6970, live.http) ||
      !read(o.tvs, "--tvs", 2445, live.tvs))
    return false;
  live.on_notice = [](const std::string& line) {
    std::fprintf(stderr, "itlfleet: %s\n", line.c_str());
  };
  return true;
}

/// --metrics, --linger and --pushgateway: the run's Prometheus figures,
/// served while the run goes and/or pushed at its end; null after printing
/// an error.
/// `shard`: the index of a `--shard K/N` run, a label of its push.
std::unique_ptr<metrics::run_metrics> start_metrics(const run_options& o,
                                                    const plan::run_plan& plan, bool live,
                                                    std::optional<std::uint32_t> shard) {
  metrics::run_metrics_options mo{o.metrics, std::nullopt, o.pushgateway, shard};
  if (!o.linger.empty()) {
    auto d = scenarios::parse_duration(o.linger);
    if (!d) {
      print_error("--linger: " + d.err().message);
      return nullptr;
    }
    mo.linger = *d;
  }
  std::vector<metrics::prometheus_group> groups;
  for (const auto& g : plan.fleet)
    groups.push_back({g.name, g.model, g.firmware, g.tftp.empty() ? "" : g.tftp.front()});
  auto m = metrics::run_metrics::start(
      mo, {plan.name, plan.seed, live ? "live" : "virtual", ITLFLEET_VERSION}, std::move(groups),
      [](const std::string& line) { std::fprintf(stderr, "itlfleet: %s\n", line.c_str()); });
  if (!m) {
    print_error(m.err().message);
    return nullptr;
  }
  return std::move(*m);
}

std::string count_line(const metrics::counts& c) {
  std::string s;
  for (int k = 0; k < sim::phone_state_count; ++k) {
    const auto st = static_cast<phone_state>(k);
    // Trusted and locked always show; the others only while they matter, so
    // the line stays short enough not to wrap.
    const bool always = st == phone_state::trusted || st == phone_state::locked;
    if (!always && c.state(st) == 0) continue;
    s += std::string(sim::state_name(st)) + " " + std::to_string(c.state(st)) + "  ";
  }
  return s;
}

/// The live progress line, redrawn in place at most five times a second.
class progress_line {
 public:
  explicit progress_line(bool enabled) : enabled_(enabled), start_(clock::now()) {}

  void update(const engine::progress& p) {
    if (!enabled_) return;
    const auto now = clock::now();
    if (now - last_ < std::chrono::milliseconds(200) && p.sim_time_us < p.end_us) return;
    last_ = now;
    const double wall = std::chrono::duration<double>(now - start_).count();
    const double rate = wall > 0 ? static_cast<double>(p.events) / wall : 0;
    std::fprintf(stderr, "\r\033[K[%s / %s] %s| %.2fM events/s",
                 metrics::format_sim_time(p.sim_time_us).c_str(),
                 metrics::format_sim_time(p.end_us).c_str(), count_line(p.snapshot->fleet).c_str(),
                 rate / 1e6);
    std::fflush(stderr);
    drawn_ = true;
  }
  void done() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  using clock = std::chrono::steady_clock;
  bool enabled_;
  bool drawn_ = false;
  clock::time_point start_;
  clock::time_point last_{};
};

void print_table(const engine::run_result& r) {
  const auto& names = r.info.group_names;
  std::printf("\n%-18s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s\n", "group", "phones", "trusted",
              "locked", "cfg_rej", "booting", "no_itl", "unreach", "stale", "unrecov", "recovered");
  auto row = [](const std::string& name, const metrics::counts& c) {
    std::printf("%-18s %9llu %9llu %9llu %9llu %9llu %9llu %9llu %9llu %9llu %9llu\n", name.c_str(),
                static_cast<unsigned long long>(c.total()),
                static_cast<unsigned long long>(c.state(phone_state::trusted)),
                static_cast<unsigned long long>(c.state(phone_state::locked)),
                static_cast<unsigned long long>(c.state(phone_state::config_rejected)),
                static_cast<unsigned long long>(c.state(phone_state::booting)),
                static_cast<unsigned long long>(c.state(phone_state::no_itl)),
                static_cast<unsigned long long>(c.state(phone_state::unreachable)),
                static_cast<unsigned long long>(c.stale),
                static_cast<unsigned long long>(c.unrecoverable),
                static_cast<unsigned long long>(c.recovered));
  };
  for (std::size_t g = 0; g < names.size(); ++g) row(names[g], r.final_state.groups[g]);
  if (names.size() > 1) row("(fleet)", r.final_state.fleet);
  const auto& ev = r.final_state.events;
  std::printf("\nTFTP: %llu files served, %llu refused (Maximum Serving Count), %llu timed out\n",
              static_cast<unsigned long long>(ev.files_served),
              static_cast<unsigned long long>(ev.tftp_refusals),
              static_cast<unsigned long long>(ev.tftp_timeouts));
  std::printf(
      "TVS: %llu queries, %llu failed; operator commands refused: %llu; backup alerts: %llu\n",
      static_cast<unsigned long long>(ev.tvs_queries),
      static_cast<unsigned long long>(ev.tvs_failures),
      static_cast<unsigned long long>(ev.refused_commands),
      static_cast<unsigned long long>(ev.backup_alerts));
  if (r.info.engine == "live") {
    const auto& g = ev.load_generator;
    std::printf(
        "load generator: %llu exchanges not sent for want of descriptors, %llu of memory, %llu "
        "other local errors (%llu sent again); %llu datagrams lost on its own queues; peak %llu "
        "open descriptors\n",
        static_cast<unsigned long long>(g.descriptors_exhausted),
        static_cast<unsigned long long>(g.memory_exhausted),
        static_cast<unsigned long long>(g.other_local_errors),
        static_cast<unsigned long long>(g.retries),
        static_cast<unsigned long long>(g.receive_drops + g.send_drops),
        static_cast<unsigned long long>(g.peak_descriptors));
    for (const auto& [where, n] : ev.protocol_errors)
      std::printf("protocol errors from %s: %llu %s\n", where.first.c_str(),
                  static_cast<unsigned long long>(n), where.second.c_str());
  }
  for (const auto& l : r.info.load) {
    std::printf("peak load on %s: %llu concurrent TFTP transfers, longest TVS wait %s\n",
                l.node.c_str(), static_cast<unsigned long long>(l.peak_tftp_transfers),
                metrics::format_sim_time(l.longest_tvs_wait_us).c_str());
  }
  for (const auto& l : r.info.latencies) {
    const auto& h = l.histogram;
    std::printf("%s (%s): %llu, p50 %s, p90 %s, p99 %s, max %s\n", l.name.c_str(), "scenario time",
                static_cast<unsigned long long>(h.count()),
                metrics::format_sim_time(h.percentile(50)).c_str(),
                metrics::format_sim_time(h.percentile(90)).c_str(),
                metrics::format_sim_time(h.percentile(99)).c_str(),
                metrics::format_sim_time(h.max()).c_str());
  }
  for (const auto& [name, t] : r.info.milestones)
    std::printf("%s: %s\n", name.c_str(), metrics::format_sim_time(t).c_str());
  if (!r.checks.empty()) std::printf("\nExpectations:\n");
  for (const auto& c : r.checks)
    std::printf("  %s  %s  (%s)\n", c.passed ? "PASS" : "FAIL", c.name.c_str(), c.message.c_str());
}

/// `shard`: set in a `--shard K/N` run, whose shard.json it becomes.
int write_outputs(engine::run_result& r, const std::string& dir,
                  const std::optional<metrics::shard_header>& shard) {
  if (shard) r.info.shard = metrics::run_info::shard_position{shard->index, shard->count};
  std::vector<metrics::output_file> files = {
      {"summary.json", metrics::summary_json(r.info, r.final_state, r.checks)},
      {"junit.xml", metrics::junit_xml(r.info, r.checks)},
      {"timeseries.csv", metrics::timeseries_csv(r.series)},
      {"groups.csv", metrics::groups_csv(r.info, r.series)},
      {"events.log", r.event_log},
      {"report.html", metrics::report_html(r.info, r.series, r.final_state, r.checks)},
  };
  if (shard) files.push_back({"shard.json", metrics::shard_json(*shard, r.info, r.series)});
  std::string err;
  if (!metrics::write_output_files(dir, files, err)) {
    print_error(err);
    return exit_bad_input;
  }
  std::printf(
      "\nWrote summary.json, junit.xml, timeseries.csv, groups.csv, events.log, report.html%s to "
      "%s\n",
      shard ? ", shard.json" : "", dir.c_str());
  return exit_ok;
}

int run_scenario(const run_options& o) {
  if (o.list) {
    for (const auto& name : scenarios::builtin_names()) std::printf("%s\n", name.c_str());
    return exit_ok;
  }
  if (o.scenario.empty()) {
    print_error(
        "a scenario is required: a built-in name (see `itlfleet run --list`) or a YAML file");
    return exit_bad_input;
  }
  auto plan = scenarios::load(o.scenario);
  if (!plan) {
    print_error(plan.err().to_string());
    return exit_bad_input;
  }
  if (o.seed) plan->seed = *o.seed;
  if (o.phones) scenarios::scale_fleet(*plan, *o.phones);
  if (!o.calibration.empty()) {
    if (auto s = scenarios::apply_calibrations(*plan, o.calibration); !s) {
      print_error(s.err().to_string());
      return exit_bad_input;
    }
  }

  std::printf("itlfleet run %s (%s): %llu phones, seed %llu, %s %s\n", plan->name.c_str(),
              plan->source.c_str(), static_cast<unsigned long long>(plan->fleet_size()),
              static_cast<unsigned long long>(plan->seed),
              metrics::format_sim_time(plan->end.count()).c_str(),
              o.engine == "live" ? "live" : "simulated");
  std::fflush(stdout);

  const bool live = o.engine == "live";
  engine::run_options ro;
  if (!o.shard.empty() && !parse_shard(o.shard, ro.shard_index, ro.shard_count)) {
    print_error("--shard: expected K/N with 0 <= K < N, got '" + o.shard + "'");
    return exit_bad_input;
  }
  // A shard's outputs carry its scenario, for `itlfleet merge` to judge
  // the whole run: read now, as the run loaded it.
  std::string shard_yaml;
  if (!o.shard.empty()) {
    auto yaml = scenarios::scenario_text(o.scenario);
    if (!yaml) {
      print_error(yaml.err().to_string());
      return exit_bad_input;
    }
    shard_yaml = std::move(*yaml);
  }
  if (ro.shard_index >= plan->fleet_size()) {
    // It would run no phone and fail every expectation about them.
    const std::string phones = std::to_string(plan->fleet_size());
    print_error("--shard " + o.shard + ": shard " + std::to_string(ro.shard_index) +
                " has no phones: the fleet has " + phones + " and phone i runs in shard i mod " +
                std::to_string(ro.shard_count) + ", so only shards 0 to " +
                std::to_string(plan->fleet_size() - 1) + " have any (use at most " + phones +
                " shards)");
    return exit_bad_input;
  }
  if (!o.allow_large) {
    // Legal values can still add up to hours of key generation or more
    // memory than the machine has; say so now, with the setting to change.
    if (auto cost = engine::check_cost(*plan, {}, {live, ro.shard_count}); !cost) {
      print_error(cost.err().message);
      return exit_bad_input;
    }
  }
  engine::live_options lo;
  if (live && !live_options_of(o, lo)) return exit_bad_input;
  if (!live && (!o.tftp.empty() || !o.http.empty() || !o.tvs.empty() || o.loss > 0 ||
                o.delay_ms > 0 || o.time_scale != 1.0 || o.threads)) {
    print_error(
        "--tftp, --http, --tvs, --loss, --delay, --time-scale and --threads need --engine live");
    return exit_bad_input;
  }
  if (live && o.pace > 0) {
    print_error("--pace paces the virtual engine; live runs take --time-scale");
    return exit_bad_input;
  }
  ro.pace = o.pace;
  if (!o.out.empty()) {
    // A directory that cannot take the files fails now, not after the run.
    std::string err;
    if (!metrics::prepare_output_dir(o.out, err)) {
      print_error("--out: " + err);
      return exit_bad_input;
    }
  }
  auto prom =
      start_metrics(o, *plan, live,
                    o.shard.empty() ? std::nullopt : std::optional<std::uint32_t>(ro.shard_index));
  if (!prom) return exit_bad_input;
  ro.verify_every_time = o.verify_every_time;
  if (o.phone_log == "on") ro.phone_log = true;
  if (o.phone_log == "off") ro.phone_log = false;
  ro.key_cache = host::default_key_store();
  progress_line line(!o.quiet && isatty(STDERR_FILENO));
  ro.on_progress = [&](const engine::progress& p) {
    line.update(p);
    prom->update(p);
  };

  // From here SIGINT and SIGTERM stop the run and still write its outputs.
  stop_signals signals;
  ro.stop_requested = &stop_signals::received;
  const auto start = std::chrono::steady_clock::now();
  auto r = live ? engine::run_live(*plan, ro, lo) : engine::run_virtual(*plan, ro);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  line.done();
  if (!r) {
    print_error(plan->source + ": " + r.err().to_string());
    return exit_bad_input;
  }
  print_table(*r);
  std::fflush(stdout);  // the table before the stderr statistics, even through a pipe
  for (const auto& w : r->warnings) print_error("warning: " + w);
  // Wall-clock figures go to stderr so stdout stays identical for one seed.
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::fprintf(stderr,
               "\n%llu events in %.2f s of wall time (%.2fM events/s), %llu real signature checks, "
               "peak memory %.1f MB\n",
               static_cast<unsigned long long>(r->info.events_processed), wall,
               wall > 0 ? static_cast<double>(r->info.events_processed) / wall / 1e6 : 0.0,
               static_cast<unsigned long long>(r->info.crypto_operations),
               static_cast<double>(usage.ru_maxrss) / 1024.0);
  if (!o.out.empty()) {
    std::optional<metrics::shard_header> shard;
    if (!o.shard.empty())
      shard = sweep::run_shard_header(*plan, std::move(shard_yaml), o.phones, r->info.engine,
                                      ro.shard_index, ro.shard_count);
    if (int code = write_outputs(*r, o.out, shard); code != exit_ok) return code;
  }
  if (auto pushed = prom->finish(r->info, r->final_state); !pushed) {
    print_error(pushed.err().message);
    return exit_bad_input;
  }
  if (const auto& stopped = r->info.interrupted) {
    std::printf("Interrupted by %s at %s of %s: the outputs hold what was reached.\n",
                stopped->reason.c_str(), metrics::format_sim_time(stopped->at_us).c_str(),
                metrics::format_sim_time(r->info.end_us).c_str());
    std::fflush(stdout);
    return stop_signals::exit_status();
  }
  std::printf("%s\n", r->passed ? "All expectations hold." : "Some expectations failed.");
  std::fflush(stdout);
  prom->linger([] { return stop_signals::received() != nullptr; });
  return r->passed ? exit_ok : exit_rejected;
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto o = std::make_shared<run_options>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Run a scenario (virtual time, or live over real sockets) and check its expectations");
  cmd->add_option("scenario", o->scenario,
                  "A built-in scenario name (--list shows them) or a scenario YAML file");
  cmd->add_option("--phones", o->phones, "Scale the fleet groups proportionally to N phones")
      ->check(unsigned_integer() & CLI::Range(std::uint64_t{1}, plan::limits::max_phones));
  cmd->add_option("--seed", o->seed,
                  "Seed for every random draw, 0 to 18446744073709551615 (default: the "
                  "scenario's)")
      ->check(unsigned_integer());
  cmd->add_option("--out", o->out,
                  "Directory for summary.json, junit.xml, timeseries.csv, groups.csv, "
                  "events.log and report.html");
  cmd->add_option("--calibration", o->calibration,
                  "A calibration.yaml of `itlfleet calibrate`: its TFTP, HTTP and TVS settings "
                  "replace every node's; NODE=FILE (repeatable), one node's")
      ->type_name("[NODE=]FILE")
      ->expected(1)  // one file per --calibration: the scenario may follow it
      ->allow_extra_args(false);
  cmd->add_flag("--verify-every-time", o->verify_every_time,
                "Verify signatures with OpenSSL on every check instead of once per distinct "
                "(file, trust anchor)");
  cmd->add_option("--phone-log", o->phone_log,
                  "Log every phone's state changes: on, off, auto (fleets up to 2,000)")
      ->check(CLI::IsMember({"auto", "on", "off"}));
  cmd->add_flag("--quiet,-q", o->quiet, "No progress line");
  cmd->add_option("--engine", o->engine,
                  "virtual: modelled servers on simulated time; live: real TFTP/HTTP/TVS over "
                  "loopback sockets in real time")
      ->check(CLI::IsMember({"virtual", "live"}))
      ->capture_default_str();
  cmd->add_option("--time-scale", o->time_scale,
                  "Live: wall seconds per scenario second (0.01 plays 60 minutes in 36 s)")
      ->check(CLI::Range(0.0001, 100.0))
      ->capture_default_str();
  cmd->add_option("--threads", o->threads,
                  "Live: threads to run on (default: one per core): phone i's exchanges on thread "
                  "i mod N, node n's in-process servers on thread n mod N (a node's servers on "
                  "one thread), the fleet's state machines on the first. Outcomes do not depend "
                  "on it")
      ->check(CLI::Range(1u, engine::max_live_threads))
      ->type_name("N");
  cmd->add_option("--tftp", o->tftp,
                  "Live: external TFTP servers, HOST[:PORT] per node in the scenario's node order "
                  "(default port 69); default: in-process servers")
      ->type_name("LIST");
  cmd->add_option("--http", o->http,
                  "Live: external HTTP file servers per node (default port 6970)")
      ->type_name("LIST");
  cmd->add_option("--tvs", o->tvs, "Live: external TVS servers per node (default port 2445)")
      ->type_name("LIST");
  cmd->add_option("--loss", o->loss, "Live: probability that a phone loses a received TFTP packet")
      ->check(CLI::Range(0.0, 0.9));
  cmd->add_option("--delay", o->delay_ms, "Live: milliseconds a phone waits before each packet")
      ->check(CLI::Range(0.0, 10000.0));
  cmd->add_option("--transfer-deadline", o->transfer_deadline_s,
                  "Live: scenario seconds one file transfer may take, however steadily the "
                  "server drips (scaled by --time-scale, at least forty retransmission timeouts)")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
  cmd->add_option("--shard", o->shard,
                  "Run shard K of N: the phones whose index i has i mod N = K, with the draws "
                  "they have in the whole run; virtual runs give each server 1/N of its capacity. "
                  "--out also gets shard.json, for `itlfleet merge` (a shard with no phones, "
                  "K >= the fleet size, is refused)")
      ->type_name("K/N");
  cmd->add_option("--metrics", o->metrics,
                  "Serve Prometheus metrics on http://HOST:PORT/metrics during the run "
                  "(e.g. 127.0.0.1:9464)")
      ->type_name("HOST:PORT");
  cmd->add_option("--linger", o->linger,
                  "With --metrics: keep serving the final metrics this long after the run "
                  "(e.g. 30s, 5m)")
      ->type_name("DURATION");
  cmd->add_option("--pace", o->pace,
                  "Virtual: at most X simulated seconds per wall second, to watch a run on a "
                  "dashboard (0: as fast as possible); outputs are unchanged")
      ->type_name("X")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option(
         "--pushgateway", o->pushgateway,
         "Push the final metrics to this Prometheus Pushgateway (http://HOST:PORT), "
         "grouping key job=itlfleet, scenario=<name> (and shard=K with --shard K/N); a failed "
         "push exits 2")
      ->type_name("URL");
  cmd->add_flag("--allow-large", o->allow_large,
                "Run even when the estimated cost (time-series samples, RSA key generations, "
                "memory) is past the default limits");
  cmd->add_flag("--list", o->list, "List the built-in scenarios and exit");
  cmd->footer(
      "Exit status: 0 every expectation holds, 1 an expectation failed, 2 bad scenario or "
      "options, or past the cost limits without --allow-large; 130 (SIGINT) or 143 (SIGTERM) "
      "stopped early: the outputs hold what was reached, a second signal quits at once.\nThe "
      "same scenario and seed give byte-identical output files.");
  cmd->callback([o] { finish(run_scenario(*o)); });
}

}  // namespace itlfleet::app
