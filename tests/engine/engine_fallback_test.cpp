// Whole virtual runs against TFTP nodes that serve the cluster-wide trust
// lists only (cluster.tftp.per_device_itl / per_device_ctl: false): every
// phone asks for its own file, gets "not found", asks for ITLFile.tlv
// (CTLFile.tlv) and ends as it would have against CUCM.

#include <gtest/gtest.h>

#include "itlfleet/engine/virtual_engine.hpp"
#include "plan_fixture.hpp"

namespace itlfleet::engine {
namespace {

using namespace std::chrono_literals;
using metrics::event_totals;
using sim::phone_state;
using test::at;
using test::run_ok;

run_plan fresh_fleet_boot(std::uint64_t phones) {
  run_plan p = test::single_node_plan(phones);
  p.fleet[0].itl = installed_itl::none;
  p.timeline = {at(0s, action_kind::boot_all)};
  p.end = 10min;
  return p;
}

TEST(EngineFallback, cucm_serves_itlsep_names_so_no_phone_falls_back) {
  const run_result r = run_ok(fresh_fleet_boot(200));
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 200u);
  EXPECT_EQ(r.final_state.events.itl_fallbacks, 0u);
  EXPECT_EQ(r.final_state.events.requests[event_totals::itl_file][event_totals::served], 200u);
}

TEST(EngineFallback, without_per_device_itls_every_phone_asks_for_itlfile_and_ends_the_same) {
  const run_result cucm = run_ok(fresh_fleet_boot(200));
  run_plan p = fresh_fleet_boot(200);
  p.cluster.tftp.per_device_itl = false;
  p.expect = {test::expect_at(10min, "itl_fallbacks", comparison::eq, 200)};
  const run_result r = run_ok(p);
  EXPECT_TRUE(r.passed) << "itl_fallbacks is a metric expectations can name";
  const auto& ev = r.final_state.events;
  EXPECT_EQ(ev.itl_fallbacks, 200u) << "ITLSEP<MAC>.tlv not found, ITLFile.tlv asked for";
  EXPECT_EQ(ev.requests[event_totals::itl_file][event_totals::served], 200u)
      << "ITLFile.tlv served once per phone";
  EXPECT_EQ(ev.itl_installs_callmanager + ev.itl_installs_recovery, 200u);
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 200u);
  EXPECT_EQ(r.final_state.fleet.state(phone_state::no_itl), 0u);
  EXPECT_EQ(r.final_state.fleet.by_state, cucm.final_state.fleet.by_state);
}

TEST(EngineFallback, without_per_device_ctls_mixed_mode_phones_take_ctlfile) {
  run_plan p = fresh_fleet_boot(200);
  p.cluster.version = {12, 5};
  p.cluster.mixed_mode = true;
  p.fleet[0].ctl = installed_ctl::none;
  p.cluster.tftp.per_device_ctl = false;
  const run_result r = run_ok(p);
  const auto& ev = r.final_state.events;
  EXPECT_EQ(ev.ctl_fallbacks, 200u);
  EXPECT_EQ(ev.ctl_installs, 200u);
  EXPECT_EQ(ev.itl_fallbacks, 0u) << "per-device ITLs are still served";
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 200u);
}

}  // namespace
}  // namespace itlfleet::engine
