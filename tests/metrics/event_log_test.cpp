#include "itlfleet/metrics/event_log.hpp"

#include <gtest/gtest.h>

namespace itlfleet::metrics {
namespace {

TEST(EventLog, stamps_notes_with_padded_simulated_time) {
  event_log log(false);
  log.note(0, "run starts");
  log.note(610'000'000, "peak");
  log.note(3'605'000'000, "done");
  EXPECT_EQ(log.text(),
            "[          0s] run starts\n"
            "[      10m10s] peak\n"
            "[        1h5s] done\n");
  EXPECT_EQ(log.lines(), 3u);
}

TEST(EventLog, stamps_are_rounded_down_to_the_millisecond) {
  event_log log(false);
  log.note(702'812'419, "booting -> locked");
  EXPECT_EQ(log.text(), "[  11m42.812s] booting -> locked\n");
}

TEST(EventLog, longer_stamps_are_not_cut) {
  event_log log(false);
  log.note(3'600'000'000LL * 100 + 61'500'000, "late");
  EXPECT_EQ(log.text(), "[  100h1m1.5s] late\n");
}

TEST(EventLog, shows_a_command_its_verdict_and_its_output_indented) {
  event_log log(false);
  log.command(600'000'000, "cucm-pub$ set cert regen TVS", false,
              "CallManager certificate was modified in the last 5 minutes.\n"
              "Please re-try regenerating TVS certificate at a later time\n");
  log.command(900'000'000, "cucm-pub$ set cert regen TVS", true, "");
  EXPECT_EQ(log.text(),
            "[         10m] cucm-pub$ set cert regen TVS  (refused)\n"
            "                   | CallManager certificate was modified in the last 5 minutes.\n"
            "                   | Please re-try regenerating TVS certificate at a later time\n"
            "[         15m] cucm-pub$ set cert regen TVS  (ok)\n");
  EXPECT_EQ(log.lines(), 4u);
}

TEST(EventLog, blank_output_lines_keep_no_trailing_spaces) {
  event_log log(false);
  log.command(0, "cucm-pub$ show itl", true, "a\n\nb");
  EXPECT_EQ(log.text(),
            "[          0s] cucm-pub$ show itl  (ok)\n"
            "                   | a\n"
            "                   |\n"
            "                   | b\n");
  EXPECT_EQ(log.lines(), 4u);
}

TEST(EventLog, skips_phone_changes_without_phone_detail) {
  event_log log(false);
  EXPECT_FALSE(log.phone_detail());
  log.phone(1'000'000, "SEP001E7A000001", "booting", "locked", "Trust List Update Failed");
  EXPECT_EQ(log.text(), "");
  EXPECT_EQ(log.lines(), 0u);
}

TEST(EventLog, logs_phone_changes_with_phone_detail) {
  event_log log(true);
  EXPECT_TRUE(log.phone_detail());
  log.phone(610'000'000, "SEP001E7A000001", "booting", "locked", "Trust List Update Failed");
  log.phone(611'000'000, "SEP001E7A000002", "offline", "booting", "");
  EXPECT_EQ(log.text(),
            "[      10m10s] SEP001E7A000001 booting -> locked (Trust List Update Failed)\n"
            "[      10m11s] SEP001E7A000002 offline -> booting\n");
  EXPECT_EQ(log.lines(), 2u);
}

TEST(EventLog, is_identical_for_identical_input) {
  const auto run = [] {
    event_log log(true);
    log.note(0, "start");
    log.command(5'000'000, "cucm-pub$ utils itl reset localkey", true, "done\n");
    log.phone(6'000'000, "SEP001E7A000001", "locked", "trusted", "bulk reset");
    return log.text();
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace itlfleet::metrics
