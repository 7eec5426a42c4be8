// `itlfleet calibrate` against `itlfleet serve` made slow on purpose: the
// known answer. The served TFTP server spends --tftp-block-cost 2 ms per DATA
// packet (transfers taking turns, like the station) and refuses past
// --tftp-serving-count 4; the fit must find block_cost within ±30% of 2 ms
// and a serving count of 4. Loopback only; about 15 s of bounded load.

#include <signal.h>

#include <algorithm>
#include <regex>

#include "calibration_text.hpp"
#include "cli_fixture.hpp"
#include "spawned_itlfleet.hpp"

namespace itlfleet {
namespace {

/// `itlfleet serve pre-10-itl` on ports it picks, slowed by `options`.
std::vector<std::string> slowed_serve(std::initializer_list<std::string> options) {
  std::vector<std::string> args{"serve",       "pre-10-itl", "--tftp-port", "0",
                                "--http-port", "0",          "--tvs-port",  "0"};
  args.insert(args.end(), options);
  return args;
}

/// The TFTP address `server` reports (it binds port 0 and says which port it
/// got: no race for a port); empty when it does not start.
std::string tftp_endpoint(spawned_itlfleet& server) {
  if (!server.started() || !server.wait_for_output("TFTP udp ", std::chrono::seconds(60)))
    return {};
  std::smatch m;
  const std::string out = server.out();
  if (!std::regex_search(out, m, std::regex("TFTP udp (127\\.[0-9.]+:[0-9]+)"))) return {};
  return m[1];
}

TEST_F(Cli, calibrate_finds_the_block_cost_and_serving_count_of_a_slowed_server) {
  spawned_itlfleet server(dir_,
                          slowed_serve({"--tftp-block-cost", "2", "--tftp-serving-count", "4"}));
  const std::string endpoint = tftp_endpoint(server);
  ASSERT_FALSE(endpoint.empty()) << server.describe();

  const auto r = run({"calibrate", "--tftp", endpoint, "--ceiling", "80", "--step-duration", "2s",
                      "--steps", "8", "--out", "cal"});
  server.signal(SIGTERM);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("step 1: offered 5.0/s"), std::string::npos) << r.err;

  const std::string yaml = read_text(dir_ / "cal" / "calibration.yaml");
  EXPECT_NE(yaml.find("# server: " + endpoint + "\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("# file: ITLFile.tlv ("), std::string::npos) << yaml;
  const long long block_cost = value_after(yaml, "block_cost:");
  EXPECT_GE(block_cost, 1400) << yaml << r.err;  // 2 ms - 30%
  EXPECT_LE(block_cost, 2600) << yaml << r.err;  // 2 ms + 30%
  EXPECT_EQ(value_after(yaml, "max_serving_count:"), 4) << yaml << r.err;

  const std::string html = read_text(dir_ / "cal" / "calibration.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("max_serving_count 4"), std::string::npos);

  // The fragment is a cluster's settings a run takes.
  const auto run_r = run({"run", "pre-10-itl", "--phones", "20", "--calibration",
                          "cal/calibration.yaml", "--out", "run"});
  EXPECT_LE(run_r.exit_code, 1) << run_r.err;
  const std::string summary = read_text(dir_ / "run" / "summary.json");
  EXPECT_NE(summary.find("\"tftp_calibration\": {\n    \"file\": \"cal/calibration.yaml\",\n    "
                         "\"server\": \"" +
                         endpoint + "\""),
            std::string::npos)
      << summary;
  server.wait_exit(std::chrono::seconds(30));
}

// A server that thrashes past a concurrency, the known answer of the knee:
// 2 ms a DATA packet, and past 4 transfers in progress 2 ms more per
// transfer (`serve --tftp-knee 4 --tftp-knee-slowdown 2`). Offered past its
// capacity (55/s) the transfers run away and completed downloads/s falls;
// the fit must give a knee. The steps hold no download between the knee and
// the runaway's ~24 transfers, so the knee itself is found within 1 to 12
// (4 - 3, 4 x 3), and what phones meet past it, a block's cost at 24
// transfers (2 + 2 x 20 = 42 ms), within ±35%. `--past-saturation 1`
// offers one step more after the saturated one. About 30 s of load.
TEST_F(Cli, calibrate_finds_the_knee_of_a_server_whose_throughput_falls) {
  spawned_itlfleet server(dir_, slowed_serve({"--tftp-block-cost", "2", "--tftp-knee", "4",
                                              "--tftp-knee-slowdown", "2"}));
  const std::string endpoint = tftp_endpoint(server);
  ASSERT_FALSE(endpoint.empty()) << server.describe();

  const auto r = run({"calibrate", "--tftp", endpoint, "--ceiling", "80", "--step-duration", "2s",
                      "--steps", "8", "--past-saturation", "1", "--out", "cal"});
  server.signal(SIGTERM);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string yaml = read_text(dir_ / "cal" / "calibration.yaml");
  // One step more after the saturated one, unless that was the last.
  if (yaml.find(" over 8 steps") == std::string::npos) {
    EXPECT_NE(yaml.find("(then 1 more step)\n"), std::string::npos) << yaml;
  }
  EXPECT_NE(yaml.find("  # knee fitted: completed downloads/s fell"), std::string::npos) << yaml;
  const long long knee = value_after(yaml, "\n  knee:");
  EXPECT_GE(knee, 1) << yaml << r.err;
  EXPECT_LE(knee, 12) << yaml << r.err;
  const long long cost = value_after(yaml, "block_cost:");
  const long long slowdown = value_after(yaml, "knee_slowdown:");
  ASSERT_GT(slowdown, 0) << yaml;
  const double at_24 = static_cast<double>(cost + slowdown * std::max(0LL, 24 - knee));
  EXPECT_GE(at_24, 42000 * 0.65) << yaml << r.err;
  EXPECT_LE(at_24, 42000 * 1.35) << yaml << r.err;

  // The fragment, knee included, is a cluster's settings a run takes.
  const auto run_r = run({"run", "pre-10-itl", "--phones", "20", "--calibration",
                          "cal/calibration.yaml", "--out", "run"});
  EXPECT_LE(run_r.exit_code, 1) << run_r.err;
  server.wait_exit(std::chrono::seconds(30));
}

TEST_F(Cli, calibrate_refuses_a_missing_ceiling_and_a_bad_server) {
  EXPECT_EQ(run({"calibrate", "--tftp", "127.0.0.1"}).exit_code, 2);
  const auto r = run({"calibrate", "--tftp", "not-an-address", "--ceiling", "10"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--tftp"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace itlfleet
