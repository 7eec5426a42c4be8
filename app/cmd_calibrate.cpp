// `itlfleet calibrate --tftp HOST[:PORT] --ceiling R`: rising steps of
// open-loop TFTP load against a real server, then the virtual engine's
// station fitted to what was measured (calibration.yaml, calibration.html).

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>

#include "calibrate_metrics.hpp"
#include "cli_support.hpp"
#include "commands.hpp"
#include "endpoint_list.hpp"
#include "itlfleet/engine/tftp_calibration.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "stop_signals.hpp"

namespace itlfleet::app {
namespace {

struct calibrate_options {
  std::string tftp;
  std::string file = "ITLFile.tlv";
  double ceiling = 0;
  std::string step_duration = "10s";
  int steps = 8;
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

int calibrate(const calibrate_options& o) {
  auto servers = parse_endpoint_list(o.tftp, 69);
  if (!servers || servers->size() != 1) {
    print_error("--tftp: " +
                (servers ? std::string("expected one HOST[:PORT]") : servers.err().to_string()));
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
  engine::tftp_probe_options p;
  p.server = {(*servers)[0].address, (*servers)[0].port};
  p.server_text = o.tftp;
  p.filename = o.file;
  p.ceiling = o.ceiling;
  p.step = *step;
  p.max_steps = o.steps;
  p.on_step = [](const engine::tftp_step& s, int i) {
    std::fprintf(stderr, "%s\n", engine::format_step(s, i).c_str());
  };
  calibrate_metrics prom;
  if (!prom.start(o.metrics, o.linger)) return exit_bad_input;
  prom.attach(p);
  stop_signals signals;
  p.stop_requested = [] { return stop_signals::received() != nullptr; };
  std::fprintf(stderr,
               "calibrating TFTP %s with %s: up to %d steps of %s, %.1f to %.1f requests/s\n",
               o.tftp.c_str(), o.file.c_str(), o.steps, o.step_duration.c_str(),
               engine::tftp_step_rate(o.ceiling, 0, o.steps), o.ceiling);
  auto m = engine::measure_tftp(p);
  if (!m) {
    print_error(m.err().to_string());
    return exit_bad_input;
  }
  const auto fit = engine::fit_tftp(*m);
  const std::string date = utc_now();
  const std::string yaml = engine::calibration_yaml(*m, fit, date);
  const std::string html = engine::calibration_html(*m, fit, date);
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
      "Measure a TFTP server under rising open-loop load and fit the virtual engine's TFTP "
      "model to it (calibration.yaml, calibration.html)");
  cmd->add_option("--tftp", o->tftp, "The server, HOST[:PORT] (port 69 by default)")->required();
  cmd->add_option("--file", o->file, "The file to download")->capture_default_str();
  cmd->add_option("--ceiling", o->ceiling,
                  "Requests/s: the most ever offered (the last step's rate)")
      ->required()
      ->check(CLI::Range(0.1, 100000.0));
  cmd->add_option("--step-duration", o->step_duration, "How long each step offers its rate")
      ->capture_default_str();
  cmd->add_option("--steps", o->steps, "Steps at most, geometric from ceiling/16 to the ceiling")
      ->check(CLI::Range(1, 64))
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
      "Stops by itself at saturation (p90 latency above 4x the first step's, or refusals, "
      "timeouts and errors above 5% of requests) or after the ceiling's step. Calibrating a "
      "production server loads it: keep the ceiling low.\nExit status: 0 written, 2 bad "
      "options, a file the server does not have, no answer, or an output that cannot be "
      "written.");
  cmd->callback([o] { finish(calibrate(*o)); });
}

}  // namespace itlfleet::app
