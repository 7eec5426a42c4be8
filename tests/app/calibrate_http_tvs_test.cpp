// `itlfleet calibrate --http --tvs` against `itlfleet serve` made slow on
// purpose: the known answer. The served HTTP server works on 2 requests at
// once, 10 ms each (--http-request-cost 10 --http-workers 2), and answers
// 503 past 8 requests in the server; the TVS works on 2 connections at once
// (--tvs-concurrency 2), each 20 ms before its TLS handshake and 5 ms per
// query. The fit must find: request_cost within ±30% of 10 ms, 2 workers, a
// serving count of 8; a handshake from 20 ms (its cost) to 30 ms (the real
// TLS handshake comes on top), a query within ±30% of 5 ms, 2 slots. One
// invocation measures both, as a user calibrating a node would. Loopback
// only; about 30 s of bounded load.

#include <signal.h>

#include <regex>

#include "calibration_text.hpp"
#include "cli_fixture.hpp"
#include "spawned_itlfleet.hpp"

namespace itlfleet {
namespace {

TEST_F(Cli, calibrate_finds_the_capacity_of_a_slowed_http_server_and_tvs_in_one_run) {
  spawned_itlfleet server(dir_, {"serve",
                                 "pre-10-itl",
                                 "--tftp-port",
                                 "0",
                                 "--http-port",
                                 "0",
                                 "--tvs-port",
                                 "0",
                                 "--http-request-cost",
                                 "10",
                                 "--http-workers",
                                 "2",
                                 "--http-serving-count",
                                 "8",
                                 "--tvs-handshake-cost",
                                 "20",
                                 "--tvs-query-cost",
                                 "5",
                                 "--tvs-concurrency",
                                 "2"});
  ASSERT_TRUE(server.started());
  // The server binds port 0 and reports the ports it got: no race for a port.
  ASSERT_TRUE(server.wait_for_output("TVS tls ", std::chrono::seconds(60))) << server.describe();
  std::smatch m;
  const std::string out = server.out();
  ASSERT_TRUE(std::regex_search(
      out, m, std::regex("HTTP tcp (127\\.[0-9.]+:[0-9]+), TVS tls (127\\.[0-9.]+:[0-9]+)")));
  const std::string http = m[1], tvs = m[2];

  const auto r = run({"calibrate", "--http", http, "--tvs", tvs, "--ceiling", "300",
                      "--step-duration", "2s", "--steps", "8", "--out", "cal"});
  server.signal(SIGTERM);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Both saturate below the ceiling: HTTP at 200/s, TVS at 80/s.
  EXPECT_NE(r.err.find("HTTP step 1: offered 18.8/s"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("TVS step 1: offered 18.8/s"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("; handshakes "), std::string::npos) << r.err;

  const std::string yaml = read_text(dir_ / "cal" / "calibration.yaml");
  EXPECT_NE(yaml.find("# server: " + http + ", " + tvs + "\n"), std::string::npos) << yaml;
  const auto http_at = yaml.find("\nhttp:\n"), tvs_at = yaml.find("\ntvs:\n");
  ASSERT_NE(http_at, std::string::npos) << yaml;
  ASSERT_NE(tvs_at, std::string::npos) << yaml;
  const std::string h = yaml.substr(http_at, tvs_at - http_at), t = yaml.substr(tvs_at);
  const long long cost = value_after(h, "request_cost:");
  EXPECT_GE(cost, 7000) << yaml << r.err;   // 10 ms - 30%
  EXPECT_LE(cost, 13000) << yaml << r.err;  // 10 ms + 30%
  EXPECT_EQ(value_after(h, "workers:"), 2) << yaml << r.err;
  EXPECT_EQ(value_after(h, "max_serving_count:"), 8) << yaml << r.err;
  const long long handshake = value_after(t, "handshake:");
  EXPECT_GE(handshake, 20000) << yaml << r.err;
  EXPECT_LE(handshake, 30000) << yaml << r.err;
  const long long query = value_after(t, "query:");
  EXPECT_GE(query, 3500) << yaml << r.err;  // 5 ms - 30%
  EXPECT_LE(query, 6500) << yaml << r.err;  // 5 ms + 30%
  EXPECT_EQ(value_after(t, "concurrency:"), 2) << yaml << r.err;

  const std::string html = read_text(dir_ / "cal" / "calibration.html");
  EXPECT_NE(html.find("<h2>HTTP 6970 server " + http + "</h2>"), std::string::npos);
  EXPECT_NE(html.find("<h2>TVS server " + tvs + "</h2>"), std::string::npos);

  // The fragment is a cluster's settings a virtual run takes.
  const auto run_r = run({"run", "pre-10-itl", "--phones", "20", "--calibration",
                          "cal/calibration.yaml", "--out", "run"});
  EXPECT_LE(run_r.exit_code, 1) << run_r.err;
  EXPECT_NE(read_text(dir_ / "run" / "summary.json").find("\"server\": \"" + http + ", " + tvs),
            std::string::npos);
  server.wait_exit(std::chrono::seconds(30));
}

TEST_F(Cli, calibrate_needs_a_server_and_checks_every_address_before_sending) {
  auto r = run({"calibrate", "--ceiling", "10"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--tftp, --http or --tvs"), std::string::npos) << r.err;
  // A bad TVS address is refused before the TFTP server is sent anything.
  r = run({"calibrate", "--tftp", "127.0.0.1:9", "--tvs", "tvs.example", "--ceiling", "10"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--tvs"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("calibrating"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace itlfleet
