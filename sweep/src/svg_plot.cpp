#include "svg_plot.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "itlfleet/metrics/number_format.hpp"
#include "itlfleet/metrics/report.hpp"
#include "itlfleet/sim/utf8.hpp"

namespace itlfleet::sweep::detail {
namespace {

using metrics::nice_step;
using metrics::trim_zeros;
using metrics::with_commas;

std::string fixed(double v, int decimals) {
  return metrics::fixed_decimals(v, decimals);
}

std::string num(double v) {
  return metrics::svg_number(v);
}

std::string attr(std::string_view s) {
  return metrics::xml_escape(s, true);
}

struct axis {
  double lo = 0, hi = 1, step = 1;
};

/// Ticks on round durations (seconds) or round numbers.
double round_step(double raw, bool time) {
  if (!time || raw < 1) return nice_step(raw);
  static constexpr std::array<double, 16> steps = {1,   2,   5,   10,   15,   30,   60,    120,
                                                   300, 600, 900, 1800, 3600, 7200, 10800, 21600};
  for (double s : steps)
    if (s >= raw) return s;
  return 86400 * nice_step(raw / 86400);
}

/// From 0 (counts and times are never negative) to a round value at or above `hi`.
axis value_axis(double hi, bool time) {
  if (!(hi > 0)) hi = 1;
  const double step = round_step(hi / 5, time);
  return {0, std::ceil(hi / step - 1e-9) * step, step};
}

/// Exactly [lo, hi] with a margin, ticks on round values.
axis x_axis(double lo, double hi, bool time) {
  if (!(hi > lo)) {
    lo -= 1;
    hi += 1;
  }
  const double margin = (hi - lo) * 0.03;
  return {lo - margin, hi + margin, round_step((hi - lo) / 8, time)};
}

std::vector<double> ticks(const axis& a) {
  std::vector<double> out;
  for (double k = std::ceil(a.lo / a.step - 1e-9);; ++k) {
    const double v = k * a.step + 0.0;
    if (v > a.hi + a.step * 1e-9 || out.size() > 60) break;
    out.push_back(v);
  }
  return out;
}

struct box {
  double x, y, w, h;
};

double px(const box& b, const axis& a, double v) {
  return b.x + (v - a.lo) / (a.hi - a.lo) * b.w;
}
double py(const box& b, const axis& a, double v) {
  return b.y + b.h - (v - a.lo) / (a.hi - a.lo) * b.h;
}

constexpr double width = 1000;

}  // namespace

std::string html(std::string_view s) {
  return metrics::xml_escape(s, false);
}

std::string axis_number(double v) {
  const double a = std::fabs(v);
  if (a >= 1e6) return trim_zeros(fixed(v / 1e6, 2)) + "M";
  if (a >= 1e4) return trim_zeros(fixed(v / 1e3, 1)) + "k";
  if (v == std::floor(v)) return (v < 0 ? "-" : "") + with_commas(static_cast<std::uint64_t>(a));
  return trim_zeros(fixed(v, 3));
}

std::string line_plot(const plot_spec& spec) {
  std::string o = "<div class=\"legend\">";
  for (const plot_series& s : spec.series)
    o += "<span><i style=\"background:" + s.colour + "\"></i>" + html(s.label) + "</span>";
  o += "</div>\n";

  const box b{80, 28, width - 80 - 24, 240};
  const double height = b.y + b.h + 50;
  std::size_t points = 0;
  double x_lo = 0, x_hi = 0, y_hi = 0;
  bool first = true;
  for (const plot_series& s : spec.series) {
    points += s.x.size();
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      x_lo = first ? s.x[i] : std::min(x_lo, s.x[i]);
      x_hi = first ? s.x[i] : std::max(x_hi, s.x[i]);
      y_hi = std::max(y_hi, s.hi[i]);
      first = false;
    }
  }
  if (!spec.categories.empty()) {
    x_lo = 0;
    x_hi = static_cast<double>(spec.categories.size() - 1);
  }
  if (spec.marker_x) {
    x_lo = std::min(x_lo, *spec.marker_x);
    x_hi = std::max(x_hi, *spec.marker_x);
  }
  axis x = x_axis(x_lo, x_hi, spec.x_is_time);
  if (!spec.categories.empty()) x.step = 1;
  const axis y = value_axis(y_hi, spec.y_is_time);

  o += "<svg id=\"" + attr(spec.id) +
       "\" class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) +
       "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
       "\" role=\"img\" aria-label=\"" + attr(spec.title) + "\" data-points=\"" +
       std::to_string(points) + "\">\n";
  o += "<rect class=\"plot-area\" x=\"" + num(b.x) + "\" y=\"" + num(b.y) + "\" width=\"" +
       num(b.w) + "\" height=\"" + num(b.h) + "\"/>\n";

