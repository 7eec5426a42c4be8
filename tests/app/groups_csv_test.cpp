// `itlfleet run` writes groups.csv beside timeseries.csv: per group and
// sample, what the fleet rows add up from, and what CUCM sees of it.

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli_fixture.hpp"

namespace itlfleet {
namespace {

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::istringstream l(line);
    for (std::string cell; std::getline(l, cell, ',');) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

TEST_F(Cli, groups_csv_adds_up_to_timeseries_and_shows_what_device_tl_info_reports) {
  const run_result r = run({"run", "pre-10-itl", "--phones", "1000", "--out", "out"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto fleet = csv_rows(read_text(dir_ / "out" / "timeseries.csv"));
  const auto groups = csv_rows(read_text(dir_ / "out" / "groups.csv"));
  ASSERT_GT(fleet.size(), 100u);
  // Header, then two rows (desk, old-phones) per timeseries row.
  ASSERT_EQ(groups.size(), 1 + 2 * (fleet.size() - 1));
  ASSERT_EQ(groups[0].size(), 14u);
  EXPECT_EQ(groups[0][1], "group");
  EXPECT_EQ(groups[0][9], "stale");
  EXPECT_EQ(groups[0][13], "device_tl_info");
  // Columns 1..10 of timeseries.csv (states, stale, unrecoverable,
  // recovered) are columns 2..11 of groups.csv.
  bool desk_reported = false;
  bool old_unseen = false;
  for (std::size_t i = 1; i < fleet.size(); ++i) {
    const auto& desk = groups[2 * i - 1];
    const auto& old = groups[2 * i];
    ASSERT_EQ(desk[0], fleet[i][0]);
    ASSERT_EQ(old[0], fleet[i][0]);
    ASSERT_EQ(desk[1], "desk");
    ASSERT_EQ(old[1], "old-phones");
    for (std::size_t c = 1; c < fleet[i].size(); ++c) {
      EXPECT_EQ(std::stoull(desk[c + 1]) + std::stoull(old[c + 1]), std::stoull(fleet[i][c]))
          << "time " << fleet[i][0] << " column " << fleet[0][c];
    }
    // desk runs 12.8(1): CUCM sees every stale phone; old-phones run
    // 9.3(1): none.
    EXPECT_EQ(desk[13], desk[9]) << fleet[i][0];
    EXPECT_EQ(old[13], "0") << fleet[i][0];
    desk_reported = desk_reported || std::stoull(desk[13]) > 0;
    old_unseen = old_unseen || std::stoull(old[9]) > 0;
  }
  EXPECT_TRUE(desk_reported) << "desk goes stale at the 10m regeneration";
  EXPECT_TRUE(old_unseen) << "old-phones hold the pre-10.0 ITL";
  // desk takes the regenerated ITL after the 31m reset (its last stale
  // sample is 33m, seed 42); old-phones never do.
  const std::string summary = read_text(dir_ / "out" / "summary.json");
  EXPECT_EQ(summary.find("stale_cleared_at"), summary.rfind("stale_cleared_at")) << summary;
  EXPECT_NE(summary.find("\"stale_cleared_at\": \"33m10s\""), std::string::npos) << summary;
  // The report draws both groups.
  const std::string html = read_text(dir_ / "out" / "report.html");
  EXPECT_NE(html.find("<svg id=\"plot-stale-groups\""), std::string::npos);
  EXPECT_NE(html.find("data-series=\"old-phones\""), std::string::npos);
}

}  // namespace
}  // namespace itlfleet
