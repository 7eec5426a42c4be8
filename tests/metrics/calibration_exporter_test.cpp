// The Prometheus view of `itlfleet calibrate`: every catalogue entry of
// calibration_all is served with its kind and labels, and the figures follow
// the steps and requests.

#include "itlfleet/metrics/calibration_exporter.hpp"

#include <gtest/gtest.h>

#include "itlfleet/metrics/catalogue.hpp"

namespace itlfleet::metrics {
namespace {

TEST(CalibrationExporter, serves_every_calibration_metric_and_follows_the_steps) {
  calibration_exporter ex;
  std::set<std::string> names;
  for (const auto& f : ex.Collect()) names.insert(f.name);
  for (const catalogue::metric& m : catalogue::calibration_all)
    EXPECT_TRUE(names.count(std::string(m.name))) << m.name;
  EXPECT_EQ(names.size(), catalogue::calibration_all.size());

  ex.step_started(1, 12.5);
  for (int i = 0; i < 3; ++i) ex.request_sent();
  ex.request_done("ok");
  ex.request_done("refused");
  ex.step_finished(9.5, 0.002, 0.004, 0.008);
  const std::string page = ex.scrape();
  for (const char* line :
       {"itlfleet_calibration_step 2\n", "itlfleet_calibration_offered_requests_per_second 12.5\n",
        "itlfleet_calibration_requests_total{result=\"ok\"} 1\n",
        "itlfleet_calibration_requests_total{result=\"refused\"} 1\n",
        "itlfleet_calibration_requests_total{result=\"timeout\"} 0\n",
        "itlfleet_calibration_downloads_in_flight 1\n",
        "itlfleet_calibration_completed_downloads_per_second 9.5\n",
        "itlfleet_calibration_latency_seconds{percentile=\"90\"} 0.004\n",
        "itlfleet_calibration_complete 0\n"})
    EXPECT_NE(page.find(line), std::string::npos) << line << "\n" << page;
  ex.mark_complete();
  EXPECT_NE(ex.scrape().find("itlfleet_calibration_complete 1\n"), std::string::npos);
}

}  // namespace
}  // namespace itlfleet::metrics
