#include "itlfleet/engine/tftp_calibration.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>

#include "itlfleet/engine/calibration_output.hpp"
#include "itlfleet/engine/stations.hpp"

namespace {

using namespace std::chrono_literals;
using itlfleet::engine::tftp_measurement;
using itlfleet::engine::tftp_step;
using itlfleet::plan::tftp_model;
namespace en = itlfleet::engine;

constexpr std::size_t file_size = 4587;  // 9 blocks

/// A step whose downloads shared the server `sharing` on average each
/// (one value per download), with latencies exactly the station's.
tftp_step step_of(const tftp_model& truth, double offered, std::initializer_list<double> sharing,
                  std::uint64_t refused = 0) {
  tftp_step s;
  s.offered = offered;
  double sum = 0;
  for (double a : sharing) {
    const auto k = static_cast<std::size_t>(std::lround(a * tftp_step::sharing_scale));
    if (s.sharing.size() <= k) s.sharing.resize(k + 1);
    ++s.sharing[k];
    const double latency = en::transfer_time_at(truth, a, file_size);
    if (s.sharing_latency_us.size() <= k) s.sharing_latency_us.resize(k + 1);
    s.sharing_latency_us[k] += latency;
    sum += latency;
    ++s.ok;
  }
  s.mean_us = std::llround(sum / static_cast<double>(s.ok));
  s.p50_us = s.p90_us = s.p99_us = s.mean_us;
  s.refused = refused;
  s.requests = s.ok + refused;
  s.seconds = 1;
  s.completed = static_cast<double>(s.ok);
  return s;
}

tftp_model truth() {
  tftp_model t;
  t.rtt = 150us;
  t.block_cost = 2ms;
  return t;
}

TEST(TftpCalibration, the_station_charges_what_the_shared_formula_says) {
  const tftp_model model = truth();
  en::tftp_station station(model);
  station.start(100, 0);
  EXPECT_EQ(station.start(file_size, 1), en::tftp_transfer_time(model, 2, file_size, 1));
  EXPECT_EQ(en::tftp_transfer_time(model, 2, file_size, 1), 150 + 9 * 4000 + 1'000'000);
  EXPECT_DOUBLE_EQ(en::transfer_time_at(model, 1.5, file_size), 150 + 9 * 3000);
}

TEST(TftpCalibration, the_fit_recovers_the_parameters_that_made_the_points) {
  tftp_measurement m;
  m.server = "127.0.1.1:69";
  m.filename = "ITLFile.tlv";
  m.file_size = file_size;
  m.steps = {step_of(truth(), 5, {1, 1, 1}), step_of(truth(), 10, {1, 1.5, 2}),
             step_of(truth(), 20, {1.5, 2.5, 3}), step_of(truth(), 40, {3, 4, 4}, 7)};
  m.steps.back().ok_at_refusal = {0, 0, 1, 0, 6};
  const auto fit = en::fit_tftp(m);
  EXPECT_NEAR(static_cast<double>(fit.model.block_cost.count()), 2000, 2000 * 0.02);
  // The round trip is under 1% of these latencies: found to within 100 us,
  // not confused with the block cost.
  EXPECT_NEAR(static_cast<double>(fit.model.rtt.count()), 150, 100);
  ASSERT_TRUE(fit.serving_count);
  EXPECT_EQ(*fit.serving_count, 4);
  EXPECT_LT(fit.max_error, 0.01);
  EXPECT_TRUE(fit.caveats.empty());

  const std::vector<en::calibration_section> sections{en::tftp_section(m, fit)};
  const std::string yaml = en::calibration_file_yaml(sections, "2026-01-02T03:04:05Z");
  EXPECT_EQ(yaml, en::calibration_file_yaml({en::tftp_section(m, fit)}, "2026-01-02T03:04:05Z"));
  EXPECT_NE(yaml.find("# server: 127.0.1.1:69\n# date: 2026-01-02T03:04:05Z\n"), std::string::npos)
      << yaml;
  EXPECT_NE(yaml.find("# TFTP server 127.0.1.1:69\n# file: ITLFile.tlv (4587 bytes, 9 blocks)\n"),
            std::string::npos)
      << yaml;
  EXPECT_NE(yaml.find("tftp:\n  rtt: "), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  max_serving_count: 4\n  loss: 0\n"), std::string::npos) << yaml;
  const std::string html = en::calibration_file_html(sections, "2026-01-02T03:04:05Z");
  EXPECT_EQ(html, en::calibration_file_html(sections, "2026-01-02T03:04:05Z"));
  EXPECT_NE(html.find("<svg"), std::string::npos);
}

TEST(TftpCalibration, falling_throughput_is_said_not_forced) {
  tftp_measurement m;
  m.server = "s\x1b\n";  // a control byte never reaches the YAML comment
  m.filename = "ITLFile.tlv";
  m.file_size = file_size;
  m.steps = {step_of(truth(), 5, {1, 1}), step_of(truth(), 20, {2, 2, 2, 2}),
             step_of(truth(), 40, {4})};
  const auto fit = en::fit_tftp(m);
  EXPECT_FALSE(fit.serving_count);
  ASSERT_FALSE(fit.caveats.empty());
  EXPECT_NE(fit.caveats.front().find("throughput falls"), std::string::npos);
  const std::string yaml = en::calibration_file_yaml({en::tftp_section(m, fit)}, "d");
  EXPECT_NE(yaml.find("# server: s??\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("# not expressed by the model: throughput falls"), std::string::npos);
  EXPECT_NE(yaml.find("  # max_serving_count: not reached"), std::string::npos);
  // The latencies are the flat station's: a knee explains nothing more.
  EXPECT_EQ(fit.model.knee_slowdown.count(), 0);
  EXPECT_NE(yaml.find("  # knee: not fitted"), std::string::npos) << yaml;
}

// A server that thrashes past 6 transfers (each one past it adds 1 ms to a
// block's 2 ms): the steps below the knee give rtt and block_cost, the step
// where completed downloads/s fell gives the knee from its downloads'
// latencies. Exact points, so the knee within one transfer and the
// slowdown within 5%.
TEST(TftpCalibration, throughput_falling_past_a_knee_is_fitted_as_the_knee) {
  tftp_model knee = truth();
  knee.knee = 6;
  knee.knee_slowdown = 1ms;
  tftp_measurement m;
  m.server = "127.0.1.1:69";
  m.filename = "ITLFile.tlv";
  m.file_size = file_size;
  m.steps = {step_of(knee, 5, {1, 1, 1}), step_of(knee, 10, {1, 1.5, 2, 2}),
             step_of(knee, 20, {2, 3, 4, 5, 6}), step_of(knee, 40, {3, 8, 10, 12, 15, 20})};
  // Offered 40/s, completed 2/s after 5/s: throughput fell.
  m.steps.back().completed = 2;
  const auto fit = en::fit_tftp(m);
  EXPECT_EQ(fit.model.knee_slowdown.count() > 0, true) << fit.knee_note;
  EXPECT_NEAR(fit.model.knee, 6, 1);
  EXPECT_NEAR(static_cast<double>(fit.model.knee_slowdown.count()), 1000, 50);
  EXPECT_NEAR(static_cast<double>(fit.model.block_cost.count()), 2000, 2000 * 0.05);
  EXPECT_NE(fit.knee_note.find("knee fitted"), std::string::npos);
  const std::string yaml = en::calibration_file_yaml({en::tftp_section(m, fit)}, "d");
  EXPECT_NE(yaml.find("  knee: " + std::to_string(fit.model.knee) + "\n  knee_slowdown: "),
            std::string::npos)
      << yaml;
  for (const auto& c : fit.caveats) EXPECT_EQ(c.find("throughput falls"), std::string::npos) << c;

  // The same steps without the fall: no knee, and the file says why.
  m.steps.back().completed = 40;
  const auto flat = en::fit_tftp(m);
  EXPECT_EQ(flat.model.knee_slowdown.count(), 0);
  const std::string flat_yaml = en::calibration_file_yaml({en::tftp_section(m, flat)}, "d");
  EXPECT_NE(flat_yaml.find("  # knee: not determined (completed downloads/s never fell"),
            std::string::npos)
      << flat_yaml;
  EXPECT_EQ(flat_yaml.find("  knee:"), std::string::npos) << flat_yaml;
}

TEST(TftpCalibration, steps_rise_geometrically_to_the_ceiling_and_never_past_it) {
  EXPECT_DOUBLE_EQ(en::tftp_step_rate(80, 0, 8), 5);
  EXPECT_DOUBLE_EQ(en::tftp_step_rate(80, 7, 8), 80);
  for (int i = 0; i < 8; ++i) EXPECT_LE(en::tftp_step_rate(80, i, 8), 80);
  EXPECT_DOUBLE_EQ(en::tftp_step_rate(80, 0, 1), 80);
}

}  // namespace
