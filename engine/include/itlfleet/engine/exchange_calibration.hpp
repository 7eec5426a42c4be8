#pragma once
/// Calibration of the virtual engine's HTTP 6970 and TVS stations against
/// real servers: open-loop load in rising steps, each request (an HTTP GET
/// of a file, or a TVS connection: TLS handshake and one query) on a fresh
/// connection from its own loopback source address (measure_exchange);
/// then a fit of the station's parameters (fit_http, fit_tvs) that replays
/// the measured arrivals through the engine's own station code, so the
/// engine and the fit agree.
///
///   exchange_probe_options o;
///   o.service = calibrated_service::tvs;
///   o.server = {make_address("127.0.1.1"), 2445};
///   o.ceiling = 50;
///   auto m = measure_exchange(o);
///   if (m) sections.push_back(tvs_section(*m, fit_tvs(*m)));

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "itlfleet/engine/calibration_watch.hpp"
#include "itlfleet/engine/plan.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::engine {

enum class calibrated_service { http, tvs };
std::string_view to_string(calibrated_service s);  ///< "HTTP", "TVS"

/// How one request ended.
enum class exchange_end : std::uint8_t {
  ok,       ///< HTTP 200 with the file; TVS answered (valid or invalid)
  refused,  ///< HTTP 503 or another status; TVS connection closed unserved
  timeout,  ///< no answer within the timeout
  error,    ///< protocol or local error (HTTP 404 ends the calibration)
};

/// One request as measured; times in microseconds.
struct exchange_record {
  std::int64_t sent_us = 0;     ///< since the step's start
  std::int64_t latency_us = 0;  ///< sent to answer (ok only)
  std::int64_t connect_us = 0;  ///< HTTP, ok only: the TCP connect, one round trip
  /// TVS, ok only: TCP connect plus TLS handshake; request sent to answer.
  std::int64_t handshake_us = 0, query_us = 0;
  exchange_end end = exchange_end::timeout;
};

struct exchange_step {
  double offered = 0;  ///< requests/s offered (open loop, Poisson arrivals)
  std::uint64_t requests = 0, ok = 0, refused = 0, timeouts = 0, errors = 0;
  double seconds = 0;    ///< first request sent to last one finished
  double completed = 0;  ///< ok per second of the step
  std::int64_t mean_us = 0, p50_us = 0, p90_us = 0, p99_us = 0;  ///< ok requests' latency
  std::int64_t connect_p50_us = 0;  ///< HTTP: the ok requests' TCP connect, median
  /// TVS: handshakes completed per second and their latency (connect
  /// included), queries answered per second and theirs.
  double handshakes_per_s = 0, queries_per_s = 0;
  std::int64_t handshake_p50_us = 0, handshake_p90_us = 0, query_p50_us = 0, query_p90_us = 0;
  double mean_in_flight = 0;  ///< time-averaged requests in progress
  std::uint32_t peak_in_flight = 0;
  /// Completed requests in progress when each refused one was sent, counts
  /// by value (index k: refused with k in progress).
  std::vector<std::uint64_t> ok_at_refusal;
  std::vector<exchange_record> records;  ///< every request sent, in order

  std::uint64_t failures() const { return refused + timeouts + errors; }
};

struct exchange_measurement {
  calibrated_service service = calibrated_service::http;
  std::string server;         ///< HOST:PORT as given
  std::string what;           ///< HTTP: the file fetched; TVS: the query asked
  std::size_t file_size = 0;  ///< HTTP: bytes of the file
  std::vector<exchange_step> steps;
  std::string stop_reason;  ///< "saturation: ...", "ceiling reached", "stopped"
};

struct exchange_probe_options {
  calibrated_service service = calibrated_service::http;
  boost::asio::ip::tcp::endpoint server;
  std::string server_text;               ///< as the user wrote it, for the outputs
  std::string filename = "ITLFile.tlv";  ///< HTTP: the file to fetch
  double ceiling = 0;                    ///< requests/s: never offered above this
  std::chrono::steady_clock::duration step = std::chrono::seconds(10);
  int max_steps = 8;
  /// A whole exchange's limit (connect to answer), as a phone's.
  std::chrono::milliseconds timeout{5000};
  /// Called after each step (progress lines).
  std::function<void(const exchange_step&, int index)> on_step;
  /// Live figures (a Prometheus view).
  calibration_watch watch;
  /// Answers true to stop after the current step (a signal).
  std::function<bool()> stop_requested;
};

/// Offers the rising steps (tftp_step_rate's rates) and measures them; stops
/// at saturation (p90 latency above 4x the first step's, or refusals,
/// timeouts and errors above 5% of requests), at the ceiling or after
/// max_steps. Fails when the HTTP file is not found or nothing answers the
/// first step.
result<exchange_measurement> measure_exchange(const exchange_probe_options& options);

/// What a fit found beside the settings.
struct fit_quality {
  /// Per step: (predicted - measured) / measured median latency, the
  /// measured arrivals replayed through the station; none without ok.
  std::vector<std::optional<double>> step_error;
  double max_error = 0;  ///< largest |step_error|
  /// What the model cannot express in what was measured, or could not be
  /// told from it.
  std::vector<std::string> caveats;
};

struct http_fit {
  http_model model;
  /// The serving count at which refusals started; nothing when no request
  /// was refused (the model's default stays).
  std::optional<int> serving_count;
  bool workers_determined = false;  ///< the server queued: its workers seen
  fit_quality quality;
};

struct tvs_fit {
  tvs_model model;                      ///< handshake and query measured, concurrency fitted
  bool concurrency_determined = false;  ///< the server queued: its slots seen
  fit_quality quality;
};

/// The HTTP station's parameters: rtt the lowest step's median TCP connect
/// (a round trip the server's workers take no part in), request_cost and
/// workers by least squares of the replayed median latency per step, the
/// serving count from refusals.
http_fit fit_http(const exchange_measurement& m);

/// The TVS station's: handshake and query from the lowest step's medians,
/// concurrency by least squares of the replayed median latency per step.
tvs_fit fit_tvs(const exchange_measurement& m);

/// Median latency (us) the station predicts for a step's arrivals (those
/// that completed), replayed in order through a fresh station. The fits
/// compare medians: a loaded client machine adds outliers to the mean that
/// no server caused.
double replayed_p50_us(const http_model& model, const exchange_step& step);
double replayed_p50_us(const tvs_model& model, const exchange_step& step);

/// One progress line for a step.
std::string format_exchange_step(calibrated_service service, const exchange_step& s, int index);

}  // namespace itlfleet::engine
