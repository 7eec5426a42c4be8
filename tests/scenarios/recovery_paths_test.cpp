// The administrator's steps as the cluster takes them, run in full on the
// virtual engine: under `regen_restarts: manual` a regeneration waits for its
// service restarts, a remotekey
// reset replaces the publisher's recovery key for good, and `unrecoverable`
// names exactly the phones a bulk reset cannot bring back; `reset devices`
// resets a chosen group (or share) as `reset all devices` resets the fleet.

#include <gtest/gtest.h>

#include <string>

#include "run_yaml.hpp"

namespace itlfleet::scenarios {
namespace {

using sim::phone_state;
using test::fleet_at;

/// A single-node 10.5 cluster (hold timer off) with the phones of `fleet`
/// (its entries), `first` at 0s and the given timeline entries after it.
std::string scenario(const std::string& fleet, const std::string& timeline,
                     const std::string& extra_cluster, const std::string& first = "boot-all") {
  return R"(name: recovery-paths
seed: 3
end: 45m
sample: 10s
cluster:
  version: "10.5"
  hold_timer: off
)" + extra_cluster +
         R"(  nodes:
    - {name: cucm-pub, publisher: true, services: [tftp, tvs, callmanager]}
fleet:
)" + fleet +
         R"(boot: {spread: 30s, reboot: 60s, reboot_jitter: 5s, reset_spread: 20s}
timeline:
  - {at: 0s, do: )" +
         first + "}\n" + timeline;
}

/// 200 phones that boot at 0s, and the given timeline entries after the boot.
std::string single_node(const std::string& timeline, const std::string& extra_cluster = "") {
  return scenario("  - {name: desk, count: 200, tftp: [cucm-pub]}\n", timeline, extra_cluster);
}

engine::run_result run(const std::string& yaml) {
  return test::run_yaml(yaml, "recovery_paths_test");
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

const std::string lockout = R"(  - {at: 15m, do: set cert regen CallManager, on: cucm-pub}
  - {at: 15m, do: restart tftp, on: cucm-pub}
  - {at: 15m10s, do: set cert regen TVS, on: cucm-pub}
  - {at: 15m10s, do: restart tvs, on: cucm-pub}
  - {at: 15m10s, do: restart tftp, on: cucm-pub}
)";

const std::string manual_restarts = "  regen_restarts: manual\n";

TEST(RegenerationSteps, under_manual_restarts_nothing_reaches_the_phones_until_tftp_restarts) {
  const auto r = run(single_node(R"(  - {at: 10m, do: set cert regen CallManager, on: cucm-pub}
  - {at: 20m, do: restart tftp, on: cucm-pub}
)",
                                 manual_restarts));
  // The regeneration resets nobody: between 10m and 20m every phone stays
  // trusted on the ITL it has; the TFTP restart at 20m resets all 200.
  EXPECT_EQ(occurrences(r.event_log, "CUCM resets the"), 1u) << r.event_log;
  EXPECT_NE(r.event_log.find("] CUCM resets the 200 registered phones whose ITL changed"),
            std::string::npos)
      << r.event_log;
  EXPECT_EQ(r.event_log.find("[10m0s] CUCM resets"), std::string::npos);
  EXPECT_EQ(fleet_at(r, 19).state(phone_state::trusted), 200u);
  EXPECT_EQ(fleet_at(r, 19).stale, 0u) << "the served ITL has not changed yet";
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 200u);
}

