// The services of `itlfleet calibrate`: the server's address checked, the
// measurement with a progress line per step, the fit, the section.

#include "calibrate_services.hpp"

#include <cstdio>

#include "endpoint_list.hpp"
#include "itlfleet/engine/exchange_calibration.hpp"
#include "itlfleet/engine/tftp_calibration.hpp"

namespace itlfleet::app {
namespace {

std::uint16_t default_port(const std::string& option) {
  return option == "tftp" ? 69 : option == "http" ? 6970 : 2445;
}

/// The one HOST[:PORT] of `--<option>`.
result<host_port> one_server(const std::string& option, const std::string& text) {
  auto servers = parse_endpoint_list(text, default_port(option));
  if (!servers) return error{"--" + option + ": " + servers.err().to_string()};
  if (servers->size() != 1) return error{"--" + option + ": expected one HOST[:PORT]"};
  return (*servers)[0];
}

/// What every service's probe takes from the command line.
template <class Probe>
void set_load(Probe& p, const host_port& where, const std::string& server,
              const calibration_load& load) {
  p.server = {where.address, where.port};
  p.server_text = server;
  p.filename = load.file;
  p.ceiling = load.ceiling;
  p.step = load.step;
  p.max_steps = load.steps;
  p.stop_requested = load.stop_requested;
  p.watch = load.watch;
}

void announce(const char* kind, const std::string& server, const std::string& what,
              const calibration_load& load) {
  std::fprintf(stderr,
               "calibrating %s %s with %s: up to %d steps of %.1f s, %.1f to %.1f "
               "requests/s\n",
               kind, server.c_str(), what.c_str(), load.steps,
               std::chrono::duration<double>(load.step).count(),
               engine::tftp_step_rate(load.ceiling, 0, load.steps), load.ceiling);
}

result<engine::calibration_section> calibrate_exchange(engine::calibrated_service service,
                                                       const std::string& server,
                                                       const calibration_load& load) {
  const bool http = service == engine::calibrated_service::http;
  auto where = one_server(http ? "http" : "tvs", server);
  if (!where) return where.err();
  engine::exchange_probe_options p;
  p.service = service;
  set_load(p, *where, server, load);
  p.on_step = [service](const engine::exchange_step& s, int i) {
    std::fprintf(stderr, "%s\n", engine::format_exchange_step(service, s, i).c_str());
  };
  announce(http ? "HTTP" : "TVS", server, http ? load.file : "one QUERY_CERT per connection", load);
  auto m = engine::measure_exchange(p);
  if (!m) return m.err();
  return http ? engine::http_section(*m, engine::fit_http(*m))
              : engine::tvs_section(*m, engine::fit_tvs(*m));
}

}  // namespace

status check_server(const std::string& option, const std::string& server) {
  if (auto where = one_server(option, server); !where) return where.err();
  return ok();
}

result<engine::calibration_section> calibrate_tftp(const std::string& server,
                                                   const calibration_load& load) {
  auto where = one_server("tftp", server);
  if (!where) return where.err();
  engine::tftp_probe_options p;
  set_load(p, *where, server, load);
  p.past_saturation = load.past_saturation;
  p.on_step = [](const engine::tftp_step& s, int i) {
    std::fprintf(stderr, "TFTP %s\n", engine::format_step(s, i).c_str());
  };
  announce("TFTP", server, load.file, load);
  auto m = engine::measure_tftp(p);
  if (!m) return m.err();
  return engine::tftp_section(*m, engine::fit_tftp(*m));
}

result<engine::calibration_section> calibrate_http(const std::string& server,
                                                   const calibration_load& load) {
  return calibrate_exchange(engine::calibrated_service::http, server, load);
}

result<engine::calibration_section> calibrate_tvs(const std::string& server,
                                                  const calibration_load& load) {
  return calibrate_exchange(engine::calibrated_service::tvs, server, load);
}

}  // namespace itlfleet::app
