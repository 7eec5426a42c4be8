#include "itlfleet/net/tftp_server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <exception>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "itlfleet/net/tftp_packet.hpp"
#include "tftp_timed_socket.hpp"

namespace itlfleet::net {

namespace asio = boost::asio;
using asio::ip::udp;
using clock_type = std::chrono::steady_clock;

namespace {

/// Counters have one writer (the server thread): a relaxed load and store is
/// enough and avoids a locked instruction per packet.
template <class T>
void bump(std::atomic<T>& counter, T by = 1) {
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

struct counters {
  std::atomic<std::uint64_t> requests{0}, files_served{0}, refused{0}, not_found{0}, errors_sent{0},
      malformed{0}, retransmissions{0}, timed_out{0}, aborted{0}, bytes_sent{0};
  std::atomic<std::uint32_t> active{0}, peak_active{0};
};

/// A node of a circular doubly linked list.
struct link {
  link* prev = this;
  link* next = this;
};

}  // namespace

struct tftp_server::impl : std::enable_shared_from_this<tftp_server::impl> {
  /// One transfer's socket and watchdog. Linked into the server's list for
  /// as long as it exists, so stop() can close it; counted in `active`.
  struct transfer final : detail::tftp_timed_socket, link {
    transfer(const asio::any_io_executor& ex, std::shared_ptr<impl> o)
        : detail::tftp_timed_socket(ex), owner(std::move(o)) {
      link& head = owner->transfers_;
      next = head.next;
      prev = &head;
      head.next->prev = this;
      head.next = this;
      auto& s = owner->stats_;
      const auto n = s.active.load(std::memory_order_relaxed) + 1;
      s.active.store(n, std::memory_order_relaxed);
      if (n > s.peak_active.load(std::memory_order_relaxed))
        s.peak_active.store(n, std::memory_order_relaxed);
    }
    ~transfer() {
      prev->next = next;
      next->prev = prev;
      finish();
    }
    /// Closes the socket and frees the serving-count slot (at once, not when
    /// the watchdog's last reference goes); idempotent.
    void finish() {
      close();
      if (counted_) {
        counted_ = false;
        bump(owner->stats_.active, std::uint32_t(-1));
      }
    }
    transfer(const transfer&) = delete;
    transfer& operator=(const transfer&) = delete;

    std::shared_ptr<impl> owner;

   private:
    bool counted_ = true;
  };

  impl(asio::any_io_executor ex, udp::endpoint listen, file_lookup lookup,
       tftp_server_options options)
      : ex_(std::move(ex)),
        endpoint_(listen),
        lookup_(std::move(lookup)),
        opts_(options),
        listener_(ex_),
        rx_(tftp_max_packet + 1) {
    opts_.max_blksize = std::clamp(opts_.max_blksize, tftp_min_blksize, tftp_max_blksize);
    opts_.retransmit_timeout = std::min(opts_.retransmit_timeout, opts_.max_timeout);
  }

