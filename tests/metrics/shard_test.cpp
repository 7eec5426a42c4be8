// shard.json written and read back, the checks on a set of shards, and the
// merge of shards' figures and event logs (metrics/shard.hpp).

#include "itlfleet/metrics/shard.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace itlfleet::metrics {
namespace {

using sim::phone_state;

shard_header header(std::uint32_t index, std::uint32_t count, std::string seed = "42") {
  shard_header h;
  h.index = index;
  h.count = count;
  h.identity = {{"scenario", "s"}, {"seed", std::move(seed)}, {"scenario_yaml", "name: s\n"}};
  return h;
}

/// A shard of two groups: `phones` trusted in group 0 from the second sample.
shard_run shard_of(std::uint64_t phones, std::int64_t boot_us) {
  shard_run s;
  s.info.scenario = "s";
  s.info.source = "builtin:s";
  s.info.description = "a story, with \"quotes\" and \xc3\xa9";
  s.info.seed = 42;
  s.info.phones = phones;
  s.info.end_us = 20'000'000;
  s.info.group_names = {"desk", "lobby"};
  s.info.group_reports_device_tl_info = {true, false};
  s.info.load = {{"cucm-pub", 3, 1500}};
  s.info.actions = {{0, "boot-all", "", true}};
  s.info.device_tl_info = {{"desk", "AB CD", phones, true}};
  s.info.milestones = {{"last_state_change", boot_us}};
  s.info.manual.technician_hours = 0.1;
  latency_histogram h;
  h.record(boot_us);
  h.record(2 * boot_us);
  s.info.latencies = {{"boot", h}};
  for (std::int64_t t : {0, 10'000'000, 20'000'000}) {
    snapshot snap;
    snap.time_us = t;
    snap.groups.resize(2);
    const auto st = t == 0 ? phone_state::offline : phone_state::trusted;
    snap.groups[0].by_state[static_cast<int>(st)] = phones;
    snap.fleet = snap.groups[0];
    snap.events.files_served = t == 0 ? 0 : 2 * phones;
    snap.events.refused_commands = t == 0 ? 0 : 1;  // the cluster's: once per shard
    snap.events.requests[event_totals::config_file][event_totals::served] = phones;
    s.series.push_back(snap);
  }
  return s;
}

TEST(LatencyHistogram, raw_buckets_give_the_same_histogram_back) {
  latency_histogram h;
  for (std::int64_t v : {0LL, 5LL, 31LL, 32LL, 1000LL, 1'000'000LL, 86'400'000'000LL}) h.record(v);
  auto back = latency_histogram::from_raw(h.raw_buckets(), h.min(), h.max(), h.sum());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->count(), h.count());
  EXPECT_EQ(back->percentile(50), h.percentile(50));
  EXPECT_EQ(back->percentile(99), h.percentile(99));
  EXPECT_EQ(back->sum(), h.sum());
  EXPECT_FALSE(latency_histogram::from_raw({{latency_histogram::bucket_count, 1}}, 0, 0, 0));
  EXPECT_FALSE(latency_histogram::from_raw({{3, 1}}, 5, 4, 0)) << "min above max";
  EXPECT_FALSE(latency_histogram::from_raw({}, 0, 1, 0)) << "an empty histogram has no max";
}

TEST(ShardJson, a_run_shard_reads_back_as_written) {
  const shard_run s = shard_of(7, 1'234'567);
  const std::string text = shard_json(header(1, 3), s.info, s.series);
  auto back = parse_shard_json(text);
  ASSERT_TRUE(back) << back.err().message;
  EXPECT_EQ(back->header.kind, shard_kind::run);
  EXPECT_EQ(back->header.index, 1u);
  EXPECT_EQ(back->header.count, 3u);
  EXPECT_EQ(back->header.identity, header(1, 3).identity);
  ASSERT_TRUE(back->run);
  const run_info& info = back->run->info;
  EXPECT_EQ(info.description, s.info.description);
  EXPECT_EQ(info.group_names, s.info.group_names);
  EXPECT_EQ(info.group_reports_device_tl_info, s.info.group_reports_device_tl_info);
  EXPECT_EQ(info.load[0].peak_tftp_transfers, 3u);
  EXPECT_EQ(info.load[0].longest_tvs_wait_us, 1500);
  EXPECT_EQ(info.device_tl_info[0].itl_signature, "AB CD");
  EXPECT_EQ(info.milestones, s.info.milestones);
  EXPECT_EQ(info.manual.technician_hours, 0.1);
  ASSERT_EQ(info.latencies.size(), 1u);
  EXPECT_EQ(info.latencies[0].histogram.max(), 2'469'134);
  ASSERT_EQ(back->run->series.size(), 3u);
  EXPECT_EQ(back->run->series[2].groups[0].state(phone_state::trusted), 7u);
  EXPECT_EQ(back->run->series[2].events.requests[event_totals::config_file][event_totals::served],
            7u);
}

TEST(ShardJson, a_sweep_shard_and_malformed_files) {
  shard_header h = header(0, 2);
  h.kind = shard_kind::sweep;
  auto back = parse_shard_json(shard_json(h));
  ASSERT_TRUE(back) << back.err().message;
  EXPECT_EQ(back->header.kind, shard_kind::sweep);
  EXPECT_FALSE(back->run);

  EXPECT_NE(parse_shard_json("{").err().message.find("not JSON"), std::string::npos);
  EXPECT_NE(parse_shard_json("{}").err().message.find("not an itlfleet shard file"),
            std::string::npos);
  const std::string bad_index =
      R"({"format": "itlfleet shard", "version": 3, "kind": "sweep", "index": 3, "count": 3,
          "identity": {}})";
  EXPECT_NE(parse_shard_json(bad_index).err().message.find("0 <= index < count"),
            std::string::npos);
  const std::string no_run =
      R"({"format": "itlfleet shard", "version": 3, "kind": "run", "index": 0, "count": 1,
          "identity": {}})";
  EXPECT_NE(parse_shard_json(no_run).err().message.find("missing \"run\""), std::string::npos);
}

