#include "itlfleet/net/http_file_server.hpp"

#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "http_server_state.hpp"

namespace itlfleet::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using detail::http_connection;
using detail::http_server_state;

namespace {

void arm_accept(const std::shared_ptr<http_server_state>& st, std::uint64_t generation);

/// Answers a connection past max_connections without reading it: one
/// non-blocking send of a 503 (a fresh socket's buffer takes it whole), then
/// close. A client whose request is still unread may see a reset instead.
void refuse(tcp::socket& socket, std::chrono::seconds retry_after) {
  const std::string answer =
      "HTTP/1.1 503 Service Unavailable\r\nServer: itlfleet\r\nRetry-After: " +
      std::to_string(retry_after.count()) + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.send(asio::buffer(answer), 0, ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

/// Runs on the server's executor, any thread; takes the mutex itself.
void on_accept(const std::shared_ptr<http_server_state>& st, std::uint64_t generation,
               boost::system::error_code ec, tcp::socket socket) {
  std::shared_ptr<http_connection> conn;
  std::uint64_t id = 0;
  {
    std::lock_guard lock(st->mutex);
    if (!st->running || generation != st->generation) return;  // drops (closes) `socket`
    if (ec) {
      // Out of descriptors or similar: try again a little later, not in a tight loop.
      auto timer =
          std::make_shared<asio::steady_timer>(st->executor, std::chrono::milliseconds(50));
      timer->async_wait([st, generation, timer](boost::system::error_code) {
        std::lock_guard relock(st->mutex);
        if (st->running && generation == st->generation) arm_accept(st, generation);
      });
      return;
    }
    if (st->connections.size() >= st->options.max_connections) {
      refuse(socket, st->options.retry_after);
      st->rejected_connections.fetch_add(1, std::memory_order_relaxed);
      arm_accept(st, generation);
      return;
    }
    conn = std::make_shared<http_connection>(std::move(socket));
    id = st->next_connection_id++;
    st->connections.emplace(id, conn);
    arm_accept(st, generation);
  }
  auto strand = conn->stream.get_executor();
  // A connection that fails (even by an exception) ends alone; it never unwinds the event loop.
  asio::co_spawn(strand, detail::serve_http_connection(st, std::move(conn), id),
                 [](const std::exception_ptr&) {});
}

/// Called with st->mutex held.
void arm_accept(const std::shared_ptr<http_server_state>& st, std::uint64_t generation) {
  st->acceptor->async_accept(asio::make_strand(st->executor),
                             [st, generation](boost::system::error_code ec, tcp::socket socket) {
                               on_accept(st, generation, ec, std::move(socket));
                             });
}

std::string to_string(const tcp::endpoint& ep) {
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

bool http_server_state::try_acquire_slot() {
  std::uint64_t current = active.load(std::memory_order_relaxed);
  do {
    if (current >= options.max_serving_count) return false;
  } while (!active.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
  std::uint64_t peak = peak_active.load(std::memory_order_relaxed);
  while (peak < current + 1 &&
         !peak_active.compare_exchange_weak(peak, current + 1, std::memory_order_relaxed)) {
  }
  return true;
}

http_file_server::http_file_server(asio::any_io_executor executor, tcp::endpoint endpoint,
                                   file_lookup lookup, http_server_options options)
    : state_(std::make_shared<http_server_state>(std::move(executor), endpoint, std::move(lookup),
                                                 options)) {}

http_file_server::~http_file_server() {
  stop();
}

status http_file_server::start() {
  std::lock_guard lock(state_->mutex);
  if (state_->running) return ok();
  tcp::acceptor acceptor(state_->executor);
  boost::system::error_code ec;
  acceptor.open(state_->endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(state_->endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) state_->bound = acceptor.local_endpoint(ec);
  if (ec) return error{"HTTP server on " + to_string(state_->endpoint) + ": " + ec.message()};
  state_->endpoint.port(state_->bound.port());
  state_->acceptor.emplace(std::move(acceptor));
  state_->running = true;
  arm_accept(state_, ++state_->generation);
  return ok();
}

void http_file_server::stop() {
  std::vector<std::shared_ptr<http_connection>> open;
  {
    std::lock_guard lock(state_->mutex);
    if (!state_->running) return;
    state_->running = false;
    ++state_->generation;
    boost::system::error_code ignored;
    state_->acceptor->close(ignored);
    state_->acceptor.reset();
    for (const auto& [id, weak] : state_->connections)
      if (auto conn = weak.lock()) open.push_back(std::move(conn));
  }
  for (auto& conn : open) {
    auto strand = conn->stream.get_executor();
    asio::post(strand, [conn = std::move(conn)] {
      boost::system::error_code ignored;
      conn->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      conn->stream.close();
    });
  }
}

bool http_file_server::running() const {
  std::lock_guard lock(state_->mutex);
  return state_->running;
}

tcp::endpoint http_file_server::local_endpoint() const {
  std::lock_guard lock(state_->mutex);
  return state_->bound;
}

http_server_stats http_file_server::stats() const {
  const auto& s = *state_;
  constexpr auto r = std::memory_order_relaxed;
  std::uint64_t open = 0;
  {
    std::lock_guard lock(s.mutex);
    open = s.connections.size();
  }
  return {s.requests.load(r),
          s.served.load(r),
          s.not_found.load(r),
          s.refused.load(r),
          s.bad_requests.load(r),
          s.active.load(r),
          s.peak_active.load(r),
          s.bytes_sent.load(r),
          s.rejected_connections.load(r),
          open};
}

}  // namespace itlfleet::net
