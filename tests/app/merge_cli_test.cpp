// `itlfleet run --shard K/N`, `itlfleet sweep --shard K/N` and `itlfleet
// merge` as a user runs them: shards of a fleet that never queues merge to
// the single run's counts, sweep shards to its sweep.csv, and mixed,
// missing or duplicate shards are refused.

#include <gtest/gtest.h>

// Boost.JSON in header-only form: this test does not link itlfleet::metrics.
#include <algorithm>
#include <boost/json/src.hpp>
#include <chrono>
#include <csignal>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "cli_fixture.hpp"
#include "spawned_itlfleet.hpp"

namespace itlfleet {
namespace {

namespace json = boost::json;

json::object summary_of(const fs::path& dir) {
  boost::system::error_code ec;
  const json::value v = json::parse(read_text(dir / "summary.json"), ec);
  EXPECT_FALSE(ec) << dir << "/summary.json is not valid JSON: " << ec.message();
  return v.is_object() ? v.as_object() : json::object{};
}

/// 300 phones of double-regen-recovery: two TFTP/TVS exchanges each, far
/// below the node's serving count and TVS slots even split three ways, so
/// no phone ever waits for another.
const std::vector<std::string> small_run = {
    "run", "double-regen-recovery", "--phones", "300", "--seed", "11", "-q", "--phone-log", "on"};

class MergeRuns : public Cli {
 protected:
  run_result run_with(const std::vector<std::string>& args) { return run(args); }
  /// The small run, with `extra` arguments.
  run_result small(std::vector<std::string> extra) {
    std::vector<std::string> args = small_run;
    args.insert(args.end(), extra.begin(), extra.end());
    return run_with(args);
  }
  void shards(int n, const std::string& prefix, std::vector<std::string> extra = {}) {
    for (int k = 0; k < n; ++k) {
      std::vector<std::string> args = {"--shard", std::to_string(k) + "/" + std::to_string(n),
                                       "--out", prefix + std::to_string(k)};
      args.insert(args.end(), extra.begin(), extra.end());
      const run_result r = small(args);
      ASSERT_EQ(r.exit_code, 0) << describe(r);
    }
  }
};

TEST_F(MergeRuns, three_shards_of_a_fleet_that_never_queues_merge_to_the_single_runs_counts) {
  const run_result single = small({"--out", "single"});
  ASSERT_EQ(single.exit_code, 0) << describe(single);
  shards(3, "shard");
  ASSERT_TRUE(fs::exists(path("shard0/shard.json")));
  const json::object s0 = summary_of(path("shard0"));
  ASSERT_TRUE(s0.contains("shard"));
  EXPECT_EQ(s0.at("shard").at("index").as_int64(), 0);
  EXPECT_EQ(s0.at("shard").at("count").as_int64(), 3);
  EXPECT_EQ(s0.at("phones").as_int64(), 100);

  // Any order of directories.
  const run_result merged = run_with({"merge", "merged", "shard2", "shard0", "shard1"});
  ASSERT_EQ(merged.exit_code, 0) << describe(merged);
  EXPECT_NE(merged.out.find("Merged 3 shards of double-regen-recovery: 300 phones"),
            std::string::npos)
      << merged.out;
  for (const char* f :
       {"summary.json", "junit.xml", "timeseries.csv", "groups.csv", "events.log", "report.html"})
    EXPECT_TRUE(fs::exists(path("merged") / f)) << f;
  EXPECT_FALSE(fs::exists(path("merged/shard.json")));

  // Every time-series row, fleet and per group, and the verdicts.
  EXPECT_EQ(read_text(path("merged/timeseries.csv")), read_text(path("single/timeseries.csv")));
  EXPECT_EQ(read_text(path("merged/groups.csv")), read_text(path("single/groups.csv")));
  EXPECT_EQ(read_text(path("merged/junit.xml")), read_text(path("single/junit.xml")));
  const json::object one = summary_of(path("single"));
  const json::object all = summary_of(path("merged"));
  for (const char* key : {"phones", "passed", "final", "groups", "events", "latency", "milestones",
                          "expectations", "device_tl_info", "scenario", "seed", "end_s"})
    EXPECT_EQ(json::serialize(all.at(key)), json::serialize(one.at(key))) << key;
  EXPECT_FALSE(all.contains("shard"));

  // The operator's commands once, every phone's lines once, in time order.
  const std::string log = read_text(path("merged/events.log"));
  const std::string single_log = read_text(path("single/events.log"));
  auto occurrences = [](const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(occurrences(log, "set cert regen CallManager  (ok)"), 1u);
  EXPECT_EQ(occurrences(log, "utils itl reset localkey  (ok)"), 1u);
  EXPECT_EQ(occurrences(log, "RTMT alert"), occurrences(single_log, "RTMT alert"));
  EXPECT_EQ(occurrences(log, " -> "), occurrences(single_log, " -> "));
  EXPECT_EQ(occurrences(log, "boot-all: 100 phones power on"), 3u) << "each shard's own phones";
}

TEST_F(MergeRuns, mixed_missing_and_duplicate_shards_are_refused_with_exit_2) {
  shards(3, "a");
  auto refused = [&](std::vector<std::string> args, const std::string& message) {
    const run_result r = run_with(args);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_NE(r.err.find(message), std::string::npos) << describe(r);
    EXPECT_FALSE(fs::exists(path("out"))) << "nothing written";
  };
  refused({"merge", "out", "a0", "a1"}, "missing shard 2 of 3");
  refused({"merge", "out", "a0", "a1", "a1", "a2"}, "shard 1 of 3 given twice: a1 and a1");
  std::vector<std::string> seed12 = small_run;
  *std::find(seed12.begin(), seed12.end(), "11") = "12";
  seed12.insert(seed12.end(), {"--shard", "2/3", "--out", "seed12"});
  ASSERT_EQ(run_with(seed12).exit_code, 0);
  refused({"merge", "out", "a0", "a1", "seed12"}, "different seed (11 and 12)");
  ASSERT_EQ(small({"--shard", "1/2", "--out", "of2"}).exit_code, 0);
  refused({"merge", "out", "a0", "of2", "a2"}, "split the work differently: into 3 and into 2");
  const run_result other = run_with({"run", "pre-10-itl", "--phones", "300", "--seed", "11", "-q",
                                     "--shard", "2/3", "--out", "other"});
  ASSERT_EQ(other.exit_code, 0) << describe(other);
  refused({"merge", "out", "a0", "a1", "other"}, "different scenario");
  ASSERT_EQ(small({"--out", "whole"}).exit_code, 0);
  refused({"merge", "out", "a0", "a1", "whole"}, "whole/shard.json: no such file");
  refused({"merge", "a0", "a0", "a1", "a2"}, "one of the shard directories");
}

TEST_F(MergeRuns, a_scenario_file_is_carried_in_the_shards_and_judged_again_on_the_merged_series) {
  // 30 phones in a file of its own; an expectation that holds for the whole
  // fleet only (30 trusted) fails in every shard and holds when merged.
  {
    std::ofstream f(path("fleet.yaml"));
    f << "name: small-fleet\n"
         "cluster:\n  key_bits: 1024\n  nodes:\n    - {name: cucm-pub, publisher: true}\n"
         "fleet:\n  - {name: desk, count: 30}\n"
         "timeline:\n  - {at: 0s, do: boot-all}\n"
         "end: 10m\n"
         "expect:\n  - {at: end, trusted: 30}\n";
  }
  for (int k = 0; k < 3; ++k) {
    const run_result r = run_with({"run", "fleet.yaml", "-q", "--shard", std::to_string(k) + "/3",
                                   "--out", "f" + std::to_string(k)});
    ASSERT_EQ(r.exit_code, 1) << "10 trusted, not 30: " << describe(r);
  }
  // The file changes (or is gone) before the merge: the shards carry it.
  fs::remove(path("fleet.yaml"));
  const run_result merged = run_with({"merge", "merged", "f0", "f1", "f2"});
  EXPECT_EQ(merged.exit_code, 0) << describe(merged);
  EXPECT_NE(merged.out.find("PASS  trusted 30"), std::string::npos) << merged.out;
  EXPECT_EQ(summary_of(path("merged")).at("passed").as_bool(), true);
}

TEST_F(MergeRuns, live_shards_against_one_serve_merge_to_a_single_live_runs_counts) {
  // Shards of a live run are load generators of their own against one
  // server. Far below the server's limits, their merge has a single live
  // run's counts: every phone, boot and file, by state and group, and the
  // load generators' figures carried (all zero here).
  std::ofstream(path("boot.yaml")) << R"yaml(name: live-boot
seed: 5
end: 1m
sample: 5s
cluster:
  nodes:
    - {name: cucm-pub, publisher: true, services: [tftp, tvs, callmanager]}
fleet:
  - {name: desk, count: 30, model: CP-8861, firmware: "12.8(1)"}
  - {name: lobby, count: 30, model: CP-8841, firmware: "12.8(1)", fetch: tftp}
boot: {spread: 20s}
timeline:
  - {at: 0s, do: boot-all}
expect:
  - {at: end, trusted: "100%"}
)yaml";
  spawned_itlfleet serve(
      path("."), {"serve", "boot.yaml", "--tftp-port", "0", "--http-port", "0", "--tvs-port", "0"});
  ASSERT_TRUE(serve.wait_for_output("TVS tls", std::chrono::seconds(120))) << serve.describe();
  std::smatch m;
  const std::string said = serve.out();
  ASSERT_TRUE(
      std::regex_search(said, m, std::regex(R"(TFTP udp (\S+), HTTP tcp (\S+), TVS tls (\S+))")))
      << said;
  const std::vector<std::string> live = {"run",   "boot.yaml", "--engine", "live",   "--time-scale",
                                         "0.05",  "--tftp",    m[1].str(), "--http", m[2].str(),
                                         "--tvs", m[3].str(),  "-q"};
  auto live_run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = live;
    args.insert(args.end(), extra.begin(), extra.end());
    const run_result r = run_with(args);
    EXPECT_EQ(r.exit_code, 0) << describe(r);
  };
  live_run({"--out", "single"});
  for (int k = 0; k < 3; ++k)
    live_run({"--shard", std::to_string(k) + "/3", "--out", "live" + std::to_string(k)});
  const run_result merged = run_with({"merge", "merged", "live0", "live1", "live2"});
  ASSERT_EQ(merged.exit_code, 0) << describe(merged);
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait_exit(std::chrono::seconds(60)), 0) << serve.describe();

