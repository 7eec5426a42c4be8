// The HTTP and TVS fits' shared scoring and page parts.

#include "exchange_fit_support.hpp"

#include <algorithm>
#include <cmath>

#include "calibration_page.hpp"
#include "itlfleet/metrics/number_format.hpp"
#include "itlfleet/metrics/report.hpp"

namespace itlfleet::engine::detail {

double median(std::vector<std::int64_t>& values) {
  if (values.empty()) return 0;
  const auto mid = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), mid, values.end());
  return static_cast<double>(*mid);
}

double squared_error(const exchange_measurement& m, const step_prediction& predict) {
  double sum = 0;
  for (const exchange_step& s : m.steps) {
    if (s.ok == 0 || s.p50_us <= 0) continue;
    const double measured = static_cast<double>(s.p50_us);
    const double e = (predict(s) - measured) / measured;
    sum += e * e;
  }
  return sum;
}

fit_quality quality_of(const exchange_measurement& m, const step_prediction& predict) {
  fit_quality q;
  for (const exchange_step& s : m.steps) {
    if (s.ok == 0 || s.p50_us <= 0) {
      q.step_error.emplace_back();
      continue;
    }
    const double measured = static_cast<double>(s.p50_us);
    const double e = (predict(s) - measured) / measured;
    q.step_error.push_back(e);
    q.max_error = std::max(q.max_error, std::abs(e));
  }
  return q;
}

exchange_step synthetic_step(double rate, std::size_t count) {
  exchange_step s;
  s.offered = rate;
  const std::vector<double> at = poisson_arrivals(rate, count, 0);
  s.records.resize(count);
  for (std::size_t k = 0; k < count; ++k) {
    s.records[k].sent_us = std::llround(at[k] * 1e6);
    s.records[k].end = exchange_end::ok;
  }
  s.requests = s.ok = count;
  return s;
}

double highest_offered(const exchange_measurement& m) {
  double x = 1;
  for (const auto& s : m.steps) x = std::max(x, s.offered);
  return x;
}

std::string exchange_section_body(const exchange_measurement& m, const fit_quality& q,
                                  const std::function<double(double rate)>& latency_at,
                                  double capacity, const std::string& unit) {
  using metrics::fixed_decimals;
  const double x_max = highest_offered(m);
  std::vector<std::pair<double, double>> lat_points, thr_points, lat_curve, thr_curve;
  for (const auto& s : m.steps) {
    if (s.ok > 0) lat_points.emplace_back(s.offered, static_cast<double>(s.p50_us) / 1000.0);
    thr_points.emplace_back(s.offered, s.completed);
  }
  for (int i = 1; i <= 100; ++i) {
    const double rate = x_max * i / 100;
    lat_curve.emplace_back(rate, latency_at(rate) / 1000.0);
    thr_curve.emplace_back(rate, std::min(rate, capacity));
  }
  std::string h;
  for (const auto& c : q.caveats)
    h += "<p><strong>Not expressed by the model:</strong> " + metrics::xml_escape(c, false) +
         "</p>\n";
  h += plot("Median latency against offered load", "ms", x_max, lat_points, lat_curve);
  h += plot("Completed " + unit + " against offered load", unit + "/s", x_max, thr_points,
            thr_curve);
  const bool tvs = m.service == calibrated_service::tvs;
  h += "<h3>Steps</h3>\n<table><tr><th>offered/s</th><th>completed/s</th><th>mean "
       "ms</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th>";
  if (tvs)
    h += "<th>handshakes/s</th><th>handshake p50 ms</th><th>handshake p90 ms</th><th>queries/"
         "s</th><th>query p50 ms</th><th>query p90 ms</th>";
  h += "<th>refused</th><th>timeouts</th><th>errors</th><th>requests</th><th>in "
       "flight</th><th>peak</th><th>fit error</th></tr>\n";
  for (std::size_t i = 0; i < m.steps.size(); ++i) {
    const auto& s = m.steps[i];
    h += "<tr><td>" + fixed_decimals(s.offered, 1) + "</td><td>" + fixed_decimals(s.completed, 1) +
         "</td><td>" + ms(s.mean_us) + "</td><td>" + ms(s.p50_us) + "</td><td>" + ms(s.p90_us) +
         "</td><td>" + ms(s.p99_us) + "</td>";
    if (tvs)
      h += "<td>" + fixed_decimals(s.handshakes_per_s, 1) + "</td><td>" + ms(s.handshake_p50_us) +
           "</td><td>" + ms(s.handshake_p90_us) + "</td><td>" + fixed_decimals(s.queries_per_s, 1) +
           "</td><td>" + ms(s.query_p50_us) + "</td><td>" + ms(s.query_p90_us) + "</td>";
    h += "<td>" + std::to_string(s.refused) + "</td><td>" + std::to_string(s.timeouts) +
         "</td><td>" + std::to_string(s.errors) + "</td><td>" + std::to_string(s.requests) +
         "</td><td>" + fixed_decimals(s.mean_in_flight, 2) + "</td><td>" +
         std::to_string(s.peak_in_flight) + "</td><td>" + error_cell(q.step_error[i]) +
         "</td></tr>\n";
  }
  h += "</table>\n";
  return h;
}

std::string exchange_yaml_header(const exchange_measurement& m, const fit_quality& q) {
  std::string y;
  y += "# " + std::string(m.service == calibrated_service::http ? "HTTP 6970" : "TVS") +
       " server " + printable(m.server) + "\n";
  if (m.service == calibrated_service::http)
    y += "# file: " + printable(m.what) + " (" + std::to_string(m.file_size) + " bytes)\n";
  else
    y += "# asked: " + printable(m.what) + ", one per connection\n";
  y += "# fit error: " + percent(q.max_error) + " at most over " + std::to_string(m.steps.size()) +
       " steps (predicted vs measured median latency, relative)\n";
  y += "# stopped: " + m.stop_reason + "\n";
  for (const auto& c : q.caveats) y += "# not expressed by the model: " + c + "\n";
  return y;
}

}  // namespace itlfleet::engine::detail
