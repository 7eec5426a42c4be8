// Whole runs of the virtual engine on small fleets: outcomes a user relies on,
// conservation of phones, determinism, and a golden event log.

#include "itlfleet/engine/virtual_engine.hpp"

#include <gtest/gtest.h>

#include <string>

#include "../common/golden.hpp"
#include "plan_fixture.hpp"

namespace itlfleet::engine {
namespace {

using namespace std::chrono_literals;
using sim::phone_state;
using test::at;
using test::run_ok;

std::uint64_t count(const metrics::snapshot& s, phone_state st) {
  return s.fleet.state(st);
}

const metrics::snapshot& at_time(const run_result& r, std::chrono::microseconds t) {
  const metrics::snapshot* row = &r.series.front();
  for (const auto& s : r.series)
    if (s.time_us <= t.count()) row = &s;
  return *row;
}

run_plan double_regen(bool hold_timer) {
  run_plan p = test::single_node_plan(300);
  p.cluster.hold_timer = hold_timer;
  p.timeline = test::double_regen_timeline();
  return p;
}

/// A second group like the first, named `name`, of `phones` phones.
fleet_group& add_group(run_plan& p, std::string name, std::uint64_t phones) {
  p.fleet.push_back(p.fleet[0]);
  p.fleet.back().name = std::move(name);
  p.fleet.back().count = phones;
  return p.fleet.back();
}

/// A publisher and a CallManager-only node (no TFTP, no TVS); the
/// publisher's CallManager certificate regenerated at 10m, TVS unchanged.
run_plan callmanager_regen_beside_a_callmanager_only_node(std::uint64_t phones) {
  run_plan p = test::single_node_plan(phones);
  p.cluster.nodes.push_back({"cucm-cm", false, false, false, true});
  p.timeline = {at(0s, action_kind::boot_all),
                at(10min, action_kind::cert_regen,
                   plan::regen_certificate{sim::cert_purpose::callmanager}, 0)};
  return p;
}

TEST(Engine, every_phone_is_in_exactly_one_state_at_every_sample) {
  run_plan p = double_regen(false);
  add_group(p, "old", 50).itl = installed_itl::pre_10;
  p.timeline.push_back(at(25min, action_kind::itl_reset_localkey));
  p.timeline.push_back(at(26min, action_kind::reset_all_devices));
  const run_result r = run_ok(p);
  ASSERT_GT(r.series.size(), 100u);
  for (const auto& s : r.series) {
    EXPECT_EQ(s.fleet.total(), 350u) << "at " << s.time_us;
    EXPECT_EQ(s.groups[0].total() + s.groups[1].total(), 350u);
  }
}

TEST(Engine, tvs_exchanges_are_timed_with_their_modelled_cost_on_the_scenario_clock) {
  // The new CallManager's ITL sends every phone to TVS; reset at once onto
  // one session slot, most of them queue for it first.
  run_plan p = double_regen(false);
  p.cluster.tvs.concurrency = 1;
  p.boot.reset_spread = 0s;
  const run_result r = run_ok(p);
  const metrics::latency* tvs = nullptr;
  for (const auto& l : r.info.latencies)
    if (l.name == "tvs_query") tvs = &l;
  ASSERT_NE(tvs, nullptr) << "no TVS exchange was timed";
  EXPECT_GT(tvs->histogram.count(), 0u);
  EXPECT_LE(tvs->histogram.count(), r.final_state.events.tvs_queries);
  // Each exchange: the wait for a slot, then handshake, query and round trip.
  const std::int64_t exchange =
      (p.cluster.tvs.handshake + p.cluster.tvs.query + p.cluster.tftp.rtt).count();
  EXPECT_GE(tvs->histogram.min(), exchange);
  ASSERT_EQ(r.info.load.size(), 1u);
  EXPECT_GT(r.info.load[0].longest_tvs_wait_us, 0);
  EXPECT_EQ(tvs->histogram.max(), r.info.load[0].longest_tvs_wait_us + exchange);
}

TEST(Engine, cucm_resets_the_phones_of_the_node_whose_itl_changed_then_all_at_reset_all_devices) {
  // 200 phones on the publisher's TFTP, 100 on the subscriber's. A
  // CallManager regeneration on the publisher changes its ITL (the new
  // certificate signs it) and CUCM resets the phones registered there; the
  // subscriber's ITL, signed by its own CallManager key, stays.
  run_plan p = test::two_node_plan(200);
  p.fleet[0].tftp = {"cucm-pub"};
  add_group(p, "on-sub", 100).tftp = {"cucm-sub"};
  p.timeline = {at(0s, action_kind::boot_all),
                at(10min, action_kind::cert_regen,
                   plan::regen_certificate{sim::cert_purpose::callmanager}, 0),
                at(30min, action_kind::reset_all_devices)};
  p.expect = {test::expect_at(20min, "device_resets", comparison::eq, 200),
              test::expect_at(20min, "device_resets", comparison::eq, 300),
              test::expect_at(40min, "device_resets", comparison::eq, 500)};
  const run_result r = run_ok(p);
  EXPECT_EQ(at_time(r, 9min).events.device_resets, 0u) << "booting is not a reset";
  EXPECT_EQ(at_time(r, 20min).events.device_resets, 200u) << "the publisher's phones only";
  ASSERT_EQ(r.checks.size(), 3u);
  EXPECT_TRUE(r.checks[0].passed) << r.checks[0].message;
  EXPECT_FALSE(r.checks[1].passed) << "the subscriber's phones were not reset";
  // Every phone is registered (trusted) again by 30m: reset all devices resets all 300.
  EXPECT_EQ(count(at_time(r, 30min), phone_state::trusted), 300u);
  EXPECT_TRUE(r.checks[2].passed) << r.checks[2].message;
  EXPECT_EQ(r.final_state.events.device_resets, 500u);
}

TEST(Engine, without_auto_reset_cucm_resets_no_phone_after_an_itl_change) {
  run_plan p = test::single_node_plan(100);
  p.cluster.auto_reset = false;
  p.timeline = {at(0s, action_kind::boot_all),
                at(10min, action_kind::cert_regen,
                   plan::regen_certificate{sim::cert_purpose::callmanager}, 0)};
  EXPECT_EQ(run_ok(p).final_state.events.device_resets, 0u);
}

TEST(Engine, fleet_boots_trusted) {
  run_plan p = test::single_node_plan(300);
  p.timeline = {at(0s, action_kind::boot_all)};
  const run_result r = run_ok(p);
  EXPECT_EQ(count(at_time(r, 0s), phone_state::offline), 300u);
  EXPECT_EQ(count(r.final_state, phone_state::trusted), 300u);
  EXPECT_EQ(r.final_state.fleet.stale, 0u);
}

TEST(Engine, double_regen_without_hold_timer_locks_the_whole_fleet) {
  const run_result r = run_ok(double_regen(false));
  EXPECT_EQ(count(at_time(r, 9min), phone_state::trusted), 300u);
  EXPECT_EQ(count(r.final_state, phone_state::locked), 300u);
  EXPECT_EQ(r.final_state.fleet.stale, 300u) << "locked phones keep the old ITL";
  EXPECT_EQ(r.final_state.fleet.unrecoverable, 0u) << "their ITL has the ITLRecovery record";
  EXPECT_EQ(r.final_state.events.refused_commands, 0u);
}

TEST(Engine, hold_timer_refuses_the_second_regeneration_and_the_fleet_stays_trusted) {
  const run_result r = run_ok(double_regen(true));
  EXPECT_EQ(r.final_state.events.refused_commands, 1u);
  EXPECT_EQ(count(r.final_state, phone_state::trusted), 300u);
  EXPECT_EQ(r.final_state.fleet.ever_locked, 0u);
  EXPECT_NE(r.event_log.find("CallManager certificate was modified in the last 5 minutes"),
            std::string::npos);
}

TEST(Engine, bulk_reset_recovers_exactly_the_phones_whose_itl_has_itlrecovery) {
  run_plan p = double_regen(false);
  add_group(p, "old", 40).itl = installed_itl::pre_10;
  // The old phones stayed off since before the upgrade and power on after
  // the lockout: their ITL has no ITLRecovery record.
  p.timeline[0].group = 0;  // desk
  action old_on = at(15min, action_kind::boot_all);
  old_on.group = 1;  // old
  p.timeline.push_back(old_on);
  p.timeline.push_back(at(25min, action_kind::itl_reset_localkey));
  p.timeline.push_back(at(26min, action_kind::reset_all_devices));
  const run_result r = run_ok(p);
  const auto& before = at_time(r, 24min);
  EXPECT_EQ(count(before, phone_state::locked), 340u);
  EXPECT_EQ(before.fleet.unrecoverable, 40u);
  EXPECT_EQ(r.final_state.groups[0].state(phone_state::trusted), 300u);
  EXPECT_EQ(r.final_state.groups[0].recovered, 300u);
  EXPECT_EQ(r.final_state.groups[1].state(phone_state::locked), 40u);
  EXPECT_EQ(r.final_state.fleet.unrecoverable, 40u);
}

TEST(Engine, device_tl_info_shows_which_phones_hold_a_stale_itl_when_their_firmware_reports_it) {
  run_plan p = double_regen(false);
  add_group(p, "old-firmware", 20).firmware = "9.3(4)";
  const run_result r = run_ok(p);
  ASSERT_EQ(r.info.device_tl_info.size(), 1u) << "9.3(4) does not send DeviceTLInfo";
  const auto& rep = r.info.device_tl_info[0];
  EXPECT_EQ(rep.group, "desk");
  EXPECT_EQ(rep.phones, 300u);
  EXPECT_FALSE(rep.current) << "locked phones keep the ITL from before the regeneration";
  EXPECT_EQ(rep.itl_signature.size(), 20u * 3 - 1) << "hex bytes separated by spaces";
}

TEST(Engine, second_tvs_node_saves_a_fleet_whose_callmanager_and_tvs_changed_on_one_node) {
  run_plan p = test::two_node_plan(200);
  p.cluster.hold_timer = false;
  p.timeline = {
      at(0s, action_kind::boot_all),
      at(10min, action_kind::cert_regen, plan::regen_certificate{sim::cert_purpose::callmanager},
         0),
      at(10min, action_kind::restart_tftp, {}, 0),
      at(10min + 10s, action_kind::cert_regen, plan::regen_certificate{sim::cert_purpose::tvs}, 0),
      at(10min + 10s, action_kind::restart_tvs, {}, 0),
      at(10min + 10s, action_kind::restart_tftp, {}, 0)};
  const run_result r = run_ok(p);
  EXPECT_EQ(count(r.final_state, phone_state::trusted), 200u);
  EXPECT_GT(r.final_state.events.tvs_failures, 0u) << "the publisher's new TVS was tried first";
}

TEST(Engine, a_callmanager_group_without_tvs_locks_where_every_tvs_would_vouch) {
  // One CallManager regeneration on the publisher: TVS is unchanged and
  // vouches for the new key, but only for phones that ask it.
  run_plan p = callmanager_regen_beside_a_callmanager_only_node(100);
  // No node of its CallManager group runs TVS: zero TVS servers.
  add_group(p, "cm-only", 100).callmanager_group = {"cucm-cm"};
  const run_result r = run_ok(p);
  EXPECT_EQ(r.final_state.groups[0].state(phone_state::trusted), 100u) << "every TVS node";
  EXPECT_EQ(r.final_state.groups[1].state(phone_state::locked), 100u);
  EXPECT_EQ(r.final_state.events.tvs_failures, 0u) << "nobody asked a TVS that failed";
  EXPECT_EQ(r.final_state.events.tvs_queries, 100u) << "the desk phones, once each";
}

TEST(Engine, a_callmanager_group_asks_only_its_own_nodes_tvs) {
  // As above, with the CallManager group naming the publisher after the
  // CallManager-only node: that node is skipped, the publisher's TVS vouches.
  run_plan p = callmanager_regen_beside_a_callmanager_only_node(100);
  p.fleet[0].callmanager_group = {"cucm-cm", "cucm-pub"};
  const run_result r = run_ok(p);
  EXPECT_EQ(count(r.final_state, phone_state::trusted), 100u);
  EXPECT_EQ(r.final_state.events.tvs_failures, 0u);
}

TEST(Engine, phones_without_security_by_default_are_never_locked_stale_or_reported) {
  run_plan p = double_regen(false);
  // itl: current by default, which a 7940 cannot hold.
  add_group(p, "lobby", 50).model = "CP-7940G";
  const run_result r = run_ok(p);
  const auto& lobby = r.final_state.groups[1];
  EXPECT_EQ(lobby.state(phone_state::no_itl), 50u);
  EXPECT_EQ(lobby.ever_locked, 0u);
  EXPECT_EQ(lobby.stale, 0u) << "no ITL is meant for it";
  EXPECT_EQ(lobby.unrecoverable, 0u);
  EXPECT_EQ(r.final_state.groups[0].state(phone_state::locked), 300u);
  for (const auto& rep : r.info.device_tl_info) EXPECT_NE(rep.group, "lobby");
  ASSERT_EQ(r.info.group_reports_device_tl_info.size(), 2u);
  EXPECT_FALSE(r.info.group_reports_device_tl_info[1]);
}

TEST(Engine, an_unknown_model_is_refused) {
  run_plan p = test::single_node_plan(10);
  p.fleet[0].model = "CP-1234";
  auto r = run_virtual(p);
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().to_string().find("unknown model 'CP-1234'"), std::string::npos);
}

TEST(Engine, tftp_past_maximum_serving_count_refuses_and_phones_retry_until_served) {
  run_plan p = test::single_node_plan(2000);
  p.cluster.tftp.max_serving_count = 50;
  p.cluster.tftp.block_cost = 200us;
  p.boot.spread = 5s;
  p.timeline = {at(0s, action_kind::boot_all)};
  const run_result r = run_ok(p);
  EXPECT_GT(r.final_state.events.tftp_refusals, 0u);
  EXPECT_EQ(count(r.final_state, phone_state::trusted), 2000u);
  ASSERT_EQ(r.info.load.size(), 1u);
  EXPECT_EQ(r.info.load[0].peak_tftp_transfers, 50u) << "saturated, never past the count";
}

TEST(Engine, a_server_past_its_knee_keeps_a_booting_fleet_waiting_longer) {
  // 1000 phones booting in 5 s offer ~200 downloads/s a file to a server
  // of 1 ms a block: over its capacity, so transfers pile up past the knee
  // of 20, where each adds 50 us to every block: when the whole fleet is
  // trusted on the flat server, fewer phones are on the knee's, and more
  // transfers were in progress at once.
  run_plan p = test::single_node_plan(1000);
  p.cluster.tftp.block_cost = 1ms;
  p.boot.spread = 5s;
  p.timeline = {at(0s, action_kind::boot_all)};
  const run_result flat = run_ok(p);
  p.cluster.tftp.knee = 20;
  p.cluster.tftp.knee_slowdown = 50us;
  const run_result knee = run_ok(p);
  ASSERT_EQ(count(flat.final_state, phone_state::trusted), 1000u);
  std::int64_t flat_done = -1;
  for (const auto& s : flat.series)
    if (flat_done < 0 && count(s, phone_state::trusted) == 1000u) flat_done = s.time_us;
  ASSERT_GT(flat_done, 0);
  EXPECT_LT(count(at_time(knee, std::chrono::microseconds(flat_done)), phone_state::trusted), 1000u)
      << "trusted later past the knee";
  ASSERT_EQ(knee.info.load.size(), 1u);
  EXPECT_GT(knee.info.load[0].peak_tftp_transfers, flat.info.load[0].peak_tftp_transfers);
}

TEST(Engine, phones_fetching_over_http_meet_the_http_station_when_the_cluster_has_one) {
  run_plan p = test::single_node_plan(2000);
  http_model h;
  h.workers = 1;
  h.request_cost = 20ms;  // 50 requests/s, far below 2000 phones booting in 5 s
  h.max_serving_count = 5;
  p.cluster.http = h;
  p.boot.spread = 5s;
  p.timeline = {at(0s, action_kind::boot_all)};
  p.fleet[0].fetch = fetch_protocol::http;
  const run_result r = run_ok(p);
  EXPECT_GT(r.final_state.events.tftp_refusals, 0u) << "503 past the serving count";
  EXPECT_EQ(count(r.final_state, phone_state::trusted), 2000u);
  ASSERT_EQ(r.info.load.size(), 1u);
  EXPECT_EQ(r.info.load[0].peak_tftp_transfers, 5u) << "the HTTP station's, never past its count";

  // The same phones over TFTP never meet the HTTP model.
  p.fleet[0].fetch = fetch_protocol::tftp;
  const run_result t = run_ok(p);
  EXPECT_EQ(t.final_state.events.tftp_refusals, 0u);
  EXPECT_EQ(count(t.final_state, phone_state::trusted), 2000u);
}

/// Two nodes, each the only TFTP and TVS server of a group of `phones`
/// phones ("pub" on cucm-pub, "sub" on cucm-sub), booting in 5 s.
run_plan two_groups_on_two_nodes(std::uint64_t phones) {
  run_plan p = test::two_node_plan(phones);
  p.fleet[0].name = "pub";
  p.fleet[0].tftp = {"cucm-pub"};
  p.fleet[0].tvs = {"cucm-pub"};
  fleet_group& sub = add_group(p, "sub", phones);
  sub.tftp = {"cucm-sub"};
  sub.tvs = {"cucm-sub"};
  p.boot.spread = 5s;
  p.timeline = {at(0s, action_kind::boot_all)};
  return p;
}

/// When every phone of group `g` was first trusted, or -1.
std::int64_t all_trusted_at(const run_result& r, std::size_t g, std::uint64_t phones) {
  for (const auto& s : r.series)
    if (s.groups[g].state(phone_state::trusted) == phones) return s.time_us;
  return -1;
}

TEST(Engine, a_nodes_own_tftp_model_slows_only_its_own_phones) {
  // cucm-sub is small hardware: 20 transfers at once, 2 ms a block. Its
  // 1000 phones queue, are refused and back off; cucm-pub's, on the
  // cluster's model, are trusted as fast as without it.
  run_plan p = two_groups_on_two_nodes(1000);
  const run_result both_fast = run_ok(p);
  tftp_model slow = p.cluster.tftp;
  slow.max_serving_count = 20;
  slow.block_cost = 2ms;
  p.cluster.nodes[1].own_tftp = slow;
  const run_result r = run_ok(p);

  ASSERT_EQ(r.info.load.size(), 2u);
  EXPECT_EQ(r.info.load[1].peak_tftp_transfers, 20u) << "cucm-sub's own serving count";
  EXPECT_EQ(r.info.load[0].peak_tftp_transfers, both_fast.info.load[0].peak_tftp_transfers)
      << "cucm-pub keeps the cluster's";
  EXPECT_GT(r.final_state.events.tftp_refusals, 0u);
  EXPECT_EQ(both_fast.final_state.events.tftp_refusals, 0u);

  const std::int64_t pub = all_trusted_at(r, 0, 1000);
  const std::int64_t sub = all_trusted_at(r, 1, 1000);
  ASSERT_GT(pub, 0);
  ASSERT_GT(sub, 0);
  EXPECT_EQ(pub, all_trusted_at(both_fast, 0, 1000)) << "cucm-pub's phones as before";
  EXPECT_GE(sub, pub + 30'000'000) << "cucm-sub's phones at least 30 s later";
}

TEST(Engine, a_nodes_own_tvs_and_http_models_serve_only_its_phones) {
  // After a CallManager regeneration on both nodes the phones check the new
  // ITL with their TVS. cucm-sub's TVS has one slot and 500 ms a session:
  // its phones give up waiting (tvs_failures) and cucm-pub's do not.
  run_plan p = two_groups_on_two_nodes(300);
  p.fleet[0].fetch = p.fleet[1].fetch = fetch_protocol::http;
  p.cluster.http = http_model{};
  p.timeline.push_back(at(5min, action_kind::cert_regen,
                          plan::regen_certificate{sim::cert_purpose::callmanager}, 0));
  p.timeline.push_back(at(5min, action_kind::cert_regen,
                          plan::regen_certificate{sim::cert_purpose::callmanager}, 1));
  const run_result before = run_ok(p);
  tvs_model tvs = p.cluster.tvs;
  tvs.concurrency = 1;
  tvs.handshake = 500ms;
  p.cluster.nodes[1].own_tvs = tvs;
  http_model http;
  http.workers = 1;
  http.request_cost = 20ms;
  http.max_serving_count = 5;
  p.cluster.nodes[1].own_http = http;
  const run_result r = run_ok(p);
  EXPECT_EQ(before.final_state.events.tvs_failures, 0u);
  EXPECT_EQ(before.final_state.events.tftp_refusals, 0u);
  EXPECT_GT(r.final_state.events.tvs_failures, 0u) << "cucm-sub's one slot";
  EXPECT_GT(r.final_state.events.tftp_refusals, 0u) << "cucm-sub's HTTP serving count of 5";
  ASSERT_EQ(r.info.load.size(), 2u);
  EXPECT_EQ(r.info.load[1].peak_tftp_transfers, 5u) << "cucm-sub's HTTP station";
  EXPECT_EQ(r.info.load[0].peak_tftp_transfers, before.info.load[0].peak_tftp_transfers);
  EXPECT_EQ(r.info.load[0].longest_tvs_wait_us, before.info.load[0].longest_tvs_wait_us);
  EXPECT_GT(r.info.load[1].longest_tvs_wait_us, before.info.load[1].longest_tvs_wait_us);
}

TEST(Engine, a_nodes_own_model_equal_to_the_clusters_changes_nothing) {
  run_plan p = two_groups_on_two_nodes(300);
  const run_result plain = run_ok(p);
  for (auto& n : p.cluster.nodes) {
    n.own_tftp = p.cluster.tftp;
    n.own_tvs = p.cluster.tvs;
  }
  const run_result own = run_ok(p);
  EXPECT_EQ(plain.event_log, own.event_log);
  EXPECT_EQ(metrics::timeseries_csv(plain.series), metrics::timeseries_csv(own.series));
}

TEST(Engine, tftp_outage_leaves_phones_unreachable_until_it_ends) {
  run_plan p = test::single_node_plan(100);
  action outage = at(0s, action_kind::tftp_outage, {}, 0);
  outage.length = 10min;
  p.timeline = {outage, at(0s, action_kind::boot_all)};
  const run_result r = run_ok(p);
  EXPECT_EQ(count(at_time(r, 5min), phone_state::unreachable), 100u);
  EXPECT_EQ(count(r.final_state, phone_state::trusted), 100u);
}

TEST(Engine, same_seed_same_outputs_and_another_seed_other_timings) {
  run_plan p = double_regen(false);
  p.timeline.push_back(at(25min, action_kind::itl_reset_localkey));
  p.timeline.push_back(at(26min, action_kind::reset_all_devices));
  const run_result a = run_ok(p);
  const run_result b = run_ok(p);
  EXPECT_EQ(a.event_log, b.event_log);
  EXPECT_EQ(metrics::timeseries_csv(a.series), metrics::timeseries_csv(b.series));
  EXPECT_EQ(metrics::summary_json(a.info, a.final_state, a.checks),
            metrics::summary_json(b.info, b.final_state, b.checks));
  p.seed = 12;
  const run_result c = run_ok(p);
  EXPECT_NE(a.event_log, c.event_log);
}

TEST(Engine, verifying_every_time_gives_the_same_outcome_as_memoised_verification) {
  run_plan p = double_regen(false);
  p.fleet[0].count = 60;
  p.timeline.push_back(at(25min, action_kind::itl_reset_localkey));
  p.timeline.push_back(at(26min, action_kind::reset_all_devices));
  run_options every;
  every.verify_every_time = true;
  const run_result memo = run_ok(p);
  const run_result real = run_ok(p, every);
  EXPECT_EQ(memo.event_log, real.event_log);
  EXPECT_GT(real.info.crypto_operations, memo.info.crypto_operations * 5);
}

TEST(Engine, a_timeline_naming_a_node_past_the_cluster_is_an_error_before_anything_runs) {
  run_plan p = test::single_node_plan(10);
  p.timeline = {at(0s, action_kind::restart_tftp, {}, 9)};
  auto r = run_virtual(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.err().message.find("names node 9; the cluster has 1 nodes"), std::string::npos)
      << r.err().message;
}

TEST(Engine, an_action_on_the_renamed_publisher_runs_there_under_its_new_name) {
  // Actions name nodes by index, which a rename keeps; what is logged is the
  // name the node has when the action runs.
  run_plan p = test::two_node_plan(10);
  p.timeline = {at(0s, action_kind::boot_all),
                at(1min, action_kind::rename_publisher, plan::new_host_name{"cucm-new"}, 0),
                at(20min, action_kind::restart_tftp, {}, 0)};
  p.timeline[1].text = "set network hostname cucm-new";
  p.timeline[2].text = "restart tftp";
  const run_result r = run_ok(p);
  ASSERT_EQ(r.info.actions.size(), 3u);
  EXPECT_EQ(r.info.actions[1].node, "cucm-pub");  // before the rename
  EXPECT_TRUE(r.info.actions[1].ok);
  EXPECT_EQ(r.info.actions[2].node, "cucm-new");
  EXPECT_TRUE(r.info.actions[2].ok);
  EXPECT_NE(r.event_log.find("cucm-pub$ set network hostname cucm-new"), std::string::npos);
  EXPECT_NE(r.event_log.find("cucm-new$ restart tftp"), std::string::npos) << r.event_log;
}

TEST(Engine, expectations_pass_and_fail_with_messages) {
  run_plan p = double_regen(false);
  p.expect = {test::expect_at(9min, "trusted", comparison::eq, 300),
              test::expect_at(20min, "locked", comparison::eq, 0)};
  const run_result r = run_ok(p);
  ASSERT_EQ(r.checks.size(), 2u);
  EXPECT_TRUE(r.checks[0].passed) << r.checks[0].message;
  EXPECT_FALSE(r.checks[1].passed);
  EXPECT_NE(r.checks[1].message.find("300"), std::string::npos) << r.checks[1].message;
  EXPECT_FALSE(r.passed);
}

TEST(Engine, a_stop_request_ends_the_run_where_it_stands_and_later_expectations_are_not_reached) {
  run_plan p = double_regen(false);
  p.expect = {test::expect_at(9min, "trusted", comparison::eq, 300),
              test::expect_at(p.end, "locked", comparison::eq, 300)};
  bool past_11m = false;
  run_options o;
  o.on_progress = [&](const progress& pr) {
    past_11m = past_11m || pr.sim_time_us >= std::chrono::microseconds(11min).count();
  };
  o.stop_requested = [&]() -> const char* { return past_11m ? "SIGTERM" : nullptr; };
  const run_result r = run_ok(p, o);
  ASSERT_TRUE(r.info.interrupted);
  EXPECT_EQ(r.info.interrupted->reason, "SIGTERM");
  const std::int64_t stopped = r.info.interrupted->at_us;
  EXPECT_GE(stopped, std::chrono::microseconds(11min).count());
  EXPECT_LT(stopped, p.end.count());
  EXPECT_EQ(r.series.back().time_us, stopped) << "a last sample where it stopped";
  EXPECT_EQ(r.final_state.fleet.total(), 300u);
  ASSERT_EQ(r.checks.size(), 2u);
  EXPECT_TRUE(r.checks[0].passed) << r.checks[0].message;
  EXPECT_FALSE(r.checks[1].passed);
  EXPECT_NE(r.checks[1].message.find("not reached"), std::string::npos) << r.checks[1].message;
  EXPECT_FALSE(r.passed);
  // Run to its end, the same plan holds both.
  EXPECT_TRUE(run_ok(p).passed);
}

// CUCM resets registered phones only: one still booting (here, rebooting
// after a reset a second earlier) never hears of it, so it must be neither
// counted in CUCM's message nor reset.
TEST(Engine, cucm_counts_and_resets_only_the_registered_phones) {
  run_plan p = test::single_node_plan(20);
  p.cluster.hold_timer = false;
  p.boot.reset_spread = 0s;
  p.timeline = {at(0s, action_kind::boot_all), at(10min, action_kind::reset_all_devices),
                at(10min + 1s, action_kind::reset_all_devices),
                at(10min + 2s, action_kind::cert_regen,
                   plan::regen_certificate{sim::cert_purpose::callmanager}),
                at(10min + 2s, action_kind::restart_tftp, {}, 0)};
  const run_result r = run_ok(p);
  const auto has = [&](const std::string& line) {
    return r.event_log.find(line) != std::string::npos;
  };
  EXPECT_TRUE(has("] reset all devices: 20 phones reset")) << r.event_log;
  EXPECT_TRUE(has("] reset all devices: 0 phones reset")) << "all 20 are rebooting";
  EXPECT_TRUE(has("] CUCM resets the 0 registered phones whose ITL changed")) << r.event_log;
  // Each phone rebooted once, took the new ITL through TVS and is trusted.
  std::size_t reboots = 0;
  for (auto pos = r.event_log.find("trusted -> booting"); pos != std::string::npos;
       pos = r.event_log.find("trusted -> booting", pos + 1))
    ++reboots;
  EXPECT_EQ(reboots, 20u);
  EXPECT_EQ(count(r.series.back(), phone_state::trusted), 20u);
}

// A small scenario's whole event log, checked in. Regenerate deliberately
// with ITLFLEET_UPDATE_GOLDEN=1 after a change that is meant to alter it (the
// run then fails, saying it rewrote the file).
TEST(Engine, small_double_regen_event_log_matches_the_golden_copy) {
  run_plan p = double_regen(false);
  p.fleet[0].count = 6;
  p.boot.spread = 20s;
  p.timeline.push_back(at(25min, action_kind::itl_reset_localkey));
  p.timeline.push_back(at(26min, action_kind::reset_all_devices));
  const run_result r = run_ok(p);
  test::expect_matches_golden(
      std::string(ITLFLEET_SOURCE_DIR) + "/tests/engine/golden/small_double_regen.log",
      r.event_log);
}

}  // namespace
}  // namespace itlfleet::engine
