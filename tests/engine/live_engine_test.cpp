// The live engine: the same plans as the virtual engine, over real loopback
// sockets against the cluster's in-process servers, must end with the same
// phones in the same states.

#include "itlfleet/engine/live_engine.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>

#include "itlfleet/engine/virtual_engine.hpp"
#include "itlfleet/metrics/report.hpp"
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
  run_plan plan = load_scaled(GetParam(), 200);
  // At this scale the scenario's 10 s TVS timeout is 50 ms of real time,
  // which a loaded 2-core machine's TLS handshakes can exceed when 200
  // phones ask at once (mixed-mode-single-regen, callmanager-groups): the
  // same longer timeout for both engines keeps the comparison about trust.
  plan.cluster.tvs.timeout =
      std::max<sim_duration>(plan.cluster.tvs.timeout, std::chrono::minutes(2));
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
                                         "rollback-pre-8", "drs-restore", "mixed-mode-single-regen",
                                         "legacy-phones", "callmanager-groups", "staged-reset"),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(LiveEngine, one_thread_and_four_end_with_the_same_phones_in_the_same_states) {
  // Six nodes, every one a TVS: with four threads the phones' exchanges are
  // dealt over all four (phone i on thread i mod 4), handing their outcomes
  // back to the fleet's thread, and the nodes' servers too (node n on
  // thread n mod 4); with one, everything shares it. Neither may change an
  // outcome.
  run_plan plan = load_scaled("callmanager-groups", 200);
  plan.cluster.tvs.timeout =
      std::max<sim_duration>(plan.cluster.tvs.timeout, std::chrono::minutes(2));
  auto v = run_virtual(plan);
  ASSERT_TRUE(v);
  for (std::uint32_t threads : {1u, 4u}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    live_options o = fast(0.005);
    o.threads = threads;
    const run_result l = run_or_fail(plan, o);
    expect_same_final_counts(*v, l);
    EXPECT_EQ(v->final_state.events.tvs_failures > 0, l.final_state.events.tvs_failures > 0);
    EXPECT_GT(l.final_state.events.files_served, 0u);
    EXPECT_EQ(l.final_state.events.load_generator.receive_drops, 0u);
  }
}

TEST(LiveEngine, more_threads_than_a_live_run_takes_are_refused_with_the_range) {
  live_options o = fast(0.02);
  o.threads = max_live_threads + 1;
  auto r = run_live(small_plan("", 4), {}, o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().to_string().find("1 to 256"), std::string::npos) << r.err().to_string();
}

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

TEST(LiveEngine, resetting_a_share_of_one_groups_devices_ends_as_virtual) {
  // With auto_reset off the regeneration at 2m resets nobody: every phone is
  // stale. Half of site-a is reset at 4m and takes the new ITL (TVS vouches
  // for its signer); the rest of site-a and all of site-b keep the old one.
  auto plan = scenarios::load_string(R"(name: live-reset-devices
seed: 9
end: 10m
cluster:
  hold_timer: off
  auto_reset: false
  nodes:
    - {name: cucm-pub, publisher: true}
fleet:
  - {name: site-a, count: 30}
  - {name: site-b, count: 30}
boot: {spread: 20s, reboot: 30s, reboot_jitter: 5s, reset_spread: 10s}
timeline:
  - {at: 0s, do: boot-all}
  - {at: 2m, do: set cert regen CallManager}
  - {at: 4m, do: reset devices, group: site-a, fraction: 0.5}
)",
                                     "live-reset-devices.yaml");
  ASSERT_TRUE(plan) << plan.err().to_string();
  auto v = run_virtual(*plan);
  ASSERT_TRUE(v);
  EXPECT_GT(v->final_state.groups[0].stale, 0u);
  EXPECT_LT(v->final_state.groups[0].stale, 30u);
  EXPECT_EQ(v->final_state.groups[1].stale, 30u);
  EXPECT_EQ(v->final_state.fleet.state(phone_state::trusted), 60u);
  const run_result l = run_or_fail(*plan, fast(0.005));
  expect_same_final_counts(*v, l);
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

