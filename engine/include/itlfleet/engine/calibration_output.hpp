#pragma once
/// calibration.yaml and calibration.html of `itlfleet calibrate`: a header
/// (the servers measured, the date, how to use the file), then one section
/// per service measured (TFTP, HTTP 6970, TVS), each with its fit error, why
/// it stopped, what the model cannot express, and the fitted settings.
/// Byte-stable for the same measurement and date.
///
///   std::vector<calibration_section> s{tftp_section(m, fit_tftp(m))};
///   write("calibration.yaml", calibration_file_yaml(s, date));

#include <string>
#include <vector>

#include "itlfleet/engine/exchange_calibration.hpp"
#include "itlfleet/engine/tftp_calibration.hpp"

namespace itlfleet::engine {

/// One service's part of the two files.
struct calibration_section {
  std::string server;  ///< HOST:PORT as given
  std::string yaml;    ///< comment lines, then the service's settings (`tftp:`, `http:`, `tvs:`)
  std::string html;    ///< a titled part of the page: fit, plots, steps
};

calibration_section tftp_section(const tftp_measurement& m, const tftp_fit& fit);
calibration_section http_section(const exchange_measurement& m, const http_fit& fit);
calibration_section tvs_section(const exchange_measurement& m, const tvs_fit& fit);

/// The scenario fragment: `# server:` (every server, in section order) and
/// `# date:` header lines, which runs that use it report, then the sections.
std::string calibration_file_yaml(const std::vector<calibration_section>& sections,
                                  const std::string& date);

/// A self-contained page, the sections' plots as inline SVG.
std::string calibration_file_html(const std::vector<calibration_section>& sections,
                                  const std::string& date);

}  // namespace itlfleet::engine
