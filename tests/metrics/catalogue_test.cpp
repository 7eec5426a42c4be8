#include "itlfleet/metrics/catalogue.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "itlfleet/metrics/prometheus_exporter.hpp"

namespace itlfleet::metrics {
namespace {

/// Every metric itlfleet serves: a run's and `itlfleet calibrate`'s.
std::vector<const catalogue::metric*> every_metric() {
  std::vector<const catalogue::metric*> out;
  for (const catalogue::metric& m : catalogue::all) out.push_back(&m);
  for (const catalogue::metric& m : catalogue::calibration_all) out.push_back(&m);
  return out;
}

std::set<std::string> catalogue_names() {
  std::set<std::string> out;
  for (const catalogue::metric* m : every_metric()) out.emplace(m->name);
  return out;
}

/// The metric names README.md's metric table lists: every backquoted
/// `itlfleet_...` in the first cell of the rows under `| metric | labels | what |`.
std::vector<std::string> readme_metric_names() {
  std::ifstream in(std::string(ITLFLEET_SOURCE_DIR) + "/README.md");
  EXPECT_TRUE(in) << "cannot read README.md";
  std::vector<std::string> out;
  bool in_table = false;
  const std::regex name("`(itlfleet_[a-z0-9_]+)`");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| metric | labels | what |", 0) == 0) {
      in_table = true;
      continue;
    }
    if (!in_table) continue;
    if (line.rfind("|", 0) != 0) break;
    if (line.rfind("|---", 0) == 0) continue;
    const std::string first = line.substr(1, line.find('|', 1) - 1);
    for (std::sregex_iterator it(first.begin(), first.end(), name), end; it != end; ++it)
      out.push_back((*it)[1]);
  }
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

TEST(MetricCatalogue, the_readme_table_lists_exactly_the_catalogue) {
  const std::vector<std::string> listed = readme_metric_names();
  ASSERT_FALSE(listed.empty()) << "no metric table found in README.md";
  const std::set<std::string> readme(listed.begin(), listed.end());
  EXPECT_EQ(readme.size(), listed.size()) << "README.md lists a metric twice";
  const std::set<std::string> ours = catalogue_names();
  for (const auto& n : ours) EXPECT_TRUE(readme.count(n)) << n << " is missing from README.md";
  for (const auto& n : readme) EXPECT_TRUE(ours.count(n)) << n << " is in README.md only";
}

TEST(MetricCatalogue, names_are_unique_and_follow_prometheus_naming) {
  EXPECT_EQ(catalogue_names().size(), every_metric().size()) << "a name appears twice";
  const std::regex snake("itlfleet_[a-z][a-z0-9_]*[a-z0-9]");
  for (const catalogue::metric* metric : every_metric()) {
    const catalogue::metric& m = *metric;
    const std::string_view n = m.name;
    EXPECT_TRUE(std::regex_match(n.begin(), n.end(), snake)) << n;
    EXPECT_FALSE(m.help.empty()) << n;
    switch (m.kind) {
      case catalogue::metric_kind::counter:
        EXPECT_TRUE(ends_with(n, "_total")) << n << ": a counter ends in _total";
        break;
      case catalogue::metric_kind::gauge:
        for (const char* suffix : {"_total", "_count", "_sum", "_bucket"})
          EXPECT_FALSE(ends_with(n, suffix)) << n << ": a gauge must not end in " << suffix;
        break;
      case catalogue::metric_kind::histogram:
        EXPECT_TRUE(ends_with(n, "_seconds")) << n << ": latencies are in seconds";
        EXPECT_FALSE(m.latency.empty()) << n;
        EXPECT_EQ(catalogue::histogram_for(m.latency), &m) << n;
        break;
    }
  }
}

TEST(MetricCatalogue, the_exporter_registers_each_entry_with_its_kind_and_labels) {
  prometheus_exporter ex({"s", 1, "live", "v"}, {{"desk", "CP-8861", "12.8(1)", "pub"}});
  snapshot s;
  s.groups.resize(1);
  // Series by server and kind appear with the first protocol error.
  s.events.protocol_errors[{"127.0.1.1:69", "tftp_malformed"}] = 1;
  std::vector<latency> latencies;
  for (const catalogue::metric& m : catalogue::all)
    if (m.kind == catalogue::metric_kind::histogram)
      latencies.push_back({std::string(m.latency), {}});
  std::vector<operator_action> actions = {{0, "boot-all", "", true}};
  std::vector<server_figures> servers(1);
  servers[0].node = "pub";
  ex.update({0, 0, 0, &s, &latencies, &actions, &servers});

  std::map<std::string, prometheus::MetricFamily> families;
  for (auto& f : ex.Collect()) families.emplace(f.name, std::move(f));
  EXPECT_EQ(families.size(), catalogue::all.size());
  for (const catalogue::metric& m : catalogue::all) {
    auto it = families.find(std::string(m.name));
    ASSERT_NE(it, families.end()) << m.name << " is not exported";
    const prometheus::MetricFamily& f = it->second;
    const auto kind = m.kind == catalogue::metric_kind::counter ? prometheus::MetricType::Counter
                      : m.kind == catalogue::metric_kind::gauge ? prometheus::MetricType::Gauge
                                                                : prometheus::MetricType::Histogram;
    EXPECT_EQ(f.type, kind) << m.name;
    EXPECT_EQ(f.help, m.help) << m.name;
    ASSERT_FALSE(f.metric.empty()) << m.name;
    std::set<std::string> want;
    for (const auto& l : catalogue::label_names(m)) want.insert(l);
    for (const prometheus::ClientMetric& series : f.metric) {
      std::set<std::string> got;
      for (const auto& l : series.label) got.insert(l.name);
      EXPECT_EQ(got, want) << m.name;
    }
  }
}

}  // namespace
}  // namespace itlfleet::metrics
