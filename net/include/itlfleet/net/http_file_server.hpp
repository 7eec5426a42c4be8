#pragma once
/// The HTTP file service a CUCM TFTP node runs on TCP 6970: newer phone
/// firmware GETs its ITL, CTL and config here before trying TFTP.
///
///   http_file_server server{ioc.get_executor(), {node_address(0).value(), 6970}, lookup};
///   if (auto s = server.start(); !s) fail(s.err().to_string());
///   ...
///   server.stop();   // stops accepting now, closes open connections soon after
///
/// Serves `GET` and `HEAD /<name>` (name as in http_target.hpp) with 200
/// (application/octet-stream, Content-Length), 404 when the lookup has no
/// such file, 400 for a malformed request or target (then closes), 405 for
/// other methods, and 503 with Retry-After while `max_serving_count`
/// requests are already being served (CUCM's Maximum Serving Count).
/// Keep-alive is honoured. At most `max_connections` connections are open at
/// once (each holds a descriptor while it waits for a request); one accepted
/// past it is answered 503 and closed at once, so a flood of idle
/// connections cannot take the descriptors the other services need.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "itlfleet/net/file_lookup.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::net {

namespace detail {
struct http_server_state;
}

struct http_server_options {
  /// Requests served at once (lookup + response write); more get 503.
  std::size_t max_serving_count = 1500;
  /// Connections open at once, idle keep-alive ones included; more are
  /// answered 503 and closed when accepted.
  std::size_t max_connections = 2048;
  /// Seconds a refused client is told to wait (Retry-After of a 503).
  std::chrono::seconds retry_after{5};
  /// Time allowed to receive a whole request, counted from when the server
  /// starts waiting for it (so it is also the keep-alive idle time).
  std::chrono::milliseconds header_timeout{10'000};
  /// Time allowed to send one response.
  std::chrono::milliseconds send_timeout{30'000};
  /// Largest request (header plus body) in bytes; larger ones get 400.
  std::size_t max_request_size = 8192;
  /// A slower server with a known capacity (`itlfleet serve
  /// --http-request-cost`), served like the virtual engine's HTTP station:
  /// with `workers` above 0, each request that takes a serving slot waits,
  /// first come first served, for one of `workers` turns of `request_cost`
  /// (net::worker_schedule) and is answered at the end of its turn; it
  /// holds its serving slot meanwhile. 0: answered at once.
  std::size_t workers = 0;
  std::chrono::microseconds request_cost{0};
};

/// A snapshot of the counters since construction (they survive stop/start).
struct http_server_stats {
  std::uint64_t requests = 0;      ///< requests answered or refused, malformed ones included
  std::uint64_t served = 0;        ///< 200 answers (GET and HEAD)
  std::uint64_t not_found = 0;     ///< 404 answers
  std::uint64_t refused = 0;       ///< 503 answers (serving count reached)
  std::uint64_t bad_requests = 0;  ///< 400 and 405 answers
  std::uint64_t active = 0;        ///< requests being served now
  std::uint64_t peak_active = 0;   ///< most requests served at once
  std::uint64_t bytes_sent = 0;    ///< file bytes in 200 GET answers (headers not counted)
  std::uint64_t rejected_connections = 0;  ///< closed when accepted: max_connections open
  std::uint64_t open_connections = 0;      ///< connections open now
};

/// Thread-safety: all members may be called from any thread, also while the
/// executor runs on several threads. Each connection runs on its own strand;
/// `lookup` is called from those threads. Destroying the server stops it;
/// connections still open keep its shared state alive until they end.
class http_file_server {
 public:
  http_file_server(boost::asio::any_io_executor executor, boost::asio::ip::tcp::endpoint endpoint,
                   file_lookup lookup, http_server_options options = {});
  ~http_file_server();
  http_file_server(const http_file_server&) = delete;
  http_file_server& operator=(const http_file_server&) = delete;

  /// Binds and listens; no-op if running. A port of 0 is chosen by the
  /// system at the first start and kept for later restarts. Fails with the
  /// endpoint and the system's reason (address in use, not available, ...).
  status start();

  /// Closes the listening socket before returning (new connections are
  /// refused) and asks every open connection to close. start() may follow.
  void stop();

  bool running() const;

  /// The bound address and port (valid after a successful start()).
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  http_server_stats stats() const;

 private:
  std::shared_ptr<detail::http_server_state> state_;
};

}  // namespace itlfleet::net
