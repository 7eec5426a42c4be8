#pragma once
/// Private to the TVS sources: time-bounded reads and writes of whole TVS
/// messages over any Asio stream (TLS in practice).

#include <chrono>
#include <optional>
#include <tuple>
#include <utility>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "itlfleet/net/tvs_message.hpp"

namespace itlfleet::net::detail {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

/// Awaits `op` (which reports errors in its value, never throws) for at most
/// `limit`; nullopt when the time ran out first (the op is then cancelled).
/// The calling coroutine's executor must be a strand (or run by one thread):
/// the op and the timer complete through the coroutine's cancellation state.
template <class T>
asio::awaitable<std::optional<T>> with_timeout(asio::awaitable<T> op, clock::duration limit) {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(co_await asio::this_coro::executor, limit);
  auto r = co_await (std::move(op) || timer.async_wait(use_tuple));
  if (r.index() == 0) co_return std::get<0>(std::move(r));
  co_return std::nullopt;
}

/// How reading one message ended.
enum class read_outcome { message, closed, timeout, malformed };

struct read_result {
  read_outcome outcome = read_outcome::closed;
  tvs_message message;  ///< when outcome == message
  error problem;        ///< what was wrong (malformed) or the I/O error (closed)
};

/// Reads one whole message: header, then the payload it announces. Each of
/// the two reads is bounded by `limit`.
template <class Stream>
asio::awaitable<read_result> read_tvs_message(Stream& stream, std::size_t max_message,
                                              clock::duration limit) {
  read_result out;
  bytes buf(tvs_header_size);
  auto r = co_await with_timeout(asio::async_read(stream, asio::buffer(buf), use_tuple), limit);
  if (!r) {
    out.outcome = read_outcome::timeout;
    co_return out;
  }
  if (auto ec = std::get<0>(*r)) {
    out.problem = error{ec.message()};
    co_return out;
  }
  auto header = parse_tvs_header(buf, max_message);
  if (!header) {
    out.outcome = read_outcome::malformed;
    out.problem = header.err();
    co_return out;
  }
  buf.resize(header->message_size());
  if (header->payload_length > 0) {
    r = co_await with_timeout(
        asio::async_read(stream, asio::buffer(buf.data() + tvs_header_size, header->payload_length),
                         use_tuple),
        limit);
    if (!r) {
      out.outcome = read_outcome::timeout;
      co_return out;
    }
    if (auto ec = std::get<0>(*r)) {
      out.problem = error{"truncated message: " + ec.message()};
      co_return out;
    }
  }
  auto m = parse_tvs_message(buf, max_message);
  if (!m) {
    out.outcome = read_outcome::malformed;
    out.problem = m.err();
    co_return out;
  }
  out.outcome = read_outcome::message;
  out.message = std::move(m).value();
  co_return out;
}

/// Writes all of `data` within `limit`; false on error or timeout.
template <class Stream>
asio::awaitable<bool> write_all(Stream& stream, const bytes& data, clock::duration limit) {
  auto r = co_await with_timeout(asio::async_write(stream, asio::buffer(data), use_tuple), limit);
  co_return r && !std::get<0>(*r);
}

}  // namespace itlfleet::net::detail
