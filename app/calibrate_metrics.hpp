#pragma once
/// `itlfleet calibrate --metrics HOST:PORT [--linger D]`: the calibration's
/// Prometheus view (metrics::calibration_exporter) served while it runs,
/// fed through the probes' calibration_watch. Kept apart from cmd_calibrate.cpp, which
/// only starts it, attaches it and finishes it.

#include <memory>
#include <string>

#include "itlfleet/engine/calibration_watch.hpp"
#include "itlfleet/metrics/calibration_exporter.hpp"
#include "itlfleet/metrics/prometheus_endpoint.hpp"
#include "itlfleet/scenarios/scenario.hpp"

namespace itlfleet::app {

class calibrate_metrics {
 public:
  /// Validates the options and starts serving (nothing without --metrics);
  /// false after printing an error.
  bool start(const std::string& address, const std::string& linger);
  /// Sets the watch's hooks to update the exporter (nothing without --metrics).
  void attach(engine::calibration_watch& watch);
  /// The measurement has stopped: marks it complete, then serves the final
  /// figures for --linger, or until SIGINT or SIGTERM.
  void finish();

 private:
  std::shared_ptr<metrics::calibration_exporter> exporter_;
  std::unique_ptr<metrics::prometheus_server> server_;
  plan::sim_duration linger_{0};
};

}  // namespace itlfleet::app
