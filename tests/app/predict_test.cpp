// Prediction checked against measurement, end to end over loopback:
// `itlfleet calibrate` against `itlfleet serve` slowed on purpose, the same
// reset run live against that server and virtually with the calibration,
// and `itlfleet compare` between the two. Also the calibration's Prometheus
// view, scraped while it runs. Real time: alone.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <regex>

#include "cli_fixture.hpp"
#include "spawned_itlfleet.hpp"

namespace itlfleet {
namespace {

/// GET /metrics from 127.0.0.1:port; the whole answer, or "" on failure.
std::string scrape(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string page;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string req = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) page.append(buf, n);
    }
  }
  ::close(fd);
  return page;
}

/// The value of the series `series` (name and labels as scraped), or -1.
double value_of(const std::string& page, const std::string& series) {
  const auto at = page.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(page.substr(at + series.size() + 2));
}

/// `itlfleet serve SCENARIO` slowed to `block_cost_ms` a block, in its own
/// directory (its stdout must not mix with the commands the test runs).
struct slow_server {
  slow_server(const fs::path& dir, const fs::path& scenario, const std::string& block_cost_ms)
      : process((fs::create_directories(dir), dir),
                {"serve", scenario.string(), "--tftp-port", "0", "--http-port", "0", "--tvs-port",
                 "0", "--tftp-block-cost", block_cost_ms}) {}
  /// Waits for the server to report its ports (it binds port 0: no race).
  bool ready() {
    if (!process.started() || !process.wait_for_output("TFTP udp ", std::chrono::seconds(60)))
      return false;
    std::smatch m;
    const std::string out = process.out();
    if (!std::regex_search(
            out, m, std::regex("TFTP udp (127\\.[0-9.]+:[0-9]+).*TVS tls (127\\.[0-9.]+:[0-9]+)")))
      return false;
    tftp = m[1];
    tvs = m[2];
    return true;
  }
  ~slow_server() {
    process.signal(SIGTERM);
    process.wait_exit(std::chrono::seconds(30));
  }
  spawned_itlfleet process;
  std::string tftp, tvs;
};

TEST_F(Cli, calibrate_serves_its_progress_to_prometheus_while_it_runs) {
  slow_server server(dir_ / "server", "pre-10-itl", "1");
  ASSERT_TRUE(server.ready()) << server.process.describe();
  fs::create_directories(dir_ / "calibrate");
  spawned_itlfleet cal(dir_ / "calibrate", {"calibrate", "--tftp", server.tftp, "--ceiling", "40",
                                            "--steps", "3", "--step-duration", "1s", "--out", "cal",
                                            "--metrics", "127.0.0.1:0", "--linger", "60s"});
  ASSERT_TRUE(cal.wait_for_output("/metrics (port ", std::chrono::seconds(30))) << cal.describe();
  std::smatch m;
  const std::string err = cal.err();
  ASSERT_TRUE(std::regex_search(err, m, std::regex("/metrics \\(port ([0-9]+)\\)")));
  const int port = std::stoi(m[1]);

  // While it measures: a step under way, its rate offered, requests counted.
  std::string during;
  for (int attempt = 0; attempt < 200 && value_of(during, "itlfleet_calibration_step") < 1;
       ++attempt) {
    during = scrape(port);
    ::usleep(50'000);
  }
  EXPECT_GE(value_of(during, "itlfleet_calibration_step"), 1) << during;
  EXPECT_GE(value_of(during, "itlfleet_calibration_offered_requests_per_second"), 2.5) << during;
  EXPECT_EQ(value_of(during, "itlfleet_calibration_complete"), 0) << during;

  // At the end: the last step, the ceiling, every request finished and counted.
  ASSERT_TRUE(cal.wait_for_output("serving the final metrics", std::chrono::seconds(60)))
      << cal.describe();
  const std::string after = scrape(port);
  EXPECT_EQ(value_of(after, "itlfleet_calibration_complete"), 1) << after;
  EXPECT_EQ(value_of(after, "itlfleet_calibration_step"), 3) << after;
  EXPECT_EQ(value_of(after, "itlfleet_calibration_offered_requests_per_second"), 40) << after;
  EXPECT_EQ(value_of(after, "itlfleet_calibration_downloads_in_flight"), 0) << after;
  // The step lines say how many requests each step sent: 3 + 10 + 40 (rounded rate x 1 s).
  double sent = 0;
  for (const char* result : {"ok", "refused", "timeout", "error"})
    sent += value_of(after,
                     std::string("itlfleet_calibration_requests_total{result=\"") + result + "\"}");
  EXPECT_EQ(sent, 53) << after << cal.err();
  EXPECT_GT(value_of(after, "itlfleet_calibration_requests_total{result=\"ok\"}"), 40) << after;
  EXPECT_GT(value_of(after, "itlfleet_calibration_latency_seconds{percentile=\"90\"}"), 0.001)
      << after;         // 10 blocks at 1 ms each at least
  cal.signal(SIGTERM);  // ends the linger
  EXPECT_EQ(cal.wait_exit(std::chrono::seconds(30)), 0) << cal.describe();
}

}  // namespace
}  // namespace itlfleet
