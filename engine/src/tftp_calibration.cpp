// measure_tftp: open-loop TFTP load in rising steps, each request from its
// own loopback source address, as live phones send.

#include "itlfleet/engine/tftp_calibration.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "itlfleet/net/address_plan.hpp"
#include "itlfleet/net/tftp_client.hpp"

namespace itlfleet::engine {
namespace {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

struct request {
  clock::time_point start{}, end{};
  net::tftp_outcome outcome = net::tftp_outcome::timeout;
};

/// Adds one to counts[value], growing the vector.
void count_at(std::vector<std::uint64_t>& counts, std::size_t value) {
  if (counts.size() <= value) counts.resize(value + 1);
  ++counts[value];
}

/// A request's result as the step counts it (refused: any ERROR but 1).
std::string_view result_name(net::tftp_outcome o) {
  switch (o) {
    case net::tftp_outcome::ok:
      return "ok";
    case net::tftp_outcome::refused:
      return "refused";
    case net::tftp_outcome::timeout:
      return "timeout";
    default:
      return "error";
  }
}

std::int64_t percentile(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(i, 1, sorted.size()) - 1];
}

struct step_runner {
  asio::io_context& io;
  const tftp_probe_options& o;
  std::uint64_t& next_source;  ///< source address index across steps
  std::size_t& file_size;
  bool& not_found;

  std::vector<request> requests;
  std::uint32_t in_flight = 0;
  std::uint32_t peak = 0;
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
    net::tftp_get_options g;
    g.timeout = o.timeout;
    g.retries = o.retries;
    auto r = co_await net::tftp_get(local, o.server, o.filename, g);
    request& q = requests[k];
    q.end = clock::now();
    q.outcome = r.outcome;
    if (r.outcome == net::tftp_outcome::ok) file_size = r.data.size();
    if (r.outcome == net::tftp_outcome::not_found) not_found = true;
    retransmissions += r.retransmissions;
    change(-1);
    if (o.on_request_done) o.on_request_done(result_name(r.outcome));
  }
  std::uint64_t retransmissions = 0;

  asio::awaitable<void> run(double rate, int index) {
    const double seconds = std::chrono::duration<double>(o.step).count();
    const auto n = static_cast<std::size_t>(std::max(1.0, std::round(rate * seconds)));
    requests.resize(n);
    asio::steady_timer timer(io);
    if (o.on_step_start) o.on_step_start(rate, index);
    const auto t0 = clock::now();
    const bool loopback = o.server.address().is_loopback();
    // Poisson arrivals, as phones booting independently: evenly spaced ones
    // would never overlap below saturation, and the fit needs downloads that
    // share the server. Seeded per step: the same gaps every time.
    std::mt19937_64 random(0x17f1ee7 + static_cast<std::uint64_t>(index));
    double at = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const double u = static_cast<double>(random() >> 11) * 0x1p-53;  // [0, 1)
      if (k > 0) at += -std::log1p(-u) / rate;
      timer.expires_at(
          t0 + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(at)));
      co_await timer.async_wait(asio::use_awaitable);
      if (not_found) break;
      asio::ip::address local = asio::ip::address_v4::any();
      if (loopback) {
        local = *net::phone_address(static_cast<std::uint32_t>(next_source % net::max_live_phones));
        ++next_source;
      }
      requests[k].start = clock::now();
      change(+1);
      if (o.on_request_sent) o.on_request_sent();
      asio::co_spawn(io, one(k, local), asio::detached);
    }
    // Every request ends by itself within its timeout and retries.
    while (in_flight > 0) {
      timer.expires_after(std::chrono::milliseconds(2));
      co_await timer.async_wait(asio::use_awaitable);
    }
  }

  tftp_step summary(double rate) const {
    tftp_step s;
    s.offered = rate;
    s.retransmissions = retransmissions;
    std::vector<std::int64_t> latency;
    std::vector<clock::time_point> ok_start, ok_end;
    clock::time_point first = clock::time_point::max(), last{};
    for (const request& q : requests) {
      if (q.start == clock::time_point{}) continue;  // not sent (file not found)
      ++s.requests;
      first = std::min(first, q.start);
      last = std::max(last, q.end);
      switch (q.outcome) {
        case net::tftp_outcome::ok:
          ++s.ok;
          latency.push_back(
              std::chrono::duration_cast<std::chrono::microseconds>(q.end - q.start).count());
          ok_start.push_back(q.start);
          ok_end.push_back(q.end);
          break;
        case net::tftp_outcome::refused:
          ++s.refused;
          break;
        case net::tftp_outcome::timeout:
          ++s.timeouts;
          break;
        default:
          ++s.errors;
          break;
      }
    }
    if (s.requests == 0) return s;
    s.seconds = std::chrono::duration<double>(last - first).count();
    if (s.seconds > 0) {
      s.completed = static_cast<double>(s.ok) / s.seconds;
      s.mean_in_flight = area / s.seconds;
    }
    s.peak_in_flight = peak;
    std::sort(latency.begin(), latency.end());
    if (!latency.empty()) {
      std::int64_t sum = 0;
      for (auto l : latency) sum += l;
      s.mean_us = sum / static_cast<std::int64_t>(latency.size());
      s.p50_us = percentile(latency, 0.50);
      s.p90_us = percentile(latency, 0.90);
      s.p99_us = percentile(latency, 0.99);
    }
    // Sharing: with F(t) the integral of completed downloads in progress,
    // a download from s to e averaged (F(e) - F(s)) / (e - s).
    std::vector<std::pair<clock::time_point, int>> events;
    for (const request& q : requests)
      if (q.start != clock::time_point{} && q.outcome == net::tftp_outcome::ok) {
        events.emplace_back(q.start, +1);
        events.emplace_back(q.end, -1);
      }
    std::sort(events.begin(), events.end());
    std::vector<double> integral(events.size());  // F at each event
    for (std::size_t i = 1, n = 0; i < events.size(); ++i) {
      n = static_cast<std::size_t>(static_cast<int>(n) + events[i - 1].second);
      integral[i] =
          integral[i - 1] +
          static_cast<double>(n) *
              std::chrono::duration<double>(events[i].first - events[i - 1].first).count();
    }
    const auto integral_at = [&](clock::time_point t, int kind) {
      const auto it = std::lower_bound(events.begin(), events.end(), std::pair{t, kind});
      return integral[static_cast<std::size_t>(it - events.begin())];
    };
    for (const request& q : requests) {
      if (q.start == clock::time_point{} || q.outcome != net::tftp_outcome::ok) continue;
      const double life = std::chrono::duration<double>(q.end - q.start).count();
      const double shared =
          life > 0 ? (integral_at(q.end, -1) - integral_at(q.start, +1)) / life : 1.0;
      count_at(s.sharing, static_cast<std::size_t>(
                              std::lround(std::max(1.0, shared) * tftp_step::sharing_scale)));
    }
    // Completed downloads in progress when each refused request was sent:
    // what the server was serving when it refused.
    std::sort(ok_start.begin(), ok_start.end());
    std::sort(ok_end.begin(), ok_end.end());
    for (const request& q : requests) {
      if (q.start == clock::time_point{} || q.outcome != net::tftp_outcome::refused) continue;
      const auto started =
          std::upper_bound(ok_start.begin(), ok_start.end(), q.start) - ok_start.begin();
      const auto ended = std::upper_bound(ok_end.begin(), ok_end.end(), q.start) - ok_end.begin();
      count_at(s.ok_at_refusal,
               static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, started - ended)));
    }
    return s;
  }
};

}  // namespace

