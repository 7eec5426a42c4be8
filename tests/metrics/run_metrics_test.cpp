#include "itlfleet/metrics/run_metrics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "http_scrape.hpp"

namespace itlfleet::metrics {
namespace {

using namespace std::chrono_literals;

prometheus_run a_run() {
  return {"double-regen", 42, "virtual", "0.1.0"};
}

std::vector<prometheus_group> one_group() {
  return {{"desk", "CP-8861", "12.8(1)", "cucm-pub"}};
}

std::string start_error(const run_metrics_options& o) {
  auto m = run_metrics::start(o, a_run(), one_group(), nullptr);
  return m ? "" : m.err().message;
}

TEST(RunMetrics, serves_the_samples_and_marks_the_final_figures_complete) {
  std::vector<std::string> notices;
  auto m = run_metrics::start({"127.0.0.1:0", std::nullopt, ""}, a_run(), one_group(),
                              [&](const std::string& line) { notices.push_back(line); });
  ASSERT_TRUE(m) << m.err().message;
  const std::uint16_t port = (*m)->port();
  ASSERT_NE(port, 0);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("(port " + std::to_string(port) + ")"), std::string::npos)
      << notices[0];

  snapshot s;
  s.time_us = 60'000'000;
  s.groups.resize(1);
  s.groups[0].by_state[static_cast<int>(sim::phone_state::trusted)] = 7;
  s.fleet = s.groups[0];
  (*m)->update({s.time_us, 600'000'000, 99, &s});
  std::string page = http_get_metrics(port);
  EXPECT_NE(page.find("itlfleet_run_complete 0"), std::string::npos) << page;
  EXPECT_NE(page.find("state=\"trusted\",tftp_node=\"cucm-pub\"} 7"), std::string::npos) << page;

  run_info info;
  info.end_us = 600'000'000;
  info.events_processed = 120;
  s.time_us = info.end_us;
  ASSERT_TRUE((*m)->finish(info, s));
  page = http_get_metrics(port);
  EXPECT_NE(page.find("itlfleet_run_complete 1"), std::string::npos) << page;
  EXPECT_NE(page.find("itlfleet_engine_events_total 120"), std::string::npos) << page;
}

TEST(RunMetrics, without_an_address_or_a_gateway_it_does_nothing) {
  auto m = run_metrics::start({}, a_run(), one_group(), nullptr);
  ASSERT_TRUE(m) << m.err().message;
  EXPECT_EQ((*m)->port(), 0);
  snapshot s;
  (*m)->update({0, 0, 0, &s});
  EXPECT_TRUE((*m)->finish(run_info{}, s));
  (*m)->linger(nullptr);  // returns at once: nothing to serve
}

TEST(RunMetrics, bad_options_are_errors_that_name_the_option) {
  EXPECT_EQ(start_error({"", 30s, ""}), "--linger needs --metrics");
  EXPECT_NE(start_error({"", std::nullopt, "127.0.0.1:9091"}).find("--pushgateway: "),
            std::string::npos);
  EXPECT_NE(start_error({"not an address", std::nullopt, ""}).find("--metrics: "),
            std::string::npos);
}

TEST(RunMetrics, a_failed_push_is_an_error_after_the_run) {
  // Port 1 on loopback: nothing listens there (and binding it needs root).
  auto m =
      run_metrics::start({"", std::nullopt, "http://127.0.0.1:1"}, a_run(), one_group(), nullptr);
  ASSERT_TRUE(m) << m.err().message;
  snapshot s;
  s.groups.resize(1);
  auto pushed = (*m)->finish(run_info{}, s);
  ASSERT_FALSE(pushed);
  EXPECT_NE(pushed.err().message.find("--pushgateway: cannot push to http://127.0.0.1:1"),
            std::string::npos)
      << pushed.err().message;
}

TEST(RunMetrics, lingering_stops_when_asked) {
  auto m = run_metrics::start({"127.0.0.1:0", 1h, ""}, a_run(), one_group(), nullptr);
  ASSERT_TRUE(m) << m.err().message;
  int asked = 0;
  (*m)->linger([&] { return ++asked > 2; });  // an hour, unless stopped: this returns
  EXPECT_EQ(asked, 3);
}

}  // namespace
}  // namespace itlfleet::metrics
