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
  std::uint32_t in_flight = 0, peak = 0;
  clock::time_point last_change{};
  double area = 0;  ///< in-flight x seconds

  void change(int by) {
    const auto now = clock::now();
    if (last_change != clock::time_point{})
      area += in_flight * std::chrono::duration<double>(now - last_change).count();
    last_change = now;
    in_flight = static_cast<std::uint32_t>(static_cast<int>(in_flight) + by);
    peak = std::max(peak, in_flight);
  }

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
    change(-1);
  }

  asio::awaitable<void> run(double rate, int index) {
    const double seconds = std::chrono::duration<double>(o.step).count();
    const auto n = static_cast<std::size_t>(std::max(1.0, std::round(rate * seconds)));
    requests.resize(n);
    asio::steady_timer timer(io);
    const auto t0 = clock::now();
    const bool loopback = o.server.address().is_v4() && o.server.address().is_loopback();
    const std::vector<double> arrivals = detail::poisson_arrivals(rate, n, index);
    for (std::size_t k = 0; k < n; ++k) {
      timer.expires_at(t0 + std::chrono::duration_cast<clock::duration>(
                                std::chrono::duration<double>(arrivals[k])));
      co_await timer.async_wait(asio::use_awaitable);
      if (not_found) break;
      asio::ip::address local = asio::ip::address_v4::any();
      if (o.server.address().is_v6()) local = asio::ip::address_v6::any();
      if (loopback) {
        local = *net::phone_address(static_cast<std::uint32_t>(next_source % net::max_live_phones));
        ++next_source;
      }
      requests[k].start = clock::now();
      requests[k].record.sent_us = us(requests[k].start - t0);
      change(+1);
      asio::co_spawn(io, one(k, local), asio::detached);
    }
    // Every request ends by itself within its timeout.
    while (in_flight > 0) {
      timer.expires_after(std::chrono::milliseconds(2));
      co_await timer.async_wait(asio::use_awaitable);
    }
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
    s.seconds = std::chrono::duration<double>(last - first).count();
    if (s.seconds > 0) {
      s.completed = static_cast<double>(s.ok) / s.seconds;
      s.handshakes_per_s = static_cast<double>(handshake.size()) / s.seconds;
      s.queries_per_s = static_cast<double>(query.size()) / s.seconds;
      s.mean_in_flight = area / s.seconds;
    }
    s.peak_in_flight = peak;
    for (auto* v : {&latency, &handshake, &query, &connect}) std::sort(v->begin(), v->end());
    s.connect_p50_us = detail::percentile(connect, 0.50);
    if (!latency.empty()) {
      std::int64_t sum = 0;
      for (auto l : latency) sum += l;
      s.mean_us = sum / static_cast<std::int64_t>(latency.size());
      s.p50_us = detail::percentile(latency, 0.50);
      s.p90_us = detail::percentile(latency, 0.90);
      s.p99_us = detail::percentile(latency, 0.99);
    }
    s.handshake_p50_us = detail::percentile(handshake, 0.50);
    s.handshake_p90_us = detail::percentile(handshake, 0.90);
    s.query_p50_us = detail::percentile(query, 0.50);
    s.query_p90_us = detail::percentile(query, 0.90);
    // Completed requests in progress when each refused one was sent: what
    // the server was serving when it refused.
    std::sort(ok_start.begin(), ok_start.end());
    std::sort(ok_end.begin(), ok_end.end());
    for (const request& q : requests) {
      if (q.start == clock::time_point{} || q.record.end != exchange_end::refused) continue;
      const auto started =
          std::upper_bound(ok_start.begin(), ok_start.end(), q.start) - ok_start.begin();
      const auto ended = std::upper_bound(ok_end.begin(), ok_end.end(), q.start) - ok_end.begin();
      const auto at = static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, started - ended));
      if (s.ok_at_refusal.size() <= at) s.ok_at_refusal.resize(at + 1);
      ++s.ok_at_refusal[at];
    }
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
    step_runner runner{io, o, tls, next_source, m.file_size, not_found, {}};
    asio::co_spawn(io, runner.run(rate, i), asio::detached);
    io.restart();
    io.run();
    if (not_found) return error{name + ": " + o.filename + ": file not found (HTTP 404)"};
    exchange_step s = runner.summary(rate);
    if (o.on_step) o.on_step(s, i);
    m.steps.push_back(std::move(s));
    const exchange_step& first = m.steps.front();
    const exchange_step& now = m.steps.back();
    if (first.ok == 0)
      return error{name + ": no request completed in the first step (" +
                   std::to_string(first.timeouts) + " timeouts, " + std::to_string(first.refused) +
                   " refused, " + std::to_string(first.errors) + " errors)"};
    if (auto why = detail::saturation(now.failures(), now.requests, now.p90_us, first.p90_us)) {
      m.stop_reason = *why;
      return m;
    }
    if (o.stop_requested && o.stop_requested()) {
      m.stop_reason = "stopped";
      return m;
    }
  }
  m.stop_reason = "ceiling reached";
  return m;
}

}  // namespace itlfleet::engine
