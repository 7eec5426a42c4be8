#include "itlfleet/net/tftp_client.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "itlfleet/net/tftp_packet.hpp"
#include "tftp_timed_socket.hpp"

namespace itlfleet::net {

namespace asio = boost::asio;
using asio::ip::udp;
using clock_type = std::chrono::steady_clock;

namespace {

/// splitmix64: a tiny deterministic generator for loss decisions.
class loss_stream {
 public:
  explicit loss_stream(std::uint64_t seed) : state_(seed) {}
  /// Uniform in [0, 1).
  double next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53;
  }

 private:
  std::uint64_t state_;
};

asio::awaitable<void> pause(asio::steady_timer& timer, clock_type::duration d) {
  timer.expires_after(d);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

bytes make_rrq(const std::string& filename, const tftp_get_options& o, bool with_options) {
  tftp_request q;
  q.opcode = tftp_opcode::rrq;
  q.filename = filename;
  q.mode = tftp_mode::octet;
  if (with_options) {
    q.options.blksize = o.blksize;
    if (o.request_tsize) q.options.tsize = 0;
  }
  return encode_tftp_packet(q);
}

/// Closes the socket (and stops its watchdog) however the download ends.
struct close_on_exit {
  std::shared_ptr<detail::tftp_timed_socket> s;
  ~close_on_exit() { s->close(); }
};

}  // namespace

std::string_view to_string(tftp_outcome outcome) {
  switch (outcome) {
    case tftp_outcome::ok:
      return "ok";
    case tftp_outcome::not_found:
      return "not_found";
    case tftp_outcome::refused:
      return "refused";
    case tftp_outcome::timeout:
      return "timeout";
    case tftp_outcome::protocol_error:
      return "protocol_error";
    case tftp_outcome::local_error:
      return "local_error";
  }
  return "unknown";
}

std::string_view to_string(tftp_failure failure) {
  switch (failure) {
    case tftp_failure::none:
      return "none";
    case tftp_failure::not_found:
      return "not_found";
    case tftp_failure::error_packet:
      return "error_packet";
    case tftp_failure::no_reply:
      return "no_reply";
    case tftp_failure::deadline:
      return "deadline";
    case tftp_failure::malformed:
      return "malformed";
    case tftp_failure::oversized_block:
      return "oversized_block";
    case tftp_failure::unrequested_oack:
      return "unrequested_oack";
    case tftp_failure::bad_oack:
      return "bad_oack";
    case tftp_failure::too_large:
      return "too_large";
    case tftp_failure::descriptors:
      return "descriptors";
    case tftp_failure::memory:
      return "memory";
    case tftp_failure::local:
      return "local";
  }
  return "unknown";
}

tftp_failure local_failure(const boost::system::error_code& ec) {
  if (ec.category() != boost::system::system_category()) return tftp_failure::local;
  switch (ec.value()) {
    case EMFILE:
    case ENFILE:
      return tftp_failure::descriptors;
    case ENOMEM:
    case ENOBUFS:
      return tftp_failure::memory;
    default:
      return tftp_failure::local;
  }
}

namespace {

/// tftp_timed_socket as a download channel: a socket of the exchange's own.
class socket_channel {
 public:
  explicit socket_channel(std::shared_ptr<detail::tftp_timed_socket> ts) : ts_(std::move(ts)) {}
  bool send(asio::const_buffer b, const udp::endpoint& to, boost::system::error_code& ec) {
    ts_->socket().send_to(b, to, 0, ec);
    return !ec;
  }
  void set_deadline(clock_type::time_point t) { ts_->set_deadline(t); }
  bool expired() const { return ts_->expired(); }
  auto receive(asio::mutable_buffer b, udp::endpoint& from) {
    return ts_->socket().async_receive_from(b, from, asio::as_tuple(asio::use_awaitable));
  }

 private:
  std::shared_ptr<detail::tftp_timed_socket> ts_;
};

/// A udp_mux exchange as a download channel.
class mux_channel {
 public:
  explicit mux_channel(udp_mux::exchange& x) : x_(x) {}
  bool send(asio::const_buffer b, const udp::endpoint& to, boost::system::error_code& ec) {
    return x_.send(b, to, ec);
  }
  void set_deadline(clock_type::time_point t) { x_.set_deadline(t); }
  bool expired() const { return x_.expired(); }
  auto receive(asio::mutable_buffer b, udp::endpoint& from) { return x_.receive(b, from); }