TEST(RegenerationSteps, under_manual_restarts_the_tvs_restart_decides_a_double_regeneration) {
  // Both regenerations ten seconds apart, TFTP restarted each time. With TVS
  // restarted at once, the phones reset by the first change meet a TVS their
  // ITL does not know: all lock. With the TVS restart 10 minutes later, TVS
  // still presents the certificate their ITL lists while they learn the new
  // CallManager key, and none locks.
  const std::string regen = R"(  - {at: 10m, do: set cert regen CallManager, on: cucm-pub}
  - {at: 10m, do: restart tftp, on: cucm-pub}
  - {at: 10m10s, do: set cert regen TVS, on: cucm-pub}
  - {at: 10m10s, do: restart tftp, on: cucm-pub}
)";
  const auto at_once =
      run(single_node(regen + "  - {at: 10m10s, do: restart tvs}\n", manual_restarts));
  EXPECT_EQ(at_once.final_state.fleet.state(phone_state::locked), 200u);
  const auto later =
      run(single_node(regen + "  - {at: 20m10s, do: restart tvs}\n", manual_restarts));
  EXPECT_EQ(later.final_state.fleet.state(phone_state::trusted), 200u);
  EXPECT_EQ(later.final_state.fleet.ever_locked, 0u);
  // By default (automatic) every regeneration reaches the phones at the
  // command: the same lockout without any restart line, and a late TVS
  // restart changes nothing.
  const auto by_default =
      run(single_node(R"(  - {at: 10m, do: set cert regen CallManager, on: cucm-pub}
  - {at: 10m10s, do: set cert regen TVS, on: cucm-pub}
)"));
  EXPECT_EQ(by_default.final_state.fleet.state(phone_state::locked), 200u);
  const auto late_restart = run(single_node(regen + "  - {at: 20m10s, do: restart tvs}\n"));
  EXPECT_EQ(late_restart.final_state.fleet.state(phone_state::locked), 200u);
}

TEST(RecoveryPaths, remotekey_with_the_saved_key_makes_a_later_localkey_recover_every_phone) {
  // Save the key, regenerate ITLRecovery, put the saved key back with
  // remotekey, restart TFTP; then a lockout, and a localkey reset must sign
  // with the key the phones' ITLs hold.
  const auto r = run(single_node(
      R"(  - {at: 1m, do: file get tftp ITLRecovery.p12, on: cucm-pub, to: /backup/ITLRecovery.p12}
  - {at: 5m, do: set cert regen ITLRecovery, on: cucm-pub}
  - {at: 6m, do: utils itl reset remotekey sftp.lab admin /backup/ITLRecovery.p12, on: cucm-pub}
  - {at: 7m, do: restart tftp, on: cucm-pub}
)" + lockout +
      R"(  - {at: 30m, do: utils itl reset localkey, on: cucm-pub}
  - {at: 31m, do: reset all devices}
)"));
  EXPECT_EQ(r.final_state.events.refused_commands, 0u) << r.event_log;
  EXPECT_EQ(fleet_at(r, 29).state(phone_state::locked), 200u);
  EXPECT_EQ(fleet_at(r, 29).unrecoverable, 0u);
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 200u);
  EXPECT_EQ(r.final_state.fleet.recovered, 200u);
}

