#pragma once
/// Load measurement against a TVS endpoint: N concurrent clients make a
/// bounded number of connections, one TLS handshake and one query each (as
/// phones do), and the rates are reported. For benchmarks and capacity runs.
///
///   auto ctx = make_tvs_client_context();
///   tvs_load_report r = co_await measure_tvs_load(ep, ctx, request, {.clients = 32});

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "itlfleet/net/tvs_client.hpp"

namespace itlfleet::net {

struct tvs_load_options {
  std::size_t clients = 8;                  ///< connections in flight at once
  std::size_t connections = 1000;           ///< total connections (= queries) to make
  std::chrono::milliseconds timeout{5000};  ///< per connection, whole exchange
  /// Source addresses, used in turn (a phone each); empty: any.
  std::vector<boost::asio::ip::address> sources;
};

struct tvs_load_report {
  std::size_t connections = 0;  ///< attempted
  std::size_t handshakes = 0;   ///< TLS handshakes completed (answered or untrusted server)
  std::size_t valid = 0;
  std::size_t invalid = 0;
  std::size_t unreachable = 0;
  std::size_t untrusted_server = 0;
  std::size_t protocol_errors = 0;
  std::chrono::nanoseconds elapsed{0};
  double handshakes_per_second() const;
  double queries_per_second() const;  ///< answered (valid + invalid) per second
};

/// Runs the load on the calling coroutine's executor (each client on its own
/// strand, so a multi-threaded io_context spreads the TLS work) and returns
/// when every connection has ended. `ctx` is shared by all clients.
boost::asio::awaitable<tvs_load_report> measure_tvs_load(boost::asio::ip::tcp::endpoint server,
                                                         boost::asio::ssl::context& ctx,
                                                         tvs_client_request request,
                                                         tvs_load_options options);

}  // namespace itlfleet::net