TEST(ShardSet, every_shard_once_of_one_run) {
  const std::vector<std::string> names = {"a", "b", "c"};
  EXPECT_TRUE(check_shard_set({header(2, 3), header(0, 3), header(1, 3)}, names));
  EXPECT_NE(check_shard_set({header(0, 3), header(2, 3)}, names)
                .err()
                .message.find("missing shard 1 of 3"),
            std::string::npos);
  EXPECT_NE(check_shard_set({header(0, 3), header(0, 3), header(2, 3)}, names)
                .err()
                .message.find("shard 0 of 3 given twice: a and b"),
            std::string::npos);
  EXPECT_NE(check_shard_set({header(0, 2), header(1, 2, "7")}, names)
                .err()
                .message.find("a and b are shards of different runs: different seed (42 and 7)"),
            std::string::npos);
  EXPECT_NE(check_shard_set({header(0, 2), header(1, 3)}, names)
                .err()
                .message.find("into 2 and into 3 shards"),
            std::string::npos);
  shard_header sweep = header(1, 2);
  sweep.kind = shard_kind::sweep;
  EXPECT_NE(check_shard_set({header(0, 2), sweep}, names).err().message.find("same kind"),
            std::string::npos);
}

TEST(MergeRunShards, counts_add_histograms_merge_and_cluster_totals_count_once) {
  auto merged = merge_run_shards({shard_of(7, 1'000'000), shard_of(5, 3'000'000)});
  ASSERT_TRUE(merged) << merged.err().message;
  const snapshot& last = merged->series.back();
  EXPECT_EQ(last.fleet.state(phone_state::trusted), 12u);
  EXPECT_EQ(last.groups[0].state(phone_state::trusted), 12u);
  EXPECT_EQ(last.events.files_served, 24u);
  EXPECT_EQ(last.events.refused_commands, 1u);
  EXPECT_EQ(merged->info.phones, 12u);
  EXPECT_EQ(merged->info.device_tl_info.size(), 1u);
  EXPECT_EQ(merged->info.device_tl_info[0].phones, 12u);
  EXPECT_EQ(merged->info.load[0].peak_tftp_transfers, 6u);
  EXPECT_EQ(merged->info.latencies[0].histogram.count(), 4u);
  EXPECT_EQ(merged->info.latencies[0].histogram.max(), 6'000'000);
  EXPECT_NEAR(merged->info.manual.technician_hours, 0.2, 1e-12);
  ASSERT_EQ(merged->info.milestones.size(), 1u) << "nobody locked: no peak";
  EXPECT_EQ(merged->info.milestones[0].second, 3'000'000);
}

/// A live shard's final totals: what its own load generator could not do and
/// what the servers got wrong.
shard_run live_shard_of(std::uint64_t phones, std::uint64_t exhausted, std::uint64_t malformed) {
  shard_run s = shard_of(phones, 1'000'000);
  s.info.engine = "live";
  event_totals& e = s.series.back().events;
  e.load_generator.descriptors_exhausted = exhausted;
  e.load_generator.retries = exhausted;
  e.load_generator.udp_sockets = 4;
  e.load_generator.peak_descriptors = 100 + phones;
  e.protocol_errors[{"127.0.1.1:69", "tftp_malformed"}] = malformed;
  return s;
}

