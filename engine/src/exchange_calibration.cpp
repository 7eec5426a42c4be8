// measure_exchange: open-loop HTTP 6970 or TVS load in rising steps, each
// request on a fresh connection from its own loopback source address, as
// live phones send.

#include "itlfleet/engine/exchange_calibration.hpp"

#include <algorithm>
#include <cstdio>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "calibration_page.hpp"
#include "itlfleet/engine/tftp_calibration.hpp"
#include "itlfleet/net/address_plan.hpp"
#include "itlfleet/net/http_client.hpp"
#include "itlfleet/net/tvs_client.hpp"
#include "itlfleet/net/tvs_tls.hpp"
#include "open_loop.hpp"

namespace itlfleet::engine {
namespace {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

std::int64_t us(clock::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

exchange_end end_of(const net::http_get_result& r) {
  switch (r.outcome) {
    case net::http_outcome::ok:
      return exchange_end::ok;
    case net::http_outcome::refused:
      return exchange_end::refused;
    case net::http_outcome::timeout:
      return exchange_end::timeout;
    default:
      return exchange_end::error;
  }
}

exchange_end end_of(const net::tvs_client_result& r) {
  switch (r.outcome) {
    case net::tvs_outcome::valid:
    case net::tvs_outcome::invalid:
      return exchange_end::ok;
    case net::tvs_outcome::unreachable:
      // The client's own time limit, or the server closing the connection
      // unserved (its pools full) or refusing it.
      return r.detail.starts_with("timed out") || r.detail.starts_with("no answer")
                 ? exchange_end::timeout
                 : exchange_end::refused;
    default:
      return exchange_end::error;
  }
}

/// A request's end as the calibration's watchers count it.
std::string_view end_name(exchange_end e) {
  switch (e) {
    case exchange_end::ok:
      return "ok";
    case exchange_end::refused:
      return "refused";
    case exchange_end::timeout:
      return "timeout";
    case exchange_end::error:
      break;
  }
  return "error";
}

/// What a TVS calibration asks: QUERY_CERT for a certificate no cluster
/// holds, answered "invalid" after the same lookup as any other.
net::tvs_client_request tvs_question() {
  net::tvs_client_request q;
  q.device_name = "CP-8861-SEP00CA11B4A7E0";
  q.subject = "CN=itlfleet-calibration";
  q.issuer = "CN=itlfleet-calibration";
  q.serial = {0x17, 0xf1, 0xee, 0x07};
  return q;
}

struct step_runner {
  asio::io_context& io;
  const exchange_probe_options& o;
  asio::ssl::context& tls;
  std::uint64_t& next_source;  ///< source address index across steps
  std::size_t& file_size;
  bool& not_found;

  struct request {
    clock::time_point start{}, end{};
    exchange_record record;
  };
  std::vector<request> requests;
  detail::in_flight_gauge in_flight;

  asio::awaitable<void> one(std::size_t k, asio::ip::address local) {
    request& q = requests[k];
    if (o.service == calibrated_service::http) {
      net::http_get_options g;
      g.timeout = o.timeout;
      auto r = co_await net::http_get(local, o.server, o.filename, g);
      q.record.end = end_of(r);
      if (r.outcome == net::http_outcome::ok) {
        file_size = r.body.size();
        q.record.connect_us = r.connect_time.count();
      }
      if (r.outcome == net::http_outcome::not_found) not_found = true;
    } else {
      auto r = co_await net::tvs_query(local, o.server, tls, tvs_question(), o.timeout);
      q.record.end = end_of(r);
      if (r.handshake_time.count() > 0)
        q.record.handshake_us = (r.connect_time + r.handshake_time).count();
      q.record.query_us = r.answer_time.count();
    }
    q.end = clock::now();
    if (q.record.end == exchange_end::ok) q.record.latency_us = us(q.end - q.start);
    in_flight.change(-1);
    if (o.watch.request_done) o.watch.request_done(end_name(q.record.end));
  }

  asio::awaitable<void> run(double rate, int index) {
    const double seconds = std::chrono::duration<double>(o.step).count();
    const auto n = static_cast<std::size_t>(std::max(1.0, std::round(rate * seconds)));
    requests.resize(n);
    const auto t0 = clock::now();
    co_await detail::offer_step(
        io, rate, n, index, o.server.address(), next_source, in_flight, o.watch,
        [this] { return not_found; },
        [this, t0](std::size_t k, asio::ip::address local) {
          requests[k].start = clock::now();
          requests[k].record.sent_us = us(requests[k].start - t0);
          return one(k, local);
        });
  }

  exchange_step summary(double rate) const {
    exchange_step s;
    s.offered = rate;
    std::vector<std::int64_t> latency, handshake, query, connect;
    std::vector<clock::time_point> ok_start, ok_end;
    clock::time_point first = clock::time_point::max(), last{};
    for (const request& q : requests) {
      if (q.start == clock::time_point{}) continue;  // not sent (file not found)
      ++s.requests;
      s.records.push_back(q.record);
      first = std::min(first, q.start);
      last = std::max(last, q.end);
      if (q.record.handshake_us > 0) handshake.push_back(q.record.handshake_us);
      switch (q.record.end) {
        case exchange_end::ok:
          ++s.ok;
          latency.push_back(q.record.latency_us);
          if (q.record.query_us > 0) query.push_back(q.record.query_us);
          if (q.record.connect_us > 0) connect.push_back(q.record.connect_us);
          ok_start.push_back(q.start);
          ok_end.push_back(q.end);
          break;
        case exchange_end::refused:
          ++s.refused;
          break;
        case exchange_end::timeout:
          ++s.timeouts;
          break;
        case exchange_end::error:
          ++s.errors;
          break;
      }
    }
    if (s.requests == 0) return s;
    detail::set_step_figures(s, first, last, in_flight, latency);
    if (s.seconds > 0) {
      s.handshakes_per_s = static_cast<double>(handshake.size()) / s.seconds;
      s.queries_per_s = static_cast<double>(query.size()) / s.seconds;
    }
    for (auto* v : {&handshake, &query, &connect}) std::sort(v->begin(), v->end());
    s.connect_p50_us = detail::percentile(connect, 0.50);
    s.handshake_p50_us = detail::percentile(handshake, 0.50);
    s.handshake_p90_us = detail::percentile(handshake, 0.90);
    s.query_p50_us = detail::percentile(query, 0.50);
    s.query_p90_us = detail::percentile(query, 0.90);
    std::vector<clock::time_point> refused_at;
    for (const request& q : requests)
      if (q.start != clock::time_point{} && q.record.end == exchange_end::refused)
        refused_at.push_back(q.start);
    s.ok_at_refusal = detail::ok_at_refusal(std::move(ok_start), std::move(ok_end), refused_at);
    return s;
  }
};

}  // namespace

std::string_view to_string(calibrated_service s) {
  return s == calibrated_service::http ? "HTTP" : "TVS";
}

std::string format_exchange_step(calibrated_service service, const exchange_step& s, int index) {
  char line[400];
  const auto ms = [](std::int64_t v) { return static_cast<double>(v) / 1000.0; };
  int n = std::snprintf(
      line, sizeof line,
      "%s step %d: offered %.1f/s, completed %.1f/s, latency p50 %.1f ms p90 %.1f ms p99 %.1f ms, "
      "refused %llu, timeouts %llu, errors %llu of %llu, in flight mean %.1f peak %u",
      std::string(to_string(service)).c_str(), index + 1, s.offered, s.completed, ms(s.p50_us),
      ms(s.p90_us), ms(s.p99_us), static_cast<unsigned long long>(s.refused),
      static_cast<unsigned long long>(s.timeouts), static_cast<unsigned long long>(s.errors),
      static_cast<unsigned long long>(s.requests), s.mean_in_flight, s.peak_in_flight);
  if (service == calibrated_service::tvs && n > 0 && static_cast<std::size_t>(n) < sizeof line)
    std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n),
                  "; handshakes %.1f/s p50 %.1f ms p90 %.1f ms, queries %.1f/s p50 %.1f ms p90 "
                  "%.1f ms",
                  s.handshakes_per_s, ms(s.handshake_p50_us), ms(s.handshake_p90_us),
                  s.queries_per_s, ms(s.query_p50_us), ms(s.query_p90_us));
  return line;
}

