// The live engine: the same plans as the virtual engine, over real loopback
// sockets against the cluster's in-process servers, must end with the same
// phones in the same states.

#include "itlfleet/engine/live_engine.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "itlfleet/engine/virtual_engine.hpp"
#include "itlfleet/scenarios/scenario.hpp"

namespace itlfleet::engine {
namespace {

using sim::phone_state;

run_plan load_scaled(const std::string& name, std::uint64_t phones) {
  auto plan = scenarios::load(name);
  EXPECT_TRUE(plan) << (plan ? "" : plan.err().to_string());
  scenarios::scale_fleet(*plan, phones);
  return std::move(*plan);
}

/// A single-node cluster whose fleet boots, with `extra` timeline entries.
run_plan small_plan(const std::string& extra, std::uint64_t phones = 60) {
  const std::string yaml = R"(name: live-small
seed: 9
end: 20m
cluster:
  hold_timer: off
  nodes:
    - {name: cucm-pub, publisher: true}
fleet:
  - {name: desk, count: )" +
                           std::to_string(phones) +
                           R"(}
boot: {spread: 20s, reboot: 30s, reboot_jitter: 5s, reset_spread: 10s}
timeline:
  - {at: 0s, do: boot-all}
)" + extra;
  auto plan = scenarios::load_string(yaml, "live-small.yaml");
  EXPECT_TRUE(plan) << (plan ? "" : plan.err().to_string());
  return std::move(*plan);
}

live_options fast(double scale) {
  live_options o;
  o.time_scale = scale;
  return o;
}

run_result run_or_fail(const run_plan& plan, const live_options& live) {
  auto r = run_live(plan, {}, live);
  EXPECT_TRUE(r) << (r ? "" : r.err().to_string());
  return r ? std::move(*r) : run_result{};
}

void expect_same_final_counts(const run_result& v, const run_result& l) {
  ASSERT_EQ(v.final_state.groups.size(), l.final_state.groups.size());
  for (std::size_t g = 0; g < v.final_state.groups.size(); ++g) {
    for (int s = 0; s < sim::phone_state_count; ++s) {
      EXPECT_EQ(v.final_state.groups[g].by_state[s], l.final_state.groups[g].by_state[s])
          << "group " << v.info.group_names[g] << ", state "
          << sim::state_name(static_cast<phone_state>(s));
    }
    EXPECT_EQ(v.final_state.groups[g].unrecoverable, l.final_state.groups[g].unrecoverable);
    EXPECT_EQ(v.final_state.groups[g].stale, l.final_state.groups[g].stale);
  }
  EXPECT_EQ(v.passed, l.passed);
}

class VirtualAndLive : public testing::TestWithParam<const char*> {};

TEST_P(VirtualAndLive, end_with_the_same_phones_in_the_same_states) {
  const run_plan plan = load_scaled(GetParam(), 200);
  auto v = run_virtual(plan);
  ASSERT_TRUE(v);
  // An hour of scenario in about 18 s of real time.
  const run_result l = run_or_fail(plan, fast(0.005));
  expect_same_final_counts(*v, l);
  EXPECT_GT(l.final_state.events.files_served, 0u);
  EXPECT_EQ(v->final_state.events.itl_installs_recovery,
            l.final_state.events.itl_installs_recovery);
}

INSTANTIATE_TEST_SUITE_P(Builtins, VirtualAndLive,
                         testing::Values("double-regen-recovery", "bulk-reset-localkey",
                                         "publisher-rename", "pre-10-itl", "upgrade-to-10",
                                         "rollback-pre-8", "drs-restore",
                                         "mixed-mode-single-regen", "legacy-phones",
                                         "callmanager-groups"),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(LiveEngine, the_manual_recovery_builtin_at_200_phones_ends_as_virtual) {
  // 11 hours of scenario: the technicians' visits, one a minute, set the
  // pace; about 80 s of real time at this scale.
  const run_plan plan = load_scaled("manual-recovery", 200);
  auto v = run_virtual(plan);
  ASSERT_TRUE(v);
  const run_result l = run_or_fail(plan, fast(0.002));
  expect_same_final_counts(*v, l);
  EXPECT_EQ(v->info.manual.visits, l.info.manual.visits);
  EXPECT_GT(l.info.manual.visits, 0u);
}

TEST(LiveEngine, technicians_erase_the_itl_of_locked_phones_at_their_pace_as_virtual) {
  // 20 phones lock on a double regeneration; a crew erasing 1,200 phones an
  // hour (one every 3 s) visits all 20 within a minute, and each takes the
  // current ITL on faith at its restart.
  const run_plan plan = small_plan(R"(  - {at: 2m, do: set cert regen CallManager}
  - {at: 2m10s, do: set cert regen TVS}
  - {at: 8m, do: delete itl, rate: 1200}
)",
                                   20);
  auto v = run_virtual(plan);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->info.manual.visits, 20u);
  EXPECT_DOUBLE_EQ(v->info.manual.technician_hours, 20.0 / 1200.0);
  ASSERT_TRUE(v->info.manual.last_visit_us);
  EXPECT_EQ(*v->info.manual.last_visit_us, (8 * 60 + 19 * 3) * 1'000'000LL);
  EXPECT_EQ(v->final_state.fleet.state(phone_state::trusted), 20u);
  const run_result l = run_or_fail(plan, fast(0.005));
  expect_same_final_counts(*v, l);
  EXPECT_EQ(l.info.manual.visits, 20u);
}

