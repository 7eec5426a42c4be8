#pragma once
// Private to the calibrations: one step of open-loop load, as TFTP, HTTP
// and TVS calibrations all offer it.

#include <chrono>
#include <cstdint>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "calibration_page.hpp"
#include "itlfleet/engine/calibration_watch.hpp"
#include "itlfleet/net/address_plan.hpp"

namespace itlfleet::engine::detail {

/// Where the next request of a calibration is sent from: its own loopback
/// address (net::phone_address, as live phones send) when the server is on
/// IPv4 loopback, else any address of the server's family.
inline boost::asio::ip::address calibration_source(const boost::asio::ip::address& server,
                                                   std::uint64_t& next_source) {
  if (server.is_v4() && server.is_loopback()) {
    const auto i = static_cast<std::uint32_t>(next_source++ % net::max_live_phones);
    return *net::phone_address(i);
  }
  if (server.is_v6()) return boost::asio::ip::address_v6::any();
  return boost::asio::ip::address_v4::any();
}

/// Sends `count` requests at Poisson arrivals at `rate` (step `index`'s
/// gaps): at each, unless `stop()`, `send(k, local)` gives request k's
/// exchange, spawned on `io` and counted in `in_flight` (the exchange
/// counts its own end). Returns when every exchange has ended; each ends by
/// itself within its timeout. `watch` hears of the step and of each request
/// sent (the exchange reports its own end).
template <class Stop, class Send>
boost::asio::awaitable<void> offer_step(boost::asio::io_context& io, double rate, std::size_t count,
                                        int index, const boost::asio::ip::address& server,
                                        std::uint64_t& next_source, in_flight_gauge& in_flight,
                                        const calibration_watch& watch, Stop stop, Send send) {
  namespace asio = boost::asio;
  using clock = std::chrono::steady_clock;
  asio::steady_timer timer(io);
  if (watch.step_started) watch.step_started(rate, index);
  const auto t0 = clock::now();
  const std::vector<double> arrivals = poisson_arrivals(rate, count, index);
  for (std::size_t k = 0; k < count; ++k) {
    timer.expires_at(t0 + std::chrono::duration_cast<clock::duration>(
                              std::chrono::duration<double>(arrivals[k])));
    co_await timer.async_wait(asio::use_awaitable);
    if (stop()) break;
    const auto local = calibration_source(server, next_source);
    in_flight.change(+1);
    if (watch.request_sent) watch.request_sent();
    asio::co_spawn(io, send(k, local), asio::detached);
  }
  while (in_flight.now > 0) {
    timer.expires_after(std::chrono::milliseconds(2));
    co_await timer.async_wait(asio::use_awaitable);
  }
}

}  // namespace itlfleet::engine::detail
