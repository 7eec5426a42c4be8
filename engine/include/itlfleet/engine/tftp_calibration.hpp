#pragma once
/// Calibration of the virtual engine's TFTP station against a real server:
/// open-loop load in rising steps (measure_tftp), then a fit of the station's
/// parameters to the measured points (fit_tftp) and its section of the two
/// outputs (tftp_section, calibration_output.hpp). The fit predicts with the station's
/// own formula (tftp_transfer_time), so the engine and the fit agree.
///
///   tftp_probe_options o;
///   o.server = {make_address("127.0.1.1"), 69};
///   o.ceiling = 50;
///   auto m = measure_tftp(o);
///   if (m) write(calibration_file_yaml({tftp_section(*m, fit_tftp(*m))}, date));

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/udp.hpp>

#include "itlfleet/engine/calibration_watch.hpp"
#include "itlfleet/engine/plan.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::engine {

/// One load step as measured. Latencies are of completed downloads, RRQ sent
/// to last ACK sent, in microseconds.
struct tftp_step {
  double offered = 0;  ///< requests/s offered (open loop, Poisson arrivals)
  std::uint64_t requests = 0;
  std::uint64_t ok = 0;
  std::uint64_t refused = 0;   ///< TFTP ERROR other than 1: serving count reached
  std::uint64_t timeouts = 0;  ///< no answer after the retries
  std::uint64_t errors = 0;    ///< protocol or local errors
  std::uint64_t retransmissions = 0;
  double seconds = 0;    ///< first request sent to last one finished
  double completed = 0;  ///< ok downloads per second of the step
  std::int64_t mean_us = 0, p50_us = 0, p90_us = 0, p99_us = 0;
  /// How many completed downloads shared the server with each one, on
  /// average over its life, itself included: the `active` that the
  /// station's formula charges per block. Counts by value, index k holding
  /// those that averaged k / sharing_scale.
  std::vector<std::uint64_t> sharing;
  static constexpr int sharing_scale = 20;
  /// Latencies (us) of those downloads summed, by the same index: latency
  /// against load download by download, which shows where a knee is.
  std::vector<double> sharing_latency_us;
  double mean_in_flight = 0;  ///< time-averaged downloads in progress
  std::uint32_t peak_in_flight = 0;
  /// Completed downloads in progress when each refused request was sent,
  /// counts by value like active_at_start.
  std::vector<std::uint64_t> ok_at_refusal;

  std::uint64_t failures() const { return refused + timeouts + errors; }
};

struct tftp_measurement {
  std::string server;    ///< HOST:PORT as given
  std::string filename;  ///< the file downloaded
  std::size_t file_size = 0;
  std::vector<tftp_step> steps;
  std::string stop_reason;  ///< "saturation: ...", "ceiling reached", "stopped"
};

struct tftp_probe_options {
  boost::asio::ip::udp::endpoint server;
  std::string server_text;  ///< as the user wrote it, for the outputs
  std::string filename = "ITLFile.tlv";
  double ceiling = 0;  ///< requests/s: never offered above this
  std::chrono::steady_clock::duration step = std::chrono::seconds(10);
  int max_steps = 8;
  /// Steps still offered after the first saturated one (never past the
  /// ceiling or max_steps): a server whose throughput falls past a knee
  /// shows the fall only beyond the load where its latency starts to climb.
  int past_saturation = 0;
  /// Each request from its own loopback source address (net::phone_address)
  /// when the server is on loopback; from the host's address otherwise.
  /// A phone's TFTP timeout and retries.
  std::chrono::steady_clock::duration timeout = std::chrono::seconds(1);
  std::uint32_t retries = 3;
  /// Called after each step (progress lines).
  std::function<void(const tftp_step&, int index)> on_step;
  /// Live figures (a Prometheus view).
  calibration_watch watch;
  /// Answers true to stop after the current step (a signal).
  std::function<bool()> stop_requested;
};

/// The rate of step `i` of `steps`: geometric from ceiling/16 to the ceiling.
double tftp_step_rate(double ceiling, int i, int steps);

/// Offers the rising steps and measures them; stops at saturation (p90
/// latency above 4x the first step's, or refusals, timeouts and errors above
/// 5% of requests), at the ceiling or after max_steps. Fails when the file
/// is not found or nothing at all answers the first step.
result<tftp_measurement> measure_tftp(const tftp_probe_options& options);

/// The station's parameters fitted to a measurement.
struct tftp_fit {
  /// rtt, block_cost, loss fitted, and a knee when throughput fell;
  /// max_serving_count as observed.
  tftp_model model;
  /// The serving count at which refusals started; nothing when no request
  /// was refused (the model's value is then the default, a lower bound unknown).
  std::optional<int> serving_count;
  /// Per step: (predicted - measured) / measured mean latency; steps
  /// without completed downloads have none.
  std::vector<std::optional<double>> step_error;
  double max_error = 0;  ///< largest |step_error|
  /// What the model cannot express in what was measured (throughput falling
  /// past a load, latency not explained by the formula).
  std::vector<std::string> caveats;
  /// Whether the model got a knee (model.knee, knee_slowdown) and why, or
  /// why not: a line of calibration.yaml's comments.
  std::string knee_note;
};

/// The station's transfer time (us, no loss) at a fractional `active`,
/// interpolated between the whole counts around it.
double transfer_time_at(const tftp_model& model, double active, std::size_t size);

/// Predicted mean latency (us) of a step under `model`: the station's
/// transfer time at each download's sharing, averaged.
double predicted_latency_us(const tftp_model& model, const tftp_step& step, std::size_t size);

tftp_fit fit_tftp(const tftp_measurement& m);

/// One progress line for a step.
std::string format_step(const tftp_step& s, int index);

}  // namespace itlfleet::engine