TEST(RecoveryPaths, unrecoverable_counts_phones_holding_a_key_the_cluster_no_longer_has) {
  // ITLRecovery regenerated and TFTP restarted, but the devices never reset:
  // the phones keep ITLs with the old recovery certificate. After the lockout
  // they are all unrecoverable, and the localkey reset indeed recovers none.
  const auto r = run(single_node(R"(  - {at: 5m, do: set cert regen ITLRecovery, on: cucm-pub}
  - {at: 6m, do: restart tftp, on: cucm-pub}
)" + lockout + R"(  - {at: 30m, do: utils itl reset localkey, on: cucm-pub}
  - {at: 31m, do: reset all devices}
)"));
  EXPECT_EQ(fleet_at(r, 29).state(phone_state::locked), 200u);
  EXPECT_EQ(fleet_at(r, 29).unrecoverable, 200u);
  EXPECT_EQ(r.final_state.fleet.state(phone_state::locked), 200u);
  EXPECT_EQ(r.final_state.fleet.recovered, 0u);
}

TEST(RecoveryPaths, injected_faults_of_the_reset_leave_their_phones_locked_until_cleared) {
  // Two TFTP nodes, each with its own desk group; a domain change re-keys
  // both and locks everyone. The reset ITL's transfer to the subscriber
  // fails (CSCun18578): the publisher's phones recover, the subscriber's do
  // not. remotekey meets the SFTP fault (CSCun19112) and is refused. With
  // the faults cleared, a second reset recovers the rest.
  const auto r = run(R"(name: faults
seed: 9
end: 60m
sample: 10s
cluster:
  version: "10.5"
  nodes:
    - {name: cucm-pub, publisher: true, services: [tftp, tvs, callmanager]}
    - {name: cucm-sub, services: [tftp, tvs, callmanager]}
fleet:
  - {name: on-pub, count: 100, tftp: [cucm-pub]}
  - {name: on-sub, count: 100, tftp: [cucm-sub]}
boot: {spread: 30s, reboot: 60s, reboot_jitter: 5s, reset_spread: 20s}
timeline:
  - {at: 0s, do: boot-all}
  - {at: 1m, do: file get tftp ITLRecovery.p12, to: /backup/ITLRecovery.p12}
  - {at: 5m, do: inject fault reset-transfer, on: cucm-sub}
  - {at: 5m, do: inject fault sftp-auth}
  - {at: 10m, do: set network domain other.lab}
  - {at: 20m, do: utils itl reset localkey}
  - {at: 21m, do: reset all devices}
  - {at: 30m, do: utils itl reset remotekey sftp.lab admin /backup/ITLRecovery.p12}
  - {at: 40m, do: clear fault reset-transfer, on: cucm-sub}
  - {at: 40m, do: clear fault sftp-auth}
  - {at: 41m, do: utils itl reset remotekey sftp.lab admin /backup/ITLRecovery.p12}
  - {at: 42m, do: reset all devices}
)");
  const auto group = [&](std::int64_t minutes, std::size_t g) -> const metrics::counts& {
    const metrics::snapshot* row = &r.series.front();
    for (const auto& s : r.series)
      if (s.time_us <= minutes * 60'000'000) row = &s;
    return row->groups[g];
  };
  EXPECT_EQ(group(19, 0).state(phone_state::locked), 100u);
  EXPECT_EQ(group(19, 1).state(phone_state::locked), 100u);
  EXPECT_EQ(group(39, 0).state(phone_state::trusted), 100u) << r.event_log;
  EXPECT_EQ(group(39, 1).state(phone_state::locked), 100u) << r.event_log;
  EXPECT_NE(r.event_log.find("Failed to transfer reset ITL to node cucm-sub"), std::string::npos);
  EXPECT_NE(r.event_log.find("failed: bad authentication type"), std::string::npos);
  EXPECT_EQ(r.final_state.events.refused_commands, 1u) << "the remotekey under the SFTP fault";
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 200u);
}

TEST(RecoveryPaths, restoring_the_old_itl_file_gets_phones_past_the_itl_but_not_the_config) {
  // After the lockout the administrator copies back, twice, the ITLFile.tlv
  // from before the regenerations: it is the very ITL the phones hold, so the
  // ITL step passes; but TFTP signs the configs with the new CallManager key,
  // which that ITL does not list and the new TVS cannot vouch for to them:
  // every phone ends config_rejected, no longer locked. A TFTP restart, a
  // localkey reset and a device reset bring them all back.
  const auto yaml = single_node(lockout + R"(  - {at: 20m, do: restore previous itl, on: cucm-pub}
  - {at: 20m, do: restore previous itl, on: cucm-pub}
  - {at: 21m, do: reset all devices}
  - {at: 30m, do: restart tftp, on: cucm-pub}
  - {at: 30m, do: utils itl reset localkey, on: cucm-pub}
  - {at: 31m, do: reset all devices}
)");
  const auto r = run(yaml);  // 200 phones: the event log has every phone's changes
  EXPECT_EQ(fleet_at(r, 19).state(phone_state::locked), 200u);
  EXPECT_EQ(fleet_at(r, 29).state(phone_state::config_rejected), 200u) << r.event_log;
  EXPECT_EQ(fleet_at(r, 29).state(phone_state::locked), 0u);
  EXPECT_NE(r.event_log.find("locked -> booting"), std::string::npos);
  EXPECT_NE(r.event_log.find(".cnf.xml.sgn, authenticated fail"), std::string::npos);
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 200u);
  EXPECT_EQ(r.final_state.fleet.recovered, 200u);
}

