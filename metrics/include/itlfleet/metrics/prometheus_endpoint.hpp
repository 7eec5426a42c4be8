#pragma once
/// Where a run's Prometheus metrics go: served on GET /metrics while the run
/// goes (a Boost.Beast server on a thread of its own), or pushed once to a
/// Pushgateway at the end (prometheus-cpp's Gateway, curl).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <prometheus/collectable.h>

#include "itlfleet/sim/result.hpp"

namespace itlfleet::metrics {

/// An HTTP server answering GET /metrics with one collectable's families
/// (text format 0.0.4; other paths 404). Threads: one of its own, which
/// calls Collect(): the collectable must be thread-safe. Destroying it stops
/// the server.
class prometheus_server {
 public:
  /// Listens on `address`, "HOST:PORT": an IPv4 address, an IPv6 one in
  /// brackets ("[::1]:9464") or a name (its first address); port 0 picks a
  /// free one. Errors name the address and the reason: malformed, a host
  /// with no address, a port in use, an address not on this machine.
  static result<std::unique_ptr<prometheus_server>> listen(
      const std::string& address, std::weak_ptr<prometheus::Collectable> metrics);
  ~prometheus_server();
  prometheus_server(const prometheus_server&) = delete;
  prometheus_server& operator=(const prometheus_server&) = delete;

  /// The port it listens on (the one picked, for port 0).
  std::uint16_t port() const { return port_; }

 private:
  prometheus_server() = default;
  struct impl;
  std::unique_ptr<impl> impl_;
  std::uint16_t port_ = 0;
};

/// A Pushgateway's base URL split as prometheus-cpp's Gateway takes it.
struct pushgateway_address {
  std::string host;  ///< scheme and host, e.g. "http://127.0.0.1"
  std::string port;  ///< e.g. "9091"
};

/// Reads "http://HOST:PORT" or "https://HOST[:PORT]" (a trailing "/" is
/// allowed; a path is not: Gateway appends /metrics/job/... itself).
/// Default ports: 9091 for http, 443 for https.
result<pushgateway_address> parse_pushgateway_url(std::string_view url);

/// One grouping-key label as a URL path pair: values made of
/// [A-Za-z0-9._-] go as they are, others as "name@base64" with the value in
/// base64url (the Pushgateway's encoding), so any scenario name is safe.
std::pair<std::string, std::string> grouping_path_label(const std::string& name,
                                                        const std::string& value);

/// Pushes `metrics` to the group (job, grouping...) with PUT, replacing what
/// the group held. Blocks until the Pushgateway answers; fails on a non-2xx
/// status or a connection error.
status push_metrics(const pushgateway_address& to, const std::string& job,
                    const std::vector<std::pair<std::string, std::string>>& grouping,
                    const std::shared_ptr<prometheus::Collectable>& metrics);

}  // namespace itlfleet::metrics