result<exchange_measurement> measure_exchange(const exchange_probe_options& o) {
  exchange_measurement m;
  m.service = o.service;
  m.server = o.server_text;
  m.what = o.service == calibrated_service::http ? o.filename : "QUERY_CERT (answered invalid)";
  std::uint64_t next_source = 0;
  asio::io_context io(1);
  asio::ssl::context tls = net::make_tvs_client_context();
  const std::string name = std::string(to_string(o.service)) + " " + o.server_text;
  for (int i = 0; i < o.max_steps; ++i) {
    const double rate = tftp_step_rate(o.ceiling, i, o.max_steps);
    bool not_found = false;
    step_runner runner{io, o, tls, next_source, m.file_size, not_found, {}, {}};
    asio::co_spawn(io, runner.run(rate, i), asio::detached);
    io.restart();
    io.run();
    if (not_found) return error{name + ": " + o.filename + ": file not found (HTTP 404)"};
    exchange_step s = runner.summary(rate);
    if (o.watch.step_finished) o.watch.step_finished(s.completed, s.p50_us, s.p90_us, s.p99_us);
    if (o.on_step) o.on_step(s, i);
    m.steps.push_back(std::move(s));
    const exchange_step& first = m.steps.front();
    if (first.ok == 0)
      return error{name + ": no request completed in the first step " +
                   detail::failures_text(first)};
    if (auto why = detail::stop_after(first, m.steps.back(), o.stop_requested)) {
      m.stop_reason = *why;
      return m;
    }
  }
  m.stop_reason = "ceiling reached";
  return m;
}

}  // namespace itlfleet::engine