TEST(VirtualEngine, counts_itl_installs_by_signer_and_rejected_configs) {
  // Locked by the double regeneration, every phone rejects its config; the
  // bulk reset's ITL (signed by ITLRecovery) is then installed by all 200.
  const run_plan plan = load_scaled("double-regen-recovery", 200);
  auto v = run_virtual(plan);
  ASSERT_TRUE(v);
  const auto& e = v->final_state.events;
  EXPECT_EQ(e.itl_installs_recovery, 200u);
  EXPECT_GE(e.configs_rejected, 200u);
  EXPECT_EQ(e.requests[metrics::event_totals::itl_file][metrics::event_totals::served] +
                e.requests[metrics::event_totals::config_file][metrics::event_totals::served],
            e.files_served);
}

TEST(LiveEngine, mixed_mode_phones_fetch_the_ctl_by_name_over_tftp_and_http_and_end_as_virtual) {
  // The in-process servers serve CTLSEP<MAC>.tlv from the CTL the cluster
  // wrote at its last TFTP restart: the lockout by the CTL update and the
  // recovery by the reset CTL play out over real sockets as in virtual time.
  run_plan plan = load_scaled("mixed-mode-ctl-reset", 100);
  plan.fleet.push_back(plan.fleet[0]);
  plan.fleet[1].name = "desk-http";
  plan.fleet[1].count = 40;
  plan.fleet[1].fetch = fetch_protocol::http;
  plan.expect.clear();  // written for 5,000 phones
  auto v = run_virtual(plan);
  ASSERT_TRUE(v);
  const run_result l = run_or_fail(plan, fast(0.005));
  expect_same_final_counts(*v, l);
  const auto& e = l.final_state.events;
  EXPECT_EQ(e.ctl_update_failures, 140u) << "every phone refused the updated CTL";
  EXPECT_EQ(e.ctl_installs, v->final_state.events.ctl_installs);
  EXPECT_EQ(e.ctl_installs, 140u) << "and installed the reset CTL";
  EXPECT_GE(e.ctl_served, 3 * 140u);
  EXPECT_EQ(l.final_state.fleet.state(phone_state::trusted), 140u);
}

