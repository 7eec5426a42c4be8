#include "itlfleet/metrics/counter_table.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>

#include "itlfleet/metrics/prometheus_exporter.hpp"
#include "itlfleet/metrics/report.hpp"
#include "itlfleet/metrics/shard.hpp"

namespace itlfleet::metrics {
namespace {

/// The value every row gets: its own, so that a row read in another's place shows.
std::uint64_t value_of_row(std::size_t k) {
  return 1001 + k;
}

snapshot with_every_total_set() {
  snapshot s;
  s.groups.resize(1);
  for (std::size_t k = 0; k < event_counters.size(); ++k)
    s.events.*event_counters[k].member = value_of_row(k);
  return s;
}

TEST(CounterTable, every_family_is_a_counter_with_the_rows_label) {
  EXPECT_TRUE(counter_table_checks::families_fit());
}

TEST(CounterTable, summary_json_lists_every_total_under_its_name_in_the_tables_order) {
  const std::string json = summary_json(run_info{}, with_every_total_set(), {});
  std::size_t from = json.find("\"events\": {");
  ASSERT_NE(from, std::string::npos) << json;
  for (std::size_t k = 0; k < event_counters.size(); ++k) {
    const std::string entry =
        "\"" + std::string(event_counters[k].name) + "\": " + std::to_string(value_of_row(k));
    const std::size_t at = json.find(entry, from);
    ASSERT_NE(at, std::string::npos) << entry << " missing, or out of the table's order";
    from = at;
  }
}

TEST(CounterTable, prometheus_shows_every_total_in_its_family_and_label) {
  prometheus_exporter ex({}, {{"desk", "CP-8861", "12.8(1)", "pub"}});
  const snapshot s = with_every_total_set();
  ex.update({0, 0, 0, &s});
  const std::string text = ex.scrape();
  for (std::size_t k = 0; k < event_counters.size(); ++k) {
    const event_counter& c = event_counters[k];
    if (!c.family) continue;
    std::string series(c.family->name);
    if (!c.label.empty())
      series += "{" + std::string(c.family->labels) + "=\"" + std::string(c.label) + "\"}";
    EXPECT_NE(text.find("\n" + series + " " + std::to_string(value_of_row(k)) + "\n"),
              std::string::npos)
        << series << " of " << c.name;
  }
}

TEST(CounterTable, shards_keep_every_total_and_merge_adds_all_but_the_clusters_own) {
  const snapshot s = with_every_total_set();
  run_info info;
  info.group_names = {"desk"};
  info.group_reports_device_tl_info = {true};
  auto back = parse_shard_json(shard_json({}, info, {s}));
  ASSERT_TRUE(back && back->run) << (back ? "" : back.err().message);
  auto merged = merge_run_shards({*back->run, *back->run});
  ASSERT_TRUE(merged) << merged.err().message;
  const event_totals& e = merged->series.back().events;
  for (std::size_t k = 0; k < event_counters.size(); ++k) {
    const event_counter& c = event_counters[k];
    const std::uint64_t once = value_of_row(k);
    EXPECT_EQ(e.*c.member, c.merge == across_shards::once ? once : 2 * once) << c.name;
  }
}

}  // namespace
}  // namespace itlfleet::metrics
