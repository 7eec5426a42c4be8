// DRS backup and restore, run in full on the virtual engine: a restore puts
// back the keys the backup holds, so its outcome depends on what the phones
// trust at that time. Expected numbers follow from the keys, not the code.

#include <gtest/gtest.h>

#include <string>

#include "run_yaml.hpp"

namespace itlfleet::scenarios {
namespace {

using sim::phone_state;
using test::fleet_at;

/// A single-node 10.5 cluster, hold timer off, 200 phones booted at 0s.
std::string cluster_with(const std::string& timeline) {
  return R"(name: drs
seed: 4
end: 60m
sample: 10s
cluster:
  version: "10.5"
  hold_timer: off
  nodes:
    - {name: cucm-pub, publisher: true, services: [tftp, tvs, callmanager]}
fleet:
  - {name: desk, count: 200, tftp: [cucm-pub]}
boot: {spread: 30s, reboot: 60s, reboot_jitter: 5s, reset_spread: 20s}
timeline:
  - {at: 0s, do: boot-all}
)" + timeline;
}

engine::run_result run(const std::string& yaml) {
  return test::run_yaml(yaml, "drs_restore_test");
}

const std::string& lockout = test::regenerations_back_to_back;

TEST(DrsRestore, a_restore_after_a_lockout_brings_back_every_phone_that_trusts_the_old_keys) {
  const auto r = run(cluster_with("  - {at: 5m, do: utils disaster_recovery backup}\n" + lockout +
                                  "  - {at: 20m, do: utils disaster_recovery restore}\n"));
  EXPECT_EQ(fleet_at(r, 19).state(phone_state::locked), 200u);
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 200u) << r.event_log;
  EXPECT_EQ(r.final_state.fleet.recovered, 200u);
  EXPECT_EQ(r.final_state.events.itl_installs_recovery, 0u) << "no bulk ITL reset was needed";
}

TEST(DrsRestore, without_a_backup_the_restore_is_refused_and_changes_nothing) {
  const auto r =
      run(cluster_with(lockout + "  - {at: 20m, do: utils disaster_recovery restore}\n"));
  EXPECT_EQ(r.final_state.events.refused_commands, 1u);
  EXPECT_NE(r.event_log.find("No backup found"), std::string::npos) << r.event_log;
  EXPECT_EQ(r.final_state.fleet.state(phone_state::locked), 200u);
}

TEST(DrsRestore, a_restore_after_a_publisher_rebuild_brings_back_the_fleet) {
  // The reinstalled publisher has new keys: every phone locks. The backup
  // holds the keys the phones trust.
  const auto r = run(cluster_with(R"(  - {at: 5m, do: utils disaster_recovery backup}
  - {at: 10m, do: rebuild publisher, password: itlfleet-cluster}
  - {at: 20m, do: utils disaster_recovery restore}
)"));
  EXPECT_EQ(fleet_at(r, 19).state(phone_state::locked), 200u) << r.event_log;
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 200u);
  EXPECT_EQ(r.final_state.fleet.unrecoverable, 0u);
}

TEST(DrsRestore, a_backup_older_than_an_itlrecovery_regeneration_still_recovers_the_fleet) {
  // The phones took the ITL with the new ITLRecovery record (TFTP restart
  // and a reset at 8m), then locked. The backup predates that key, but its
  // CallManager and TVS keys are the ones the phones' ITL lists: they
  // recover, and the restored (older) recovery key is back in their ITL, so
  // a later bulk reset could still reach them.
  const auto r = run(cluster_with(R"(  - {at: 5m, do: utils disaster_recovery backup}
  - {at: 7m, do: set cert regen ITLRecovery, on: cucm-pub}
  - {at: 7m, do: restart tftp, on: cucm-pub}
  - {at: 8m, do: reset all devices}
)" + lockout + "  - {at: 20m, do: utils disaster_recovery restore}\n"));
  EXPECT_EQ(fleet_at(r, 19).state(phone_state::locked), 200u) << r.event_log;
  EXPECT_EQ(fleet_at(r, 19).unrecoverable, 0u) << "their ITL holds the new recovery key";
  EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 200u);
  EXPECT_EQ(r.final_state.fleet.unrecoverable, 0u);
}

TEST(DrsRestore, a_backup_older_than_regenerations_the_phones_followed_locks_them) {
  // CallManager at 10m and TVS at 20m, each followed by the fleet (hold
  // timer honoured in practice). A restore at 30m of the 5m backup brings
  // back keys the phones' ITL no longer lists: the restore itself locks them.
  const auto r = run(cluster_with(R"(  - {at: 5m, do: utils disaster_recovery backup}
  - {at: 10m, do: set cert regen CallManager, on: cucm-pub}
  - {at: 20m, do: set cert regen TVS, on: cucm-pub}
  - {at: 30m, do: utils disaster_recovery restore}
)"));
  EXPECT_EQ(fleet_at(r, 29).state(phone_state::trusted), 200u) << r.event_log;
  EXPECT_EQ(fleet_at(r, 29).ever_locked, 0u);
  EXPECT_EQ(r.final_state.fleet.state(phone_state::locked), 200u);
  EXPECT_EQ(r.final_state.fleet.unrecoverable, 0u) << "the ITLRecovery key never changed";
}

}  // namespace
}  // namespace itlfleet::scenarios