TEST(LiveEngine, a_nodes_own_serving_count_sizes_only_its_in_process_server) {
  // 120 phones booting at once on cucm-sub, whose own model serves one
  // transfer at a time: refused. The same phones on cucm-pub, which keeps
  // the cluster's serving count: never refused.
  const std::string yaml = R"(name: live-two
seed: 9
end: 20m
cluster:
  hold_timer: off
  nodes:
    - {name: cucm-pub, publisher: true}
    - {name: cucm-sub, tftp: {max_serving_count: 1}}
fleet:
  - {name: desk, count: 120, fetch: tftp, tftp: [cucm-sub]}
boot: {spread: 0s, reboot: 30s, reboot_jitter: 5s, reset_spread: 10s}
timeline:
  - {at: 0s, do: boot-all}
)";
  auto plan = scenarios::load_string(yaml, "live-two.yaml");
  ASSERT_TRUE(plan) << plan.err().to_string();
  const run_result sub = run_or_fail(*plan, fast(0.02));
  EXPECT_GT(sub.final_state.events.tftp_refusals, 0u);
  plan->fleet[0].tftp = {"cucm-pub"};
  const run_result pub = run_or_fail(*plan, fast(0.02));
  EXPECT_EQ(pub.final_state.events.tftp_refusals, 0u);
  EXPECT_EQ(pub.final_state.fleet.state(phone_state::trusted), 120u);
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

TEST(LiveEngine, samples_are_stamped_at_the_instants_the_virtual_engine_samples) {
  // However late a loaded loop gets to a sample, it stands for its due
  // instant: live shards and the virtual engine sample at the same times,
  // which `itlfleet merge` needs to add shards sample by sample.
  const run_plan plan = small_plan("", 30);
  auto v = run_virtual(plan);
  ASSERT_TRUE(v);
  const run_result l = run_or_fail(plan, fast(0.02));
  ASSERT_EQ(l.series.size(), v->series.size());
  for (std::size_t i = 0; i < l.series.size(); ++i)
    EXPECT_EQ(l.series[i].time_us, v->series[i].time_us) << "sample " << i;
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

/// A fleet that boots all at once (a one-second spread) and is reset once.
/// The in-process TFTP server holds a socket per transfer: a serving count of
/// 300 keeps its share of the process's descriptors small, and phones that
/// find it full back off and try again (50 attempts) rather than give up.
/// Three minutes of scenario time after the reset (18 s of wall time at
/// 0.1) leave room for a machine busy with other tests: the reset's
/// downloads take about one.
run_plan burst_plan(std::uint64_t phones, const char* fetch) {
  const std::string yaml = R"(name: live-burst
seed: 5
end: 4m
sample: 1s
cluster:
  hold_timer: off
  nodes:
    - {name: cucm-pub, publisher: true}
  tftp: {max_serving_count: 300}
phone: {tftp_attempts: 50, tftp_backoff: 2s}
fleet:
  - {name: desk, count: )" +
                           std::to_string(phones) + ", fetch: " + fetch + R"(}
boot: {spread: 1s, reboot: 5s, reboot_jitter: 1s, reset_spread: 1s}
timeline:
  - {at: 0s, do: boot-all}
  - {at: 1m, do: reset all devices}
)";
  auto plan = scenarios::load_string(yaml, "live-burst.yaml");
  EXPECT_TRUE(plan) << (plan ? "" : plan.err().to_string());
  return std::move(*plan);
}

