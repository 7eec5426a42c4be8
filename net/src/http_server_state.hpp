#pragma once
/// Private to the HTTP file server: the state its accept loop and its
/// connections share, and the per-connection coroutine.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "itlfleet/net/http_file_server.hpp"
#include "itlfleet/net/worker_schedule.hpp"

namespace itlfleet::net::detail {

/// One accepted connection; its stream's executor is the connection's strand.
struct http_connection {
  explicit http_connection(boost::asio::ip::tcp::socket socket) : stream(std::move(socket)) {}
  boost::beast::tcp_stream stream;
};

struct http_server_state {
  http_server_state(boost::asio::any_io_executor ex, boost::asio::ip::tcp::endpoint ep,
                    file_lookup fl, http_server_options opts)
      : executor(std::move(ex)),
        lookup(std::move(fl)),
        options(opts),
        workers(opts.workers > 0 ? std::make_unique<worker_schedule>(opts.workers) : nullptr),
        endpoint(ep) {}

  const boost::asio::any_io_executor executor;
  const file_lookup lookup;
  const http_server_options options;
  /// The turns of a slower server (options.workers), or null.
  const std::unique_ptr<worker_schedule> workers;

  /// Guards everything below it up to the counters; every call on
  /// `acceptor` is made with it held.
  mutable std::mutex mutex;
  boost::asio::ip::tcp::endpoint endpoint;  ///< to bind; port fixed after the first start
  boost::asio::ip::tcp::endpoint bound;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor;
  bool running = false;
  std::uint64_t generation = 0;  ///< bumped by start and stop: stale accepts are dropped
  std::uint64_t next_connection_id = 0;
  std::unordered_map<std::uint64_t, std::weak_ptr<http_connection>> connections;

  std::atomic<std::uint64_t> requests{0}, served{0}, not_found{0}, refused{0}, bad_requests{0},
      active{0}, peak_active{0}, bytes_sent{0}, rejected_connections{0};

  /// Takes a serving slot unless max_serving_count are taken; updates the peak.
  bool try_acquire_slot();
  void release_slot() { active.fetch_sub(1, std::memory_order_relaxed); }
};

/// Serves requests on `conn` until the peer closes, a request is malformed
/// or not keep-alive, a timeout, or stop(). Runs on the connection's strand.
boost::asio::awaitable<void> serve_http_connection(std::shared_ptr<http_server_state> st,
                                                   std::shared_ptr<http_connection> conn,
                                                   std::uint64_t id);

}  // namespace itlfleet::net::detail
