// The technote's own story, typed as an administrator reads it (no restart
// lines, no model settings), must give the technote's outcome:
//
// - "the automatic device reset that CUCM sends to the phones because a
//   certificate in the ITL was regenerated": a CallManager or TVS
//   regeneration reaches the phones at the command;
// - the hold timer "forces the phones to be reset after the first
//   certificate's regeneration; they must be back up and registered before
//   the next one is regenerated": with it, the second regeneration within
//   5 minutes is refused and nobody locks; without it, CallManager and TVS
//   regenerated back to back lock every phone;
// - ITLRecovery is the one regeneration that waits for a TFTP restart and
//   resets nobody.
//
// The expected numbers come from those sentences, not from the code.

#include <gtest/gtest.h>

#include <string>

#include "run_yaml.hpp"

namespace itlfleet::scenarios {
namespace {

using sim::phone_state;

/// One node, 300 phones booted in the first minute, the hold timer as given,
/// nothing else set: the defaults are under test.
std::string story(const std::string& hold_timer, const std::string& timeline) {
  return R"(name: technote-story
seed: 9
end: 40m
sample: 10s
cluster:
  version: "10.5"
  hold_timer: )" +
         hold_timer + R"(
  nodes:
    - {name: cucm-pub, publisher: true, services: [tftp, tvs, callmanager]}
fleet:
  - {name: desk, count: 300, tftp: [cucm-pub]}
timeline:
  - {at: 0s, do: boot-all}
)" + timeline;
}

engine::run_result run(const std::string& yaml) {
  return test::run_yaml(yaml, "technote_story_test");
}

const std::string& back_to_back = test::regenerations_back_to_back;

TEST(TechnoteStory, without_the_hold_timer_back_to_back_regenerations_lock_every_phone) {
  const auto r = run(story("off", back_to_back));
  EXPECT_EQ(r.final_state.fleet.state(phone_state::locked), 300u) << r.event_log;
  EXPECT_EQ(r.final_state.fleet.ever_locked, 300u);
  EXPECT_EQ(r.final_state.events.refused_commands, 0u);
  // The regeneration itself resets the phones: no restart line was typed.
  EXPECT_NE(r.event_log.find("10m] CUCM resets the 300 registered phones"), std::string::npos)
      << r.event_log;
  EXPECT_NE(r.event_log.find("10m10s] CUCM resets the "), std::string::npos) << r.event_log;
}

TEST(TechnoteStory, a_phone_booting_after_both_regenerations_locks) {
  // Phones powered on only after the second regeneration: their installed
  // ITL knows neither the new CallManager signer nor the new TVS.
  const auto yaml = R"(name: technote-story-late-boot
seed: 9
end: 40m
sample: 10s
cluster:
  version: "10.5"
  hold_timer: off
  nodes:
    - {name: cucm-pub, publisher: true, services: [tftp, tvs, callmanager]}
fleet:
  - {name: desk, count: 300, tftp: [cucm-pub], itl: current}
timeline:
  - {at: 10m, do: set cert regen CallManager, on: cucm-pub}
  - {at: 10m10s, do: set cert regen TVS, on: cucm-pub}
  - {at: 15m, do: boot-all}
)";
  const auto r = run(yaml);
  EXPECT_EQ(r.final_state.fleet.state(phone_state::locked), 300u) << r.event_log;
}

TEST(TechnoteStory, with_the_hold_timer_the_second_regeneration_is_refused_and_nobody_locks) {
  const auto r = run(story("on", back_to_back));
  EXPECT_EQ(r.final_state.events.refused_commands, 1u) << r.event_log;
  EXPECT_NE(r.event_log.find("Please re-try regenerating TVS certificate at a later time"),
            std::string::npos)
      << r.event_log;
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 300u);
  EXPECT_EQ(r.final_state.fleet.ever_locked, 0u);
}

TEST(TechnoteStory, honouring_the_hold_timer_then_restarting_as_the_cli_advises_locks_nobody) {
  // CallManager at 10m, TVS at 16m once the hold time is over, both
  // services restarted at 17m as `set cert regen` advises: the phones were
  // reset by the first regeneration and learnt the new CallManager key
  // through TVS well before the second.
  const auto r = run(story("on", R"(  - {at: 10m, do: set cert regen CallManager, on: cucm-pub}
  - {at: 16m, do: set cert regen TVS, on: cucm-pub}
  - {at: 17m, do: restart tftp, on: cucm-pub}
  - {at: 17m, do: restart tvs, on: cucm-pub}
)"));
  EXPECT_EQ(r.final_state.events.refused_commands, 0u) << r.event_log;
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 300u) << r.event_log;
  EXPECT_EQ(r.final_state.fleet.ever_locked, 0u);
}

TEST(TechnoteStory, an_itlrecovery_regeneration_resets_nobody_until_tftp_restarts) {
  const auto r = run(story("on", R"(  - {at: 10m, do: set cert regen ITLRecovery, on: cucm-pub}
)"));
  EXPECT_EQ(r.event_log.find("CUCM resets"), std::string::npos) << r.event_log;
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 300u);
  EXPECT_EQ(r.final_state.fleet.stale, 0u) << "the served ITL waits for the TFTP restart";
}

}  // namespace
}  // namespace itlfleet::scenarios
