// One connection of the HTTP file server: read a request, answer it, repeat
// while the client keeps the connection alive.

#include <algorithm>
#include <exception>
#include <limits>
#include <span>
#include <string>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/http/span_body.hpp>

#include "http_server_state.hpp"
#include "itlfleet/net/http_target.hpp"

namespace itlfleet::net::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

/// A request the parser rejected (as opposed to a peer that went away or a timeout).
bool is_malformed(const error_code& ec) {
  return ec.category() == make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

template <class Body>
void set_common(http::response<Body>& res, bool keep_alive) {
  res.set(http::field::server, "itlfleet");
  res.keep_alive(keep_alive);
}

/// An error answer whose body is the reason phrase; a HEAD answer announces
/// the length but carries no body.
http::response<http::string_body> text_answer(http::status status, unsigned version, bool head,
                                              bool keep_alive) {
  http::response<http::string_body> res{status, version};
  set_common(res, keep_alive);
  res.set(http::field::content_type, "text/plain");
  const std::string text = std::string(http::obsolete_reason(status)) + "\n";
  if (head) {
    res.content_length(text.size());
  } else {
    res.body() = text;
    res.prepare_payload();
  }
  return res;
}

template <class Body>
asio::awaitable<bool> write_answer(http_connection& conn, http::response<Body>& res,
                                   std::chrono::milliseconds timeout) {
  conn.stream.expires_after(timeout);
  auto [ec, n] = co_await http::async_write(conn.stream, res, as_tuple_awaitable);
  co_return !ec;
}

/// Half-closes, then reads and discards what the client still sends (bounded
/// in time and bytes) so that closing does not reset the connection before
/// the client has read the last answer.
asio::awaitable<void> close_gracefully(http_connection& conn) {
  error_code ignored;
  conn.stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  conn.stream.expires_after(std::chrono::seconds(1));
  char sink[4096];
  for (int i = 0; i < 16; ++i) {
    auto [ec, n] = co_await conn.stream.async_read_some(asio::buffer(sink), as_tuple_awaitable);
    if (ec) break;
  }
  conn.stream.close();
}

/// A serving slot held until release() or the end of the guard.
struct slot_guard {
  http_server_state& st;
  bool held = true;
  void release() {
    if (std::exchange(held, false)) st.release_slot();
  }
  ~slot_guard() { release(); }
};

struct unregister_guard {
  http_server_state& st;
  std::uint64_t id;
  ~unregister_guard() {
    std::lock_guard lock(st.mutex);
    st.connections.erase(id);
  }
};

}  // namespace

asio::awaitable<void> serve_http_connection(std::shared_ptr<http_server_state> st,
                                            std::shared_ptr<http_connection> conn,
                                            std::uint64_t id) {
  unregister_guard unregister{*st, id};
  const auto& opt = st->options;
  constexpr auto relaxed = std::memory_order_relaxed;
  beast::flat_buffer buffer(std::max<std::size_t>(opt.max_request_size, 512));

  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(opt.max_request_size, std::numeric_limits<std::uint32_t>::max())));
    parser.body_limit(opt.max_request_size);
    conn->stream.expires_after(opt.header_timeout);
    auto [read_error, n] =
        co_await http::async_read(conn->stream, buffer, parser, as_tuple_awaitable);
    if (read_error) {
      if (is_malformed(read_error)) {
        st->requests.fetch_add(1, relaxed);
        st->bad_requests.fetch_add(1, relaxed);
        auto res = text_answer(http::status::bad_request, 11, false, false);
        if (co_await write_answer(*conn, res, opt.send_timeout)) co_await close_gracefully(*conn);
      }
      break;
    }

    const auto& req = parser.get();
    st->requests.fetch_add(1, relaxed);
    const bool head = req.method() == http::verb::head;
    const bool keep_alive = req.keep_alive();
    const unsigned version = req.version();

    if (!head && req.method() != http::verb::get) {
      st->bad_requests.fetch_add(1, relaxed);
      auto res = text_answer(http::status::method_not_allowed, version, false, keep_alive);
      res.set(http::field::allow, "GET, HEAD");
      if (!co_await write_answer(*conn, res, opt.send_timeout)) break;
      if (!keep_alive) break;
      continue;
    }

    const auto name = file_name_from_target(req.target());
    if (!name) {
      st->bad_requests.fetch_add(1, relaxed);
      auto res = text_answer(http::status::bad_request, version, head, false);
      if (co_await write_answer(*conn, res, opt.send_timeout)) co_await close_gracefully(*conn);
      break;
    }

    if (!st->try_acquire_slot()) {
      st->refused.fetch_add(1, relaxed);
      auto res = text_answer(http::status::service_unavailable, version, head, false);
      res.set(http::field::retry_after, std::to_string(opt.retry_after.count()));
      if (co_await write_answer(*conn, res, opt.send_timeout)) co_await close_gracefully(*conn);
      break;
    }
    slot_guard slot{*st};
    if (st->workers) {
      // A slower server: answered at the end of the request's turn.
      const auto turn = st->workers->reserve(worker_schedule::clock::now(), opt.request_cost);
      asio::steady_timer wait(conn->stream.get_executor(), turn->end);
      co_await wait.async_wait(as_tuple_awaitable);
    }

    shared_bytes file;
    bool lookup_failed = false;
    if (!name->empty()) {
      try {
        file = st->lookup(*name);
      } catch (...) {  // a failing lookup answers 500, never ends the event loop
        lookup_failed = true;
      }
    }
    if (lookup_failed) {
      auto res = text_answer(http::status::internal_server_error, version, head, false);
      if (co_await write_answer(*conn, res, opt.send_timeout)) co_await close_gracefully(*conn);
      break;
    }

    bool written = false;
    if (!file) {
      st->not_found.fetch_add(1, relaxed);
      auto res = text_answer(http::status::not_found, version, head, keep_alive);
      written = co_await write_answer(*conn, res, opt.send_timeout);
    } else if (head) {
      st->served.fetch_add(1, relaxed);
      http::response<http::empty_body> res{http::status::ok, version};
      set_common(res, keep_alive);
      res.set(http::field::content_type, "application/octet-stream");
      res.content_length(file->size());
      written = co_await write_answer(*conn, res, opt.send_timeout);
    } else {
      st->served.fetch_add(1, relaxed);
      http::response<http::span_body<const std::uint8_t>> res{http::status::ok, version};
      set_common(res, keep_alive);
      res.set(http::field::content_type, "application/octet-stream");
      res.body() = {file->data(), file->size()};
      res.prepare_payload();
      written = co_await write_answer(*conn, res, opt.send_timeout);
      if (written) st->bytes_sent.fetch_add(file->size(), relaxed);
    }
    slot.release();  // served: not while waiting for the client to close or ask again
    if (!written) break;
    if (!keep_alive) {
      co_await close_gracefully(*conn);
      break;
    }
  }
  error_code ignored;
  conn->stream.socket().close(ignored);
}

}  // namespace itlfleet::net::detail