/// The cluster of `single_node` with its phones in two sites of `per_site`
/// phones each, `site-a` and `site-b` (groups 0 and 1), and `first` at 0s.
std::string two_sites(const std::string& timeline, const std::string& extra_cluster = "",
                      std::uint64_t per_site = 100, const std::string& first = "boot-all") {
  const std::string n = std::to_string(per_site);
  return scenario("  - {name: site-a, count: " + n + ", tftp: [cucm-pub]}\n" +
                      "  - {name: site-b, count: " + n + ", tftp: [cucm-pub]}\n",
                  timeline, extra_cluster, first);
}

/// Group `g`'s counts at the last sample at or before `minutes`.
const metrics::counts& group_at(const engine::run_result& r, std::int64_t minutes, std::size_t g) {
  const metrics::snapshot* row = &r.series.front();
  for (const auto& s : r.series)
    if (s.time_us <= minutes * 60'000'000) row = &s;
  return row->groups.at(g);
}

const std::string no_auto_reset = "  auto_reset: false\n";

TEST(ResetDevices, after_a_regeneration_nobody_reset_only_the_chosen_group_takes_the_new_itl) {
  // With auto_reset off, the CallManager regeneration at 10m changes the
  // served ITL and resets nobody: all 200 phones stay trusted on the old
  // ITL (stale). Resetting site-a's devices at 20m brings its 100 phones to
  // the new ITL (vouched for by TVS, unchanged); site-b's are not touched.
  const auto r = run(two_sites(R"(  - {at: 10m, do: set cert regen CallManager}
  - {at: 20m, do: reset devices, group: site-a}
)",
                               no_auto_reset));
  EXPECT_EQ(fleet_at(r, 19).stale, 200u);
  EXPECT_NE(
      r.event_log.find("[         20m] reset devices (group site-a): 100 phones reset over 20s"),
      std::string::npos)
      << r.event_log;
  EXPECT_EQ(occurrences(r.event_log, "CUCM resets the"), 0u) << "auto_reset is off";
  for (std::int64_t m : {25, 45}) {
    EXPECT_EQ(group_at(r, m, 0).state(phone_state::trusted), 100u) << m << "m";
    EXPECT_EQ(group_at(r, m, 0).stale, 0u) << m << "m";
    EXPECT_EQ(group_at(r, m, 1).state(phone_state::trusted), 100u) << m << "m";
    EXPECT_EQ(group_at(r, m, 1).stale, 100u) << m << "m: site-b was not reset";
  }
  // 200 power-ons and site-a's 100 reboots: no site-b phone restarted.
  EXPECT_EQ(r.final_state.events.boots, 300u);
}

TEST(ResetDevices, a_bulk_recovery_in_two_waves_brings_back_one_site_at_a_time) {
  // The technote's lockout (both certificates regenerated back to back, the
  // phones reset by CUCM in between) locks both sites; after `utils itl
  // reset localkey` the administrator resets site-a at 31m and site-b at
  // 36m. Between the waves only site-a is trusted again; site-b is still
  // locked, waiting for its reset.
  const auto r = run(two_sites(R"(  - {at: 10m, do: set cert regen CallManager}
  - {at: 10m10s, do: set cert regen TVS}
  - {at: 30m, do: utils itl reset localkey}
  - {at: 31m, do: reset devices, group: site-a}
  - {at: 36m, do: reset devices, group: site-b}
)"));
  EXPECT_EQ(fleet_at(r, 29).state(phone_state::locked), 200u);
  EXPECT_EQ(group_at(r, 35, 0).state(phone_state::trusted), 100u);
  EXPECT_EQ(group_at(r, 35, 1).state(phone_state::locked), 100u);
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 200u);
  EXPECT_EQ(r.final_state.fleet.recovered, 200u);
}

