// Shards of a virtual run (run_options::shard_index/shard_count): each meets
// 1/N of every server's capacity; where no phone waits for another the
// shards add up to the whole run exactly, where capacity is shared they do
// not (the approximation README.md "Shards and merge" describes).

#include <gtest/gtest.h>

#include "itlfleet/engine/virtual_engine.hpp"
#include "itlfleet/metrics/shard.hpp"
#include "plan_fixture.hpp"

namespace itlfleet::engine {
namespace {

using namespace std::chrono_literals;
using sim::phone_state;
using test::at;
using test::run_ok;

std::vector<run_result> run_shards(const run_plan& plan, std::uint32_t n) {
  std::vector<run_result> out;
  for (std::uint32_t k = 0; k < n; ++k) {
    run_options o;
    o.shard_index = k;
    o.shard_count = n;
    out.push_back(run_ok(plan, o));
  }
  return out;
}

/// 2,000 phones booting within 5 s against a slow TFTP node: every shard queues.
run_plan saturated(int serving_count) {
  run_plan p = test::single_node_plan(2000);
  p.cluster.tftp.max_serving_count = serving_count;
  p.cluster.tftp.block_cost = 200us;
  p.boot.spread = 5s;
  p.timeline = {at(0s, action_kind::boot_all)};
  return p;
}

TEST(EngineShards, a_shard_meets_its_share_of_the_serving_count_rounded_up) {
  // 50 split 4 ways: 13 transfers per shard's node (12.5 rounded up).
  for (const run_result& r : run_shards(saturated(50), 4)) {
    ASSERT_EQ(r.info.load.size(), 1u);
    EXPECT_EQ(r.info.load[0].peak_tftp_transfers, 13u);
    EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 500u);
  }
}

TEST(EngineShards, a_shard_meets_its_share_of_a_nodes_own_serving_count) {
  // The cluster's count stays 2,500; the node's own 50, split 4 ways: 13.
  run_plan p = saturated(2500);
  p.cluster.nodes[0].own_tftp = p.cluster.tftp;
  p.cluster.nodes[0].own_tftp->max_serving_count = 50;
  for (const run_result& r : run_shards(p, 4)) {
    ASSERT_EQ(r.info.load.size(), 1u);
    EXPECT_EQ(r.info.load[0].peak_tftp_transfers, 13u);
    EXPECT_EQ(r.final_state.fleet.state(phone_state::trusted), 500u);
  }
}

TEST(EngineShards, shards_of_a_fleet_that_never_queues_add_up_to_the_whole_run) {
  // 300 phones, a serving count of 2,500 and 200 TVS slots: even a third of
  // either is more than the phones ever ask for at once.
  run_plan p = test::single_node_plan(300);
  p.timeline = test::double_regen_timeline();
  p.timeline.push_back(at(30min, action_kind::itl_reset_localkey, {}, 0));
  p.timeline.push_back(at(31min, action_kind::reset_all_devices));
  const run_result whole = run_ok(p);
  std::vector<metrics::shard_run> parts;
  for (run_result& r : run_shards(p, 3)) parts.push_back({r.info, r.series});
  auto merged = metrics::merge_run_shards(parts);
  ASSERT_TRUE(merged) << merged.err().message;
  ASSERT_EQ(merged->series.size(), whole.series.size());
  for (std::size_t i = 0; i < whole.series.size(); ++i) {
    const auto& a = merged->series[i];
    const auto& b = whole.series[i];
    EXPECT_EQ(a.time_us, b.time_us);
    EXPECT_EQ(a.fleet.by_state, b.fleet.by_state) << "sample " << i;
    EXPECT_EQ(a.fleet.stale, b.fleet.stale) << "sample " << i;
    EXPECT_EQ(a.fleet.recovered, b.fleet.recovered) << "sample " << i;
    EXPECT_EQ(a.fleet.ever_locked, b.fleet.ever_locked) << "sample " << i;
    ASSERT_EQ(a.groups.size(), b.groups.size());
    for (std::size_t g = 0; g < a.groups.size(); ++g)
      EXPECT_EQ(a.groups[g].by_state, b.groups[g].by_state) << "sample " << i << " group " << g;
    EXPECT_EQ(a.events.files_served, b.events.files_served) << "sample " << i;
    EXPECT_EQ(a.events.tvs_queries, b.events.tvs_queries) << "sample " << i;
    EXPECT_EQ(a.events.refused_commands, b.events.refused_commands) << "sample " << i;
  }
  EXPECT_EQ(merged->info.phones, 300u);
  EXPECT_EQ(whole.final_state.events.tftp_refusals, 0u);
  // Histograms merged bucket by bucket give the whole run's percentiles.
  ASSERT_EQ(merged->info.latencies.size(), whole.info.latencies.size());
  for (std::size_t l = 0; l < whole.info.latencies.size(); ++l) {
    const auto& a = merged->info.latencies[l];
    const auto& b = whole.info.latencies[l];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.histogram.count(), b.histogram.count()) << a.name;
    EXPECT_EQ(a.histogram.percentile(99), b.histogram.percentile(99)) << a.name;
    EXPECT_EQ(a.histogram.sum(), b.histogram.sum()) << a.name;
  }
}

TEST(EngineShards, a_serving_count_of_3_split_4_ways_is_where_the_split_breaks) {
  // Each shard's node serves ceil(3/4) = 1 transfer at once, at least one:
  // together 4, one more than the real node. The shards queue less than
  // the whole run did, so their refusals do not add up to its refusals.
  const run_result whole = run_ok(saturated(3));
  EXPECT_EQ(whole.info.load[0].peak_tftp_transfers, 3u);
  std::uint64_t peaks = 0, refusals = 0;
  for (const run_result& r : run_shards(saturated(3), 4)) {
    EXPECT_EQ(r.info.load[0].peak_tftp_transfers, 1u);
    peaks += r.info.load[0].peak_tftp_transfers;
    refusals += r.final_state.events.tftp_refusals;
  }
  EXPECT_EQ(peaks, 4u) << "a third more capacity than the node has";
  EXPECT_NE(refusals, whole.final_state.events.tftp_refusals);
}

}  // namespace
}  // namespace itlfleet::engine
