// The HTTP and TVS fits against steps made by the stations themselves: a
// fit must recover the parameters that made the points, say what it cannot
// tell, and write them as settings the loader takes.

#include "itlfleet/engine/exchange_calibration.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <random>
#include <string>

#include "itlfleet/engine/calibration_output.hpp"
#include "itlfleet/engine/stations.hpp"

namespace {

using namespace std::chrono_literals;
namespace en = itlfleet::engine;
using en::exchange_end;
using en::exchange_measurement;
using en::exchange_step;

/// Poisson arrivals at `rate` for two seconds, each answered when `serve`
/// says (-1: refused), with the step's figures filled as measure_exchange
/// fills them.
template <class Serve>
exchange_step step_of(double rate, int seed, Serve serve) {
  exchange_step s;
  s.offered = rate;
  std::mt19937_64 random(static_cast<std::uint64_t>(seed));
  std::exponential_distribution<double> gap(rate);
  double at = 0;
  std::vector<std::int64_t> latency;
  for (int k = 0; k < static_cast<int>(rate * 2); ++k) {
    en::exchange_record r;
    r.sent_us = std::llround(at * 1e6);
    at += gap(random);
    const std::int64_t done = serve(r);
    ++s.requests;
    if (done < 0) {
      r.end = exchange_end::refused;
      ++s.refused;
    } else {
      r.end = exchange_end::ok;
      r.latency_us = done - r.sent_us;
      latency.push_back(r.latency_us);
      ++s.ok;
    }
    s.records.push_back(r);
  }
  std::int64_t sum = 0;
  for (auto l : latency) sum += l;
  std::sort(latency.begin(), latency.end());
  s.mean_us = latency.empty() ? 0 : sum / static_cast<std::int64_t>(latency.size());
  s.p50_us = latency.empty() ? 0 : latency[latency.size() / 2];
  s.p90_us = s.p99_us = latency.empty() ? 0 : latency.back();
  s.seconds = 2;
  s.completed = static_cast<double>(s.ok) / 2;
  return s;
}

TEST(HttpCalibration, the_fit_recovers_the_cost_workers_and_serving_count_that_made_the_points) {
  en::http_model truth;
  truth.rtt = 200us;
  truth.request_cost = 10ms;
  truth.workers = 2;
  truth.max_serving_count = 8;
  exchange_measurement m;
  m.service = en::calibrated_service::http;
  m.server = "127.0.1.1:6970";
  m.what = "ITLFile.tlv";
  m.file_size = 4587;
  int seed = 1;
  // Up to past the capacity (200/s): the serving count cuts the queue.
  for (double rate : {10.0, 60.0, 150.0, 250.0}) {
    en::http_station st(truth);
    m.steps.push_back(
        step_of(rate, seed++, [&](const en::exchange_record& r) { return st.admit(r.sent_us); }));
    m.steps.back().connect_p50_us = 200;  // the TCP connect: one round trip
  }
  // The server refused with its serving count in progress.
  m.steps.back().ok_at_refusal = {0, 0, 0, 0, 0, 0, 1, 2, 9};
  const auto fit = en::fit_http(m);
  ASSERT_TRUE(fit.workers_determined);
  EXPECT_EQ(fit.model.rtt, 200us);
  EXPECT_NEAR(static_cast<double>(fit.model.request_cost.count()), 10'000, 10'000 * 0.05);
  EXPECT_EQ(fit.model.workers, 2);
  ASSERT_TRUE(fit.serving_count);
  EXPECT_EQ(*fit.serving_count, 8);
  EXPECT_LT(fit.quality.max_error, 0.05);

  const auto yaml = en::calibration_file_yaml({en::http_section(m, fit)}, "d");
  EXPECT_NE(yaml.find("# HTTP 6970 server 127.0.1.1:6970\n# file: ITLFile.tlv (4587 bytes)\n"),
            std::string::npos)
      << yaml;
  EXPECT_NE(yaml.find("http:\n  rtt: "), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  workers: 2\n  max_serving_count: 8\n"), std::string::npos) << yaml;
  const auto html = en::calibration_file_html({en::http_section(m, fit)}, "d");
  EXPECT_NE(html.find("<h2>HTTP 6970 server 127.0.1.1:6970</h2>"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
}

TEST(HttpCalibration, a_server_that_never_queued_gives_its_cost_and_leaves_workers_undetermined) {
  en::http_model truth;
  truth.rtt = 300us;
  truth.request_cost = 100us;
  truth.workers = 64;
  exchange_measurement m;
  m.service = en::calibrated_service::http;
  m.server = "s";
  m.what = "ITLFile.tlv";
  for (double rate : {5.0, 20.0}) {
    en::http_station st(truth);
    m.steps.push_back(
        step_of(rate, 7, [&](const en::exchange_record& r) { return st.admit(r.sent_us); }));
    m.steps.back().connect_p50_us = 300;
  }
  const auto fit = en::fit_http(m);
  EXPECT_FALSE(fit.workers_determined);
  // The round trip measured apart, the lowest latency gives the cost.
  EXPECT_NEAR(static_cast<double>(fit.model.request_cost.count()), 100, 10);
  EXPECT_FALSE(fit.serving_count);
  ASSERT_FALSE(fit.quality.caveats.empty());
  EXPECT_NE(fit.quality.caveats.front().find("never queued"), std::string::npos);
  const auto yaml = en::calibration_file_yaml({en::http_section(m, fit)}, "d");
  EXPECT_NE(yaml.find("  # workers: not determined"), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find("  workers:"), std::string::npos) << yaml;
}

TEST(TvsCalibration, the_fit_finds_the_slots_that_explain_the_waits) {
  en::tvs_model truth;
  truth.handshake = 20ms;
  truth.query = 5ms;
  truth.concurrency = 2;
  exchange_measurement m;
  m.service = en::calibrated_service::tvs;
  m.server = "127.0.1.1:2445";
  m.what = "QUERY_CERT";
  int seed = 3;
  for (double rate : {5.0, 20.0, 40.0, 70.0}) {
    en::tvs_station st(truth, 0);
    auto s =
        step_of(rate, seed++, [&](const en::exchange_record& r) { return st.admit(r.sent_us); });
    // At the lowest rate hardly a session waits: its medians are the costs.
    s.handshake_p50_us = 20'000;
    s.query_p50_us = 5'000;
    m.steps.push_back(s);
  }
  const auto fit = en::fit_tvs(m);
  EXPECT_EQ(fit.model.handshake, 20ms);
  EXPECT_EQ(fit.model.query, 5ms);
  ASSERT_TRUE(fit.concurrency_determined);
  EXPECT_EQ(fit.model.concurrency, 2);
  EXPECT_LT(fit.quality.max_error, 0.05);
  const auto yaml = en::calibration_file_yaml({en::tvs_section(m, fit)}, "d");
  EXPECT_NE(yaml.find("tvs:\n  handshake: 20000us\n  query: 5000us\n  concurrency: 2\n"),
            std::string::npos)
      << yaml;
}

TEST(CalibrationOutput, several_services_make_one_file_with_every_server_once) {
  en::tftp_measurement t;
  t.server = "127.0.1.1:69";
  t.filename = "ITLFile.tlv";
  en::tftp_fit tf;
  exchange_measurement h;
  h.service = en::calibrated_service::http;
  h.server = "127.0.1.1:6970";
  exchange_measurement v;
  v.service = en::calibrated_service::tvs;
  v.server = "127.0.1.1:6970";  // the same text twice is named once
  const std::vector<en::calibration_section> sections{
      en::tftp_section(t, tf), en::http_section(h, en::http_fit{}), en::tvs_section(v, {})};
  const auto yaml = en::calibration_file_yaml(sections, "d");
  EXPECT_NE(yaml.find("# server: 127.0.1.1:69, 127.0.1.1:6970\n# date: d\n"), std::string::npos)
      << yaml;
  const auto tftp = yaml.find("\ntftp:\n"), http = yaml.find("\nhttp:\n"),
             tvs = yaml.find("\ntvs:\n");
  ASSERT_NE(tftp, std::string::npos);
  ASSERT_NE(http, std::string::npos);
  ASSERT_NE(tvs, std::string::npos);
  EXPECT_LT(tftp, http);
  EXPECT_LT(http, tvs);
}

}  // namespace