  const json::object one = summary_of(path("single"));
  const json::object all = summary_of(path("merged"));
  EXPECT_EQ(all.at("engine").as_string(), "live");
  EXPECT_EQ(all.at("final").at("trusted").as_int64(), 60);
  for (const char* key : {"phones", "final", "groups"})
    EXPECT_EQ(json::serialize(all.at(key)), json::serialize(one.at(key))) << key;
  for (const char* key : {"boots", "files_served", "tftp_refusals", "tftp_timeouts", "requests"})
    EXPECT_EQ(json::serialize(all.at("events").at(key)), json::serialize(one.at("events").at(key)))
        << key;
  ASSERT_TRUE(all.contains("load_generator"));
  EXPECT_EQ(all.at("load_generator").at("descriptors_exhausted").as_int64(), 0);
  EXPECT_GT(all.at("load_generator").at("peak_descriptors").as_int64(), 0)
      << "the shards' own figures, added";
}

TEST_F(MergeRuns, sweep_shards_merge_to_the_sweep_csv_of_one_process) {
  const std::vector<std::string> sweep = {"sweep",
                                          "double-regen-recovery",
                                          "--phones",
                                          "60",
                                          "-q",
                                          "--jobs",
                                          "2",
                                          "--vary",
                                          "cluster.tftp.max_serving_count=5,10,20",
                                          "--vary",
                                          "boot.spread=30s,1m"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = sweep;
    args.insert(args.end(), extra.begin(), extra.end());
    return run_with(args);
  };
  const run_result one = with({"--out", "one"});
  ASSERT_EQ(one.exit_code, 0) << describe(one);
  for (int k = 0; k < 4; ++k) {
    const run_result r =
        with({"--shard", std::to_string(k) + "/4", "--out", "sw" + std::to_string(k)});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_TRUE(fs::exists(path("sw" + std::to_string(k) + "/shard.json")));
  }
  // Shard 1 of 4 ran points 1 and 5 of 6.
  const std::string part = read_text(path("sw1/sweep.csv"));
  EXPECT_EQ(std::count(part.begin(), part.end(), '\n'), 3) << part;
  const run_result merged = run_with({"merge", "merged", "sw3", "sw2", "sw1", "sw0"});
  ASSERT_EQ(merged.exit_code, 0) << describe(merged);
  EXPECT_NE(merged.out.find("6 runs"), std::string::npos) << merged.out;
  EXPECT_EQ(read_text(path("merged/sweep.csv")), read_text(path("one/sweep.csv")));

  // Shards of a run and of a sweep do not mix; a search is not dealt out.
  ASSERT_EQ(small({"--shard", "0/4", "--out", "run0"}).exit_code, 0);
  const run_result mixed = run_with({"merge", "out", "run0", "sw1", "sw2", "sw3"});
  EXPECT_EQ(mixed.exit_code, 2) << describe(mixed);
  EXPECT_NE(mixed.err.find("not shards of the same kind"), std::string::npos) << describe(mixed);
  const run_result search = run_with({"sweep", "double-regen-recovery", "--phones", "60", "--vary",
                                      "cluster.tftp.max_serving_count=5,10,20", "--find",
                                      "locked == 0", "--shard", "0/2"});
  EXPECT_EQ(search.exit_code, 2) << describe(search);
  EXPECT_NE(search.err.find("--shard deals a grid's points"), std::string::npos)
      << describe(search);
}

}  // namespace
}  // namespace itlfleet
