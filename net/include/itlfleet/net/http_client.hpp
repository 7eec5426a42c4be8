#pragma once
/// A phone's HTTP download from port 6970: one GET on a fresh connection
/// sent from the phone's own address, the whole body kept in memory.
///
///   auto r = co_await http_get(*phone_address(i), {*node_address(0), 6970},
///   "ITLSEP001E7A000001.tlv"); if (r.outcome == http_outcome::ok) install(r.body);
///
/// Its result has the shape of the TFTP client's, so the live engine handles
/// both transports alike; `unreachable` is HTTP's own (nothing listens).

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include "itlfleet/sim/bytes.hpp"

namespace itlfleet::net {

enum class http_outcome {
  ok,              ///< 2xx; `body` holds the file
  not_found,       ///< 404
  refused,         ///< 503 (serving count reached) or any other non-2xx status
  timeout,         ///< the exchange did not finish within `timeout`
  unreachable,     ///< connection refused or no route (server down)
  protocol_error,  ///< malformed answer, body over `max_size`, or connection lost mid-exchange
  local_error,     ///< our own socket could not be opened or bound: `local_error` says why
};

std::string_view to_string(http_outcome outcome);

struct http_get_options {
  /// For the whole exchange: connect, request, answer.
  std::chrono::milliseconds timeout{5000};
  /// Largest body accepted, in bytes; larger is a protocol_error.
  std::size_t max_size = 16u << 20;
};

struct http_get_result {
  http_outcome outcome = http_outcome::protocol_error;
  unsigned status = 0;                    ///< HTTP status code, 0 when no answer was read
  bytes body;                             ///< the file when ok; empty otherwise
  std::string detail;                     ///< why, in words, when not ok (for logs)
  bool too_large = false;                 ///< protocol_error: the body exceeded max_size
  boost::system::error_code local_error;  ///< outcome local_error: the socket's error
  /// ok: how long the TCP connect took, one network round trip (a load
  /// measurement tells the network from the server's work by it).
  std::chrono::microseconds connect_time{0};
};

/// Fetches `name` (percent-encoded into the target as needed) from `server`,
/// with the socket bound to `local` (port chosen by the system). Runs on a
/// strand of the calling coroutine's executor, which may be multi-threaded;
/// network failures are outcomes, never exceptions.
boost::asio::awaitable<http_get_result> http_get(boost::asio::ip::address local,
                                                 boost::asio::ip::tcp::endpoint server,
                                                 std::string name, http_get_options options = {});

}  // namespace itlfleet::net