  status start();
  void stop();
  static asio::awaitable<void> listen(std::shared_ptr<impl> self, std::uint64_t generation);
  void on_datagram(byte_view d, const udp::endpoint& from);
  /// Waits for this packet's turn when opts_.block_cost or a knee is set:
  /// block_cost, plus knee_slowdown per transfer in progress past the knee.
  asio::awaitable<void> take_turn(asio::steady_timer& timer) {
    const std::uint32_t active = stats_.active.load(std::memory_order_relaxed);
    const auto cost =
        opts_.block_cost + opts_.knee_slowdown * (active > opts_.knee ? active - opts_.knee : 0);
    if (cost <= clock_type::duration::zero()) co_return;
    turn_free_ = std::max(turn_free_, clock_type::now()) + cost;
    timer.expires_at(turn_free_);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  void send_error(udp::socket& s, const udp::endpoint& to, tftp_error_code code,
                  std::string_view message);
  static asio::awaitable<void> serve(std::shared_ptr<transfer> t, udp::endpoint peer,
                                     shared_bytes file, std::uint16_t blksize,
                                     clock_type::duration timeout, bytes oack);

  asio::any_io_executor ex_;
  udp::endpoint endpoint_;
  file_lookup lookup_;
  tftp_server_options opts_;
  udp::socket listener_;
  bool running_ = false;
  std::uint64_t generation_ = 0;
  std::vector<std::uint8_t>
      rx_;  ///< the listener's receive buffer, one byte past the largest packet
  counters stats_;
  link transfers_;
  clock_type::time_point turn_free_{};  ///< when the last packet's turn ends (block_cost)
};

status tftp_server::impl::start() {
  if (running_) return ok();
  boost::system::error_code ec;
  listener_.open(endpoint_.protocol(), ec);
  if (!ec) listener_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && opts_.reuse_port) {
    using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
    listener_.set_option(reuse_port(true), ec);
  }
  if (!ec) listener_.bind(endpoint_, ec);
  if (ec) {
    boost::system::error_code ignored;
    listener_.close(ignored);
    return error{"tftp: cannot listen on " + endpoint_.address().to_string() + ":" +
                 std::to_string(endpoint_.port()) + ": " + ec.message()};
  }
  endpoint_ = listener_.local_endpoint(ec);  // keeps an ephemeral port across restarts
  running_ = true;
  asio::co_spawn(ex_, listen(shared_from_this(), ++generation_), asio::detached);
  return ok();
}

void tftp_server::impl::stop() {
  if (running_) {
    running_ = false;
    ++generation_;
    boost::system::error_code ignored;
    listener_.close(ignored);
  }
  for (link* l = transfers_.next; l != &transfers_; l = l->next) {
    auto* t = static_cast<transfer*>(l);
    if (!t->closed()) {
      t->finish();
      bump(stats_.aborted);
    }
  }
}

asio::awaitable<void> tftp_server::impl::listen(std::shared_ptr<impl> self,
                                                std::uint64_t generation) {
  udp::endpoint from;
  for (;;) {
    auto [ec, n] = co_await self->listener_.async_receive_from(asio::buffer(self->rx_), from,
                                                               asio::as_tuple(asio::use_awaitable));
    if (!self->running_ || self->generation_ != generation) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      continue;  // e.g. a queued ICMP error: the listener keeps serving
    }
    bump(self->stats_.requests);
    self->on_datagram(byte_view(self->rx_.data(), n), from);
  }
}

void tftp_server::impl::send_error(udp::socket& s, const udp::endpoint& to, tftp_error_code code,
                                   std::string_view message) {
  const bytes packet = encode_tftp_error(code, message);
  bump(stats_.errors_sent);  // before the peer can see it
  boost::system::error_code ignored;
  s.send_to(asio::buffer(packet), to, 0, ignored);
}

void tftp_server::impl::on_datagram(byte_view d, const udp::endpoint& from) {
  auto parsed = parse_tftp_packet(d);
  if (!parsed) {
    bump(stats_.malformed);
    // Never answer what claims to be an ERROR: two peers must not ping-pong.
    if (peek_tftp_opcode(d) != tftp_opcode::error)
      send_error(listener_, from, tftp_error_code::illegal_operation,
                 "Malformed request: " + parsed.err().to_string());
    return;
  }
  auto* req = std::get_if<tftp_request>(&*parsed);
  if (!req) {
    bump(stats_.malformed);
    return;
  }
  if (req->opcode == tftp_opcode::wrq) {
    send_error(listener_, from, tftp_error_code::access_violation, "Write requests not accepted");
    return;
  }
  if (req->mode == tftp_mode::mail) {
    send_error(listener_, from, tftp_error_code::illegal_operation, "Mail mode not supported");
    return;
  }
  if (stats_.active.load(std::memory_order_relaxed) >= opts_.max_serving_count) {
    bump(stats_.refused);
    send_error(listener_, from, tftp_error_code::not_defined, "Maximum serving count reached");
    return;
  }
  std::string_view name = req->filename;
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  shared_bytes file;
  try {
    file = lookup_(name);
  } catch (const std::exception& e) {
    send_error(listener_, from, tftp_error_code::not_defined,
               "File lookup failed: " + quote_peer_text(e.what()));
    return;
  }
  if (!file) {
    bump(stats_.not_found);
    send_error(listener_, from, tftp_error_code::file_not_found, "File not found");
    return;
  }

  std::uint16_t blksize = tftp_default_blksize;
  clock_type::duration timeout = opts_.retransmit_timeout;
  tftp_oack oack;
  if (req->options.blksize)
    blksize = oack.options.blksize.emplace(std::min(*req->options.blksize, opts_.max_blksize));
  if (req->options.tsize) oack.options.tsize = file->size();
  if (req->options.timeout && std::chrono::seconds(*req->options.timeout) <= opts_.max_timeout) {
    oack.options.timeout = req->options.timeout;
    timeout = std::chrono::seconds(*req->options.timeout);
  }

  auto t = std::make_shared<transfer>(ex_, shared_from_this());
  boost::system::error_code ec;
  t->socket().open(endpoint_.protocol(), ec);
  if (!ec) t->socket().bind(udp::endpoint(endpoint_.address(), 0), ec);
  if (ec) {
    t->finish();
    send_error(listener_, from, tftp_error_code::not_defined,
               "Cannot open a transfer socket: " + ec.message());
    return;
  }
  asio::co_spawn(ex_,
                 serve(std::move(t), from, std::move(file), blksize, timeout,
                       oack.options.empty() ? bytes{} : encode_tftp_packet(oack)),
                 asio::detached);
}

asio::awaitable<void> tftp_server::impl::serve(std::shared_ptr<transfer> t, udp::endpoint peer,
                                               shared_bytes file, std::uint16_t blksize,
                                               clock_type::duration timeout, bytes oack) {
  impl& self = *t->owner;
  struct finish_on_exit {
    transfer& t;
    ~finish_on_exit() { t.finish(); }
  } guard{*t};
  udp::socket& sock = t->socket();
  const std::uint64_t size = file->size();
  const std::uint64_t last_block = size / blksize + 1;  // a short (maybe empty) block ends it
  std::uint64_t block = oack.empty() ? 1 : 0;           // the packet in flight; 0 = the OACK
  const std::uint64_t first_block = block;
  const auto first_ack_by = clock_type::now() + self.opts_.first_ack_timeout;
  std::uint32_t tries = 0;
  std::array<std::uint8_t, 4> header{};
  std::array<std::uint8_t, 128> rx{};  // ACKs are 4 bytes; anything longer is not an ACK
  udp::endpoint from;

  auto send_current = [&] {
    boost::system::error_code ignored;  // a lost send is a lost packet: the timeout re-sends
    if (block == 0) {
      sock.send_to(asio::buffer(oack), peer, 0, ignored);
    } else {
      const std::uint64_t offset = (block - 1) * blksize;
      const std::size_t len =
          static_cast<std::size_t>(std::min<std::uint64_t>(blksize, size - offset));
      header = tftp_data_header(static_cast<std::uint16_t>(block));
      const std::array<asio::const_buffer, 2> packet{asio::buffer(header),
                                                     asio::buffer(file->data() + offset, len)};
      bump(self.stats_.bytes_sent, std::uint64_t{len});
      sock.send_to(packet, peer, 0, ignored);
    }
    const auto next = clock_type::now() + timeout;
    t->set_deadline(block == first_block ? std::min(next, first_ack_by) : next);
  };

  asio::steady_timer turn(self.ex_);
  if (t->closed()) co_return;  // stopped before this coroutine first ran (counted by stop())
  co_await self.take_turn(turn);
  if (t->closed()) co_return;
  send_current();
  for (;;) {
    if (t->closed()) co_return;
    if (t->expired()) {
      const bool first_wait_over = block == first_block && clock_type::now() >= first_ack_by;
      if (tries >= self.opts_.max_retransmits || first_wait_over) {
        bump(self.stats_.timed_out);
        co_return;
      }
      ++tries;
      bump(self.stats_.retransmissions);
      co_await self.take_turn(turn);
      if (t->closed()) co_return;
      send_current();
    }
    auto [ec, n] = co_await sock.async_receive_from(asio::buffer(rx), from,
                                                    asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted) continue;  // timeout or stop: checked above
    if (ec) {
      bump(self.stats_.aborted);
      co_return;
    }
    if (from != peer) {
      if (peek_tftp_opcode(byte_view(rx.data(), n)) != tftp_opcode::error)  // no ping-pong
        self.send_error(sock, from, tftp_error_code::unknown_tid, "Unknown transfer ID");
      continue;
    }
    auto parsed = parse_tftp_packet(byte_view(rx.data(), n));
    if (!parsed) {
      bump(self.stats_.malformed);
      continue;
    }
    if (auto* ack = std::get_if<tftp_ack>(&*parsed)) {
      if (ack->block != static_cast<std::uint16_t>(block)) continue;  // duplicate or stale
      if (block == last_block) {
        bump(self.stats_.files_served);
        co_return;
      }
      ++block;
      tries = 0;
      co_await self.take_turn(turn);
      if (t->closed()) co_return;
      send_current();
    } else if (std::holds_alternative<tftp_error>(*parsed)) {
      bump(self.stats_.aborted);  // the client gave up (or refused our OACK)
      co_return;
    } else {
      bump(self.stats_.malformed);  // a request or DATA on a read transfer
    }
  }
}

tftp_server::tftp_server(asio::any_io_executor executor, udp::endpoint listen, file_lookup lookup,
                         tftp_server_options options)
    : impl_(std::make_shared<impl>(std::move(executor), listen, std::move(lookup), options)) {}

tftp_server::~tftp_server() {
  impl_->stop();
}

status tftp_server::start() {
  return impl_->start();
}

void tftp_server::stop() {
  impl_->stop();
}

bool tftp_server::running() const {
  return impl_->running_;
}

udp::endpoint tftp_server::local_endpoint() const {
  return impl_->endpoint_;
}

tftp_server_stats tftp_server::stats() const {
  const auto& s = impl_->stats_;
  auto get = [](const auto& a) { return a.load(std::memory_order_relaxed); };
  return {get(s.requests),    get(s.files_served), get(s.refused),         get(s.not_found),
          get(s.errors_sent), get(s.malformed),    get(s.retransmissions), get(s.timed_out),
          get(s.aborted),     get(s.bytes_sent),   get(s.active),          get(s.peak_active)};
}

}  // namespace itlfleet::net