std::uint64_t open_descriptors() {
  std::uint64_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

TEST(LiveEngine, a_burst_of_5000_tftp_phones_holds_far_fewer_descriptors_than_phones) {
  const run_plan plan = burst_plan(5000, "tftp");
  const std::uint64_t before = open_descriptors();
  std::uint64_t peak = 0;
  run_options ro;
  ro.on_progress = [&](const progress&) { peak = std::max(peak, open_descriptors()); };
  live_options live = fast(0.1);
  live.threads = 2;  // each exchange thread shares 8 UDP sockets among its phones
  auto r = run_live(plan, ro, live);
  ASSERT_TRUE(r) << r.err().to_string();
  const auto& g = r->final_state.events.load_generator;
  std::printf("descriptors: %llu before, peak %llu at samples (engine: %llu), %llu UDP sockets\n",
              static_cast<unsigned long long>(before), static_cast<unsigned long long>(peak),
              static_cast<unsigned long long>(g.peak_descriptors),
              static_cast<unsigned long long>(g.udp_sockets));
  // One socket per exchange in flight would be thousands at the boots' peak;
  // the server's transfers hold at most 300.
  EXPECT_LT(peak, before + 1000);
  EXPECT_LT(g.peak_descriptors, before + 1000);
  EXPECT_LE(g.udp_sockets, 2 * 8u);
  EXPECT_EQ(g.descriptors_exhausted, 0u);
  EXPECT_EQ(r->final_state.fleet.state(phone_state::unreachable), 0u);
  std::string states;  // where the others ended, should some not be trusted
  for (int s = 0; s < sim::phone_state_count; ++s)
    if (const auto n = r->final_state.fleet.state(static_cast<phone_state>(s)))
      states += std::string(sim::phone_state_names[s]) + " " + std::to_string(n) + "; ";
  EXPECT_EQ(r->final_state.fleet.state(phone_state::trusted), 5000u) << states;
  EXPECT_GE(r->final_state.events.files_served, 2u * 5000);
}

TEST(LiveEngine, exchanges_without_a_descriptor_are_the_load_generators_limit_not_the_servers) {
  // In a child: a hard limit the HTTP phones' bursts exceed. Phones that find no
  // descriptor wait (booting) and send again; none is reported unreachable.
  // 2,000 phones booting within 50 ms of real time: the in-process servers,
  // sized by the descriptor budget, refuse past their share at once, so only
  // a burst this dense still finds the phones' own side out of descriptors.
  // (How many get through depends on the in-process server, which shares the
  // limit: it is not asserted.)
  EXPECT_EXIT(
      {
        const run_plan plan = burst_plan(2000, "http");
        rlimit lim{};
        lim.rlim_cur = lim.rlim_max = open_descriptors() + 48;
        if (setrlimit(RLIMIT_NOFILE, &lim) != 0) std::_Exit(3);
        auto r = run_live(plan, {}, fast(0.05));
        if (!r) {
          std::fprintf(stderr, "run_live: %s\n", r.err().to_string().c_str());
          std::_Exit(4);
        }
        const auto& e = r->final_state.events;
        const std::string json = metrics::summary_json(r->info, r->final_state, r->checks);
        std::fprintf(
            stderr, "exhausted %llu, retries %llu, unreachable %llu, trusted %llu\n",
            static_cast<unsigned long long>(e.load_generator.descriptors_exhausted),
            static_cast<unsigned long long>(e.load_generator.retries),
            static_cast<unsigned long long>(r->final_state.fleet.state(phone_state::unreachable)),
            static_cast<unsigned long long>(r->final_state.fleet.state(phone_state::trusted)));
        const bool ok = e.load_generator.descriptors_exhausted > 0 &&
                        e.load_generator.retries > 0 &&
                        json.find("\"descriptors_exhausted\": " +
                                  std::to_string(e.load_generator.descriptors_exhausted)) !=
                            std::string::npos &&
                        r->final_state.fleet.state(phone_state::unreachable) == 0;
        std::_Exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(LiveEngine, a_fleet_larger_than_the_open_file_limit_leaves_the_servers_their_counts) {
  // Phones share a few UDP sockets, so a fleet larger than the open-file
  // limit fits it; the servers' budget must not keep a descriptor per phone
  // aside (at 50,000 phones under a 20,000 limit that served one transfer
  // at a time and left 42,764 phones unreachable).
  constexpr std::uint64_t phones = 15000;
  constexpr rlim_t limit = 10000;
  rlimit now{};
  getrlimit(RLIMIT_NOFILE, &now);
  if (now.rlim_max != RLIM_INFINITY && now.rlim_max < limit + open_descriptors())
    GTEST_SKIP() << "needs a hard open-file limit of " << limit + open_descriptors();
  EXPECT_EXIT(
      {
        run_plan plan = burst_plan(phones, "tftp");
        plan.timeline.clear();  // the servers' setup is what is judged
        plan.end = std::chrono::seconds(1);
        rlimit lim{};
        lim.rlim_cur = lim.rlim_max = open_descriptors() + limit;
        if (setrlimit(RLIMIT_NOFILE, &lim) != 0) std::_Exit(3);
        live_options live = fast(0.01);
        std::string notices;
        live.on_notice = [&](const std::string& line) { notices += line + "\n"; };
        auto r = run_live(plan, {}, live);
        if (!r) std::_Exit(4);
        std::fputs(notices.c_str(), stderr);
        std::_Exit(notices.find("cannot hold") == std::string::npos ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

/// A hostile TFTP server on 127.0.1.20, on its own thread until destroyed:
/// answers requests alternately with bytes that are no TFTP packet and with
/// ERROR 2 "Access violation".
class hostile_tftp {
 public:
  hostile_tftp() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl((127u << 24) | (1u << 8) | 20u);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("hostile server: bind");
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    endpoint_ = {boost::asio::ip::address_v4(ntohl(a.sin_addr.s_addr)), ntohs(a.sin_port)};
    thread_ = std::thread([this] { serve(); });
  }
  ~hostile_tftp() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  boost::asio::ip::udp::endpoint endpoint() const { return endpoint_; }

 private:
  void serve() {
    const std::uint8_t garbage[] = {0, 9, 9};
    const std::uint8_t access[] = {0,   5,   0,   2,   'A', 'c', 'c', 'e', 's', 's', ' ',
                                   'v', 'i', 'o', 'l', 'a', 't', 'i', 'o', 'n', 0};
    for (std::uint64_t n = 0; !stop_ && n < 100000;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      std::uint8_t buf[600];
      sockaddr_in from{};
      socklen_t len = sizeof from;
      if (::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len) < 4)
        continue;
      if (buf[1] != 1) continue;  // only requests get an answer
      const bool odd = n++ % 2 == 1;
      ::sendto(fd_, odd ? access : garbage, odd ? sizeof access : sizeof garbage, 0,
               reinterpret_cast<sockaddr*>(&from), len);
    }
  }
  int fd_ = -1;
  boost::asio::ip::udp::endpoint endpoint_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(LiveEngine, protocol_errors_are_counted_by_server_and_kind_not_as_timeouts_or_refusals) {
  const run_plan plan = small_plan("", 20);
  hostile_tftp server;
  live_options o = fast(0.005);
  o.tftp = {server.endpoint()};
  o.tvs = {{boost::asio::ip::make_address("127.0.1.20"), 9}};  // never reached: no ITL arrives
  std::vector<std::string> notices;
  o.on_notice = [&](const std::string& line) { notices.push_back(line); };
  const run_result r = run_or_fail(plan, o);
  const auto& e = r.final_state.events;
  const std::string where = "127.0.1.20:" + std::to_string(server.endpoint().port());
  const auto count = [&](const char* kind) {
    const auto it = e.protocol_errors.find({where, kind});
    return it == e.protocol_errors.end() ? 0 : it->second;
  };
  EXPECT_GT(count("tftp_malformed"), 0u);
  EXPECT_GT(count("tftp_error_2"), 0u);
  EXPECT_EQ(e.tftp_timeouts, 0u);
  EXPECT_EQ(e.tftp_refusals, 0u);
  EXPECT_EQ(e.files_served, 0u);
  // One line per server and kind at most every 10 s: a handful, not one per request.
  std::size_t lines = 0;
  for (const auto& n : notices) lines += n.find(where) != std::string::npos;
  EXPECT_GE(lines, 2u);
  EXPECT_LE(lines, 10u);
  bool detail = false;
  for (const auto& n : notices)
    detail = detail || n.find("ERROR 2 \"Access violation\"") != std::string::npos;
  EXPECT_TRUE(detail);
}

}  // namespace
}  // namespace itlfleet::engine
