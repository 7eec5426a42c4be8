// `itlfleet calibrate --tftp|--http|--tvs HOST[:PORT] --ceiling R`: rising
// steps of open-loop load against real servers, one service after the
// other, then the virtual engine's stations fitted to what was measured
// (calibration.yaml, calibration.html). The services themselves live in
// calibrate_services.cpp.

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "calibrate_metrics.hpp"
#include "calibrate_services.hpp"
#include "cli_support.hpp"
#include "commands.hpp"
#include "itlfleet/engine/calibration_output.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "stop_signals.hpp"

namespace itlfleet::app {
namespace {

struct calibrate_options {
  std::string tftp;
  std::string http;
  std::string tvs;
  std::string file = "ITLFile.tlv";
  double ceiling = 0;
  std::string step_duration = "10s";
  int steps = 8;
  int past_saturation = 0;
  std::string out = ".";
  std::string metrics, linger;  ///< --metrics HOST:PORT, --linger DURATION
};

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// One service asked for on the command line.
struct service_run {
  const char* option;  ///< "tftp", "http", "tvs"
  const std::string* server;
  result<engine::calibration_section> (*calibrate)(const std::string&, const calibration_load&);
};

int calibrate(const calibrate_options& o) {
  // TFTP, HTTP, TVS: the order of the sections in the outputs.
  const std::vector<service_run> all = {{"tftp", &o.tftp, calibrate_tftp},
                                        {"http", &o.http, calibrate_http},
                                        {"tvs", &o.tvs, calibrate_tvs}};
  std::vector<service_run> runs;
  for (const auto& s : all) {
    if (s.server->empty()) continue;
    if (auto st = check_server(s.option, *s.server); !st) {
      print_error(st.err().to_string());
      return exit_bad_input;
    }
    runs.push_back(s);
  }
  if (runs.empty()) {
    print_error("expected a server to calibrate: --tftp, --http or --tvs HOST[:PORT]");
    return exit_bad_input;
  }
  auto step = scenarios::parse_duration(o.step_duration);
  if (!step || step->count() < 100'000 || *step > std::chrono::minutes(10)) {
    print_error("--step-duration: expected a duration from 100ms to 10m, got '" + o.step_duration +
                "'");
    return exit_bad_input;
  }
  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  if (ec) {
    print_error(o.out + ": " + ec.message());
    return exit_bad_input;
  }
  calibration_load load;
  load.file = o.file;
  load.ceiling = o.ceiling;
  load.step = *step;
  load.steps = o.steps;
  load.past_saturation = o.past_saturation;
  calibrate_metrics prom;
  if (!prom.start(o.metrics, o.linger)) return exit_bad_input;
  prom.attach(load.watch);
  stop_signals signals;
  load.stop_requested = [] { return stop_signals::received() != nullptr; };

  std::vector<engine::calibration_section> sections;
  for (const auto& r : runs) {
    // A signal ends the current service's steps and skips the others.
    if (!sections.empty() && load.stop_requested()) break;
    auto section = r.calibrate(*r.server, load);
    if (!section) {
      print_error(section.err().to_string());
      return exit_bad_input;
    }
    sections.push_back(std::move(*section));
  }
  const std::string date = utc_now();
  const std::string yaml = engine::calibration_file_yaml(sections, date);
  const std::string html = engine::calibration_file_html(sections, date);
  const auto dir = std::filesystem::path(o.out);
  for (const auto& [name, text] :
       {std::pair{"calibration.yaml", &yaml}, {"calibration.html", &html}}) {
    if (auto s = write_file(dir / name, as_bytes(*text), std::filesystem::perms(0644)); !s) {
      print_error(s.err().to_string());
      return exit_bad_input;
    }
  }
  std::printf("%s", yaml.c_str());
  std::fflush(stdout);
  prom.finish();
  return exit_ok;
}

}  // namespace

void add_calibrate_command(CLI::App& app) {
  auto o = std::make_shared<calibrate_options>();
  CLI::App* cmd = app.add_subcommand(
      "calibrate",
      "Measure TFTP, HTTP 6970 and TVS servers under rising open-loop load and fit the virtual "
      "engine's models to them (calibration.yaml, calibration.html)");
  cmd->add_option("--tftp", o->tftp, "A TFTP server, HOST[:PORT] (port 69 by default)");
  cmd->add_option("--http", o->http,
                  "An HTTP 6970 file server, HOST[:PORT] (port 6970 by default): one GET of "
                  "--file per connection");
  cmd->add_option("--tvs", o->tvs,
                  "A TVS server, HOST[:PORT] (port 2445 by default): a TLS handshake and one "
                  "query per connection");
  cmd->add_option("--file", o->file, "The file to download over TFTP and HTTP")
      ->capture_default_str();
  cmd->add_option("--ceiling", o->ceiling,
                  "Requests/s: the most ever offered to each server (the last step's rate)")
      ->required()
      ->check(CLI::Range(0.1, 100000.0));
  cmd->add_option("--step-duration", o->step_duration, "How long each step offers its rate")
      ->capture_default_str();
  cmd->add_option("--steps", o->steps, "Steps at most, geometric from ceiling/16 to the ceiling")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--past-saturation", o->past_saturation,
                  "TFTP: steps still offered after saturation, never past the ceiling or "
                  "--steps, so the fit sees whether throughput falls (a knee)")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Directory for calibration.yaml and calibration.html")
      ->capture_default_str();
  cmd->add_option("--metrics", o->metrics,
                  "Serve Prometheus metrics on http://HOST:PORT/metrics while calibrating (step, "
                  "rate offered and completed, requests by result, latency)")
      ->type_name("HOST:PORT");
  cmd->add_option("--linger", o->linger,
                  "With --metrics: keep serving the final metrics this long afterwards")
      ->type_name("DURATION");
  cmd->footer(
      "The servers are measured one after the other (TFTP, HTTP, TVS), each request on its own "
      "loopback source address when the server is on loopback. Each stops by itself at "
      "saturation (p90 latency above 4x the first step's, or refusals, timeouts and errors "
      "above 5% of requests) or after the ceiling's step. Calibrating a production server loads "
      "it: keep the ceiling low.\nExit status: 0 written, 2 bad options, a file the server does "
      "not have, no answer, or an output that cannot be written.");
  cmd->callback([o] { finish(calibrate(*o)); });
}

}  // namespace itlfleet::app
