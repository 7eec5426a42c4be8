#include "itlfleet/metrics/prometheus_endpoint.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>

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

/// GET /metrics from 127.0.0.1:port with a plain socket; the whole answer.
std::string http_get_metrics(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string req = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
        out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

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

TEST(PrometheusServer, malformed_or_taken_addresses_are_errors) {
  auto ex =
      std::make_shared<prometheus_exporter>(prometheus_run{}, std::vector<prometheus_group>{});
  EXPECT_FALSE(prometheus_server::listen("127.0.0.1", ex));
  EXPECT_FALSE(prometheus_server::listen("127.0.0.1:http", ex));
  auto first = prometheus_server::listen("127.0.0.1:0", ex);
  ASSERT_TRUE(first);
  EXPECT_FALSE(prometheus_server::listen("127.0.0.1:" + std::to_string((*first)->port()), ex));
}

TEST(PushMetrics, a_refused_connection_is_an_error_not_a_hang) {
  // Port 1 on loopback: nothing listens there (and binding it needs root).
  auto ex =
      std::make_shared<prometheus_exporter>(prometheus_run{}, std::vector<prometheus_group>{});
  auto to = parse_pushgateway_url("http://127.0.0.1:1");
  ASSERT_TRUE(to);
  auto s = push_metrics(*to, "itlfleet", {{"scenario", "x"}}, ex);
  ASSERT_FALSE(s);
  EXPECT_NE(s.err().message.find("cannot push"), std::string::npos) << s.err().message;
}

}  // namespace
}  // namespace itlfleet::metrics
