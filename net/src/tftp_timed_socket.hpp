#pragma once
/// Internal to the TFTP client and server: a UDP socket whose receives time
/// out without a timer operation per packet. A lazily re-armed watchdog timer
/// checks the deadline; only when it has passed does it cancel the pending
/// receive (which then completes with operation_aborted and `expired()` set).
/// Moving the deadline forward costs one clock read, so a lock-step transfer
/// that never times out arms the timer once.
///
/// Shared (std::shared_ptr) between the coroutine that owns the transfer and
/// the timer's handler. Not thread-safe: use from one strand/thread.

#include <chrono>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace itlfleet::net::detail {

class tftp_timed_socket : public std::enable_shared_from_this<tftp_timed_socket> {
 public:
  using clock = std::chrono::steady_clock;

  explicit tftp_timed_socket(const boost::asio::any_io_executor& ex) : socket_(ex), timer_(ex) {}

  boost::asio::ip::udp::socket& socket() { return socket_; }

  /// Receives pending after `t` are cancelled. Deadlines must not move
  /// backwards while armed (a later check re-arms; an earlier one fires late).
  void set_deadline(clock::time_point t) {
    deadline_ = t;
    expired_ = false;
    if (!armed_ && !closed_) arm();
  }

  /// The deadline passed and the pending receive (if any) was cancelled.
  bool expired() const { return expired_; }
  /// close() was called: the owner should finish.
  bool closed() const { return closed_; }

  /// Closes the socket and stops the watchdog; idempotent.
  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
  }

 private:
  void arm() {
    armed_ = true;
    timer_.expires_at(deadline_);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      self->armed_ = false;
      if (ec || self->closed_) return;
      if (clock::now() >= self->deadline_) {
        self->expired_ = true;
        boost::system::error_code ignored;
        self->socket_.cancel(ignored);
      } else {
        self->arm();
      }
    });
  }

  boost::asio::ip::udp::socket socket_;
  boost::asio::steady_timer timer_;
  clock::time_point deadline_{};
  bool armed_ = false;
  bool expired_ = false;
  bool closed_ = false;
};

}  // namespace itlfleet::net::detail
