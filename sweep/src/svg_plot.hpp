#pragma once
// Private to the sweep library: a line plot as inline SVG, for report.html,
// drawn with the run report's plot kit (metrics/svg_kit.hpp): lines through
// the points, a band for the spread over seeds, a marked threshold.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "itlfleet/metrics/svg_kit.hpp"

namespace itlfleet::sweep::detail {

/// One line: at each x, the mean over seeds (`mid`) and the spread (`lo`, `hi`).
struct plot_series {
  std::string name;    ///< data-series attribute and legend
  std::string label;   ///< legend text
  std::string colour;  ///< CSS colour
  std::vector<double> x, lo, mid, hi;
};

struct plot_spec {
  std::string id;     ///< element id, e.g. "plot-outcome-0"
  std::string title;  ///< aria-label
  std::string x_title, y_title;
  /// Text of an x value on the axis and in tooltips.
  std::function<std::string(double)> x_label;
  std::function<std::string(double)> y_label;
  /// Category names when x is an index into them (text settings).
  std::vector<std::string> categories;
  bool x_is_time = false;  ///< x in seconds: ticks on round durations
  bool y_is_time = false;  ///< y in seconds
  std::vector<plot_series> series;
  std::optional<double> marker_x;  ///< a vertical dashed line (the threshold)
  std::string marker_label;
};

/// The legend (an HTML div) and the SVG. Deterministic; text is escaped.
std::string line_plot(const plot_spec& spec);

/// HTML-escaped valid UTF-8.
std::string html(std::string_view s);

/// Axis numbers: "5,000", "12.5k", "1.25M", "0.25".
using metrics::svg::axis_number;

}  // namespace itlfleet::sweep::detail
