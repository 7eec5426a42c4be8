#include "itlfleet/metrics/report.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "itlfleet/sim/utf8.hpp"

namespace itlfleet::metrics {
namespace {

using sim::phone_state;

TEST(FormatSimTime, prints_hours_minutes_and_seconds_omitting_zero_parts) {
  EXPECT_EQ(format_sim_time(0), "0s");
  EXPECT_EQ(format_sim_time(90'000'000), "1m30s");
  EXPECT_EQ(format_sim_time(600'000'000), "10m");
  EXPECT_EQ(format_sim_time(610'000'000), "10m10s");
  EXPECT_EQ(format_sim_time(3'600'000'000), "1h");
  EXPECT_EQ(format_sim_time(3'605'000'000), "1h5s");
  EXPECT_EQ(format_sim_time(7'200'000'000), "2h");
  EXPECT_EQ(format_sim_time(100 * 3'600'000'000LL), "100h");
}

TEST(FormatSimTime, prints_sub_second_parts_as_trimmed_decimals) {
  EXPECT_EQ(format_sim_time(1'500'000), "1.5s");
  EXPECT_EQ(format_sim_time(2'000), "0.002s");
  EXPECT_EQ(format_sim_time(1), "0.000001s");
  EXPECT_EQ(format_sim_time(60'500'000), "1m0.5s");
  EXPECT_EQ(format_sim_time(-1'500'000), "-1.5s");
}

snapshot sample_snapshot() {
  snapshot s;
  s.time_us = 1'200'000'000;
  s.groups.resize(2);
  s.groups[0].by_state[static_cast<int>(phone_state::trusted)] = 70;
  s.groups[0].by_state[static_cast<int>(phone_state::locked)] = 5;
  s.groups[0].stale = 5;
  s.groups[0].unrecoverable = 2;
  s.groups[0].recovered = 3;
  s.groups[0].ever_locked = 8;
  s.groups[1].by_state[static_cast<int>(phone_state::offline)] = 20;
  s.groups[1].by_state[static_cast<int>(phone_state::no_itl)] = 5;
  for (const counts& g : s.groups) {
    for (int i = 0; i < sim::phone_state_count; ++i) s.fleet.by_state[i] += g.by_state[i];
    s.fleet.stale += g.stale;
    s.fleet.unrecoverable += g.unrecoverable;
    s.fleet.recovered += g.recovered;
    s.fleet.ever_locked += g.ever_locked;
  }
  s.events.boots = 130;
  s.events.tftp_refusals = 11;
  s.events.bytes_served = 123456;
  return s;
}

run_info sample_info() {
  run_info info;
  info.scenario = "double-regen";
  info.source = "scenarios/double_regen.yaml";
  info.seed = 42;
  info.phones = 100;
  info.end_us = 1'200'000'000;
  info.group_names = {"7965", "8861"};
  info.events_processed = 9876;
  info.crypto_operations = 321;
  info.distinct_files = 4;
  info.milestones = {{"peak_locked", 610'000'000}, {"all_trusted", 3'605'000'000}};
  return info;
}

std::vector<check_result> sample_checks() {
  return {{"locked == 0 at 20m", false, "locked was 5 at 20m", 12},
          {"trusted >= 70", true, "trusted was 70 at 20m", 13}};
}

TEST(SummaryJson, reports_the_run_the_final_counts_and_every_expectation) {
  const std::string j = summary_json(sample_info(), sample_snapshot(), sample_checks());
  for (const char* expected : {
           "\"scenario\": \"double-regen\"",
           "\"source\": \"scenarios/double_regen.yaml\"",
           "\"seed\": 42",
           "\"phones\": 100",
           "\"end\": \"20m\"",
           "\"end_s\": 1200",
           "\"passed\": false",
           "\"events_processed\": 9876",
           "\"crypto_operations\": 321",
           "\"distinct_files\": 4",
           "\"trusted\": 70",
           "\"locked\": 5",
           "\"offline\": 20",
           "\"no_itl\": 5",
           "\"unrecoverable\": 2",
           "\"recovered\": 3",
           "\"ever_locked\": 8",
           "\"name\": \"7965\"",
           "\"name\": \"8861\"",
           "\"boots\": 130",
           "\"tftp_refusals\": 11",
           "\"bytes_served\": 123456",
           "\"peak_locked\": \"10m10s\"",
           "\"all_trusted\": \"1h5s\"",
           "\"name\": \"locked == 0 at 20m\"",
           "\"message\": \"locked was 5 at 20m\"",
           "\"line\": 12",
       }) {
    EXPECT_NE(j.find(expected), std::string::npos) << expected << "\nin\n" << j;
  }
  // Keys come in a fixed order: run facts, then final, groups, events,
  // milestones, expectations.
  const auto pos = [&](const char* k) { return j.find(k); };
  EXPECT_LT(pos("\"scenario\""), pos("\"final\""));
  EXPECT_LT(pos("\"final\""), pos("\"groups\""));
  EXPECT_LT(pos("\"groups\""), pos("\"events\""));
  EXPECT_LT(pos("\"events\""), pos("\"milestones\""));
  EXPECT_LT(pos("\"milestones\""), pos("\"expectations\""));
  EXPECT_EQ(j.front(), '{');
  EXPECT_EQ(j.back(), '\n');
}

TEST(SummaryJson, passes_only_when_every_expectation_passes) {
  std::vector<check_result> checks = sample_checks();
  checks[0].passed = true;
  const std::string j = summary_json(sample_info(), sample_snapshot(), checks);
  EXPECT_NE(j.find("\"passed\": true,"), std::string::npos) << j;
  EXPECT_NE(summary_json(sample_info(), sample_snapshot(), {}).find("\"passed\": true,"),
            std::string::npos);
}

TEST(SummaryJson, is_identical_for_identical_input) {
  EXPECT_EQ(summary_json(sample_info(), sample_snapshot(), sample_checks()),
            summary_json(sample_info(), sample_snapshot(), sample_checks()));
}

TEST(SummaryJson, escapes_strings) {
  run_info info = sample_info();
  info.scenario = "a \"quoted\"\nname";
  const std::string j = summary_json(info, sample_snapshot(), {});
  EXPECT_NE(j.find(R"("scenario": "a \"quoted\"\nname")"), std::string::npos) << j;
}

TEST(JunitXml, has_one_test_case_per_expectation_and_counts_failures) {
  const std::string x = junit_xml(sample_info(), sample_checks());
  EXPECT_EQ(x.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>", 0), 0u) << x;
  EXPECT_NE(x.find("<testsuite name=\"double-regen\" tests=\"2\" failures=\"1\" errors=\"0\" "
                   "time=\"0\">"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("<property name=\"seed\" value=\"42\"/>"), std::string::npos);
  EXPECT_NE(x.find("<property name=\"phones\" value=\"100\"/>"), std::string::npos);
  EXPECT_NE(x.find("<property name=\"source\" value=\"scenarios/double_regen.yaml\"/>"),
            std::string::npos);
  EXPECT_NE(x.find("<testcase classname=\"itlfleet.double-regen\" name=\"trusted &gt;= 70\" "
                   "time=\"0\"/>"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("<failure message=\"locked was 5 at 20m\">scenarios/double_regen.yaml:12: "
                   "locked was 5 at 20m</failure>"),
            std::string::npos)
      << x;
  std::size_t cases = 0;
  for (auto p = x.find("<testcase "); p != std::string::npos; p = x.find("<testcase ", p + 1))
    ++cases;
  EXPECT_EQ(cases, 2u);
  std::size_t failures = 0;
  for (auto p = x.find("<failure "); p != std::string::npos; p = x.find("<failure ", p + 1))
    ++failures;
  EXPECT_EQ(failures, 1u);
  const std::string tail = "  </testsuite>\n</testsuites>\n";
  EXPECT_EQ(x.substr(x.size() - tail.size()), tail);
}

TEST(JunitXml, escapes_markup_in_names_and_messages) {
  run_info info = sample_info();
  info.scenario = "a&b";
  const std::vector<check_result> checks = {
      {"locked < 1 && \"x\" > 'y'", false, "saw <5> & 'more'", 3}};
  const std::string x = junit_xml(info, checks);
  EXPECT_NE(x.find("<testsuite name=\"a&amp;b\""), std::string::npos) << x;
  EXPECT_NE(x.find("classname=\"itlfleet.a&amp;b\""), std::string::npos) << x;
  EXPECT_NE(x.find("name=\"locked &lt; 1 &amp;&amp; &quot;x&quot; &gt; &apos;y&apos;\""),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("message=\"saw &lt;5&gt; &amp; &apos;more&apos;\""), std::string::npos) << x;
  EXPECT_NE(x.find(":3: saw &lt;5&gt; &amp; &apos;more&apos;</failure>"), std::string::npos) << x;
  // Nothing unescaped slips through between the tags.
  EXPECT_EQ(x.find("<5>"), std::string::npos);
  EXPECT_EQ(x.find("& "), std::string::npos);
}

TEST(JunitXml, keeps_newlines_in_attributes_and_drops_illegal_control_characters) {
  const std::vector<check_result> checks = {{"x", false, "one\ntwo\x01", 1}};
  const std::string x = junit_xml(sample_info(), checks);
  EXPECT_NE(x.find("message=\"one&#10;two?\""), std::string::npos) << x;
  EXPECT_EQ(x.find('\x01'), std::string::npos);
}

TEST(JunitXml, is_identical_for_identical_input) {
  EXPECT_EQ(junit_xml(sample_info(), sample_checks()), junit_xml(sample_info(), sample_checks()));
}

TEST(TimeseriesCsv, writes_a_header_and_one_row_per_snapshot) {
  snapshot a = sample_snapshot();
  a.time_us = 0;
  snapshot b = sample_snapshot();
  b.time_us = 610'000'000;
  snapshot c = sample_snapshot();
  c.time_us = 610'250'000;
  EXPECT_EQ(timeseries_csv({a, b, c}),
            "time_s,offline,booting,trusted,locked,no_itl,unreachable,config_rejected,stale,"
            "unrecoverable,recovered\n"
            "0,20,0,70,5,5,0,0,5,2,3\n"
            "610,20,0,70,5,5,0,0,5,2,3\n"
            "610.25,20,0,70,5,5,0,0,5,2,3\n");
}

TEST(TimeseriesCsv, has_only_the_header_without_snapshots) {
  EXPECT_EQ(timeseries_csv({}),
            "time_s,offline,booting,trusted,locked,no_itl,unreachable,config_rejected,stale,"
            "unrecoverable,recovered\n");
}

TEST(SummaryJson, stays_valid_utf8_whatever_the_names_hold) {
  run_info info = sample_info();
  info.scenario = "bad\xff name\x1b[2J";
  info.group_names = {"caf\xc3\xa9", "trunc\xe2\x82"};
  const std::string j = summary_json(info, sample_snapshot(), sample_checks());
  EXPECT_TRUE(is_valid_utf8(j));
  EXPECT_EQ(j.find('\x1b'), std::string::npos);
  EXPECT_NE(j.find(R"("scenario": "bad\ufffd name\u001b[2J")"), std::string::npos) << j;
  EXPECT_NE(j.find("caf\xc3\xa9"), std::string::npos) << j;  // valid text kept as is
}

TEST(JunitXml, stays_well_formed_utf8_whatever_the_names_hold) {
  run_info info = sample_info();
  info.scenario = "bad\xff\xfe \xef\xbf\xbe name";  // U+FFFE is not an XML character
  auto checks = sample_checks();
  checks[0].message = "surrogate \xed\xa0\x80 and \x01";
  const std::string x = junit_xml(info, checks);
  EXPECT_TRUE(is_valid_utf8(x));
  EXPECT_EQ(x.find('\x01'), std::string::npos);
  EXPECT_EQ(x.find("\xef\xbf\xbe"), std::string::npos);
  EXPECT_NE(x.find("bad\uFFFD\uFFFD ? name"), std::string::npos) << x;
}

class WriteFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = std::filesystem::temp_directory_path() /
            ("itlfleet_metrics_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  static std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::filesystem::path root_;
};

TEST_F(WriteFile, creates_the_directory_and_writes_the_content) {
  const std::string dir = (root_ / "out" / "run1").string();
  std::string error;
  ASSERT_TRUE(write_file(dir, "summary.json", "{}\n", error)) << error;
  EXPECT_TRUE(error.empty());
  EXPECT_EQ(slurp(root_ / "out" / "run1" / "summary.json"), "{}\n");
  // Only the file itself is left behind, no temporary.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST_F(WriteFile, replaces_an_existing_file) {
  const std::string dir = root_.string();
  std::string error;
  ASSERT_TRUE(write_file(dir, "events.log", "old old old\n", error)) << error;
  ASSERT_TRUE(write_file(dir, "events.log", "new\n", error)) << error;
  EXPECT_EQ(slurp(root_ / "events.log"), "new\n");
}

TEST_F(WriteFile, reports_an_unwritable_path_by_name) {
  // A directory under a regular file cannot exist, even for root.
  std::string error;
  ASSERT_TRUE(write_file(root_.string(), "plain", "x", error)) << error;
  const std::string dir = (root_ / "plain" / "sub").string();
  EXPECT_FALSE(write_file(dir, "junit.xml", "<x/>", error));
  EXPECT_NE(error.find(dir), std::string::npos) << error;
  EXPECT_NE(error.find("Not a directory"), std::string::npos) << error;
}

TEST_F(WriteFile, reports_a_target_that_is_a_directory) {
  std::string error;
  std::filesystem::create_directories(root_ / "taken");
  EXPECT_FALSE(write_file(root_.string(), "taken", "x", error));
  EXPECT_NE(error.find((root_ / "taken").string()), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(root_ / "taken.tmp"));
}

TEST_F(WriteFile, output_files_appear_together_or_not_at_all) {
  const std::string dir = (root_ / "out").string();
  std::string error;
  ASSERT_TRUE(write_output_files(dir, {{"a.json", "old a"}, {"b.xml", "old b"}}, error)) << error;
  // b.xml cannot be replaced: a directory holds its place. a.json keeps the
  // older run's content; nothing of the failed call stays behind.
  std::filesystem::remove(root_ / "out" / "b.xml");
  std::filesystem::create_directories(root_ / "out" / "b.xml" / "x");
  EXPECT_FALSE(write_output_files(dir, {{"a.json", "new a"}, {"b.xml", "new b"}}, error));
  EXPECT_NE(error.find("b.xml"), std::string::npos) << error;
  EXPECT_EQ(slurp(root_ / "out" / "a.json"), "old a");
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 2u);  // a.json and the directory, no temporary
}

TEST_F(WriteFile, an_output_directory_is_checked_before_anything_is_written) {
  std::string error;
  EXPECT_TRUE(prepare_output_dir((root_ / "new" / "dir").string(), error)) << error;
  EXPECT_TRUE(std::filesystem::is_directory(root_ / "new" / "dir"));
  EXPECT_TRUE(std::filesystem::is_empty(root_ / "new" / "dir"));  // the probe is gone
  ASSERT_TRUE(write_file(root_.string(), "plain", "x", error)) << error;
  EXPECT_FALSE(prepare_output_dir((root_ / "plain").string(), error));
  EXPECT_NE(error.find("plain"), std::string::npos) << error;
  EXPECT_FALSE(prepare_output_dir("", error));
}

TEST(SummaryJson, live_runs_report_the_load_generators_limits_apart_from_protocol_errors) {
  run_info info = sample_info();
  snapshot s = sample_snapshot();
  EXPECT_EQ(summary_json(info, s, {}).find("load_generator"), std::string::npos);  // virtual
  info.engine = "live";
  s.events.load_generator.descriptors_exhausted = 25427;
  s.events.load_generator.retries = 25427;
  s.events.load_generator.peak_descriptors = 310;
  s.events.protocol_errors[{"127.0.1.1:69", "tftp_too_large"}] = 50;
  const std::string j = summary_json(info, s, {});
  EXPECT_NE(j.find("\"load_generator\": {\n    \"descriptors_exhausted\": 25427,"),
            std::string::npos)
      << j;
  EXPECT_NE(j.find("\"peak_descriptors\": 310"), std::string::npos);
  EXPECT_NE(j.find("\"server\": \"127.0.1.1:69\",\n      \"kind\": \"tftp_too_large\",\n      "
                   "\"count\": 50"),
            std::string::npos)
      << j;
  // Neither is a request result.
  EXPECT_NE(j.find("\"tftp_timeouts\": 0"), std::string::npos);
}

}  // namespace
}  // namespace itlfleet::metrics
