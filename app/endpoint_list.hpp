#pragma once
/// Server addresses on the command line: "HOST[:PORT],..." with HOST an IPv4
/// literal or a bracketed IPv6 literal ("[::1]:2445"). Names are not
/// resolved: a load test says exactly where its packets go.

#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "itlfleet/sim/result.hpp"

namespace itlfleet::app {

struct host_port {
  boost::asio::ip::address address;
  std::uint16_t port = 0;
};

/// Parses a comma-separated list; entries without a port get `default_port`.
/// Errors name the entry and what was expected.
result<std::vector<host_port>> parse_endpoint_list(const std::string& text,
                                                   std::uint16_t default_port);

}  // namespace itlfleet::app
