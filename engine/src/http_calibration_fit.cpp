// fit_http and the HTTP section of the calibration outputs: the HTTP
// station (workers taking requests in turn, a serving count) fitted to
// measured steps by replaying their arrivals through it.

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "calibration_page.hpp"
#include "exchange_fit_support.hpp"
#include "itlfleet/engine/calibration_output.hpp"
#include "itlfleet/engine/plan.hpp"
#include "itlfleet/engine/stations.hpp"
#include "itlfleet/metrics/report.hpp"

namespace itlfleet::engine {
namespace {

using std::chrono::microseconds;

/// The model with `cost` and `workers`.
http_model candidate(const http_model& base, std::int64_t cost, int workers) {
  http_model h = base;
  h.request_cost = microseconds(cost);
  h.workers = workers;
  return h;
}

/// Worker counts tried: every count to 16, then about 25% apart to 1024,
/// more than calibration traffic can keep busy (the last one stands for
/// "unlimited").
std::vector<int> worker_counts() {
  std::vector<int> w;
  for (int n = 1; n < 1024; n = n < 16 ? n + 1 : n + n / 4) w.push_back(n);
  w.push_back(1024);
  return w;
}

}  // namespace

double replayed_p50_us(const http_model& model, const exchange_step& step) {
  http_station st(model);
  std::vector<std::int64_t> latency;
  for (const exchange_record& r : step.records) {
    const std::int64_t done = st.admit(r.sent_us);
    if (r.end == exchange_end::ok && done >= 0) latency.push_back(done - r.sent_us);
  }
  return detail::median(latency);
}

http_fit fit_http(const exchange_measurement& m) {
  http_fit fit;
  if (m.steps.empty()) return fit;
  // Serving count: the completed requests most often in progress when one
  // was refused; none refused: no limit seen, and none in the search.
  std::vector<std::uint64_t> at_refusal;
  for (const exchange_step& s : m.steps) detail::add_counts(at_refusal, s.ok_at_refusal);
  fit.serving_count = detail::most_common_at_refusal(at_refusal);
  http_model base;
  base.max_serving_count = fit.serving_count.value_or(limits::max_serving_count);
  // The round trip: the TCP connect, which the kernel answers whatever the
  // server's workers are doing.
  base.rtt = microseconds(m.steps.front().connect_p50_us);

  const auto error_of = [&](const http_model& h) {
    return detail::squared_error(m, [&](const exchange_step& s) { return replayed_p50_us(h, s); });
  };
  // request_cost (a log grid 10% apart, 1 us to the lowest step's median)
  // and workers by least squares; then the cost refined in steps of 1% and
  // 0.1%. With the round trip measured apart, the lowest step's latency
  // gives the cost; only queueing shows the workers. The unlimited model
  // (the most workers) is kept apart: a server that never queued fits it
  // as well, and then the workers are not determined.
  const std::int64_t low = std::max<std::int64_t>(1, m.steps.front().p50_us);
  double best = -1, unlimited = -1;
  std::int64_t unlimited_cost = 1;
  const auto counts = worker_counts();
  for (const int w : counts) {
    for (double cost = 1; cost <= static_cast<double>(low); cost *= 1.1) {
      const http_model h = candidate(base, std::llround(cost), w);
      const double e = error_of(h);
      if (best < 0 || e < best) {
        best = e;
        fit.model = h;
      }
      if (w == counts.back() && (unlimited < 0 || e < unlimited)) {
        unlimited = e;
        unlimited_cost = h.request_cost.count();
      }
    }
  }
  for (const double step : {0.01, 0.001}) {
    for (bool improved = true; improved;) {
      improved = false;
      for (const int sign : {-1, 1}) {
        const auto v = fit.model.request_cost.count();
        const auto by = std::max<std::int64_t>(1, std::llround(static_cast<double>(v) * step));
        const auto next = std::clamp<std::int64_t>(v + sign * by, 1, low);
        if (next == v) continue;
        const http_model h = candidate(base, next, fit.model.workers);
        if (const double e = error_of(h); e < best) {
          best = e;
          fit.model = h;
          improved = true;
        }
      }
    }
  }
  fit.workers_determined = fit.model.workers < counts.back() && unlimited > 2 * best + 0.01;
  if (!fit.workers_determined)
    fit.model = candidate(base, unlimited_cost, http_model{}.workers);  // the default stays
  fit.quality =
      detail::quality_of(m, [&](const exchange_step& s) { return replayed_p50_us(fit.model, s); });
  double peak = 0;
  for (const exchange_step& s : m.steps) peak = std::max(peak, s.completed);
  if (!fit.workers_determined) {
    char text[200];
    std::snprintf(text, sizeof text,
                  "workers not determined: the server never queued (up to %.1f requests/s); "
                  "the default stays",
                  peak);
    fit.quality.caveats.push_back(text);
  }
  if (fit.quality.max_error > 0.5)
    fit.quality.caveats.push_back(
        "latency not explained by the station (a step is off by " +
        detail::percent(fit.quality.max_error) +
        "): a cost that grows with the file or the load, which the model does not have");
  return fit;
}

calibration_section http_section(const exchange_measurement& m, const http_fit& fit) {
  const http_model& h = fit.model;
  calibration_section out;
  out.server = m.server;
  std::string& y = out.yaml;
  y += detail::exchange_yaml_header(m, fit.quality);
  y += "http:\n";
  y += "  rtt: " + std::to_string(h.rtt.count()) + "us\n";
  y += "  request_cost: " + std::to_string(h.request_cost.count()) + "us\n";
  if (fit.workers_determined)
    y += "  workers: " + std::to_string(h.workers) + "\n";
  else
    y += "  # workers: not determined (the server never queued)\n";
  if (fit.serving_count)
    y += "  max_serving_count: " + std::to_string(*fit.serving_count) + "\n";
  else
    y += "  # max_serving_count: not reached (no request refused)\n";

  using metrics::xml_escape;
  std::string& t = out.html;
  t += "<h2>HTTP 6970 server " + xml_escape(m.server, false) + "</h2>\n";
  t += "<p>File " + xml_escape(m.what, false) + " (" + std::to_string(m.file_size) +
       " bytes), one GET per connection. Stopped: " + xml_escape(m.stop_reason, false) + ".</p>\n";
  t += "<p>Fitted: rtt " + std::to_string(h.rtt.count()) + " us, request_cost " +
       std::to_string(h.request_cost.count()) + " us, workers " +
       (fit.workers_determined ? std::to_string(h.workers) : "not determined") +
       ", max_serving_count " +
       (fit.serving_count ? std::to_string(*fit.serving_count) : std::string("not reached")) +
       "; fit error " + detail::percent(fit.quality.max_error) +
       " at most (median latency, the measured arrivals replayed through the station).</p>\n";
  const double capacity = fit.workers_determined && h.request_cost.count() > 0
                              ? 1e6 * h.workers / static_cast<double>(h.request_cost.count())
                              : 1e12;
  t += detail::exchange_section_body(
      m, fit.quality,
      [&](double rate) { return replayed_p50_us(h, detail::synthetic_step(rate, 2000)); }, capacity,
      "downloads");
  return out;
}

}  // namespace itlfleet::engine
