#pragma once
/// `itlfleet calibrate`'s services: one function per kind of server
/// measures it (progress lines on stderr) and returns its fitted section of
/// calibration.yaml and calibration.html.

#include <chrono>
#include <functional>
#include <string>

#include "itlfleet/engine/calibration_output.hpp"
#include "itlfleet/engine/calibration_watch.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::app {

/// What every service's calibration shares: the load and when to stop.
struct calibration_load {
  std::string file = "ITLFile.tlv";  ///< TFTP and HTTP: the file to fetch
  double ceiling = 0;                ///< requests/s, the last step's rate
  std::chrono::steady_clock::duration step = std::chrono::seconds(10);
  int steps = 8;
  /// TFTP: steps still offered after saturation (tftp_probe_options).
  int past_saturation = 0;
  std::function<bool()> stop_requested;
  engine::calibration_watch watch;  ///< the Prometheus view, when asked for
};

/// Checks `--<option> server` (option "tftp", "http" or "tvs") before any
/// load is sent: one HOST[:PORT].
status check_server(const std::string& option, const std::string& server);

/// `server`: HOST[:PORT] as the user wrote it (TFTP 69, HTTP 6970, TVS 2445
/// by default). Errors: a bad address, a file not found, no answer.
result<engine::calibration_section> calibrate_tftp(const std::string& server,
                                                   const calibration_load& load);
result<engine::calibration_section> calibrate_http(const std::string& server,
                                                   const calibration_load& load);
result<engine::calibration_section> calibrate_tvs(const std::string& server,
                                                  const calibration_load& load);

}  // namespace itlfleet::app
