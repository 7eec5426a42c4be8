#include "itlfleet/sweep/setting_values.hpp"

#include <gtest/gtest.h>

#include <random>

namespace itlfleet::sweep {
namespace {

std::vector<std::string> texts(const axis& a) {
  std::vector<std::string> out;
  for (const auto& v : a.values) out.push_back(v.text);
  return out;
}

axis parse_ok(std::string_view s) {
  auto a = parse_vary(s, 10'000);
  EXPECT_TRUE(a) << s << ": " << (a ? "" : a.err().message);
  return a ? *a : axis{};
}

std::string parse_error(std::string_view s, std::size_t max = 10'000) {
  auto a = parse_vary(s, max);
  EXPECT_FALSE(a) << s << " parsed";
  return a ? "" : a.err().message;
}

TEST(SettingValues, integer_range_includes_both_ends) {
  const axis a = parse_ok("cluster.tftp.max_serving_count=100..500/100");
  EXPECT_EQ(a.key, "cluster.tftp.max_serving_count");
  EXPECT_EQ(a.kind, value_kind::integer);
  EXPECT_EQ(texts(a), (std::vector<std::string>{"100", "200", "300", "400", "500"}));
  EXPECT_EQ(a.values[2].position, 300.0);
}

TEST(SettingValues, a_step_that_does_not_land_on_the_end_stops_before_it) {
  EXPECT_EQ(texts(parse_ok("k=1..10/4")), (std::vector<std::string>{"1", "5", "9"}));
}

TEST(SettingValues, whole_number_ranges_default_to_a_step_of_one) {
  EXPECT_EQ(texts(parse_ok("k=3..5")), (std::vector<std::string>{"3", "4", "5"}));
}

TEST(SettingValues, ranges_may_run_downwards) {
  EXPECT_EQ(texts(parse_ok("k=3000..1000/1000")),
            (std::vector<std::string>{"3000", "2000", "1000"}));
}

TEST(SettingValues, duration_ranges_step_in_canonical_durations_with_seconds_as_position) {
  const axis a = parse_ok("timeline[2].at=1m..3m/30s");
  EXPECT_EQ(a.kind, value_kind::duration);
  EXPECT_EQ(texts(a), (std::vector<std::string>{"1m", "1m30s", "2m", "2m30s", "3m"}));
  EXPECT_EQ(a.values[1].position, 90.0);
  EXPECT_EQ(texts(parse_ok("boot.reset_spread=0..1m/20s")),
            (std::vector<std::string>{"0s", "20s", "40s", "1m"}));
}

TEST(SettingValues, decimal_ranges_are_exact) {
  const axis a = parse_ok("cluster.tftp.loss=0..0.1/0.02");
  EXPECT_EQ(a.kind, value_kind::number);
  EXPECT_EQ(texts(a), (std::vector<std::string>{"0", "0.02", "0.04", "0.06", "0.08", "0.1"}));
}

TEST(SettingValues, lists_and_ranges_mix_and_keep_their_order) {
  const axis a = parse_ok("phones=40000,10000..30000/10000");
  EXPECT_EQ(a.kind, value_kind::integer);
  EXPECT_EQ(texts(a), (std::vector<std::string>{"40000", "10000", "20000", "30000"}));
  const axis d = parse_ok("hold=90s, 5m,10m10s");
  EXPECT_EQ(d.kind, value_kind::duration);
  EXPECT_EQ(texts(d), (std::vector<std::string>{"1m30s", "5m", "10m10s"}));
}

TEST(SettingValues, names_and_yaml_flow_values_are_text) {
  const axis a = parse_ok("fleet.desk.tftp=[cucm-sub1],[cucm-sub1, cucm-sub2]");
  EXPECT_EQ(a.kind, value_kind::text);
  EXPECT_EQ(texts(a), (std::vector<std::string>{"[cucm-sub1]", "[cucm-sub1, cucm-sub2]"}));
  EXPECT_FALSE(a.values[0].position);
  EXPECT_EQ(texts(parse_ok("fleet.desk.model=CP-8861,CP-7965G")),
            (std::vector<std::string>{"CP-8861", "CP-7965G"}));
}

TEST(SettingValues, dash_dash_phones_is_the_phones_key) {
  EXPECT_EQ(parse_ok("--phones=10,20").key, "phones");
}

TEST(SettingValues, malformed_input_is_an_error_that_says_what_was_expected) {
  EXPECT_NE(parse_error("cluster.tftp.max_serving_count").find("KEY=VALUES"), std::string::npos);
  EXPECT_NE(parse_error("=1,2").find("KEY"), std::string::npos);
  EXPECT_NE(parse_error("k=").find("no values"), std::string::npos);
  EXPECT_NE(parse_error("k=1,,2").find("empty value"), std::string::npos);
  EXPECT_NE(parse_error("k=1..10/0").find("step must not be 0"), std::string::npos);
  EXPECT_NE(parse_error("k=1m..10/1").find("all be numbers"), std::string::npos);
  EXPECT_NE(parse_error("k=1m..10m").find("needs a step"), std::string::npos);
  EXPECT_NE(parse_error("k=0.1..0.5").find("needs a step"), std::string::npos);
  EXPECT_NE(parse_error("k=..5/1").find("FROM..TO/STEP"), std::string::npos);
  EXPECT_NE(parse_error("k=[a, b").find("unbalanced"), std::string::npos);
  EXPECT_NE(parse_error("k=60s,1m").find("'1m' is given twice"), std::string::npos);
}

TEST(SettingValues, a_number_too_large_is_named_with_the_largest_allowed) {
  const std::string e = parse_error("phones=1..18446744073709551615/1");
  EXPECT_NE(e.find("'18446744073709551615' is too large"), std::string::npos) << e;
  EXPECT_NE(e.find("at most 15 digits (999999999999999)"), std::string::npos) << e;
  EXPECT_EQ(e.find("all be numbers"), std::string::npos) << e;
  EXPECT_NE(parse_error("k=0..1/0.0000000001").find("more than 9 decimals"), std::string::npos);
  // Each fits alone, not once written with the step's decimal.
  const std::string scaled = parse_error("k=999999999999999..999999999999998/0.5");
  EXPECT_NE(scaled.find("too large"), std::string::npos) << scaled;
  // The largest number itself is a value.
  EXPECT_EQ(texts(parse_ok("k=999999999999993..999999999999999/3")),
            (std::vector<std::string>{"999999999999993", "999999999999996", "999999999999999"}));
}

TEST(SettingValues, values_are_counted_from_the_ranges_without_making_them) {
  EXPECT_EQ(count_vary("k=1..10000000000/1"), 10'000'000'000u);
  EXPECT_EQ(count_vary("k=1..5,6..10,x"), 11u);
  EXPECT_EQ(count_vary("k=1m..10m/30s"), 19u);
  EXPECT_EQ(count_vary("k=0..1/0.25"), 5u);
  EXPECT_EQ(count_vary("k=[a, b],c"), 2u);
  EXPECT_EQ(count_vary("k=1..10/0"), std::nullopt);  // parse_vary says why
  EXPECT_EQ(count_vary("no equals sign"), std::nullopt);
}

TEST(SettingValues, too_many_values_are_refused_before_they_are_made) {
  const std::string e = parse_error("k=1..1000000000000/1", 10'000);
  EXPECT_NE(e.find("1000000000000 values"), std::string::npos) << e;
  EXPECT_NE(e.find("--max-points"), std::string::npos) << e;
  EXPECT_FALSE(parse_vary("k=1..5,6..10", 9));
  EXPECT_TRUE(parse_vary("k=1..5,6..10", 10));
}

TEST(SettingValues, random_input_never_crashes) {
  std::mt19937 rng(7);
  const std::string alphabet = "0123456789.,/=[]{}\"'ms k-_ah";
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    const int n = static_cast<int>(rng() % 24);
    for (int k = 0; k < n; ++k) s += alphabet[rng() % alphabet.size()];
    auto a = parse_vary(s, 1000);
    if (a) {
      EXPECT_FALSE(a->key.empty());
      EXPECT_FALSE(a->values.empty());
      EXPECT_LE(a->values.size(), 1000u);
    }
  }
}

}  // namespace
}  // namespace itlfleet::sweep