TEST(LiveEngine, phones_fetching_over_http_6970_end_as_over_tftp) {
  run_plan plan = load_scaled("double-regen-recovery", 100);
  for (auto& g : plan.fleet) g.fetch = fetch_protocol::http;
  auto v = run_virtual(plan);
  ASSERT_TRUE(v);
  const run_result l = run_or_fail(plan, fast(0.005));
  expect_same_final_counts(*v, l);
  EXPECT_EQ(l.final_state.fleet.state(phone_state::trusted), 100u);
}

TEST(LiveEngine, lost_tftp_packets_are_retransmitted_and_every_phone_still_trusts) {
  const run_plan plan = small_plan("");
  live_options o = fast(0.02);
  o.loss = 0.2;
  const run_result l = run_or_fail(plan, o);
  // A packet lost four times in a row ends that request (rare at 20%); the
  // phone then asks again, so every phone still gets there.
  EXPECT_EQ(l.final_state.fleet.state(phone_state::trusted), 60u);
}

TEST(LiveEngine, a_tftp_outage_makes_booting_phones_retry_until_it_is_back) {
  // The server stops before the phones boot and comes back 2 minutes later:
  // every request meanwhile times out, then every phone trusts.
  const run_plan plan = small_plan(R"(  - {at: 0s, do: tftp outage, on: cucm-pub, for: 2m}
)");
  const run_result l = run_or_fail(plan, fast(0.02));
  EXPECT_GT(l.final_state.events.tftp_timeouts, 0u);
  EXPECT_EQ(l.final_state.fleet.state(phone_state::trusted), 60u);
  EXPECT_NE(l.event_log.find("TFTP service on cucm-pub is back"), std::string::npos);
}

TEST(LiveEngine, tvs_down_during_a_regeneration_locks_the_fleet) {
  // CallManager regenerated while TVS is down: the new ITL's signer is
  // unknown to the installed ITL and no TVS answers, so every phone locks.
  const run_plan plan = small_plan(R"(  - {at: 3m, do: tvs outage, on: cucm-pub, for: 15m}
  - {at: 4m, do: set cert regen CallManager, on: cucm-pub}
  - {at: 4m, do: restart tftp, on: cucm-pub}
)");
  auto v = run_virtual(plan);
  ASSERT_TRUE(v);
  const run_result l = run_or_fail(plan, fast(0.02));
  EXPECT_EQ(l.final_state.fleet.state(phone_state::locked), 60u);
  EXPECT_GE(l.final_state.events.tvs_failures, 60u);
  expect_same_final_counts(*v, l);
}

TEST(LiveEngine, a_full_serving_count_refuses_requests_and_phones_back_off) {
  run_plan plan = small_plan("", 120);
  plan.cluster.tftp.max_serving_count = 1;
  plan.boot.spread = std::chrono::seconds(0);
  const run_result l = run_or_fail(plan, fast(0.02));
  EXPECT_GT(l.final_state.events.tftp_refusals, 0u);
  // Refused phones back off and retry (a herd this synchronised may still be
  // retrying at the end); every phone is counted in exactly one state.
  EXPECT_GT(l.final_state.fleet.state(phone_state::trusted), 0u);
  EXPECT_EQ(l.final_state.fleet.total(), 120u);
  EXPECT_EQ(l.final_state.fleet.state(phone_state::trusted) +
                l.final_state.fleet.state(phone_state::booting) +
                l.final_state.fleet.state(phone_state::unreachable),
            120u);
}

/// The run's latency distribution `name`, or null when nothing was timed.
const metrics::latency* latency_of(const run_result& r, std::string_view name) {
  for (const auto& l : r.info.latencies)
    if (l.name == name) return &l;
  return nullptr;
}

