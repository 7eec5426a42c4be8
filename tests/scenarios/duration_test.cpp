#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <random>

#include "itlfleet/scenarios/scenario.hpp"
#include "itlfleet/sim/duration_text.hpp"

namespace {

using namespace std::chrono_literals;
using itlfleet::plan::sim_duration;
namespace sc = itlfleet::scenarios;

std::string units(sim_duration d) {
  return itlfleet::sim::format_sim_time(d, itlfleet::sim::below_second::units);
}

std::string decimal(sim_duration d) {
  return itlfleet::sim::format_sim_time(d, itlfleet::sim::below_second::decimal);
}

sim_duration parsed(std::string_view s) {
  auto r = sc::parse_duration(s);
  EXPECT_TRUE(r.ok()) << s << ": " << (r.ok() ? "" : r.err().message);
  return r.ok() ? *r : sim_duration{-1};
}

TEST(Duration, parses_the_documented_forms) {
  EXPECT_EQ(parsed("90s"), 90s);
  EXPECT_EQ(parsed("10m10s"), 10min + 10s);
  EXPECT_EQ(parsed("1h"), 1h);
  EXPECT_EQ(parsed("2ms"), 2ms);
  EXPECT_EQ(parsed("0.2ms"), 200us);
  EXPECT_EQ(parsed("500us"), 500us);
  EXPECT_EQ(parsed("0"), 0us);
  EXPECT_EQ(parsed("0s"), 0us);
  EXPECT_EQ(parsed("1h30m"), 90min);
  EXPECT_EQ(parsed("1.5s"), 1500ms);
  EXPECT_EQ(parsed("1s500ms"), 1500ms);
  EXPECT_EQ(parsed("24h"), 24h);
  EXPECT_EQ(parsed("0.25h"), 15min);
  EXPECT_EQ(parsed("1m0.5s"), 60s + 500ms);
  EXPECT_EQ(parsed("7\xC2\xB5s"), 7us);
  EXPECT_EQ(parsed("0.000001s"), 1us);
}

TEST(Duration, rejects_what_is_not_a_duration) {
  for (const char* bad :
       {"", "10 minutes", "10", "1.5", "-5s", "5x", "s", "1s1h", "1m1m", "0.5us", "1.s", "1e3s",
        "1 s", " 1s", "1s ", "99999999999999999999h", "1d", "3000000000h"}) {
    auto r = sc::parse_duration(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "' parsed";
    if (!r.ok()) {
      EXPECT_NE(r.err().message.find("expected a duration"), std::string::npos);
    }
  }
}

TEST(Duration, formats_canonical_short_forms) {
  EXPECT_EQ(units(10min + 10s), "10m10s");
  EXPECT_EQ(units(2ms), "2ms");
  EXPECT_EQ(units(200us), "200us");
  EXPECT_EQ(units(0us), "0s");
  EXPECT_EQ(units(1h), "1h");
  EXPECT_EQ(units(90min), "1h30m");
  EXPECT_EQ(units(90s), "1m30s");
  EXPECT_EQ(units(1500ms), "1s500ms");
  EXPECT_EQ(units(1200us), "1ms200us");
  EXPECT_EQ(units(25h), "25h");
  EXPECT_EQ(units(-5s), "-5s");
}

TEST(Duration, measured_times_write_the_part_below_a_second_as_decimals) {
  EXPECT_EQ(decimal(10min + 10s), "10m10s");
  EXPECT_EQ(decimal(1500ms), "1.5s");
  EXPECT_EQ(decimal(1min + 500ms), "1m0.5s");
  EXPECT_EQ(decimal(12500us), "0.0125s");
  EXPECT_EQ(decimal(1h + 5s), "1h5s");
  EXPECT_EQ(decimal(0us), "0s");
  EXPECT_EQ(decimal(-1500ms), "-1.5s");
  EXPECT_EQ(itlfleet::sim::format_sim_time(std::numeric_limits<std::int64_t>::min()),
            "-2562047788h54.775808s");
}

TEST(Duration, both_forms_agree_on_whole_seconds) {
  for (sim_duration d : {sim_duration{0}, sim_duration{90s}, sim_duration{25h},
                         sim_duration{1h + 1s}, sim_duration{-5min}})
    EXPECT_EQ(units(d), decimal(d));
}

TEST(Duration, format_then_parse_is_the_identity) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    // Mix of magnitudes: microseconds up to about 100 hours.
    std::int64_t us = static_cast<std::int64_t>(rng() % 400'000'000'000ULL) >> (rng() % 40);
    sim_duration d{us};
    EXPECT_EQ(parsed(units(d)), d) << units(d);
    EXPECT_EQ(parsed(decimal(d)), d) << decimal(d);
  }
}

}  // namespace
