#include "itlfleet/engine/scaled_clock.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

namespace itlfleet::engine {
namespace {

using namespace std::chrono_literals;
using wall_clock = scaled_clock::wall_clock;

// A fixed start: the clock is a value, nothing here reads the wall clock.
const wall_clock::time_point t0 = wall_clock::time_point{} + 1000h;
constexpr std::int64_t minute_us = 60'000'000;

TEST(ScaledClock, converts_both_ways_at_several_scales) {
  for (double scale : {1.0, 0.01, 0.5, 4.0}) {
    const scaled_clock c(scale, t0, 60 * minute_us);
    const auto w = c.wall(minute_us);
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::microseconds>(w).count(),
              static_cast<std::int64_t>(minute_us * scale))
        << scale;
    EXPECT_EQ(c.scenario_us(w), minute_us) << scale;
    EXPECT_EQ(c.wall_at(minute_us), t0 + w) << scale;
    EXPECT_EQ(c.scenario_us_between(t0, c.wall_at(minute_us)), minute_us) << scale;
    EXPECT_EQ(c.now_us(0, c.wall_at(minute_us)), minute_us) << scale;
  }
  // 0.01: a 60-minute timeline in 36 wall seconds.
  EXPECT_EQ(scaled_clock(0.01, t0, 0).wall(60 * minute_us), 36s);
  EXPECT_EQ(scaled_clock(0.01, t0, 0).scenario_us(36s), 60 * minute_us);
}

TEST(ScaledClock, now_never_goes_backwards) {
  const scaled_clock c(0.5, t0, 60 * minute_us);
  EXPECT_EQ(c.now_us(0, t0 + 10s), 20'000'000);
  // The wall time says 10 s of scenario time, but 20 s were reached.
  EXPECT_EQ(c.now_us(20'000'000, t0 + 5s), 20'000'000);
  // Before the start: still what was reached.
  EXPECT_EQ(c.now_us(0, t0 - 1s), 0);
}

TEST(ScaledClock, now_stops_at_the_end) {
  const scaled_clock c(0.01, t0, 60 * minute_us);
  EXPECT_EQ(c.now_us(0, t0 + 36s), 60 * minute_us);
  EXPECT_EQ(c.now_us(0, t0 + 1h), 60 * minute_us);
  EXPECT_EQ(c.now_us(60 * minute_us, t0 + 2h), 60 * minute_us);
}

}  // namespace
}  // namespace itlfleet::engine
