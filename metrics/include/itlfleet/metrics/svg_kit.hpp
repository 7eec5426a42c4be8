#pragma once
/// The plot kit of both HTML reports (the run's report.html and the sweep's):
/// axes on round numbers or round durations, tick labels, the plot frame
/// (background, grid, axis lines, titles) and the SVG element, so every plot
/// is drawn and labelled the same way. Output is deterministic: the same
/// figures give the same bytes. Colours and line styles are the page's style
/// sheet (html_page.hpp), not attributes.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "itlfleet/sim/phone_state.hpp"

namespace itlfleet::metrics::svg {

/// The palette of every plot and legend: Okabe-Ito, distinguishable with
/// common colour-vision deficiencies.
namespace colour {
inline constexpr const char* green = "#009e73";
inline constexpr const char* vermillion = "#d55e00";
inline constexpr const char* sky_blue = "#56b4e9";
inline constexpr const char* orange = "#e69f00";
inline constexpr const char* blue = "#0072b2";
inline constexpr const char* reddish_purple = "#cc79a7";
inline constexpr const char* yellow = "#f0e442";
inline constexpr const char* black = "#000000";
inline constexpr const char* grey = "#a8a8a8";
inline constexpr const char* purple = "#7b3294";    ///< beside the palette: TVS queries
inline constexpr const char* dark_red = "#7f0000";  ///< phones no bulk reset can bring back
}  // namespace colour

/// A phone state's colour, the same in every plot, legend and table.
constexpr const char* state_colour(sim::phone_state s) {
  switch (s) {
    case sim::phone_state::trusted:
      return colour::green;
    case sim::phone_state::locked:
      return colour::vermillion;
    case sim::phone_state::booting:
      return colour::sky_blue;
    case sim::phone_state::no_itl:
      return colour::orange;
    case sim::phone_state::config_rejected:
      return colour::blue;
    case sim::phone_state::unreachable:
      return colour::reddish_purple;
    case sim::phone_state::offline:
      return colour::grey;
  }
  return colour::black;
}

/// The width of every plot, in SVG user units (the page's content width).
inline constexpr double plot_width = 1100;
/// Left and right margins of the plot area: room for the tick labels and the
/// rotated y title; the legend above a plot is indented to the same left.
inline constexpr double plot_left = 76;
inline constexpr double plot_right_margin = 20;

/// Ticks every `step` from the first multiple at or above `lo` up to `hi`.
struct axis {
  double lo = 0;
  double hi = 1;
  double step = 1;
};

/// A tick step at or above `raw`: 1, 2 or 5 times a power of ten, or for
/// time axes (seconds) a round duration (1 s ... 12 h, then whole days).
double round_step(double raw, bool time);

/// From `lo` (rounded down) to a round value at or above `hi`, about
/// `target` ticks.
axis value_axis(double lo, double hi, int target, bool time = false);
/// Exactly [lo, hi] seconds, ticks on round durations.
axis time_axis(double lo, double hi, int target);
/// [lo, hi] widened by 3% on each side so end points are not on the frame.
axis padded_axis(double lo, double hi, int target, bool time);

std::vector<double> ticks(const axis& a);

/// A tick: its value and its label.
using tick = std::pair<double, std::string>;
std::vector<tick> labelled(const axis& a, const std::function<std::string(double)>& label);

/// "5,000", "12.5k", "1.25M", "0.25", "-3".
std::string axis_number(double v);
/// Seconds as a scenario time: "1m30s", "0.5s".
std::string time_label(double seconds);

/// The plot area inside an SVG, in its user units.
struct box {
  double x, y, w, h;
  double left() const { return x; }
  double right() const { return x + w; }
  double top() const { return y; }
  double bottom() const { return y + h; }
};
/// A plot area of the standard width, `top` below the SVG's top.
box plot_box(double top, double height, double right_margin = plot_right_margin);

double sx(const box& b, const axis& a, double v);
double sy(const box& b, const axis& a, double v);

/// `<svg id=... class="plot" ...>` of the standard width; `points` (how many
/// values the plot draws) is a data attribute the tests read.
void open(std::string& o, std::string_view id, double height, std::string_view label,
          std::size_t points);

/// What frame() draws around a plot area.
struct frame_spec {
  std::string_view area_class;  ///< an extra class of the background rect; may be empty
  std::vector<tick> x_ticks, y_ticks;
  std::string_view x_title, y_title;
};

/// Background, grid, ticks and axis titles. (Each plot's SVG has a
/// near-white background of its own in the run report, by which
/// tests/report finds it in a screenshot.)
void frame(std::string& o, const box& b, const axis& x, const axis& y, const frame_spec& f);

/// A message in the middle of an empty plot area.
void no_data(std::string& o, const box& b, std::string_view text);

/// The legend above a plot: colour swatches and their labels (HTML).
std::string legend(const std::vector<std::pair<std::string, std::string>>& colour_and_label);

}  // namespace itlfleet::metrics::svg
