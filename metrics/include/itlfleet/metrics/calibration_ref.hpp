#pragma once
/// Which calibration (`itlfleet calibrate`'s calibration.yaml) a run's TFTP
/// model came from, as summary.json and report.html name it (the run plan's
/// plan::tftp_calibration_ref, copied).

#include <string>
#include <vector>

namespace itlfleet::metrics {

struct calibration_ref {
  std::string file, server, date;
};

/// A node's own calibration (`calibration:` of a node, `--calibration NODE=FILE`).
struct node_calibration {
  std::string node;  ///< the node's host name
  calibration_ref calibration;
};

}  // namespace itlfleet::metrics
