// fit_tvs and the TVS section of the calibration outputs: the TVS station
// (session slots taken in turn, a handshake and a query each) fitted to
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

double replayed_p50_us(const tvs_model& model, const exchange_step& step) {
  // The measured handshake holds the connect's round trip: none added.
  tvs_station st(model, 0);
  std::vector<std::int64_t> latency;
  for (const exchange_record& r : step.records) {
    const std::int64_t done = st.admit(r.sent_us);
    if (r.end == exchange_end::ok && done >= 0) latency.push_back(done - r.sent_us);
  }
  return detail::median(latency);
}

tvs_fit fit_tvs(const exchange_measurement& m) {
  tvs_fit fit;
  if (m.steps.empty()) return fit;
  // Handshake and query: the lowest step's medians, where a session rarely
  // waits for a slot.
  const exchange_step& low = m.steps.front();
  fit.model.handshake = std::chrono::microseconds(std::max<std::int64_t>(1, low.handshake_p50_us));
  fit.model.query = std::chrono::microseconds(std::max<std::int64_t>(1, low.query_p50_us));
  // Concurrency: least squares of the replayed latency, every count to 64,
  // then about 25% apart; the first of equals (the fewest slots that
  // explain the waits). The unlimited station fits a server that never
  // queued as well, and then the concurrency is not determined.
  const auto error_of = [&](int slots) {
    tvs_model t = fit.model;
    t.concurrency = slots;
    return detail::squared_error(m, [&](const exchange_step& s) { return replayed_p50_us(t, s); });
  };
  double best = -1;
  constexpr int most = 4096;
  for (int c = 1; c <= most; c = c < 64 ? c + 1 : c + c / 4) {
    if (const double e = error_of(c); best < 0 || e < best) {
      best = e;
      fit.model.concurrency = c;
    }
  }
  const double unlimited = error_of(most);
  fit.concurrency_determined = fit.model.concurrency < most && unlimited > 2 * best + 0.01;
  if (!fit.concurrency_determined) fit.model.concurrency = tvs_model{}.concurrency;
  fit.quality =
      detail::quality_of(m, [&](const exchange_step& s) { return replayed_p50_us(fit.model, s); });
  if (!fit.concurrency_determined) {
    double peak = 0;
    for (const exchange_step& s : m.steps) peak = std::max(peak, s.completed);
    char text[200];
    std::snprintf(text, sizeof text,
                  "concurrency not determined: the server never queued (up to %.1f sessions/s); "
                  "the default stays",
                  peak);
    fit.quality.caveats.push_back(text);
  }
  std::uint64_t refused = 0;
  for (const exchange_step& s : m.steps) refused += s.refused;
  if (refused > 0)
    fit.quality.caveats.push_back(
        std::to_string(refused) +
        " connections closed unserved: the station queues every session and never refuses one "
        "(phones give up after cluster.tvs.timeout)");
  if (fit.quality.max_error > 0.5)
    fit.quality.caveats.push_back("latency not explained by the station (a step is off by " +
                                  detail::percent(fit.quality.max_error) +
                                  "): a cost that grows with the load, which the model does not "
                                  "have");
  return fit;
}

calibration_section tvs_section(const exchange_measurement& m, const tvs_fit& fit) {
  const tvs_model& t = fit.model;
  calibration_section out;
  out.server = m.server;
  std::string& y = out.yaml;
  y += detail::exchange_yaml_header(m, fit.quality);
  y += "tvs:\n";
  y += "  handshake: " + std::to_string(t.handshake.count()) + "us\n";
  y += "  query: " + std::to_string(t.query.count()) + "us\n";
  if (fit.concurrency_determined)
    y += "  concurrency: " + std::to_string(t.concurrency) + "\n";
  else
    y += "  # concurrency: not determined (the server never queued)\n";

  using metrics::xml_escape;
  std::string& h = out.html;
  h += "<h2>TVS server " + xml_escape(m.server, false) + "</h2>\n";
  h += "<p>Each session a TCP connect, a TLS handshake and one " + xml_escape(m.what, false) +
       ". Stopped: " + xml_escape(m.stop_reason, false) + ".</p>\n";
  h += "<p>Fitted: handshake " + std::to_string(t.handshake.count()) + " us, query " +
       std::to_string(t.query.count()) + " us, concurrency " +
       (fit.concurrency_determined ? std::to_string(t.concurrency) : "not determined") +
       "; fit error " + detail::percent(fit.quality.max_error) +
       " at most (median latency, the measured arrivals replayed through the station).</p>\n";
  const double session_us = static_cast<double>(t.handshake.count() + t.query.count());
  const double capacity = fit.concurrency_determined ? 1e6 * t.concurrency / session_us : 1e12;
  h += detail::exchange_section_body(
      m, fit.quality,
      [&](double rate) { return replayed_p50_us(t, detail::synthetic_step(rate, 2000)); }, capacity,
      "sessions");
  return out;
}

}  // namespace itlfleet::engine
