#pragma once
/// Which calibration (`itlfleet calibrate`'s calibration.yaml) a run's TFTP
/// model came from, as summary.json and report.html name it (the run plan's
/// engine::tftp_calibration_ref, copied).

#include <string>

namespace itlfleet::metrics {

struct calibration_ref {
  std::string file, server, date;
};

}  // namespace itlfleet::metrics
