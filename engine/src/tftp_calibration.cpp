// measure_tftp: open-loop TFTP load in rising steps, each request from its
// own loopback source address, as live phones send.

#include "itlfleet/engine/tftp_calibration.hpp"

#include "calibration_page.hpp"
#include "open_loop.hpp"

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

struct step_runner {
  asio::io_context& io;
  const tftp_probe_options& o;
  std::uint64_t& next_source;  ///< source address index across steps
  std::size_t& file_size;
  bool& not_found;

  std::vector<request> requests;
  detail::in_flight_gauge in_flight;

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
    in_flight.change(-1);
    if (o.watch.request_done) o.watch.request_done(result_name(r.outcome));
  }
  std::uint64_t retransmissions = 0;

  asio::awaitable<void> run(double rate, int index) {
    const double seconds = std::chrono::duration<double>(o.step).count();
    const auto n = static_cast<std::size_t>(std::max(1.0, std::round(rate * seconds)));
    requests.resize(n);
    co_await detail::offer_step(
        io, rate, n, index, o.server.address(), next_source, in_flight, o.watch,
        [this] { return not_found; },
        [this](std::size_t k, asio::ip::address local) {
          requests[k].start = clock::now();
          return one(k, local);
        });
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
    detail::set_step_figures(s, first, last, in_flight, latency);
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
      const auto k =
          static_cast<std::size_t>(std::lround(std::max(1.0, shared) * tftp_step::sharing_scale));
      detail::count_at(s.sharing, k);
      if (s.sharing_latency_us.size() <= k) s.sharing_latency_us.resize(k + 1);
      s.sharing_latency_us[k] += std::chrono::duration<double, std::micro>(q.end - q.start).count();
    }
    std::vector<clock::time_point> refused_at;
    for (const request& q : requests)
      if (q.start != clock::time_point{} && q.outcome == net::tftp_outcome::refused)
        refused_at.push_back(q.start);
    s.ok_at_refusal = detail::ok_at_refusal(std::move(ok_start), std::move(ok_end), refused_at);
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

namespace {
/// "1 more step", "N more steps".
std::string more_steps(int n) {
  return std::to_string(n) + (n == 1 ? " more step" : " more steps");
}
}  // namespace

result<tftp_measurement> measure_tftp(const tftp_probe_options& o) {
  tftp_measurement m;
  m.server = o.server_text;
  m.filename = o.filename;
  std::uint64_t next_source = 0;
  asio::io_context io(1);
  int saturated_at = -1;  ///< the first saturated step
  for (int i = 0; i < o.max_steps; ++i) {
    const double rate = tftp_step_rate(o.ceiling, i, o.max_steps);
    bool not_found = false;
    step_runner runner{io, o, next_source, m.file_size, not_found, {}, {}};
    asio::co_spawn(io, runner.run(rate, i), asio::detached);
    io.restart();
    io.run();
    if (not_found)
      return error{o.server_text + ": " + o.filename + ": file not found (TFTP ERROR 1)"};
    tftp_step s = runner.summary(rate);
    if (o.watch.step_finished) o.watch.step_finished(s.completed, s.p50_us, s.p90_us, s.p99_us);
    if (o.on_step) o.on_step(s, i);
    m.steps.push_back(std::move(s));
    const tftp_step& first = m.steps.front();
    if (first.ok == 0)
      return error{o.server_text + ": no download of " + o.filename +
                   " completed in the first step " + detail::failures_text(first)};
    if (saturated_at < 0) {
      if (auto why = detail::stop_after(first, m.steps.back(), {})) {
        m.stop_reason = *why;
        saturated_at = i;
      }
    }
    const bool done = saturated_at >= 0 && i - saturated_at >= o.past_saturation;
    if (!done && o.stop_requested && o.stop_requested()) {
      m.stop_reason = saturated_at < 0
                          ? "stopped"
                          : m.stop_reason + " (then " + more_steps(i - saturated_at) + ", stopped)";
      return m;
    }
    if (done) {
      if (o.past_saturation > 0) m.stop_reason += " (then " + more_steps(i - saturated_at) + ")";
      return m;
    }
  }
  if (saturated_at >= 0)
    m.stop_reason += " (then " + more_steps(o.max_steps - 1 - saturated_at) + ", to the ceiling)";
  else
    m.stop_reason = "ceiling reached";
  return m;
}

}  // namespace itlfleet::engine
