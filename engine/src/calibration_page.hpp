#pragma once
// Private to the calibrations: what the TFTP, HTTP and TVS measurements
// share (arrivals, requests in flight, refusal counts, when to stop) and
// what their sections of calibration.yaml and calibration.html share (one
// plot, numbers in words).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace itlfleet::engine::detail {

/// A comment-safe copy: control and non-ASCII bytes become '?'.
std::string printable(const std::string& s);

/// 0.123 as "12.3%".
std::string percent(double v);

/// Microseconds as "1.25" (milliseconds, two decimals).
std::string ms(std::int64_t us);

/// Why a step shows the server saturated, or nothing: refusals, timeouts
/// and errors above 5% of its requests, or its p90 latency above 4x the
/// first step's.
std::optional<std::string> saturation(std::uint64_t failures, std::uint64_t requests,
                                      std::int64_t p90_us, std::int64_t first_p90_us);

/// Why the steps end after `now` (the first step being `first`): the
/// server saturated, or a signal asked to stop; nothing to go on. `Step`:
/// tftp_step or exchange_step.
template <class Step>
std::optional<std::string> stop_after(const Step& first, const Step& now,
                                      const std::function<bool()>& stop_requested) {
  if (auto why = saturation(now.failures(), now.requests, now.p90_us, first.p90_us)) return why;
  if (stop_requested && stop_requested()) return "stopped";
  return std::nullopt;
}

/// "(T timeouts, R refused, E errors)" of a step.
template <class Step>
std::string failures_text(const Step& s) {
  return "(" + std::to_string(s.timeouts) + " timeouts, " + std::to_string(s.refused) +
         " refused, " + std::to_string(s.errors) + " errors)";
}

/// Requests in progress over a step, as they start and end: the peak and
/// the time-weighted area (in-flight x seconds).
struct in_flight_gauge {
  using clock = std::chrono::steady_clock;
  std::uint32_t now = 0, peak = 0;
  clock::time_point last_change{};
  double area = 0;

  void change(int by) {
    const auto t = clock::now();
    if (last_change != clock::time_point{})
      area += now * std::chrono::duration<double>(t - last_change).count();
    last_change = t;
    now = static_cast<std::uint32_t>(static_cast<int>(now) + by);
    peak = std::max(peak, now);
  }
};

/// Adds one to counts[value], growing the vector.
void count_at(std::vector<std::uint64_t>& counts, std::size_t value);

/// For each refused request sent at `refused_at`, the completed requests in
/// progress then (started before, not yet ended), counted by value: what
/// the server was serving when it refused. `ok_start`, `ok_end`: the
/// completed requests' times, in any order.
std::vector<std::uint64_t> ok_at_refusal(
    std::vector<std::chrono::steady_clock::time_point> ok_start,
    std::vector<std::chrono::steady_clock::time_point> ok_end,
    const std::vector<std::chrono::steady_clock::time_point>& refused_at);

/// The p-th percentile (0 < p <= 1) of sorted values, nearest rank; 0 if empty.
std::int64_t percentile(const std::vector<std::int64_t>& sorted, double p);

/// What every service's step derives the same way: its span from the first
/// request sent to the last one ended, the completed rate and load over it,
/// and the ok requests' latency (`latency`, in microseconds, sorted here)
/// as a mean and percentiles.
template <class Step>
void set_step_figures(Step& s, std::chrono::steady_clock::time_point first,
                      std::chrono::steady_clock::time_point last, const in_flight_gauge& in_flight,
                      std::vector<std::int64_t>& latency) {
  s.seconds = std::chrono::duration<double>(last - first).count();
  if (s.seconds > 0) {
    s.completed = static_cast<double>(s.ok) / s.seconds;
    s.mean_in_flight = in_flight.area / s.seconds;
  }
  s.peak_in_flight = in_flight.peak;
  std::sort(latency.begin(), latency.end());
  if (latency.empty()) return;
  std::int64_t sum = 0;
  for (auto l : latency) sum += l;
  s.mean_us = sum / static_cast<std::int64_t>(latency.size());
  s.p50_us = percentile(latency, 0.50);
  s.p90_us = percentile(latency, 0.90);
  s.p99_us = percentile(latency, 0.99);
}

/// When each of a step's `count` requests is sent, in seconds from its
/// start: Poisson arrivals at `rate`, as phones booting independently
/// (evenly spaced ones would never overlap below saturation, and a fit
/// needs requests that share the server). Seeded by the step's index: the
/// same gaps every time.
std::vector<double> poisson_arrivals(double rate, std::size_t count, int step_index);

/// The serving count a server showed: the value most often found in
/// `counts_at_refusal` (index k: refusals met with k requests in progress),
/// at least 1; nothing when no request was refused.
std::optional<int> most_common_at_refusal(const std::vector<std::uint64_t>& counts_at_refusal);

/// Adds counts by value `from` into `into`, growing it.
void add_counts(std::vector<std::uint64_t>& into, const std::vector<std::uint64_t>& from);

/// One plot: measured points (red) and the model's curve (blue) against
/// offered load, a titled inline SVG.
std::string plot(const std::string& title, const std::string& unit, double x_max,
                 const std::vector<std::pair<double, double>>& points,
                 const std::vector<std::pair<double, double>>& curve);

/// A relative error per step as a table cell: "12.3%" or "-".
std::string error_cell(const std::optional<double>& e);

}  // namespace itlfleet::engine::detail