double tftp_step_rate(double ceiling, int i, int steps) {
  if (steps <= 1 || i >= steps - 1) return ceiling;
  return std::min(ceiling, ceiling / 16 * std::pow(16.0, static_cast<double>(i) / (steps - 1)));
}

std::string format_step(const tftp_step& s, int index) {
  char line[320];
  std::snprintf(line, sizeof line,
                "step %d: offered %.1f/s, completed %.1f/s, latency p50 %.1f ms p90 %.1f ms p99 "
                "%.1f ms, refused %llu, timeouts %llu, errors %llu of %llu, in flight mean %.1f "
                "peak %u",
                index + 1, s.offered, s.completed, static_cast<double>(s.p50_us) / 1000.0,
                static_cast<double>(s.p90_us) / 1000.0, static_cast<double>(s.p99_us) / 1000.0,
                static_cast<unsigned long long>(s.refused),
                static_cast<unsigned long long>(s.timeouts),
                static_cast<unsigned long long>(s.errors),
                static_cast<unsigned long long>(s.requests), s.mean_in_flight, s.peak_in_flight);
  return line;
}

result<tftp_measurement> measure_tftp(const tftp_probe_options& o) {
  tftp_measurement m;
  m.server = o.server_text;
  m.filename = o.filename;
  std::uint64_t next_source = 0;
  asio::io_context io(1);
  for (int i = 0; i < o.max_steps; ++i) {
    const double rate = tftp_step_rate(o.ceiling, i, o.max_steps);
    bool not_found = false;
    step_runner runner{io, o, next_source, m.file_size, not_found, {}};
    asio::co_spawn(io, runner.run(rate, i), asio::detached);
    io.restart();
    io.run();
    if (not_found)
      return error{o.server_text + ": " + o.filename + ": file not found (TFTP ERROR 1)"};
    tftp_step s = runner.summary(rate);
    if (o.on_step) o.on_step(s, i);
    m.steps.push_back(std::move(s));
    const tftp_step& first = m.steps.front();
    const tftp_step& now = m.steps.back();
    if (first.ok == 0)
      return error{o.server_text + ": no download of " + o.filename +
                   " completed in the first step (" + std::to_string(first.timeouts) +
                   " timeouts, " + std::to_string(first.refused) + " refused, " +
                   std::to_string(first.errors) + " errors)"};
    if (now.failures() * 20 > now.requests) {
      m.stop_reason = "saturation: refusals, timeouts and errors above 5% of requests";
      return m;
    }
    if (now.p90_us > 4 * first.p90_us) {
      m.stop_reason = "saturation: p90 latency above 4x the first step's";
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
