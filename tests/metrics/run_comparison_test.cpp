// itlfleet compare's figures, from summary.json and timeseries.csv written
// here by hand: a reset at 60 s of 100 phones, coming back 20 per 2 s.

#include "itlfleet/metrics/run_comparison.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace itlfleet::metrics {
namespace {

namespace fs = std::filesystem;

class RunComparison : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("itlfleet-compare-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// A run directory: summary.json with these figures, timeseries.csv with
  /// (time_s, trusted) samples of a 100-phone fleet.
  std::string write_run(const std::string& name, const std::string& engine,
                        const std::vector<std::pair<std::string, int>>& trusted, std::uint64_t peak,
                        std::uint64_t refusals) {
    const fs::path d = dir_ / name;
    fs::create_directories(d);
    std::ofstream(d / "summary.json")
        << "{\"scenario\": \"reset\", \"engine\": \"" << engine
        << "\", \"tftp_calibration\": \"defaults\", \"phones\": 100, \"events\": "
           "{\"tftp_refusals\": "
        << refusals << ", \"tftp_timeouts\": 0}, \"load\": [{\"node\": \"a\", "
        << "\"peak_tftp_transfers\": 3}, {\"node\": \"b\", \"peak_tftp_transfers\": " << peak
        << "}]}\n";
    std::ofstream csv(d / "timeseries.csv");
    csv << "time_s,offline,booting,trusted,locked\n";
    for (const auto& [t, n] : trusted) csv << t << ",0," << 100 - n << "," << n << ",0\n";
    return d.string();
  }

  fs::path dir_;
};

// 100 trusted until 58 s; the reset shows at 60 s; back 20 per 2 s from 62 s.
const std::vector<std::pair<std::string, int>> live_series = {
    {"0", 0},   {"58", 100}, {"60", 0},  {"62", 0},   {"64", 20},
    {"66", 40}, {"68", 60},  {"70", 80}, {"72", 100}, {"74", 100}};

TEST_F(RunComparison, times_count_from_the_last_fall_in_trust_interpolated_between_samples) {
  auto f = read_run_figures(write_run("live", "live", live_series, 7, 12), std::nullopt);
  ASSERT_TRUE(f) << f.err().message;
  EXPECT_EQ(f->from_us, 60'000'000);  // the first sample showing the fall
  // 50 phones: halfway between 66 s (40) and 68 s (60): 67 s, 7 s after.
  ASSERT_TRUE(f->to_trusted_us[0]);
  EXPECT_EQ(*f->to_trusted_us[0], 7'000'000);
  // 90: between 70 s (80) and 72 s (100): 71 s.
  EXPECT_EQ(f->to_trusted_us[1].value_or(-1), 11'000'000);
  EXPECT_EQ(f->to_trusted_us[2].value_or(-1), 12'000'000);
  EXPECT_EQ(f->peak_transfers, 7u);  // the busiest node
  EXPECT_EQ(f->refusals, 12u);
  EXPECT_EQ(f->calibration, "defaults");
}

TEST_F(RunComparison, errors_are_relative_to_a_and_the_tolerance_names_what_misses) {
  auto a = read_run_figures(write_run("live", "live", live_series, 10, 100), std::nullopt);
  // B recovers 2 s later and never reaches 100%.
  auto b = read_run_figures(write_run("virtual", "virtual",
                                      {{"0", 0},
                                       {"58", 100},
                                       {"60", 0},
                                       {"64", 0},
                                       {"66", 20},
                                       {"68", 40},
                                       {"70", 60},
                                       {"72", 80},
                                       {"74", 99}},
                                      11, 100),
                            a->from_us);
  ASSERT_TRUE(a && b);
  const auto c = compare_runs(*a, *b);
  ASSERT_EQ(c.figures.size(), 6u);
  EXPECT_EQ(c.figures[0].name, "time to 50% trusted");
  EXPECT_NEAR(c.figures[0].error.value_or(99), 2.0 / 7.0, 1e-9);
  EXPECT_FALSE(c.figures[2].b);      // 100% never reached in B
  EXPECT_FALSE(c.figures[2].error);  // so no error, and it fails any tolerance
  EXPECT_NEAR(c.figures[3].error.value_or(99), 0.1, 1e-9);
  EXPECT_EQ(c.figures[4].error.value_or(99), 0.0);
  const auto beyond = figures_beyond(c, 0.15);
  EXPECT_EQ(beyond, (std::vector<std::string>{"time to 50% trusted", "time to 90% trusted",
                                              "time to 100% trusted"}));
  EXPECT_TRUE(c.mismatches.empty());

  const std::string table = comparison_table(c);
  EXPECT_NE(table.find("| time to 50% trusted"), std::string::npos) << table;
  EXPECT_NE(table.find("+28.6%"), std::string::npos) << table;
  EXPECT_NE(table.find("not reached"), std::string::npos) << table;
  const std::string json = comparison_json(c);
  EXPECT_NE(json.find("\"error\": null"), std::string::npos) << json;
}

TEST_F(RunComparison, a_directory_without_a_run_or_with_a_broken_file_is_an_error_naming_it) {
  auto missing = read_run_figures((dir_ / "nothing").string(), std::nullopt);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.err().message.find("summary.json: cannot read"), std::string::npos);

  const std::string d = write_run("broken", "live", live_series, 1, 0);
  std::ofstream(fs::path(d) / "timeseries.csv") << "time_s,trusted\n0,5\n1,x\n";
  auto bad = read_run_figures(d, std::nullopt);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.err().message.find("timeseries.csv: line 3: trusted: expected a count, got 'x'"),
            std::string::npos)
      << bad.err().message;

  std::ofstream(fs::path(d) / "summary.json") << "{\"scenario\": \"x\"}";
  auto not_summary = read_run_figures(d, std::nullopt);
  ASSERT_FALSE(not_summary);
  EXPECT_NE(not_summary.err().message.find("not an itlfleet summary.json"), std::string::npos);
}

TEST_F(RunComparison, runs_of_different_fleets_or_instants_are_flagged) {
  auto a = read_run_figures(write_run("a", "live", live_series, 1, 0), std::nullopt);
  auto b = read_run_figures(write_run("b", "virtual", live_series, 1, 0), 30'000'000);
  ASSERT_TRUE(a && b);
  const auto c = compare_runs(*a, *b);
  ASSERT_EQ(c.mismatches.size(), 1u);
  EXPECT_NE(c.mismatches[0].find("starts at 1m in A and 30s in B"), std::string::npos)
      << c.mismatches[0];
}

}  // namespace
}  // namespace itlfleet::metrics