 private:
  udp_mux::exchange& x_;
};

tftp_get_result local_failure_result(const std::string& what, const asio::ip::address& local,
                                     const boost::system::error_code& ec) {
  tftp_get_result r;
  r.outcome = tftp_outcome::local_error;
  r.failure = local_failure(ec);
  r.error_message = what + " " + local.to_string() + ": " + ec.message();
  return r;
}

/// The download over any channel: send(buffer, to, ec), set_deadline(t),
/// expired(), and an awaitable receive(buffer, from) that ends with
/// operation_aborted at the deadline.
template <class Channel>
asio::awaitable<tftp_get_result> download(Channel& ch, udp::endpoint server, std::string filename,
                                          tftp_get_options o) {
  auto ex = co_await asio::this_coro::executor;
  tftp_get_result r;
  boost::system::error_code ec;
  const auto end = clock_type::now() + o.deadline;
  // Per-packet waits never reach past the transfer's deadline.
  auto wait_until = [&] { return std::min(clock_type::now() + o.timeout, end); };

  loss_stream loss(o.seed);
  asio::steady_timer delay_timer(ex);
  bool with_options = o.blksize || o.request_tsize;
  std::uint16_t blksize = tftp_default_blksize;
  std::optional<udp::endpoint> tid;  // the server's transfer port, once it answered
  std::uint64_t next_block = 1;
  bool acked_oack = false;
  std::uint32_t tries = 0;
  bytes rrq = make_rrq(filename, o, with_options);
  std::array<std::uint8_t, 4> ack{};
  asio::const_buffer last = asio::buffer(rrq);  // what a timeout re-sends
  udp::endpoint last_to = server;
  bytes rx(std::max<std::size_t>(o.blksize.value_or(0), tftp_default_blksize) + 5);
  udp::endpoint from;

  auto fail = [&](tftp_outcome outcome, tftp_failure why, std::string message) {
    r.outcome = outcome;
    r.failure = why;
    r.error_message = std::move(message);
    return std::move(r);
  };
  // Sends without waiting (the delay is awaited by the caller); false on a socket error.
  auto send = [&](asio::const_buffer b, const udp::endpoint& to) {
    if (!ch.send(b, to, ec)) return false;
    r.bytes_sent += b.size();
    return true;
  };
  // Sends an ERROR we do not wait on (no delay: the download is over or it is for a stranger).
  auto send_error = [&](const udp::endpoint& to, tftp_error_code code, std::string_view msg) {
    const bytes e = encode_tftp_error(code, msg);
    send(asio::buffer(e), to);
  };

  if (o.delay.count() > 0) co_await pause(delay_timer, o.delay);
  if (!send(last, last_to))
    co_return fail(tftp_outcome::local_error, local_failure(ec), "send: " + ec.message());
  ch.set_deadline(wait_until());

  for (;;) {
    if (clock_type::now() >= end)
      co_return fail(
          tftp_outcome::timeout, tftp_failure::deadline,
          "transfer not done after " +
              std::to_string(
                  std::chrono::duration_cast<std::chrono::milliseconds>(o.deadline).count()) +
              " ms (" + std::to_string(r.data.size()) + " bytes received)");
    if (ch.expired()) {
      if (tries >= o.retries)
        co_return fail(tftp_outcome::timeout, tftp_failure::no_reply,
                       "no reply after " + std::to_string(tries) + " re-sends");
      ++tries;
      ++r.retransmissions;
      if (o.delay.count() > 0) co_await pause(delay_timer, o.delay);
      if (!send(last, last_to))
        co_return fail(tftp_outcome::local_error, local_failure(ec), "send: " + ec.message());
      ch.set_deadline(wait_until());
    }
    auto [rec, n] = co_await ch.receive(asio::buffer(rx), from);
    if (rec == asio::error::operation_aborted) continue;  // the deadline passed
    if (rec)
      co_return fail(tftp_outcome::local_error, local_failure(rec), "receive: " + rec.message());
    r.bytes_received += n;
    if (o.loss > 0 && loss.next() < o.loss) {
      ++r.dropped;
      continue;
    }
    if (!tid) {
      if (from.address() != server.address()) continue;  // a stray datagram
    } else if (from != *tid) {
      if (peek_tftp_opcode(byte_view(rx.data(), n)) != tftp_opcode::error)  // no ping-pong
        send_error(from, tftp_error_code::unknown_tid, "Unknown transfer ID");
      continue;
    }
    auto parsed = parse_tftp_packet(byte_view(rx.data(), n));
    if (!parsed) {
      send_error(from, tftp_error_code::illegal_operation, parsed.err().to_string());
      co_return fail(tftp_outcome::protocol_error, tftp_failure::malformed,
                     "malformed reply: " + parsed.err().to_string());
    }

    if (auto* e = std::get_if<tftp_error>(&*parsed)) {
      if (!tid && with_options && e->code == std::uint16_t(tftp_error_code::option_refused)) {
        with_options = false;  // ask again, plainly
        rrq = make_rrq(filename, o, false);
        last = asio::buffer(rrq);
        tries = 0;
        if (o.delay.count() > 0) co_await pause(delay_timer, o.delay);
        if (!send(last, last_to))
          co_return fail(tftp_outcome::local_error, local_failure(ec), "send: " + ec.message());
        ch.set_deadline(wait_until());
        continue;
      }
      r.error_code = e->code;
      const bool missing = e->code == std::uint16_t(tftp_error_code::file_not_found);
      co_return fail(missing ? tftp_outcome::not_found : tftp_outcome::refused,
                     missing ? tftp_failure::not_found : tftp_failure::error_packet, e->message);
    }

    if (auto* oack = std::get_if<tftp_oack>(&*parsed)) {
      if (tid) {
        if (acked_oack && next_block == 1) send(last, last_to);  // our ACK 0 was lost
        continue;
      }
      if (!with_options) {
        send_error(from, tftp_error_code::option_refused, "No options were requested");
        co_return fail(tftp_outcome::protocol_error, tftp_failure::unrequested_oack,
                       "OACK to a request without options");
      }
      const auto& got = oack->options;
      if (got.blksize && (!o.blksize || *got.blksize > *o.blksize)) {
        send_error(from, tftp_error_code::option_refused, "blksize larger than requested");
        co_return fail(tftp_outcome::protocol_error, tftp_failure::bad_oack,
                       "OACK blksize " + std::to_string(*got.blksize) + " not requested");
      }
      if (got.tsize && *got.tsize > o.max_size) {
        send_error(from, tftp_error_code::disk_full, "File too large");
        co_return fail(tftp_outcome::protocol_error, tftp_failure::too_large,
                       "file of " + std::to_string(*got.tsize) + " bytes exceeds max_size");
      }
      if (got.tsize) r.data.reserve(static_cast<std::size_t>(*got.tsize));
      blksize = got.blksize.value_or(tftp_default_blksize);
      tid = from;
      acked_oack = true;
      ack = tftp_ack_packet(0);
      last = asio::buffer(ack);
      last_to = from;
      tries = 0;
      if (o.delay.count() > 0) co_await pause(delay_timer, o.delay);
      if (!send(last, last_to))
        co_return fail(tftp_outcome::local_error, local_failure(ec), "send: " + ec.message());
      ch.set_deadline(wait_until());
      continue;
    }

    if (auto* data = std::get_if<tftp_data>(&*parsed)) {
      if (data->block == static_cast<std::uint16_t>(next_block)) {
        if (!tid) tid = from;  // the server ignored our options, if any: 512-byte blocks
        if (next_block == 1 && o.on_first_data) o.on_first_data();
        if (data->payload.size() > blksize) {
          send_error(from, tftp_error_code::illegal_operation, "Block larger than blksize");
          co_return fail(tftp_outcome::protocol_error, tftp_failure::oversized_block,
                         "DATA block of " + std::to_string(data->payload.size()) +
                             " bytes, blksize " + std::to_string(blksize));
        }
        if (r.data.size() + data->payload.size() > o.max_size) {
          send_error(from, tftp_error_code::disk_full, "File too large");
          co_return fail(tftp_outcome::protocol_error, tftp_failure::too_large,
                         "file exceeds " + std::to_string(o.max_size) + " bytes");
        }
        r.data.insert(r.data.end(), data->payload.begin(), data->payload.end());
        ack = tftp_ack_packet(data->block);
        last = asio::buffer(ack);
        last_to = from;
        tries = 0;
        if (o.delay.count() > 0) co_await pause(delay_timer, o.delay);
        if (!send(last, last_to))
          co_return fail(tftp_outcome::local_error, local_failure(ec), "send: " + ec.message());
        if (data->payload.size() < blksize) {
          r.outcome = tftp_outcome::ok;
          r.failure = tftp_failure::none;
          co_return r;
        }
        ++next_block;
        ch.set_deadline(wait_until());
      } else if (tid && data->block == static_cast<std::uint16_t>(next_block - 1) &&
                 (next_block > 1 || acked_oack)) {
        send(last, last_to);  // the server re-sent: our ACK was lost; do not append again
      }
      continue;
    }
    // ACKs and requests have no place in a download: ignore them.
  }
}

}  // namespace

asio::awaitable<tftp_get_result> tftp_get(asio::ip::address local, udp::endpoint server,
                                          std::string filename, tftp_get_options o) {
  auto ts = std::make_shared<detail::tftp_timed_socket>(co_await asio::this_coro::executor);
  close_on_exit closer{ts};
  udp::socket& sock = ts->socket();
  boost::system::error_code ec;
  sock.open(local.is_v4() ? udp::v4() : udp::v6(), ec);
  if (!ec) sock.bind(udp::endpoint(local, 0), ec);
  if (ec) co_return local_failure_result("bind", local, ec);
  socket_channel ch(ts);
  co_return co_await download(ch, server, std::move(filename), std::move(o));
}

asio::awaitable<tftp_get_result> tftp_get(udp_mux& mux, asio::ip::address local,
                                          udp::endpoint server, std::string filename,
                                          tftp_get_options o) {
  if (!local.is_v4()) co_return co_await tftp_get(local, server, std::move(filename), std::move(o));
  boost::system::error_code ec;
  auto x = mux.open(local.to_v4(), ec);
  if (!x) co_return local_failure_result("shared socket for", local, ec);
  mux_channel ch(*x);
  co_return co_await download(ch, server, std::move(filename), std::move(o));
}

}  // namespace itlfleet::net
