// Whole virtual runs in mixed mode: a fleet that boots against a CTL, a
// cluster moved to mixed mode during the run, and the lockout the CTL causes
// where the bulk ITL reset alone cannot help (11.x).

#include <gtest/gtest.h>

#include "itlfleet/engine/virtual_engine.hpp"
#include "plan_fixture.hpp"

namespace itlfleet::engine {
namespace {

using namespace std::chrono_literals;
using sim::phone_state;
using test::at;
using test::run_ok;

TEST(EngineCtl, a_mixed_mode_fleet_without_trust_lists_boots_trusted_with_ctl_and_itl) {
  run_plan p = test::two_node_plan(300);
  p.cluster.version = {11, 5};
  p.cluster.mixed_mode = true;
  p.fleet[0].ctl = installed_ctl::none;
  p.fleet[0].itl = installed_itl::none;
  p.timeline = {at(0s, action_kind::boot_all)};
  p.end = 10min;
  const run_result r = run_ok(p);
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 300u);
  const auto& ev = r.final_state.events;
  EXPECT_EQ(ev.ctl_installs, 300u) << "every phone took the CTL on faith";
  EXPECT_EQ(ev.ctl_served, 300u) << "one CTL request per boot";
  EXPECT_EQ(ev.ctl_update_failures, 0u);
}

TEST(EngineCtl, set_mixed_mode_reaches_phones_after_the_tftp_restart_and_a_reset) {
  run_plan p = test::single_node_plan(200);
  p.timeline = {at(0s, action_kind::boot_all), at(5min, action_kind::ctl_set_mixed_mode),
                at(6min, action_kind::reset_all_devices), at(12min, action_kind::restart_tftp),
                at(13min, action_kind::reset_all_devices)};
  p.end = 20min;
  const run_result r = run_ok(p);
  auto ctl_installs_at = [&](std::chrono::microseconds t) {
    std::uint64_t n = 0;
    for (const auto& s : r.series)
      if (s.time_us <= t.count()) n = s.events.ctl_installs;
    return n;
  };
  EXPECT_EQ(ctl_installs_at(11min), 0u) << "written, not served before TFTP restarts";
  EXPECT_EQ(r.final_state.events.ctl_installs, 200u);
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 200u);
}

/// CallManager and TVS regenerated on the only node, then the bulk ITL reset and a
/// reset of every phone: what recovers a fleet without CTL.
run_plan regen_then_itl_reset(bool mixed) {
  run_plan p = test::single_node_plan(200);
  p.cluster.version = {11, 5};
  p.cluster.hold_timer = false;
  p.cluster.mixed_mode = mixed;
  p.timeline = test::double_regen_timeline();
  p.timeline.push_back(at(20min, action_kind::itl_reset_localkey));
  p.timeline.push_back(at(21min, action_kind::reset_all_devices));
  p.end = 30min;
  return p;
}

TEST(EngineCtl, on_11_x_the_bulk_itl_reset_does_not_recover_phones_that_hold_a_ctl) {
  const run_result plain = run_ok(regen_then_itl_reset(false));
  EXPECT_EQ(plain.final_state.fleet.ever_locked, 200u);
  EXPECT_EQ(plain.final_state.fleet.state(phone_state::trusted), 200u)
      << "without a CTL the ITLRecovery record of the ITL lets the reset ITL in";
  const run_result mixed = run_ok(regen_then_itl_reset(true));
  EXPECT_EQ(mixed.final_state.fleet.state(phone_state::locked), 200u)
      << "the 11.x CTL has no ITLRecovery entry, and the CTL decides";
  EXPECT_EQ(mixed.final_state.events.ctl_update_failures, 0u) << "the CTL never changed";
  EXPECT_EQ(mixed.final_state.fleet.unrecoverable, 200u)
      << "no bulk operation gets past that CTL, and TVS changed too";
}

TEST(EngineCtl, a_10_x_ctl_that_lists_itlrecovery_lets_the_bulk_itl_reset_in) {
  run_plan p = regen_then_itl_reset(true);
  p.cluster.ctl_itlrecovery_from_10 = true;
  const run_result r = run_ok(p);
  EXPECT_EQ(r.final_state.fleet.ever_locked, 200u);
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 200u)
      << "the reset ITL's signer is a SAST of the CTL";
  // Before the reset they were locked but recoverable.
  for (const auto& s : r.series)
    if (s.time_us < 20 * 60'000'000LL) EXPECT_EQ(s.fleet.unrecoverable, 0u) << s.time_us;
}

/// A 12.5 mixed-mode cluster, 50 phones: CallManager regenerated at 10m,
/// then `utils ctl update CTLFile`, a TFTP restart and a reset at 15-16m.
run_plan ctl_update_after_a_regeneration() {
  run_plan p = test::single_node_plan(50);
  p.cluster.version = {12, 5};
  p.cluster.hold_timer = false;
  p.cluster.mixed_mode = true;
  p.timeline = {
      at(0s, action_kind::boot_all),
      at(10min, action_kind::cert_regen, plan::regen_certificate{sim::cert_purpose::callmanager}),
      at(15min, action_kind::ctl_update), at(15min, action_kind::restart_tftp),
      at(16min, action_kind::reset_all_devices)};
  p.end = 25min;
  return p;
}

TEST(EngineCtl, a_ctl_update_after_a_regeneration_reaches_every_phone_through_tvs) {
  const run_result r = run_ok(ctl_update_after_a_regeneration());
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 50u) << r.event_log;
  EXPECT_EQ(r.final_state.fleet.ever_locked, 0u)
      << "the 12.x ITL is signed by ITLRecovery, a SAST of the CTL; the new CTL's signer is "
         "vouched for by TVS";
  EXPECT_EQ(r.final_state.events.ctl_update_failures, 0u);
  EXPECT_EQ(r.final_state.events.ctl_installs, 50u) << "one per phone: the updated CTL";
}

TEST(EngineCtl, a_ctl_update_while_tvs_is_down_locks_with_the_reason_in_the_log) {
  run_plan p = ctl_update_after_a_regeneration();
  plan::action outage = at(15min, action_kind::tvs_outage);
  outage.length = 5min;
  p.timeline.insert(p.timeline.begin() + 2, outage);  // before the update, in time order
  const run_result r = run_ok(p);
  EXPECT_EQ(r.final_state.fleet.state(phone_state::locked), 50u);
  // Each phone refused the new CTL once: at its reboot after 16m.
  EXPECT_EQ(r.final_state.events.ctl_update_failures, 50u);
  EXPECT_EQ(r.final_state.fleet.ever_locked, 50u);
  EXPECT_EQ(r.final_state.fleet.unrecoverable, 0u)
      << "the 12.x CTL lists ITLRecovery: utils ctl reset localkey brings them back";
  EXPECT_NE(r.event_log.find("CTL update failed"), std::string::npos);
}

TEST(EngineCtl, a_group_cannot_hold_the_current_ctl_of_a_cluster_not_in_mixed_mode) {
  run_plan p = test::single_node_plan(10);
  p.fleet[0].ctl = installed_ctl::current;
  auto r = run_virtual(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.err().message.find("mixed mode"), std::string::npos) << r.err().message;
}

}  // namespace
}  // namespace itlfleet::engine
