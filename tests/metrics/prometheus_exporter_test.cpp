#include "itlfleet/metrics/prometheus_exporter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <initializer_list>
#include <limits>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace itlfleet::metrics {
namespace {

using sim::phone_state;

std::vector<prometheus_group> two_groups() {
  return {{"desk", "CP-8861", "12.8(1)", "cucm-pub"}, {"lobby", "CP-7841", "9.3(1)", "cucm-sub"}};
}

counts make_counts(std::uint64_t trusted, std::uint64_t locked, std::uint64_t booting = 0) {
  counts c;
  c.by_state[static_cast<int>(phone_state::trusted)] = trusted;
  c.by_state[static_cast<int>(phone_state::locked)] = locked;
  c.by_state[static_cast<int>(phone_state::booting)] = booting;
  c.stale = locked;
  c.unrecoverable = locked / 2;
  c.ever_locked = locked + 1;
  c.recovered = 1;
  return c;
}

/// The value of the one sample line that starts with `series` (name and
/// labels exactly as the text format prints them); NaN when absent.
double value_of(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  return std::numeric_limits<double>::quiet_NaN();
}

/// `name{k="v",...}`; give the labels sorted, as the text format prints them.
std::string series(const std::string& name,
                   std::initializer_list<std::pair<std::string, std::string>> labels) {
  std::string s = name + "{";
  for (const auto& [k, v] : labels) s += k + "=\"" + v + "\",";
  s.back() = '}';
  return s;
}

std::string desk(const std::string& name, const std::string& state = "") {
  if (state.empty())
    return series(name, {{"firmware", "12.8(1)"},
                         {"group", "desk"},
                         {"model", "CP-8861"},
                         {"tftp_node", "cucm-pub"}});
  return series(name, {{"firmware", "12.8(1)"},
                       {"group", "desk"},
                       {"model", "CP-8861"},
                       {"state", state},
                       {"tftp_node", "cucm-pub"}});
}

TEST(PrometheusExporter, phones_by_state_and_group_carry_model_firmware_and_node) {
  prometheus_exporter ex({"double-regen", 42, "virtual", "0.1.0"}, two_groups());
  snapshot s;
  s.groups = {make_counts(90, 10), make_counts(5, 0, 3)};
  ex.update({600'000'000, 3'600'000'000, 1234, &s, nullptr, nullptr});
  const std::string text = ex.scrape();
  EXPECT_EQ(value_of(text, desk("itlfleet_phones", "locked")), 10);
  EXPECT_EQ(value_of(text, desk("itlfleet_phones", "trusted")), 90);
  EXPECT_EQ(value_of(text, series("itlfleet_phones", {{"firmware", "9.3(1)"},
                                                      {"group", "lobby"},
                                                      {"model", "CP-7841"},
                                                      {"state", "booting"},
                                                      {"tftp_node", "cucm-sub"}})),
            3);
  EXPECT_EQ(value_of(text, desk("itlfleet_phones_stale")), 10);
  EXPECT_EQ(value_of(text, desk("itlfleet_phones_unrecoverable")), 5);
  EXPECT_EQ(value_of(text, desk("itlfleet_phones_ever_locked")), 11);
  EXPECT_EQ(value_of(text, desk("itlfleet_phones_recovered")), 1);
  EXPECT_EQ(value_of(text, "itlfleet_scenario_time_seconds"), 600);
  EXPECT_EQ(value_of(text, "itlfleet_scenario_end_seconds"), 3600);
  EXPECT_EQ(value_of(text, "itlfleet_engine_events_total"), 1234);
  EXPECT_EQ(value_of(text, series("itlfleet_run_info", {{"engine", "virtual"},
                                                        {"scenario", "double-regen"},
                                                        {"seed", "42"},
                                                        {"version", "0.1.0"}})),
            1);
  EXPECT_EQ(value_of(text, "itlfleet_run_complete"), 0);
  ex.mark_complete();
  EXPECT_EQ(value_of(ex.scrape(), "itlfleet_run_complete"), 1);
}

TEST(PrometheusExporter, phone_series_appear_with_the_first_sample) {
  prometheus_exporter ex({}, two_groups());
  EXPECT_EQ(ex.scrape().find("itlfleet_phones{"), std::string::npos);
  ex.update({0, 0, 0, nullptr, nullptr, nullptr});
  EXPECT_EQ(ex.scrape().find("itlfleet_phones{"), std::string::npos);
  snapshot s;
  s.groups = {make_counts(1, 0), make_counts(1, 0)};
  ex.update({0, 0, 0, &s, nullptr, nullptr});
  EXPECT_NE(ex.scrape().find("itlfleet_phones{"), std::string::npos);
}

TEST(PrometheusExporter, states_of_every_group_sum_to_the_fleet) {
  prometheus_exporter ex({}, two_groups());
  snapshot s;
  s.groups = {make_counts(70, 20, 10), make_counts(40, 0, 60)};
  ex.update({0, 0, 0, &s, nullptr, nullptr});
  double sum = 0;
  for (const auto& f : ex.Collect())
    if (f.name == "itlfleet_phones")
      for (const auto& m : f.metric) sum += m.gauge.value;
  EXPECT_EQ(sum, 200);
}

TEST(PrometheusExporter, counters_follow_totals_by_their_increase) {
  prometheus_exporter ex({}, two_groups());
  snapshot s;
  s.groups.resize(2);
  s.events.boots = 100;
  s.events.files_served = 80;
  s.events.tftp_refusals = 15;
  s.events.tftp_timeouts = 5;
  s.events.bytes_served = 80 * 6000;
  s.events.tvs_queries = 30;
  s.events.tvs_failures = 2;
  s.events.backup_alerts = 1;
  s.events.refused_commands = 1;
  ex.update({0, 0, 10, &s, nullptr, nullptr});
  s.events.boots = 150;
  s.events.tftp_refusals = 20;
  ex.update({10, 0, 20, &s, nullptr, nullptr});
  // A total that went down (it never should) leaves the counter alone.
  s.events.files_served = 10;
  ex.update({20, 0, 30, &s, nullptr, nullptr});
  const std::string text = ex.scrape();
  EXPECT_EQ(value_of(text, "itlfleet_boots_total"), 150);
  EXPECT_EQ(value_of(text, series("itlfleet_tftp_requests_total", {{"result", "served"}})), 80);
  EXPECT_EQ(value_of(text, series("itlfleet_tftp_requests_total", {{"result", "refused"}})), 20);
  EXPECT_EQ(value_of(text, series("itlfleet_tftp_requests_total", {{"result", "timed_out"}})), 5);
  EXPECT_EQ(value_of(text, "itlfleet_tftp_served_bytes_total"), 480000);
  EXPECT_EQ(value_of(text, "itlfleet_tvs_queries_total"), 30);
  EXPECT_EQ(value_of(text, "itlfleet_tvs_queries_failed_total"), 2);
  EXPECT_EQ(value_of(text, "itlfleet_backup_alerts_total"), 1);
  EXPECT_EQ(value_of(text, series("itlfleet_operator_commands_total", {{"result", "refused"}})), 1);
  EXPECT_EQ(value_of(text, "itlfleet_engine_events_total"), 30);
}

TEST(PrometheusExporter, installs_by_signer_rejected_configs_fallbacks_and_requests_by_kind) {
  prometheus_exporter ex({}, two_groups());
  snapshot s;
  s.groups.resize(2);
  s.events.itl_installs_callmanager = 900;
  s.events.itl_installs_recovery = 40;
  s.events.configs_rejected = 7;
  s.events.ctl_installs = 12;
  s.events.ctl_update_failures = 5;
  s.events.itl_fallbacks = 20;
  s.events.ctl_fallbacks = 3;
  s.events.count_request(event_totals::requested::itl, event_totals::served);
  s.events.count_request(event_totals::requested::itl, event_totals::served);
  s.events.count_request(event_totals::requested::config, event_totals::refused);
  s.events.count_request(event_totals::requested::config, event_totals::timed_out);
  ex.update({0, 0, 1, &s, nullptr, nullptr});
  const std::string text = ex.scrape();
  EXPECT_EQ(value_of(text, series("itlfleet_itl_installs_total", {{"signer", "callmanager"}})),
            900);
  EXPECT_EQ(value_of(text, series("itlfleet_itl_installs_total", {{"signer", "itlrecovery"}})), 40);
  EXPECT_EQ(value_of(text, "itlfleet_configs_rejected_total"), 7);
  EXPECT_EQ(value_of(text, series("itlfleet_ctl_updates_total", {{"result", "installed"}})), 12);
  EXPECT_EQ(value_of(text, series("itlfleet_ctl_updates_total", {{"result", "refused"}})), 5);
  EXPECT_EQ(value_of(text, series("itlfleet_trust_list_fallbacks_total", {{"file", "itl"}})), 20);
  EXPECT_EQ(value_of(text, series("itlfleet_trust_list_fallbacks_total", {{"file", "ctl"}})), 3);
  EXPECT_EQ(value_of(text, series("itlfleet_file_requests_total",
                                  {{"kind", "itl"}, {"result", "served"}})),
            2);
  EXPECT_EQ(value_of(text, series("itlfleet_file_requests_total",
                                  {{"kind", "config"}, {"result", "refused"}})),
            1);
  EXPECT_EQ(value_of(text, series("itlfleet_file_requests_total",
                                  {{"kind", "config"}, {"result", "timed_out"}})),
            1);
}

TEST(PrometheusExporter, live_servers_report_their_own_figures_per_node) {
  prometheus_exporter ex({}, two_groups());
  std::vector<server_figures> servers(1);
  servers[0].node = "cucm-pub";
  servers[0].serving_count = 2500;
  servers[0].tftp_active = 12;
  servers[0].tftp_retransmissions = 3;
  servers[0].tls_handshakes_ok = 50;
  servers[0].tls_handshakes_failed = 2;
  ex.update({0, 0, 1, nullptr, nullptr, nullptr, &servers});
  servers[0].tftp_retransmissions = 5;
  servers[0].tftp_active = 0;
  ex.update({1, 0, 2, nullptr, nullptr, nullptr, &servers});
  const std::string text = ex.scrape();
  EXPECT_EQ(value_of(text, series("itlfleet_server_transfers_limit", {{"node", "cucm-pub"}})),
            2500);
  EXPECT_EQ(value_of(text, series("itlfleet_server_transfers_active", {{"node", "cucm-pub"}})), 0);
  EXPECT_EQ(
      value_of(text, series("itlfleet_server_tftp_retransmissions_total", {{"node", "cucm-pub"}})),
      5);
  EXPECT_EQ(value_of(text, series("itlfleet_server_tls_handshakes_total",
                                  {{"node", "cucm-pub"}, {"result", "failed"}})),
            2);
}

TEST(PrometheusExporter, each_operator_action_is_counted_once_with_its_command_and_node) {
  prometheus_exporter ex({}, two_groups());
  std::vector<operator_action> actions = {{0, "boot-all", "", true},
                                          {600'000'000, "set cert regen TVS", "cucm-pub", true}};
  ex.update({0, 0, 0, nullptr, nullptr, &actions});
  actions.push_back({610'000'000, "set cert regen TVS", "cucm-pub", false});
  actions.push_back({620'000'000, "set cert regen TVS", "cucm-pub", true});
  ex.update({0, 0, 0, nullptr, nullptr, &actions});
  ex.update({0, 0, 0, nullptr, nullptr, &actions});  // nothing new
  const std::string text = ex.scrape();
  EXPECT_EQ(value_of(text, series("itlfleet_operator_actions_total",
                                  {{"command", "boot-all"}, {"node", ""}, {"result", "ok"}})),
            1);
  EXPECT_EQ(
      value_of(text,
               series("itlfleet_operator_actions_total",
                      {{"command", "set cert regen TVS"}, {"node", "cucm-pub"}, {"result", "ok"}})),
      2);
  EXPECT_EQ(
      value_of(text, series("itlfleet_operator_actions_total", {{"command", "set cert regen TVS"},
                                                                {"node", "cucm-pub"},
                                                                {"result", "refused"}})),
      1);
  EXPECT_EQ(value_of(text, series("itlfleet_operator_commands_total", {{"result", "ok"}})), 3);
}

TEST(PrometheusExporter, latencies_become_histograms_in_seconds_with_fixed_bounds) {
  prometheus_exporter ex({}, {});
  std::vector<latency> ls = {{"boot", {}}, {"tvs_query", {}}};
  for (int i = 0; i < 10; ++i) ls[0].histogram.record(40'000'000);  // 40 s
  ls[0].histogram.record(200'000'000);                              // 200 s
  ex.update({0, 0, 0, nullptr, &ls, nullptr});
  const std::string text = ex.scrape();
  EXPECT_NE(text.find("# TYPE itlfleet_boot_seconds histogram"), std::string::npos) << text;
  EXPECT_EQ(value_of(text, series("itlfleet_boot_seconds_bucket", {{"le", "30"}})), 0);
  EXPECT_EQ(value_of(text, series("itlfleet_boot_seconds_bucket", {{"le", "60"}})), 10);
  EXPECT_EQ(value_of(text, series("itlfleet_boot_seconds_bucket", {{"le", "300"}})), 11);
  EXPECT_EQ(value_of(text, series("itlfleet_boot_seconds_bucket", {{"le", "+Inf"}})), 11);
  EXPECT_EQ(value_of(text, "itlfleet_boot_seconds_count"), 11);
  EXPECT_EQ(value_of(text, "itlfleet_boot_seconds_sum"), 600);
  EXPECT_EQ(value_of(text, "itlfleet_tvs_query_seconds_count"), 0);
  // Every latency is on the scenario clock, live runs' too.
  EXPECT_NE(text.find("# HELP itlfleet_tvs_query_seconds One TVS exchange that TVS answered, "
                      "scenario seconds"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("wall-clock"), std::string::npos) << text;
}

TEST(PrometheusExporter, groups_with_the_same_labels_share_one_series) {
  prometheus_exporter ex({}, {{"a", "m", "f", "n"}, {"a", "m", "f", "n"}});
  snapshot s;
  s.groups = {make_counts(3, 0), make_counts(4, 0)};
  ex.update({0, 0, 0, &s, nullptr, nullptr});
  EXPECT_EQ(value_of(ex.scrape(), series("itlfleet_phones", {{"firmware", "f"},
                                                             {"group", "a"},
                                                             {"model", "m"},
                                                             {"state", "trusted"},
                                                             {"tftp_node", "n"}})),
            7);
}

TEST(PrometheusExporter, a_scrape_never_sees_half_an_update) {
  // Two fleets of 1000 phones in different states alternate; every scrape
  // must add up to 1000 however it interleaves with the updates.
  prometheus_exporter ex({}, two_groups());
  snapshot a, b;
  a.groups = {make_counts(600, 400), make_counts(0, 0)};
  b.groups = {make_counts(0, 0, 10), make_counts(990, 0)};
  ex.update({0, 0, 0, &a, nullptr, nullptr});
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) ex.update({i, 0, 0, i % 2 ? &a : &b, nullptr, nullptr});
  });
  for (int i = 0; i < 2000; ++i) {
    double sum = 0;
    for (const auto& f : ex.Collect())
      if (f.name == "itlfleet_phones")
        for (const auto& m : f.metric) sum += m.gauge.value;
    ASSERT_EQ(sum, 1000) << "scrape " << i;
  }
  stop = true;
  writer.join();
}

TEST(PrometheusExporter, scrape_passes_the_text_format_rules) {
  prometheus_exporter ex({"s", 1, "virtual", "0.1.0"}, two_groups());
  snapshot s;
  s.groups = {make_counts(1, 1), make_counts(1, 1)};
  std::vector<latency> ls = {{"boot", {}}};
  ls[0].histogram.record(1'000'000);
  ex.update({0, 0, 0, &s, &ls, nullptr});
  // Every sample line: a valid name, optional labels, a number.
  const std::regex line(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [-+0-9.eEInfNa]+$)");
  std::istringstream in(ex.scrape());
  int samples = 0;
  for (std::string l; std::getline(in, l);) {
    if (l.empty() || l[0] == '#') continue;
    EXPECT_TRUE(std::regex_match(l, line)) << l;
    ++samples;
  }
  EXPECT_GT(samples, 30);
}

TEST(PrometheusExporter, load_generator_limits_and_protocol_errors_by_server_and_kind) {
  prometheus_exporter ex({}, two_groups());
  snapshot s;
  s.groups.resize(2);
  s.events.load_generator.descriptors_exhausted = 25;
  s.events.load_generator.receive_drops = 4;
  s.events.protocol_errors[{"127.0.1.1:69", "tftp_malformed"}] = 3;
  s.events.protocol_errors[{"127.0.1.1:69", "tftp_error_2"}] = 1;
  ex.update({0, 0, 1, &s, nullptr, nullptr});
  s.events.protocol_errors[{"127.0.1.1:69", "tftp_malformed"}] = 5;
  ex.update({0, 0, 2, &s, nullptr, nullptr});
  const std::string text = ex.scrape();
  const std::string limits = "itlfleet_load_generator_limits_total";
  EXPECT_EQ(value_of(text, series(limits, {{"reason", "descriptors"}})), 25);
  EXPECT_EQ(value_of(text, series(limits, {{"reason", "memory"}})), 0);
  EXPECT_EQ(value_of(text, series(limits, {{"reason", "receive_queue"}})), 4);
  const std::string errors = "itlfleet_protocol_errors_total";
  EXPECT_EQ(
      value_of(text, series(errors, {{"kind", "tftp_malformed"}, {"server", "127.0.1.1:69"}})), 5);
  EXPECT_EQ(value_of(text, series(errors, {{"kind", "tftp_error_2"}, {"server", "127.0.1.1:69"}})),
            1);
}

}  // namespace
}  // namespace itlfleet::metrics
