#pragma once
/// The Prometheus view of `itlfleet calibrate --metrics`: the step under
/// way and the rate it offers, requests by result as they finish, downloads
/// in flight, and the last finished step's completed rate and latency
/// (catalogue::calibration_all). Served by prometheus_server like a run's
/// exporter.
///
/// Thread-safe: the calibration's thread updates, the server's collects.
///
///   auto ex = std::make_shared<calibration_exporter>();
///   ex->step_started(0, 5.0);
///   ex->request_sent();
///   ex->request_done("ok");

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace itlfleet::metrics {

class calibration_exporter final : public prometheus::Collectable {
 public:
  calibration_exporter();

  /// Step `index` (0-based) starts offering `offered` requests/s.
  void step_started(int index, double offered);
  void request_sent();
  /// `result`: "ok", "refused", "timeout" or "error".
  void request_done(std::string_view result);
  /// The finished step's completed downloads/s and latency percentiles (seconds).
  void step_finished(double completed, double p50_s, double p90_s, double p99_s);
  void mark_complete();

  std::vector<prometheus::MetricFamily> Collect() const override;
  /// Collect() in the text exposition format, as GET /metrics serves it.
  std::string scrape() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Gauge* step_;
  prometheus::Gauge* offered_;
  prometheus::Gauge* completed_;
  prometheus::Gauge* in_flight_;
  prometheus::Gauge* complete_;
  prometheus::Counter* ok_;
  prometheus::Counter* refused_;
  prometheus::Counter* timeout_;
  prometheus::Counter* error_;
  prometheus::Gauge* p50_;
  prometheus::Gauge* p90_;
  prometheus::Gauge* p99_;
};

}  // namespace itlfleet::metrics
