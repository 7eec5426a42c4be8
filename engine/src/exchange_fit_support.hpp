#pragma once
// Private to the HTTP and TVS fits: how a model's predictions are scored
// against measured steps, and the parts of their page sections they share.

#include <functional>
#include <string>

#include "itlfleet/engine/exchange_calibration.hpp"

namespace itlfleet::engine::detail {

/// A model's prediction of a step's median latency (us).
using step_prediction = std::function<double(const exchange_step&)>;

/// The median of `values` (reordered), 0 when empty.
double median(std::vector<std::int64_t>& values);

/// Sum over steps with completed requests of the squared relative error of
/// the predicted median latency.
double squared_error(const exchange_measurement& m, const step_prediction& predict);

/// Per-step errors and the largest.
fit_quality quality_of(const exchange_measurement& m, const step_prediction& predict);

/// A step of `count` Poisson arrivals at `rate`, all answered: what the
/// model's curve replays at that rate.
exchange_step synthetic_step(double rate, std::size_t count);

/// The highest offered rate of the measurement (at least 1).
double highest_offered(const exchange_measurement& m);

/// Plots of median latency and completions against offered load (measured points,
/// the model's curve from `latency_at` and `capacity` per second), then the
/// steps' table; `unit` names a completed request ("downloads", "sessions").
std::string exchange_section_body(const exchange_measurement& m, const fit_quality& q,
                                  const std::function<double(double rate)>& latency_at,
                                  double capacity, const std::string& unit);

/// The section's comment lines common to both services: server, what was
/// asked, fit error, why it stopped, caveats.
std::string exchange_yaml_header(const exchange_measurement& m, const fit_quality& q);

}  // namespace itlfleet::engine::detail