  // Grid and tick labels; category axes label every category that fits.
  std::string grid, labels;
  for (double v : ticks(y)) {
    const double yy = std::round(py(b, y, v)) + 0.5;
    grid += "M" + num(b.x) + " " + num(yy) + "H" + num(b.x + b.w);
    labels += "<text x=\"" + num(b.x - 6) + "\" y=\"" + num(yy + 4) + "\" text-anchor=\"end\">" +
              html(spec.y_label(v)) + "</text>";
  }
  std::vector<double> x_ticks;
  if (spec.categories.empty()) {
    x_ticks = ticks(x);
  } else {
    const std::size_t every = spec.categories.size() / 12 + 1;  // at most a dozen labels
    for (std::size_t i = 0; i < spec.categories.size(); i += every)
      x_ticks.push_back(static_cast<double>(i));
  }
  for (double v : x_ticks) {
    const double xx = std::round(px(b, x, v)) + 0.5;
    grid += "M" + num(xx) + " " + num(b.y) + "V" + num(b.y + b.h);
    const std::string text = spec.categories.empty()
                                 ? spec.x_label(v)
                                 : spec.categories[static_cast<std::size_t>(std::llround(v))];
    labels += "<text x=\"" + num(xx) + "\" y=\"" + num(b.y + b.h + 16) +
              "\" text-anchor=\"middle\">" + html(text) + "</text>";
  }
  o += "<path class=\"grid\" d=\"" + grid + "\"/>\n";
  o += "<path class=\"axis\" d=\"M" + num(b.x + 0.5) + " " + num(b.y) + "V" + num(b.y + b.h + 0.5) +
       "H" + num(b.x + b.w) + "\"/>\n";
  o += "<g class=\"ticks\">" + labels + "</g>\n";
  o += "<text class=\"axis-title\" x=\"" + num(b.x + b.w / 2) + "\" y=\"" + num(b.y + b.h + 38) +
       "\" text-anchor=\"middle\">" + html(spec.x_title) + "</text>\n";
  o += "<text class=\"axis-title\" transform=\"translate(" + num(b.x - 60) + " " +
       num(b.y + b.h / 2) + ") rotate(-90)\" text-anchor=\"middle\">" + html(spec.y_title) +
       "</text>\n";

  if (points == 0) {
    o += "<text class=\"no-data\" x=\"" + num(b.x + b.w / 2) + "\" y=\"" + num(b.y + b.h / 2) +
         "\" text-anchor=\"middle\">No runs with a value here.</text>\n";
  }
  for (const plot_series& s : spec.series) {
    if (s.x.empty()) continue;
    if (s.lo != s.hi) {  // several seeds disagreed somewhere: draw their spread
      std::string upper, lower;
      for (std::size_t i = 0; i < s.x.size(); ++i) {
        upper += (i == 0 ? "M" : " L") + num(px(b, x, s.x[i])) + "," + num(py(b, y, s.hi[i]));
        lower = " L" + num(px(b, x, s.x[i])) + "," + num(py(b, y, s.lo[i])) + lower;
      }
      o += "<path class=\"band\" data-series=\"" + attr(s.name) + "\" fill=\"" + s.colour +
           "\" d=\"" + upper + lower + " Z\"/>\n";
    }
    std::string line;
    for (std::size_t i = 0; i < s.x.size(); ++i)
      line += (i == 0 ? "M" : " L") + num(px(b, x, s.x[i])) + "," + num(py(b, y, s.mid[i]));
    o += "<path class=\"line\" data-series=\"" + attr(s.name) + "\" stroke=\"" + s.colour +
         "\" d=\"" + line + "\"/>\n";
    o += "<g class=\"dots\" fill=\"" + s.colour + "\">";
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      const std::string at = spec.categories.empty()
                                 ? spec.x_label(s.x[i])
                                 : spec.categories[static_cast<std::size_t>(std::llround(s.x[i]))];
      std::string value = spec.y_label(s.mid[i]);
      if (s.lo[i] != s.hi[i])
        value += " (mean; " + spec.y_label(s.lo[i]) + " to " + spec.y_label(s.hi[i]) + ")";
      o += "<circle cx=\"" + num(px(b, x, s.x[i])) + "\" cy=\"" + num(py(b, y, s.mid[i])) +
           "\" r=\"3\"><title>" + html(s.label + " at " + at + ": " + value) + "</title></circle>";
    }
    o += "</g>\n";
  }
  if (spec.marker_x) {
    const double xx = std::round(px(b, x, *spec.marker_x)) + 0.5;
    const bool right_half = xx > b.x + b.w / 2;
    o += "<g class=\"threshold\"><line x1=\"" + num(xx) + "\" y1=\"" + num(b.y) + "\" x2=\"" +
         num(xx) + "\" y2=\"" + num(b.y + b.h) + "\"/><text x=\"" +
         num(xx + (right_half ? -5 : 5)) + "\" y=\"" + num(b.y - 8) + "\" text-anchor=\"" +
         (right_half ? "end" : "start") + "\">" + html(spec.marker_label) + "</text></g>\n";
  }
  o += "</svg>\n";
  return o;
}

}  // namespace itlfleet::sweep::detail