TEST(ResetDevices, a_fraction_resets_that_share_of_the_group_picked_as_delete_itl_picks) {
  // 400 phones a site, auto_reset off: after the regeneration every phone is
  // stale until reset. `fraction: 0.5` on site-b resets about half of it (a
  // draw per phone: binomial(400, 0.5), 200 +- 10, so 150..250 is five
  // standard deviations), the same phones `delete itl` with that fraction at
  // that place in the timeline would pick; site-a is untouched.
  const std::string regen = "  - {at: 10m, do: set cert regen CallManager}\n";
  const auto r =
      run(two_sites(regen + "  - {at: 20m, do: reset devices, group: site-b, fraction: 0.5}\n",
                    no_auto_reset, 400));
  const std::uint64_t reset = 400 - group_at(r, 45, 1).stale;
  EXPECT_GE(reset, 150u);
  EXPECT_LE(reset, 250u);
  EXPECT_NE(r.event_log.find("reset devices (group site-b): " + std::to_string(reset) + " phones"),
            std::string::npos)
      << r.event_log;
  EXPECT_EQ(group_at(r, 45, 0).stale, 400u);
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 800u);

  // The same seed gives the same phones; delete itl picks as many.
  const auto again =
      run(two_sites(regen + "  - {at: 20m, do: reset devices, group: site-b, fraction: 0.5}\n",
                    no_auto_reset, 400));
  EXPECT_EQ(again.event_log, r.event_log);
  const auto deleted = run(two_sites(
      regen + "  - {at: 20m, do: delete itl, group: site-b, fraction: 0.5}\n", no_auto_reset, 400));
  EXPECT_NE(deleted.event_log.find("delete itl: " + std::to_string(reset) + " phones"),
            std::string::npos)
      << deleted.event_log;
}

TEST(ResetDevices, without_a_group_it_is_reset_all_devices_to_the_microsecond) {
  // Same phones, same spread, same draws: every sample of every group alike.
  const std::string lockout_and_reset = R"(  - {at: 10m, do: set cert regen CallManager}
  - {at: 10m10s, do: set cert regen TVS}
  - {at: 30m, do: utils itl reset localkey}
)";
  const auto all = run(two_sites(lockout_and_reset + "  - {at: 31m, do: reset all devices}\n"));
  const auto devices = run(two_sites(lockout_and_reset + "  - {at: 31m, do: reset devices}\n"));
  ASSERT_EQ(all.series.size(), devices.series.size());
  for (std::size_t i = 0; i < all.series.size(); ++i) {
    for (std::size_t g = 0; g < 2; ++g) {
      EXPECT_EQ(all.series[i].groups[g].by_state, devices.series[i].groups[g].by_state)
          << "sample " << i << ", group " << g;
    }
  }
  EXPECT_EQ(all.final_state.events.boots, devices.final_state.events.boots);
  EXPECT_NE(devices.event_log.find("[         31m] reset devices: 200 phones reset over 20s"),
            std::string::npos)
      << devices.event_log;
}

TEST(ResetDevices, phones_that_are_off_do_not_hear_it) {
  // Only site-a is powered on: resetting site-b's devices reaches nobody, as
  // reset all devices reaches only registered phones; site-b powers on later
  // and is simply trusted.
  const auto r = run(two_sites(R"(  - {at: 5m, do: reset devices, group: site-b}
  - {at: 10m, do: boot-all, group: site-b}
)",
                               "", 100, "boot-all, group: site-a"));
  EXPECT_NE(r.event_log.find("reset devices (group site-b): 0 phones reset"), std::string::npos)
      << r.event_log;
  EXPECT_EQ(group_at(r, 9, 1).state(phone_state::offline), 100u);
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 200u);
  EXPECT_EQ(r.final_state.events.boots, 200u);
}

}  // namespace
}  // namespace itlfleet::scenarios
