// fit_tftp and the calibration outputs: the station's formula fitted to
// measured steps, as a scenario fragment and a page of plots.

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "calibration_page.hpp"
#include "itlfleet/engine/calibration_output.hpp"
#include "itlfleet/engine/plan.hpp"
#include "itlfleet/engine/stations.hpp"
#include "itlfleet/engine/tftp_calibration.hpp"
#include "itlfleet/metrics/number_format.hpp"
#include "itlfleet/metrics/report.hpp"

namespace itlfleet::engine {
namespace {

using std::chrono::microseconds;

/// Sum of squared relative errors of the predicted mean latency over the
/// first `steps` steps.
double squared_error(const tftp_model& model, const tftp_measurement& m, std::size_t steps) {
  double sum = 0;
  for (std::size_t i = 0; i < std::min(steps, m.steps.size()); ++i) {
    const tftp_step& s = m.steps[i];
    if (s.ok == 0 || s.mean_us <= 0) continue;
    const double measured = static_cast<double>(s.mean_us);
    const double e = (predicted_latency_us(model, s, m.file_size) - measured) / measured;
    sum += e * e;
  }
  return sum;
}

/// Sum of squared log ratios of predicted to measured latency of the
/// downloads, by how many shared the server with them (every step, each
/// download one term): the knee's objective, since a step's mean mixes
/// downloads below and past the knee. A term counts at most 0.25 (off by a
/// factor of 1.65): a download that lived through the load running away
/// averaged a sharing it felt for fewer blocks than its time says, which no
/// steady state describes, and must not outweigh the downloads that did.
double download_error(const tftp_model& model, const tftp_measurement& m) {
  double sum = 0;
  for (const tftp_step& s : m.steps) {
    for (std::size_t k = 0; k < std::min(s.sharing.size(), s.sharing_latency_us.size()); ++k) {
      if (s.sharing[k] == 0 || s.sharing_latency_us[k] <= 0) continue;
      const double n = static_cast<double>(s.sharing[k]);
      const double measured = s.sharing_latency_us[k] / n;
      const double e = std::log(
          transfer_time_at(model, static_cast<double>(k) / tftp_step::sharing_scale, m.file_size) /
          measured);
      sum += n * std::min(e * e, 0.25);
    }
  }
  return sum;
}

/// Refines `model`'s duration `fields` by steps of 10%, 1% and 0.1% (at
/// least 1 us; `knee` by as many transfers, at least 1) while `error` of the
/// model falls; returns that error.
template <class Error>
double refine(tftp_model& model, const Error& error,
              std::initializer_list<sim_duration tftp_model::*> fields, bool knee) {
  double best = error(model);
  for (const double step : {0.1, 0.01, 0.001}) {
    for (bool improved = true; improved;) {
      improved = false;
      const auto consider = [&](const tftp_model& t) {
        if (const double e = error(t); e < best) {
          best = e;
          model = t;
          improved = true;
        }
      };
      for (sim_duration tftp_model::*field : fields) {
        for (const int sign : {-1, 1}) {
          tftp_model t = model;
          const auto v = (t.*field).count();
          const auto by = std::max<std::int64_t>(1, std::llround(static_cast<double>(v) * step));
          const auto next = std::max<std::int64_t>(1, v + sign * by);
          if (next == v) continue;
          t.*field = microseconds(next);
          consider(t);
        }
      }
      for (const int sign : {-1, 1}) {
        if (!knee) break;
        tftp_model t = model;
        const int by = std::max(1, static_cast<int>(std::lround(model.knee * step)));
        t.knee = std::clamp(model.knee + sign * by, 0, limits::max_serving_count);
        if (t.knee != model.knee) consider(t);
      }
    }
  }
  return best;
}

/// rtt and block_cost: least squares of the relative latency error over the
/// first `steps` steps, on a log grid (10% apart, 1 us to 1 s), then refined.
double fit_rtt_and_cost(tftp_model& model, const tftp_measurement& m, std::size_t steps) {
  double best = -1;
  const tftp_model start = model;
  for (double rtt = 1; rtt <= 1e6; rtt *= 1.1) {
    for (double cost = 1; cost <= 1e6; cost *= 1.1) {
      tftp_model t = start;
      t.rtt = microseconds(std::llround(rtt));
      t.block_cost = microseconds(std::llround(cost));
      const double e = squared_error(t, m, steps);
      if (best < 0 || e < best) {
        best = e;
        model = t;
      }
    }
  }
  return refine(
      model, [&](const tftp_model& t) { return squared_error(t, m, steps); },
      {&tftp_model::rtt, &tftp_model::block_cost}, false);
}

/// The first step whose completed downloads/s fell below 90% of an earlier
/// step's while the offered rate rose; m.steps.size() when none did.
std::size_t first_fall(const tftp_measurement& m) {
  double peak = 0;
  for (std::size_t i = 0; i < m.steps.size(); ++i) {
    const tftp_step& s = m.steps[i];
    if (i > 0 && s.completed < 0.9 * peak && s.offered > m.steps[i - 1].offered) return i;
    peak = std::max(peak, s.completed);
  }
  return m.steps.size();
}

/// The model's steady state at `rate` requests/s: downloads in progress
/// n = 1 + rate x latency (an arrival finds the time average, Little's law),
/// latency the station's transfer time at n, capped at the serving count.
struct steady_state {
  double latency_us;
  double throughput;
};
steady_state model_at(const tftp_fit& fit, double rate, std::size_t size) {
  const double cap = fit.serving_count ? *fit.serving_count : 1e6;
  const auto at = [&](double n) { return transfer_time_at(fit.model, n, size); };
  double n = 1;
  for (int i = 0; i < 200; ++i) n = std::min(cap, 1 + rate * at(n) / 1e6);
  const double latency = at(n);
  return {latency, std::min(rate, cap / (at(cap) / 1e6))};
}

}  // namespace

double transfer_time_at(const tftp_model& model, double active, std::size_t size) {
  const int lo = static_cast<int>(std::floor(active));
  const double f = active - lo;
  return (1 - f) * static_cast<double>(tftp_transfer_time(model, lo, size, 0)) +
         f * static_cast<double>(tftp_transfer_time(model, lo + 1, size, 0));
}

double predicted_latency_us(const tftp_model& model, const tftp_step& step, std::size_t size) {
  double sum = 0, count = 0;
  for (std::size_t k = 0; k < step.sharing.size(); ++k) {
    if (step.sharing[k] == 0) continue;
    const double n = static_cast<double>(step.sharing[k]);
    sum += n * transfer_time_at(model, static_cast<double>(k) / tftp_step::sharing_scale, size);
    count += n;
  }
  return count > 0 ? sum / count : 0;
}

tftp_fit fit_tftp(const tftp_measurement& m) {
  tftp_fit fit;
  tftp_model& model = fit.model;
  const std::size_t all = m.steps.size();
  const std::size_t fall = first_fall(m);
  fit_rtt_and_cost(model, m, all);
  if (fall < all) {
    // Throughput fell while the offered rate rose: rtt and block_cost from
    // the steps before the fall, then the knee and its slowdown fitted to
    // the downloads' latencies against their sharing (knees 0 to the most
    // downloads sharing the server, 10% apart; slowdowns 1 us to 1 s, 20%
    // apart), then all four refined. Kept when its error is under half the
    // error of the model without a knee, download by download.
    int most_sharing = 1;
    for (const tftp_step& s : m.steps)
      most_sharing =
          std::max(most_sharing, static_cast<int>(s.sharing.size()) / tftp_step::sharing_scale);
    tftp_model knee = model;
    if (fall > 0) fit_rtt_and_cost(knee, m, fall);
    double knee_best = -1;
    const tftp_model base = knee;
    for (int k = 0; k <= most_sharing; k = std::max(k + 1, static_cast<int>(k * 1.1))) {
      for (double slowdown = 1; slowdown <= 1e6; slowdown *= 1.2) {
        tftp_model t = base;
        t.knee = k;
        t.knee_slowdown = microseconds(std::llround(slowdown));
        if (const double e = download_error(t, m); knee_best < 0 || e < knee_best) {
          knee_best = e;
          knee = t;
        }
      }
    }
    knee_best = refine(
        knee, [&](const tftp_model& t) { return download_error(t, m); },
        {&tftp_model::rtt, &tftp_model::block_cost, &tftp_model::knee_slowdown}, true);
    char text[240];
    const tftp_step& s = m.steps[fall];
    if (knee_best < 0.5 * download_error(model, m)) {
      model = knee;
      std::snprintf(text, sizeof text,
                    "knee fitted: completed downloads/s fell to %.1f/s at step %zu (%.1f in "
                    "progress) while the offered rate rose",
                    s.completed, fall + 1, s.mean_in_flight);
      fit.knee_note = text;
    } else {
      std::snprintf(text, sizeof text,
                    "throughput falls past %.1f downloads in progress (%.1f/s at step %zu), but a "
                    "knee does not explain the latencies better than none: the station's "
                    "throughput stays flat",
                    s.mean_in_flight, s.completed, fall + 1);
      fit.caveats.push_back(text);
      fit.knee_note = "knee: not fitted (a knee did not explain the latencies)";
    }
  } else {
    fit.knee_note =
        "knee: not determined (completed downloads/s never fell while the offered "
        "rate rose)";
  }
  // Loss: packets sent again per packet exchanged, at the lowest load.
  if (!m.steps.empty()) {
    const tftp_step& s = m.steps.front();
    const double blocks =
        static_cast<double>(s.ok) * static_cast<double>(tftp_blocks(m.file_size, model.block_size));
    const double resent = static_cast<double>(s.retransmissions);
    const double tries = blocks + resent;
    model.loss = tries > 0 ? std::min(limits::max_loss, resent / tries) : 0.0;
  }
  // Serving count: the completed downloads most often in progress when a
  // request was refused.
  std::vector<std::uint64_t> at_refusal;
  for (const tftp_step& s : m.steps) detail::add_counts(at_refusal, s.ok_at_refusal);
  fit.serving_count = detail::most_common_at_refusal(at_refusal);
  if (fit.serving_count) model.max_serving_count = *fit.serving_count;
  // Errors per step, and what the formula cannot say.
  for (std::size_t i = 0; i < m.steps.size(); ++i) {
    const tftp_step& s = m.steps[i];
    if (s.ok == 0 || s.mean_us <= 0) {
      fit.step_error.emplace_back();
      continue;
    }
    const double measured = static_cast<double>(s.mean_us);
    const double e = (predicted_latency_us(model, s, m.file_size) - measured) / measured;
    fit.step_error.push_back(e);
    fit.max_error = std::max(fit.max_error, std::abs(e));
  }
  if (fit.max_error > 0.5)
    fit.caveats.push_back("latency not explained by the station's formula (a step is off by " +
                          detail::percent(fit.max_error) +
                          "): a latency step or a queue the model does not have");
  int most_active = 1;
  for (const tftp_step& s : m.steps)
    most_active =
        std::max(most_active, static_cast<int>(s.sharing.size()) / tftp_step::sharing_scale);
  if (std::int64_t{most_active} * model.block_cost.count() < model.rtt.count())
    fit.caveats.push_back("block_cost not determined: the server never slowed with load (at " +
                          std::to_string(most_active) + " downloads in progress)");
  return fit;
}

calibration_section tftp_section(const tftp_measurement& m, const tftp_fit& fit) {
  using detail::percent;
  using detail::printable;
  const tftp_model& t = fit.model;
  calibration_section out;
  out.server = m.server;
  std::string& y = out.yaml;
  y += "# TFTP server " + printable(m.server) + "\n";
  y += "# file: " + printable(m.filename) + " (" + std::to_string(m.file_size) + " bytes, " +
       std::to_string(tftp_blocks(m.file_size, t.block_size)) + " blocks)\n";
  y += "# fit error: " + percent(fit.max_error) + " at most over " +
       std::to_string(m.steps.size()) + " steps (predicted vs measured mean latency, relative)\n";
  y += "# stopped: " + m.stop_reason + "\n";
  for (const auto& c : fit.caveats) y += "# not expressed by the model: " + c + "\n";
  y += "tftp:\n";
  y += "  rtt: " + std::to_string(t.rtt.count()) + "us\n";
  y += "  block_cost: " + std::to_string(t.block_cost.count()) + "us\n";
  if (fit.serving_count)
    y += "  max_serving_count: " + std::to_string(*fit.serving_count) + "\n";
  else
    y += "  # max_serving_count: not reached (no request refused)\n";
  y += "  loss: " + metrics::trim_zeros(metrics::fixed_decimals(t.loss, 6)) + "\n";
  y += "  # " + fit.knee_note + "\n";
  if (t.knee_slowdown.count() > 0) {
    y += "  knee: " + std::to_string(t.knee) + "\n";
    y += "  knee_slowdown: " + std::to_string(t.knee_slowdown.count()) + "us\n";
  }

  using metrics::xml_escape;
  double x_max = 1;
  for (const auto& s : m.steps) x_max = std::max(x_max, s.offered);
  std::vector<std::pair<double, double>> lat_points, thr_points, lat_curve, thr_curve;
  for (const auto& s : m.steps) {
    if (s.ok > 0) lat_points.emplace_back(s.offered, static_cast<double>(s.mean_us) / 1000.0);
    thr_points.emplace_back(s.offered, s.completed);
  }
  for (int i = 0; i <= 100; ++i) {
    const double rate = x_max * i / 100;
    const auto st = model_at(fit, rate, m.file_size);
    lat_curve.emplace_back(rate, st.latency_us / 1000.0);
    thr_curve.emplace_back(rate, st.throughput);
  }
  std::string& h = out.html;
  h += "<h2>TFTP server " + xml_escape(m.server, false) + "</h2>\n";
  h += "<p>File " + xml_escape(m.filename, false) + " (" + std::to_string(m.file_size) +
       " bytes). Stopped: " + xml_escape(m.stop_reason, false) + ".</p>\n";
  h += "<p>Fitted: rtt " + std::to_string(fit.model.rtt.count()) + " us, block_cost " +
       std::to_string(fit.model.block_cost.count()) + " us, max_serving_count " +
       (fit.serving_count ? std::to_string(*fit.serving_count) : std::string("not reached")) +
       ", loss " + metrics::trim_zeros(metrics::fixed_decimals(fit.model.loss, 6)) +
       (t.knee_slowdown.count() > 0 ? ", knee " + std::to_string(t.knee) + " with knee_slowdown " +
                                          std::to_string(t.knee_slowdown.count()) + " us"
                                    : std::string()) +
       "; fit error " + percent(fit.max_error) +
       " at most (mean latency). The curve is the station's steady state.</p>\n";
  for (const auto& c : fit.caveats)
    h += "<p><strong>Not expressed by the model:</strong> " + xml_escape(c, false) + "</p>\n";
  h += detail::plot("Mean latency against offered load", "ms", x_max, lat_points, lat_curve);
  h += detail::plot("Completed downloads against offered load", "downloads/s", x_max, thr_points,
                    thr_curve);
  h += "<h3>Steps</h3>\n<table><tr><th>offered/s</th><th>completed/s</th><th>mean "
       "ms</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>refused</th><th>timeouts</"
       "th><th>errors</th><th>requests</th><th>in flight</th><th>peak</th><th>fit "
       "error</th></tr>\n";
  using detail::ms;
  for (std::size_t i = 0; i < m.steps.size(); ++i) {
    const auto& s = m.steps[i];
    h += "<tr><td>" + metrics::fixed_decimals(s.offered, 1) + "</td><td>" +
         metrics::fixed_decimals(s.completed, 1) + "</td><td>" + ms(s.mean_us) + "</td><td>" +
         ms(s.p50_us) + "</td><td>" + ms(s.p90_us) + "</td><td>" + ms(s.p99_us) + "</td><td>" +
         std::to_string(s.refused) + "</td><td>" + std::to_string(s.timeouts) + "</td><td>" +
         std::to_string(s.errors) + "</td><td>" + std::to_string(s.requests) + "</td><td>" +
         metrics::fixed_decimals(s.mean_in_flight, 2) + "</td><td>" +
         std::to_string(s.peak_in_flight) + "</td><td>" + detail::error_cell(fit.step_error[i]) +
         "</td></tr>\n";
  }
  h += "</table>\n";
  return out;
}

}  // namespace itlfleet::engine
