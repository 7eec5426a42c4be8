#include "calibrate_metrics.hpp"

#include <chrono>
#include <cstdio>
#include <thread>

#include "cli_support.hpp"
#include "itlfleet/metrics/report.hpp"
#include "stop_signals.hpp"

namespace itlfleet::app {

bool calibrate_metrics::start(const std::string& address, const std::string& linger) {
  if (!linger.empty()) {
    if (address.empty()) {
      print_error("--linger needs --metrics");
      return false;
    }
    auto d = scenarios::parse_duration(linger);
    if (!d) {
      print_error("--linger: " + d.err().message);
      return false;
    }
    linger_ = *d;
  }
  if (address.empty()) return true;
  exporter_ = std::make_shared<metrics::calibration_exporter>();
  auto server = metrics::prometheus_server::listen(address, exporter_);
  if (!server) {
    print_error("--metrics: " + server.err().message);
    return false;
  }
  server_ = std::move(*server);
  std::fprintf(stderr, "itlfleet: serving Prometheus metrics on http://%s/metrics (port %u)\n",
               address.c_str(), static_cast<unsigned>(server_->port()));
  return true;
}

void calibrate_metrics::attach(engine::calibration_watch& watch) {
  if (!exporter_) return;
  auto ex = exporter_;
  watch.step_started = [ex](double rate, int index) { ex->step_started(index, rate); };
  watch.request_sent = [ex] { ex->request_sent(); };
  watch.request_done = [ex](std::string_view result) { ex->request_done(result); };
  watch.step_finished = [ex](double completed, std::int64_t p50, std::int64_t p90,
                             std::int64_t p99) {
    ex->step_finished(completed, static_cast<double>(p50) / 1e6, static_cast<double>(p90) / 1e6,
                      static_cast<double>(p99) / 1e6);
  };
}

void calibrate_metrics::finish() {
  if (!exporter_) return;
  exporter_->mark_complete();
  if (linger_.count() <= 0 || stop_signals::received()) return;
  std::fprintf(stderr, "itlfleet: serving the final metrics for %s more\n",
               metrics::format_sim_time(linger_.count()).c_str());
  const auto until = std::chrono::steady_clock::now() + linger_;
  while (!stop_signals::received() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

}  // namespace itlfleet::app
