#include "itlfleet/metrics/group_series.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "itlfleet/sim/utf8.hpp"

namespace itlfleet::metrics {
namespace {

using sim::phone_state;

void set(counts& c, phone_state s, std::uint64_t n) {
  c.by_state[static_cast<int>(s)] = n;
}

/// Two groups after an ITL change: "desk" (12.8(1), reports DeviceTLInfo)
/// and "old" (9.3(1), does not). Both hold the old ITL at 10 s; desk has
/// taken the new one at 20.5 s, old has not.
struct two_groups {
  run_info info;
  std::vector<snapshot> series;

  two_groups() {
    info.group_names = {"desk", "old"};
    info.group_reports_device_tl_info = {true, false};
    snapshot a;
    a.time_us = 10'000'000;
    a.groups.resize(2);
    set(a.groups[0], phone_state::trusted, 30);
    set(a.groups[0], phone_state::booting, 2);
    a.groups[0].stale = 32;
    set(a.groups[1], phone_state::trusted, 5);
    set(a.groups[1], phone_state::offline, 1);
    a.groups[1].stale = 5;
    snapshot b;
    b.time_us = 20'500'000;
    b.groups.resize(2);
    set(b.groups[0], phone_state::trusted, 32);
    b.groups[0].recovered = 2;
    b.groups[0].ever_locked = 3;
    set(b.groups[1], phone_state::locked, 4);
    set(b.groups[1], phone_state::trusted, 2);
    b.groups[1].stale = 6;
    b.groups[1].unrecoverable = 4;
    b.groups[1].ever_locked = 4;
    series = {a, b};
  }
};

TEST(GroupsCsv, writes_one_row_per_sample_per_group_with_what_cucm_sees) {
  const two_groups f;
  EXPECT_EQ(groups_csv(f.info, f.series),
            "time_s,group,offline,booting,trusted,locked,no_itl,unreachable,config_rejected,"
            "stale,unrecoverable,recovered,ever_locked,device_tl_info\n"
            "10,desk,0,2,30,0,0,0,0,32,0,0,0,32\n"
            "10,old,1,0,5,0,0,0,0,5,0,0,0,0\n"
            "20.5,desk,0,0,32,0,0,0,0,0,0,2,3,0\n"
            "20.5,old,0,0,2,4,0,0,0,6,4,0,4,0\n");
}

TEST(GroupsCsv, quotes_names_that_need_it_and_stays_valid_utf8) {
  two_groups f;
  f.info.group_names = {"lobby,\"east\"", "caf\xC3\xA9\xFF"};
  const std::string csv = groups_csv(f.info, f.series);
  EXPECT_NE(csv.find("\n10,\"lobby,\"\"east\"\"\",0,2,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n10,caf\xC3\xA9\xEF\xBF\xBD,1,"), std::string::npos) << csv;
  EXPECT_TRUE(is_valid_utf8(csv));
}

TEST(GroupsCsv, writes_only_the_header_without_samples) {
  const two_groups f;
  EXPECT_EQ(groups_csv(f.info, {}),
            "time_s,group,offline,booting,trusted,locked,no_itl,unreachable,config_rejected,"
            "stale,unrecoverable,recovered,ever_locked,device_tl_info\n");
}

TEST(GroupsCsv, names_the_most_stale_groups_and_sums_the_rest_past_the_limit) {
  // 70 groups of one trusted phone each, one sample; groups 3, 68 and 69
  // have a stale phone.
  const std::size_t n = groups_csv_max_named + 6;
  run_info info;
  snapshot s;
  s.time_us = 1'000'000;
  s.groups.resize(n);
  for (std::size_t g = 0; g < n; ++g) {
    info.group_names.push_back("g" + std::to_string(g));
    info.group_reports_device_tl_info.push_back(g % 2 == 0);
    set(s.groups[g], phone_state::trusted, 1);
  }
  s.groups[3].stale = 1;
  s.groups[69].stale = 1;
  s.groups[68].stale = 1;
  const std::string csv = groups_csv(info, {s});
  // Header, 64 named rows and one row for the other 6.
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 64 + 1);
  EXPECT_NE(csv.find("\n1,g3,0,0,1,"), std::string::npos);
  EXPECT_NE(csv.find("\n1,g68,0,0,1,0,0,0,0,1,0,0,0,1\n"), std::string::npos);
  EXPECT_NE(csv.find("\n1,g69,0,0,1,0,0,0,0,1,0,0,0,0\n"), std::string::npos);
  EXPECT_NE(csv.find("\n1,g60,"), std::string::npos);
  // Fleet order: the first 61 groups are never stale, and 3 is stale: g0..g61
  // are named, g62..g67 summed.
  EXPECT_EQ(csv.find("\n1,g62,"), std::string::npos);
  EXPECT_EQ(csv.find("\n1,g67,"), std::string::npos);
  EXPECT_NE(csv.find("\n1,(6 other groups),0,0,6,0,0,0,0,0,0,0,0,0\n"), std::string::npos) << csv;
}

TEST(GroupsByPeakStale, ranks_by_the_most_stale_at_any_sample_then_fleet_order) {
  two_groups f;
  // desk peaks at 32, old at 6; a third group never stale comes last.
  for (snapshot& s : f.series) s.groups.resize(3);
  EXPECT_EQ(groups_by_peak_stale(peak_stale(f.series)), (std::vector<std::size_t>{0, 1, 2}));
  f.series[1].groups[2].stale = 40;
  EXPECT_EQ(groups_by_peak_stale(peak_stale(f.series)), (std::vector<std::size_t>{2, 0, 1}));
}

TEST(StaleClearedAt, is_the_start_of_the_trailing_zeros_after_a_stale_sample) {
  two_groups f;
  // desk: 32 stale, then 0 at 20.5 s and 30 s; old: stale to the end; a
  // third group never stale.
  for (snapshot& s : f.series) s.groups.resize(3);
  snapshot c = f.series[1];
  c.time_us = 30'000'000;
  f.series.push_back(c);
  const auto cleared = stale_cleared_at(f.series);
  ASSERT_EQ(cleared.size(), 3u);
  EXPECT_EQ(cleared[0], std::optional<std::int64_t>(20'500'000));
  EXPECT_EQ(cleared[1], std::nullopt);
  EXPECT_EQ(cleared[2], std::nullopt);
  // Stale again later: the later clearing counts.
  f.series[1].groups[0].stale = 0;
  f.series[2].groups[0].stale = 3;
  c.time_us = 40'000'000;
  c.groups[0].stale = 0;
  f.series.push_back(c);
  EXPECT_EQ(stale_cleared_at(f.series)[0], std::optional<std::int64_t>(40'000'000));
}

TEST(StaleClearedAt, appears_in_summary_json_only_for_groups_that_cleared) {
  two_groups f;
  f.info.group_stale_cleared_us = stale_cleared_at(f.series);
  const std::string json = summary_json(f.info, f.series.back(), {});
  EXPECT_NE(json.find("\"stale_cleared_at\": \"20.5s\""), std::string::npos) << json;
  EXPECT_EQ(json.find("stale_cleared_at"), json.rfind("stale_cleared_at")) << json;
}

}  // namespace
}  // namespace itlfleet::metrics