TEST(ShardJson, a_live_shard_keeps_its_load_generator_limits_and_protocol_errors) {
  const shard_run s = live_shard_of(7, 3, 2);
  auto back = parse_shard_json(shard_json(header(0, 2), s.info, s.series));
  ASSERT_TRUE(back) << back.err().message;
  const event_totals& e = back->run->series.back().events;
  EXPECT_EQ(e.load_generator.descriptors_exhausted, 3u);
  EXPECT_EQ(e.load_generator.retries, 3u);
  EXPECT_EQ(e.load_generator.udp_sockets, 4u);
  EXPECT_EQ(e.load_generator.peak_descriptors, 107u);
  ASSERT_EQ(e.protocol_errors.size(), 1u);
  EXPECT_EQ(e.protocol_errors.begin()->second, 2u);
}

TEST(MergeRunShards, load_generator_limits_and_protocol_errors_of_live_shards_add) {
  shard_run b = live_shard_of(5, 1, 0);
  b.series.back().events.protocol_errors[{"127.0.1.2:69", "tftp_error_reply"}] = 6;
  auto merged = merge_run_shards({live_shard_of(7, 3, 2), b});
  ASSERT_TRUE(merged) << merged.err().message;
  const event_totals& e = merged->series.back().events;
  EXPECT_EQ(e.load_generator.descriptors_exhausted, 4u);
  EXPECT_EQ(e.load_generator.retries, 4u);
  EXPECT_EQ(e.load_generator.udp_sockets, 8u);
  EXPECT_EQ(e.load_generator.peak_descriptors, 212u) << "each process's peak, added";
  EXPECT_EQ((e.protocol_errors.at({"127.0.1.1:69", "tftp_malformed"})), 2u);
  EXPECT_EQ((e.protocol_errors.at({"127.0.1.2:69", "tftp_error_reply"})), 6u);
}

TEST(MergeRunShards, interrupted_or_differently_sampled_shards_are_refused) {
  shard_run stopped = shard_of(5, 1);
  stopped.info.interrupted = interruption{"SIGTERM", 10'000'000};
  EXPECT_NE(
      merge_run_shards({shard_of(7, 1), stopped}).err().message.find("shard 1 was interrupted"),
      std::string::npos);
  shard_run other = shard_of(5, 1);
  other.series[1].time_us = 11'000'000;
  EXPECT_NE(merge_run_shards({shard_of(7, 1), other}).err().message.find("sampled at 11s"),
            std::string::npos);
}

TEST(MergeEventLogs, by_time_commands_once_phone_counts_per_shard) {
  const std::string a =
      "[          0s] boot-all: 2 phones power on over 1m\n"
      "[       1.5s] SEP000000000000 offline -> booting\n"
      "[         10m] cucm-pub$ set cert regen TVS  (ok)\n"
      "                   | Successfully Regenerated Certificate for TVS.\n"
      "[         10m] TFTP service on cucm-pub down for 1m\n";
  const std::string b =
      "[          0s] boot-all: 2 phones power on over 1m\n"
      "[       1.2s] SEP000000000001 offline -> booting\n"
      "[       1.5s] SEP000000000003 offline -> booting\n"
      "[         10m] cucm-pub$ set cert regen TVS  (ok)\n"
      "                   | Successfully Regenerated Certificate for TVS.\n"
      "[         10m] TFTP service on cucm-pub down for 1m\n"
      "[       1h2m] SEP000000000001 trusted -> locked\n";
  EXPECT_EQ(merge_event_logs({a, b}),
            "[          0s] boot-all: 2 phones power on over 1m\n"
            "[          0s] boot-all: 2 phones power on over 1m\n"
            "[       1.2s] SEP000000000001 offline -> booting\n"
            "[       1.5s] SEP000000000000 offline -> booting\n"
            "[       1.5s] SEP000000000003 offline -> booting\n"
            "[         10m] cucm-pub$ set cert regen TVS  (ok)\n"
            "                   | Successfully Regenerated Certificate for TVS.\n"
            "[         10m] TFTP service on cucm-pub down for 1m\n"
            "[       1h2m] SEP000000000001 trusted -> locked\n");
}

}  // namespace
}  // namespace itlfleet::metrics
