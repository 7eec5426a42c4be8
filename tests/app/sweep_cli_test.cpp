// `itlfleet sweep` as a user runs it: the threshold it finds, the point run
// alone with `itlfleet run`, --jobs, and the errors a user can make.

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli_fixture.hpp"
#include "itlfleet/sim/utf8.hpp"

namespace itlfleet {
namespace {

/// The end-to-end fixture (cli_fixture.hpp) under this suite's name.
using outcome = run_result;
using SweepCli = Cli;

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

/// sweep.csv rows (no quoted fields in these tests) as column → value.
std::vector<std::map<std::string, std::string>> csv_rows(const std::string& csv) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  const auto header = split(line, ',');
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    const auto cells = split(line, ',');
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

/// A number of summary.json's "final" object.
std::string final_count(const std::string& summary, const std::string& key) {
  const auto final_at = summary.find("\"final\": {");
  const auto at = summary.find("\"" + key + "\": ", final_at);
  if (final_at == std::string::npos || at == std::string::npos) return "?";
  const auto start = at + key.size() + 4;
  return summary.substr(start, summary.find_first_of(",\n}", start) - start);
}

// The issue's acceptance test: how long after the CallManager regeneration
// may TVS be regenerated on hold-timer-too-short so that no phone locks?
// The threshold point, run alone, ends with the counts the sweep reported.
TEST_F(SweepCli, finds_the_regeneration_delay_where_locked_reaches_zero_and_run_agrees) {
  const auto s = run({"sweep", "hold-timer-too-short", "--vary", "timeline[2].at=15m..30m/30s",
                      "--find", "locked == 0", "--out", "s"});
  ASSERT_EQ(s.exit_code, 0) << s.out << s.err;
  EXPECT_NE(s.out.find("locked == 0 holds from timeline[2].at=21m30s on (fails at 21m)"),
            std::string::npos)
      << s.out;
  ASSERT_TRUE(fs::exists(dir_ / "s" / "threshold.yaml"));

  const auto rows = csv_rows(read_text(dir_ / "s" / "sweep.csv"));
  const std::map<std::string, std::string>* threshold = nullptr;
  const std::map<std::string, std::string>* before = nullptr;
  for (const auto& row : rows) {
    if (row.at("timeline[2].at") == "21m30s") threshold = &row;
    if (row.at("timeline[2].at") == "21m") before = &row;
  }
  ASSERT_NE(threshold, nullptr);
  ASSERT_NE(before, nullptr);  // the run on the other side of the boundary
  EXPECT_EQ(threshold->at("locked"), "0");
  EXPECT_EQ(threshold->at("find: locked == 0"), "held");
  EXPECT_NE(before->at("locked"), "0");
  EXPECT_EQ(before->at("find: locked == 0"), "failed");

  const auto alone = run({"run", "s/threshold.yaml", "--out", "r", "-q"});
  ASSERT_NE(alone.exit_code, 2) << alone.err;
  const std::string summary = read_text(dir_ / "r" / "summary.json");
  for (const char* key : {"offline", "booting", "trusted", "locked", "no_itl", "unreachable",
                          "stale", "unrecoverable", "recovered", "ever_locked"})
    EXPECT_EQ(final_count(summary, key), threshold->at(key)) << key;
  EXPECT_NE(summary.find("\"seed\": " + threshold->at("seed")), std::string::npos);
}

TEST_F(SweepCli, jobs_1_and_jobs_2_write_identical_files) {
  for (const char* jobs : {"1", "2"}) {
    const auto r = run({"sweep", "hold-timer-too-short", "--vary", "timeline[2].at=15m..18m/1m",
                        "--vary", "cluster.tftp.max_serving_count=100,200", "--phones", "8000",
                        "--seeds", "2", "--jobs", jobs, "--out", std::string("j") + jobs});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  for (const char* f : {"sweep.csv", "sweep.json", "report.html"}) {
    const std::string one = read_text(dir_ / "j1" / f);
    EXPECT_FALSE(one.empty()) << f;
    EXPECT_EQ(one, read_text(dir_ / "j2" / f)) << f;
    EXPECT_TRUE(is_valid_utf8(one)) << f;
  }
  // 4 x 2 points x 2 seeds, and a header.
  EXPECT_EQ(csv_rows(read_text(dir_ / "j1" / "sweep.csv")).size(), 16u);
}

TEST_F(SweepCli, exits_1_when_the_range_holds_no_threshold) {
  const auto r = run({"sweep", "hold-timer-too-short", "--vary", "timeline[2].at=25m..30m/1m",
                      "--find", "locked == 0", "-q"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("holds at every point tried from 25m to 30m"), std::string::npos) << r.out;
}

TEST_F(SweepCli, a_printed_point_runs_alone) {
  const auto p = run({"sweep", "hold-timer-too-short", "--vary", "phones=1000,2000", "--vary",
                      "timeline[2].at=15m,20m", "--print-point", "3"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(p.out.rfind("# itlfleet sweep point: phones=2000, timeline[2].at=20m, seed 5\n", 0), 0u)
      << p.out;
  std::ofstream(dir_ / "p.yaml") << p.out;
  const auto r = run({"run", "p.yaml", "-q"});
  EXPECT_NE(r.exit_code, 2) << r.err;
  EXPECT_NE(r.out.find(": 2000 phones, seed 5"), std::string::npos) << r.out;
}

TEST_F(SweepCli, bad_options_and_scenarios_exit_2_naming_the_culprit) {
  struct bad_case {
    std::vector<std::string> args;
    std::string says;
  };
  std::ofstream(dir_ / "broken.yaml") << "cluster:\n  nodes:\n    - {name: a, publisher: true}\n"
                                         "fleet:\n  - {count: 10}\nboot: {spred: 60s}\n";
  const std::vector<bad_case> cases = {
      {{"sweep", "hold-timer-too-short"}, "--vary is required"},
      {{"sweep", "hold-timer-too-short", "--vary", "phones"}, "KEY=VALUES"},
      {{"sweep", "hold-timer-too-short", "--vary", "timeline[2].at=1m..10m/0s"},
       "step must not be 0"},
      {{"sweep", "hold-timer-too-short", "--vary", "cluster.tftp.max_serving=1,2"},
       "--vary cluster.tftp.max_serving=1: unknown key 'max_serving' in cluster.tftp"},
      {{"sweep", "hold-timer-too-short", "--vary", "timeline[2].at=15m,50m"},
       "--vary timeline[2].at=50m: timeline[2].at"},
      {{"sweep", "broken.yaml", "--vary", "phones=1,2"}, "broken.yaml:6:8:"},
      {{"sweep", "no-such-scenario", "--vary", "phones=1,2"}, "built-in scenarios:"},
      {{"sweep", "hold-timer-too-short", "--vary", "phones=1..20000"}, "--max-points"},
      {{"sweep", "hold-timer-too-short", "--vary", "phones=1,2", "--find", "lockd == 0"},
       "--find 'lockd == 0'"},
      {{"sweep", "hold-timer-too-short", "--vary", "phones=1,2", "--vary", "seed=1,2", "--find",
        "locked == 0"},
       "--along"},
      {{"sweep", "hold-timer-too-short", "--vary", "phones=1,2", "--jobs", "0"}, "--jobs"},
      {{"sweep", "hold-timer-too-short", "--vary", "sample=1ms"}, "--allow-large"},
  };
  for (const auto& c : cases) {
    std::string cmd = "cd " + quote(dir_.string()) + " && " + quote(ITLFLEET_BIN);
    for (const auto& a : c.args) cmd += " " + quote(a);
    cmd += " >/dev/null 2>" + quote((dir_ / "stderr.txt").string());
    const int status = std::system(cmd.c_str());
    const std::string err = read_text(dir_ / "stderr.txt");
    EXPECT_EQ(WEXITSTATUS(status), 2) << c.args.back() << ": " << err;
    EXPECT_NE(err.find(c.says), std::string::npos) << "expected '" << c.says << "' in: " << err;
  }
  EXPECT_FALSE(fs::exists(dir_ / "sweep.csv"));
}

/// A calibration as `itlfleet calibrate` writes it: a server 250 times
/// slower per block than the defaults, refusing past 4 transfers.
void write_slow_calibration(const fs::path& file) {
  std::ofstream(file) << "# itlfleet calibration of a TFTP server: cluster settings for the "
                         "virtual engine.\n# server: 127.0.1.1:6969\n# file: ITLFile.tlv (4611 "
                         "bytes, 10 blocks)\n# date: 2026-12-03T17:00:00Z\ntftp:\n  rtt: 1ms\n  "
                         "block_cost: 5ms\n  max_serving_count: 4\n  loss: 0\n";
}

TEST_F(SweepCli, a_calibration_sets_every_points_tftp_model_and_the_outputs_name_it) {
  write_slow_calibration(dir_ / "slow.yaml");
  std::ofstream(dir_ / "reset.yaml") << R"(name: reset
seed: 3
end: 3m
sample: 1s
cluster:
  nodes:
    - {name: cucm-pub, publisher: true}
fleet:
  - {name: desk, count: 300, fetch: tftp}
boot: {spread: 20s, reboot: 5s, reboot_jitter: 2s, reset_spread: 0s}
timeline:
  - {at: 0s, do: boot-all}
  - {at: 40s, do: reset all devices}
)";
  // The calibration's serving count (4) gives way to the varied one.
  for (const char* out : {"calibrated", "defaults"}) {
    std::vector<std::string> args = {
        "sweep", "reset.yaml", "--vary", "cluster.tftp.max_serving_count=2,8", "--out", out, "-q"};
    if (std::string(out) == "calibrated") {
      args.emplace_back("--calibration");
      args.emplace_back("slow.yaml");
    }
    const auto r = run(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const auto slow = csv_rows(read_text(dir_ / "calibrated" / "sweep.csv"));
  const auto fast = csv_rows(read_text(dir_ / "defaults" / "sweep.csv"));
  ASSERT_EQ(slow.size(), 2u);
  ASSERT_EQ(fast.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(slow[k].at("tftp_calibration"), "slow.yaml");
    EXPECT_EQ(fast[k].at("tftp_calibration"), "defaults");
    EXPECT_EQ(slow[k].at("peak_tftp_transfers"), k == 0 ? "2" : "8");
    // 600 downloads at 5 ms a block: the slow server's fleet settles more
    // than twice as late as the default one's.
    EXPECT_GT(std::stod(slow[k].at("settled_s")), 2 * std::stod(fast[k].at("settled_s")))
        << "point " << k;
  }
  const std::string json = read_text(dir_ / "calibrated" / "sweep.json");
  EXPECT_NE(json.find("\"tftp_calibration\": {\n    \"file\": \"slow.yaml\",\n    \"server\": "
                      "\"127.0.1.1:6969\",\n    \"date\": \"2026-12-03T17:00:00Z\""),
            std::string::npos)
      << json;
  EXPECT_NE(read_text(dir_ / "defaults" / "sweep.json").find("\"tftp_calibration\": \"defaults\""),
            std::string::npos);
  EXPECT_NE(
      read_text(dir_ / "calibrated" / "report.html").find("calibration <code>slow.yaml</code>"),
      std::string::npos);

  // A point alone carries the calibrated settings and says where they come from.
  const auto p = run({"sweep", "reset.yaml", "--vary", "cluster.tftp.max_serving_count=2,8",
                      "--calibration", "slow.yaml", "--print-point", "1"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(
      p.out.find("# cluster server settings from calibration slow.yaml (server 127.0.1.1:6969"),
      std::string::npos)
      << p.out;
  EXPECT_NE(p.out.find("block_cost: 5ms"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("max_serving_count: 8"), std::string::npos) << p.out;

  // Every service the calibration measured reaches the points, as in `run`.
  std::ofstream(dir_ / "both.yaml")
      << "# server: 127.0.1.1:6969, 127.0.1.1:6970\n# date: 2026-12-03T17:00:00Z\ntftp:\n"
         "  rtt: 1ms\n  block_cost: 5ms\n  max_serving_count: 4\n  loss: 0\nhttp:\n"
         "  rtt: 1ms\n  request_cost: 7ms\n  workers: 3\n  max_serving_count: 9\n";
  const auto both = run({"sweep", "reset.yaml", "--vary", "cluster.tftp.max_serving_count=2,8",
                         "--calibration", "both.yaml", "--print-point", "0"});
  ASSERT_EQ(both.exit_code, 0) << both.err;
  EXPECT_NE(both.out.find("request_cost: 7ms"), std::string::npos) << both.out;
  EXPECT_NE(both.out.find("workers: 3"), std::string::npos) << both.out;

  // Shards run on another calibration are another run: not merged.
  for (const char* shard : {"0/2", "1/2"}) {
    std::vector<std::string> args = {
        "sweep",   "reset.yaml", "--vary", "cluster.tftp.max_serving_count=2,8",
        "--shard", shard,        "--out",  std::string("s") + shard[0],
        "-q"};
    if (shard[0] == '0') args.insert(args.end(), {"--calibration", "slow.yaml"});
    ASSERT_EQ(run(args).exit_code, 0) << shard;
  }
  const auto merged = run({"merge", "m", "s0", "s1"});
  EXPECT_EQ(merged.exit_code, 2);
  EXPECT_NE(merged.err.find("different tftp_calibration"), std::string::npos) << merged.err;

  std::ofstream(dir_ / "bad.yaml") << "tftp:\n  block_cost: fast\n";
  const auto bad =
      run({"sweep", "reset.yaml", "--vary", "phones=10,20", "--calibration", "bad.yaml"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--calibration: bad.yaml:2"), std::string::npos) << bad.err;
  const auto missing =
      run({"sweep", "reset.yaml", "--vary", "phones=10,20", "--calibration", "none.yaml"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("none.yaml: cannot read calibration"), std::string::npos)
      << missing.err;
}

TEST_F(SweepCli, run_and_sweep_give_one_node_its_own_calibration_and_refuse_an_unknown_node) {
  write_slow_calibration(dir_ / "slow.yaml");
  // Two nodes, each the only TFTP server of its 300 phones; cucm-sub's is
  // calibrated slow (5 ms a block, 4 transfers), cucm-pub keeps the defaults.
  std::ofstream(dir_ / "two.yaml") << R"(name: two
seed: 3
end: 4m
sample: 1s
cluster:
  nodes:
    - {name: cucm-pub, publisher: true}
    - {name: cucm-sub}
fleet:
  - {name: pub-desk, count: 300, fetch: tftp, tftp: [cucm-pub], tvs: [cucm-pub]}
  - {name: sub-desk, count: 300, fetch: tftp, tftp: [cucm-sub], tvs: [cucm-sub]}
boot: {spread: 20s, reboot: 5s, reboot_jitter: 2s, reset_spread: 0s}
timeline:
  - {at: 0s, do: boot-all}
)";
  const auto r =
      run({"run", "two.yaml", "--calibration", "cucm-sub=slow.yaml", "--out", "run", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string summary = read_text(dir_ / "run" / "summary.json");
  EXPECT_NE(summary.find("\"tftp_calibration\": \"defaults\""), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"node_calibrations\": [\n    {\n      \"node\": \"cucm-sub\",\n      "
                         "\"file\": \"slow.yaml\""),
            std::string::npos)
      << summary;
  EXPECT_NE(read_text(dir_ / "run" / "report.html").find("node cucm-sub: calibration"),
            std::string::npos);

  const auto unknown = run({"run", "two.yaml", "--calibration", "cucm-sbu=slow.yaml"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown node 'cucm-sbu'; defined nodes: cucm-pub, cucm-sub"),
            std::string::npos)
      << unknown.err;

  // The sweep: every point runs cucm-sub on its calibration, whatever the
  // cluster's varied count; the outputs and a printed point say so.
  const auto sw = run({"sweep", "two.yaml", "--vary", "cluster.tftp.max_serving_count=50,100",
                       "--calibration", "cucm-sub=slow.yaml", "--out", "sw", "-q"});
  ASSERT_EQ(sw.exit_code, 0) << sw.err;
  const auto rows = csv_rows(read_text(dir_ / "sw" / "sweep.csv"));
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows)
    EXPECT_EQ(row.at("tftp_calibration"), "defaults; cucm-sub=slow.yaml");
  EXPECT_NE(read_text(dir_ / "sw" / "sweep.json").find("\"node_calibrations\""), std::string::npos);
  const auto p = run({"sweep", "two.yaml", "--vary", "cluster.tftp.max_serving_count=50,100",
                      "--calibration", "cucm-sub=slow.yaml", "--print-point", "0"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.out.find("# node cucm-sub's server settings from calibration slow.yaml"),
            std::string::npos)
      << p.out;
  EXPECT_NE(p.out.find("block_cost: 5ms"), std::string::npos) << p.out;
  const auto bad =
      run({"sweep", "two.yaml", "--vary", "phones=10,20", "--calibration", "nosuch=slow.yaml"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown node 'nosuch'"), std::string::npos) << bad.err;
}

TEST_F(SweepCli, help_names_every_option) {
  const auto r = run({"sweep", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* option :
       {"--vary", "--find", "--along", "--phones", "--seed", "--seeds", "--jobs", "--out",
        "--max-points", "--print-point", "--allow-large", "--calibration", "Exit status"})
    EXPECT_NE(r.out.find(option), std::string::npos) << option;
}

}  // namespace
}  // namespace itlfleet
