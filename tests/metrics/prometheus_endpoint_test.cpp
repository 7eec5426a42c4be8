#include "itlfleet/metrics/prometheus_endpoint.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>

#include "http_scrape.hpp"
#include "itlfleet/metrics/prometheus_exporter.hpp"

namespace itlfleet::metrics {
namespace {

TEST(PushgatewayUrl, http_with_port_splits_into_host_and_port) {
  auto a = parse_pushgateway_url("http://127.0.0.1:9191/");
  ASSERT_TRUE(a) << a.err().message;
  EXPECT_EQ(a->host, "http://127.0.0.1");
  EXPECT_EQ(a->port, "9191");
}

TEST(PushgatewayUrl, default_ports_and_ipv6_brackets) {
  auto a = parse_pushgateway_url("http://[::1]");
  ASSERT_TRUE(a) << a.err().message;
  EXPECT_EQ(a->host, "http://[::1]");
  EXPECT_EQ(a->port, "9091");
  auto b = parse_pushgateway_url("https://push.example:8443");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->port, "8443");
}

TEST(PushgatewayUrl, rejects_missing_scheme_paths_and_bad_ports) {
  EXPECT_FALSE(parse_pushgateway_url("127.0.0.1:9091"));
  EXPECT_FALSE(parse_pushgateway_url("ftp://h:1"));
  EXPECT_FALSE(parse_pushgateway_url("http://h:9091/metrics/job/x"));
  EXPECT_FALSE(parse_pushgateway_url("http://h:99999"));
  EXPECT_FALSE(parse_pushgateway_url("http://:9091"));
}

TEST(PushgatewayGrouping, plain_values_go_as_they_are_others_in_base64url) {
  EXPECT_EQ(grouping_path_label("scenario", "double-regen_1.x"),
            (std::pair<std::string, std::string>{"scenario", "double-regen_1.x"}));
  // "a/b?" in base64url: YS9iPw==
  EXPECT_EQ(grouping_path_label("scenario", "a/b?"),
            (std::pair<std::string, std::string>{"scenario@base64", "YS9iPw=="}));
  EXPECT_EQ(grouping_path_label("scenario", ""),
            (std::pair<std::string, std::string>{"scenario@base64", "="}));
  EXPECT_EQ(grouping_path_label("s", "\xfb\xff").second, "-_8=");
}

/// GET `path` from loopback (127.0.0.1, or ::1 with `ipv6`) at `port` with a
/// plain socket; the whole answer.
TEST(PrometheusServer, serves_the_exporter_on_a_picked_loopback_port) {
  auto ex = std::make_shared<prometheus_exporter>(prometheus_run{"s", 7, "virtual", "0.1.0"},
                                                  std::vector<prometheus_group>{});
  auto server = prometheus_server::listen("127.0.0.1:0", ex);
  ASSERT_TRUE(server) << server.err().message;
  ASSERT_NE((*server)->port(), 0);
  const std::string page = http_get_metrics((*server)->port());
  EXPECT_NE(page.find("200 OK"), std::string::npos) << page;
  EXPECT_NE(page.find("itlfleet_run_info{"), std::string::npos) << page;
}

/// True when this machine has an IPv6 loopback to bind.
bool has_ipv6_loopback() {
  const int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

TEST(PrometheusServer, serves_on_the_ipv6_loopback_in_brackets) {
  if (!has_ipv6_loopback()) GTEST_SKIP() << "no IPv6 loopback on this machine";
  auto ex = std::make_shared<prometheus_exporter>(prometheus_run{"s", 7, "virtual", "0.1.0"},
                                                  std::vector<prometheus_group>{});
  auto server = prometheus_server::listen("[::1]:0", ex);
  ASSERT_TRUE(server) << server.err().message;
  const std::string page = http_get_metrics((*server)->port(), true);
  EXPECT_NE(page.find("200 OK"), std::string::npos) << page;
  EXPECT_NE(page.find("itlfleet_run_info{"), std::string::npos) << page;
}

TEST(PrometheusServer, other_paths_are_not_found) {
  auto ex =
      std::make_shared<prometheus_exporter>(prometheus_run{}, std::vector<prometheus_group>{});
  auto server = prometheus_server::listen("localhost:0", ex);
  ASSERT_TRUE(server) << server.err().message;
  EXPECT_NE(http_get_metrics((*server)->port(), false, "/").find("404"), std::string::npos);
}

/// The error of listening on `address`; fails the test when it listens.
std::string listen_error(const std::string& address) {
  auto ex =
      std::make_shared<prometheus_exporter>(prometheus_run{}, std::vector<prometheus_group>{});
  auto server = prometheus_server::listen(address, ex);
  EXPECT_FALSE(server) << address << " listened";
  return server ? std::string() : server.err().message;
}

TEST(PrometheusServer, malformed_or_taken_addresses_are_errors_that_say_which_and_why) {
  EXPECT_NE(listen_error("127.0.0.1").find("expected HOST:PORT"), std::string::npos);
  EXPECT_NE(listen_error("127.0.0.1:http").find("expected HOST:PORT"), std::string::npos);
  EXPECT_NE(listen_error("::1:9464").find("[::1]:9464"), std::string::npos)
      << "an IPv6 address needs brackets, and the message shows them";
  EXPECT_NE(listen_error("[nonsense]:9464").find("expected HOST:PORT"), std::string::npos);
  auto ex =
      std::make_shared<prometheus_exporter>(prometheus_run{}, std::vector<prometheus_group>{});
  auto first = prometheus_server::listen("127.0.0.1:0", ex);
  ASSERT_TRUE(first) << first.err().message;
  const std::string taken = "127.0.0.1:" + std::to_string((*first)->port());
  const std::string busy = listen_error(taken);
  EXPECT_NE(busy.find("cannot listen on " + taken), std::string::npos) << busy;
  EXPECT_NE(busy.find("in use"), std::string::npos) << busy;
  const std::string unknown = listen_error("no-such-host.invalid:9464");
  EXPECT_NE(unknown.find("cannot listen on no-such-host.invalid:9464: no address for host"),
            std::string::npos)
      << unknown;
}

TEST(PushMetrics, a_refused_connection_is_an_error_not_a_hang) {
  // Port 1 on loopback: nothing listens there (and binding it needs root).
  auto ex =
      std::make_shared<prometheus_exporter>(prometheus_run{}, std::vector<prometheus_group>{});
  auto to = parse_pushgateway_url("http://127.0.0.1:1");
  ASSERT_TRUE(to);
  auto s = push_metrics(*to, "itlfleet", {{"scenario", "x"}}, ex);
  ASSERT_FALSE(s);
  EXPECT_NE(s.err().message.find("cannot push to http://127.0.0.1:1: Couldn't connect to server"),
            std::string::npos)
      << "the URL and curl's reason, not a bare code: " << s.err().message;
}

}  // namespace
}  // namespace itlfleet::metrics
