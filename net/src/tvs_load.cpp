#include "itlfleet/net/tvs_load.hpp"

#include <algorithm>
#include <atomic>
#include <memory>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "tvs_io.hpp"

namespace itlfleet::net {

namespace asio = boost::asio;
using asio::ip::tcp;
using detail::clock;

double tvs_load_report::handshakes_per_second() const {
  const double s = std::chrono::duration<double>(elapsed).count();
  return s > 0 ? static_cast<double>(handshakes) / s : 0.0;
}

double tvs_load_report::queries_per_second() const {
  const double s = std::chrono::duration<double>(elapsed).count();
  return s > 0 ? static_cast<double>(valid + invalid) / s : 0.0;
}

namespace {

/// Shared by the clients of one run; counters are atomic, the rest read-only.
struct load_state {
  tcp::endpoint server;
  asio::ssl::context* ctx = nullptr;
  tvs_client_request request;
  tvs_load_options options;
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> handshakes{0}, valid{0}, invalid{0}, unreachable{0}, untrusted{0},
      protocol_errors{0};
};

asio::awaitable<void> client(std::shared_ptr<load_state> st) {
  for (;;) {
    const std::size_t i = st->next++;
    if (i >= st->options.connections) co_return;
    const auto& sources = st->options.sources;
    const asio::ip::address from =
        sources.empty() ? asio::ip::address{} : sources[i % sources.size()];
    auto r = co_await tvs_query(from, st->server, *st->ctx, st->request, st->options.timeout);
    if (!r.server_certificate.empty()) ++st->handshakes;
    switch (r.outcome) {
      case tvs_outcome::valid:
        ++st->valid;
        break;
      case tvs_outcome::invalid:
        ++st->invalid;
        break;
      case tvs_outcome::unreachable:
      case tvs_outcome::local_error:  // as before: the driver counts no cause
        ++st->unreachable;
        break;
      case tvs_outcome::untrusted_server:
        ++st->untrusted;
        break;
      case tvs_outcome::protocol_error:
        ++st->protocol_errors;
        break;
    }
  }
}

/// Runs on `strand`: starts the clients, each on its own strand, and waits
/// until all have ended (the last one cancels `done`).
asio::awaitable<void> run_all(std::shared_ptr<load_state> st,
                              asio::strand<asio::any_io_executor> strand) {
  const std::size_t n =
      std::max<std::size_t>(1, std::min(st->options.clients, st->options.connections));
  asio::steady_timer done(strand, clock::time_point::max());
  std::size_t remaining = n;  // touched only on `strand`
  for (std::size_t c = 0; c < n; ++c) {
    asio::co_spawn(asio::make_strand(strand.get_inner_executor()), client(st),
                   asio::bind_executor(strand, [&remaining, &done](std::exception_ptr) {
                     if (--remaining == 0) done.cancel();
                   }));
  }
  while (remaining > 0) co_await done.async_wait(detail::use_tuple);
}

}  // namespace

asio::awaitable<tvs_load_report> measure_tvs_load(tcp::endpoint server, asio::ssl::context& ctx,
                                                  tvs_client_request request,
                                                  tvs_load_options options) {
  auto st = std::make_shared<load_state>();
  st->server = server;
  st->ctx = &ctx;
  st->request = std::move(request);
  st->options = std::move(options);

  auto strand = asio::make_strand(co_await asio::this_coro::executor);
  const auto t0 = clock::now();
  co_await asio::co_spawn(strand, run_all(st, strand), asio::use_awaitable);
  tvs_load_report r;
  r.elapsed = clock::now() - t0;
  r.connections = std::min(st->next.load(), st->options.connections);
  r.handshakes = st->handshakes;
  r.valid = st->valid;
  r.invalid = st->invalid;
  r.unreachable = st->unreachable;
  r.untrusted_server = st->untrusted;
  r.protocol_errors = st->protocol_errors;
  co_return r;
}

}  // namespace itlfleet::net