TEST(LiveEngine, downloads_are_timed_on_the_scenario_clock) {
  // At time scale 0.003 a wall microsecond is 333 scenario microseconds. No
  // TFTP exchange over loopback (a request, DATA and ACK between coroutines
  // through the kernel) takes under 9 wall microseconds, so on the scenario
  // clock none is under 3 ms; on the wall clock the fastest take 30 us.
  const run_plan plan = load_scaled("double-regen-recovery", 20);
  const run_result l = run_or_fail(plan, fast(0.003));
  const metrics::latency* download = latency_of(l, "download");
  ASSERT_NE(download, nullptr);
  EXPECT_GT(download->histogram.count(), 0u);
  EXPECT_GE(download->histogram.min(), 3'000) << "a download timed on the wall clock";
  EXPECT_LE(download->histogram.max(), l.info.end_us);
}

TEST(LiveEngine, tvs_exchanges_are_timed_on_the_scenario_clock_with_the_longest_wait) {
  // The regenerated CallManager's ITL sends every phone to TVS.
  const run_plan plan = load_scaled("double-regen-recovery", 20);
  const run_result l = run_or_fail(plan, fast(0.003));
  ASSERT_GT(l.final_state.events.tvs_queries, 0u);
  const metrics::latency* tvs = latency_of(l, "tvs_query");
  ASSERT_NE(tvs, nullptr) << "no TVS exchange was timed";
  EXPECT_GT(tvs->histogram.count(), 0u);
  EXPECT_LE(tvs->histogram.count(), l.final_state.events.tvs_queries);
  // A TLS handshake over loopback takes far more than 9 wall microseconds.
  EXPECT_GE(tvs->histogram.min(), 3'000) << "an exchange timed on the wall clock";
  // The same clock as the longest TVS wait of the node's load.
  ASSERT_EQ(l.info.load.size(), 1u);
  EXPECT_LE(tvs->histogram.max(), l.info.load[0].longest_tvs_wait_us);
}

TEST(LiveEngine, shards_split_the_fleet_by_index) {
  const run_plan plan = small_plan("", 10);
  run_options shard;
  shard.shard_index = 1;
  shard.shard_count = 3;
  auto r = run_live(plan, shard, fast(0.02));
  ASSERT_TRUE(r) << r.err().to_string();
  // Phones 1, 4, 7 of 10.
  EXPECT_EQ(r->info.phones, 3u);
  EXPECT_EQ(r->final_state.fleet.state(phone_state::trusted), 3u);
}

TEST(LiveEngine, an_external_server_list_of_the_wrong_length_is_refused_before_anything_runs) {
  const run_plan plan = small_plan("");
  live_options o = fast(0.02);
  o.tftp.emplace_back(boost::asio::ip::make_address("127.0.0.1"), 1069);
  o.tftp.emplace_back(boost::asio::ip::make_address("127.0.0.1"), 1070);
  auto r = run_live(plan, {}, o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("one address per node"), std::string::npos) << r.err().message;
}

TEST(LiveEngine, servers_without_itlsep_files_answer_not_found_and_phones_fetch_itlfile) {
  // New phones (no ITL) over TFTP and over HTTP 6970 against servers that
  // hold ITLFile.tlv only: each asks for its ITLSEP<MAC>.tlv, is told "not
  // found", asks for ITLFile.tlv and installs it, as in virtual time.
  run_plan plan = small_plan("", 40);
  plan.cluster.tftp.per_device_itl = false;
  plan.fleet[0].itl = installed_itl::none;
  plan.fleet.push_back(plan.fleet[0]);
  plan.fleet[1].name = "desk-http";
  plan.fleet[1].fetch = fetch_protocol::http;
  plan.end = std::chrono::minutes(2);
  auto v = run_virtual(plan);
  ASSERT_TRUE(v);
  const run_result l = run_or_fail(plan, fast(0.02));
  expect_same_final_counts(*v, l);
  const auto& e = l.final_state.events;
  EXPECT_EQ(e.itl_fallbacks, 80u);
  EXPECT_EQ(e.requests[metrics::event_totals::itl_file][metrics::event_totals::served], 80u);
  EXPECT_EQ(l.final_state.fleet.state(phone_state::trusted), 80u);
  EXPECT_EQ(l.final_state.fleet.state(phone_state::no_itl), 0u) << "none went on without an ITL";
}

}  // namespace
}  // namespace itlfleet::engine
