#include "itlfleet/metrics/calibration_exporter.hpp"

#include <prometheus/text_serializer.h>

#include "itlfleet/metrics/catalogue.hpp"

namespace itlfleet::metrics {
namespace {

/// A family registered under the catalogue's name and help text.
template <class Builder>
auto& family(Builder builder, const catalogue::metric& m, prometheus::Registry& r) {
  return builder.Name(std::string(m.name)).Help(std::string(m.help)).Register(r);
}

}  // namespace

calibration_exporter::calibration_exporter() : registry_(std::make_shared<prometheus::Registry>()) {
  prometheus::Registry& r = *registry_;
  step_ = &family(prometheus::BuildGauge(), catalogue::calibration_step, r).Add({});
  offered_ = &family(prometheus::BuildGauge(), catalogue::calibration_offered_rate, r).Add({});
  completed_ = &family(prometheus::BuildGauge(), catalogue::calibration_completed_rate, r).Add({});
  auto& requests = family(prometheus::BuildCounter(), catalogue::calibration_requests, r);
  // Every result from the start, at zero: a rate() over a result that has
  // not happened yet is 0, not absent.
  ok_ = &requests.Add({{"result", "ok"}});
  refused_ = &requests.Add({{"result", "refused"}});
  timeout_ = &requests.Add({{"result", "timeout"}});
  error_ = &requests.Add({{"result", "error"}});
  in_flight_ = &family(prometheus::BuildGauge(), catalogue::calibration_in_flight, r).Add({});
  auto& latency = family(prometheus::BuildGauge(), catalogue::calibration_latency, r);
  p50_ = &latency.Add({{"percentile", "50"}});
  p90_ = &latency.Add({{"percentile", "90"}});
  p99_ = &latency.Add({{"percentile", "99"}});
  complete_ = &family(prometheus::BuildGauge(), catalogue::calibration_complete, r).Add({});
}

void calibration_exporter::step_started(int index, double offered) {
  step_->Set(index + 1);
  offered_->Set(offered);
}

void calibration_exporter::request_sent() {
  in_flight_->Increment();
}

void calibration_exporter::request_done(std::string_view result) {
  in_flight_->Decrement();
  (result == "ok"        ? ok_
   : result == "refused" ? refused_
   : result == "timeout" ? timeout_
                         : error_)
      ->Increment();
}

void calibration_exporter::step_finished(double completed, double p50_s, double p90_s,
                                         double p99_s) {
  completed_->Set(completed);
  p50_->Set(p50_s);
  p90_->Set(p90_s);
  p99_->Set(p99_s);
}

void calibration_exporter::mark_complete() {
  complete_->Set(1);
}

std::vector<prometheus::MetricFamily> calibration_exporter::Collect() const {
  return registry_->Collect();
}

std::string calibration_exporter::scrape() const {
  return prometheus::TextSerializer().Serialize(Collect());
}

}  // namespace itlfleet::metrics
