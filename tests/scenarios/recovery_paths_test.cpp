// The administrator's steps as the cluster takes them, run in full on the
// virtual engine: under `regen_restarts: manual` a regeneration waits for its
// service restarts, a remotekey
// reset replaces the publisher's recovery key for good, and `unrecoverable`
// names exactly the phones a bulk reset cannot bring back.

#include <gtest/gtest.h>

#include <string>

#include "run_yaml.hpp"

namespace itlfleet::scenarios {
namespace {

using sim::phone_state;
using test::fleet_at;

/// A single-node 10.5 cluster (hold timer off) with 200 phones that boot at
/// 0s, and the given timeline entries after the boot.
std::string single_node(const std::string& timeline, const std::string& extra_cluster = "") {
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
  - {name: desk, count: 200, tftp: [cucm-pub]}
boot: {spread: 30s, reboot: 60s, reboot_jitter: 5s, reset_spread: 20s}
timeline:
  - {at: 0s, do: boot-all}
)" + timeline;
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

}  // namespace
}  // namespace itlfleet::scenarios
