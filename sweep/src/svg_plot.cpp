#include "svg_plot.hpp"

#include <algorithm>
#include <cmath>

#include "itlfleet/metrics/number_format.hpp"
#include "itlfleet/metrics/report.hpp"
#include "itlfleet/metrics/svg_kit.hpp"
#include "itlfleet/sim/utf8.hpp"

namespace itlfleet::sweep::detail {
namespace {

std::string num(double v) {
  return metrics::svg_number(v);
}

std::string attr(std::string_view s) {
  return metrics::xml_escape(s, true);
}

using metrics::svg::axis;
using metrics::svg::box;
using metrics::svg::sx;
using metrics::svg::sy;

}  // namespace

std::string html(std::string_view s) {
  return metrics::xml_escape(s, false);
}

std::string line_plot(const plot_spec& spec) {
  std::vector<std::pair<std::string, std::string>> legend;
  for (const plot_series& s : spec.series) legend.emplace_back(s.colour, s.label);
  std::string o = metrics::svg::legend(legend);

  const box b = metrics::svg::plot_box(28, 240);
  const double height = b.bottom() + 46;
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
  axis x = metrics::svg::padded_axis(x_lo, x_hi, 8, spec.x_is_time);
  if (!spec.categories.empty()) x.step = 1;
  const axis y = metrics::svg::value_axis(0, y_hi > 0 ? y_hi : 1, 5, spec.y_is_time);

  metrics::svg::open(o, spec.id, height, spec.title, points);
  // Category axes label every category that fits: at most a dozen.
  std::vector<metrics::svg::tick> x_ticks;
  if (spec.categories.empty()) {
    x_ticks = metrics::svg::labelled(x, spec.x_label);
  } else {
    const std::size_t every = spec.categories.size() / 12 + 1;
    for (std::size_t i = 0; i < spec.categories.size(); i += every)
      x_ticks.emplace_back(static_cast<double>(i), spec.categories[i]);
  }
  metrics::svg::frame(o, b, x, y,
                      {"", std::move(x_ticks), metrics::svg::labelled(y, spec.y_label),
                       spec.x_title, spec.y_title});

  if (points == 0) metrics::svg::no_data(o, b, "No runs with a value here.");
  for (const plot_series& s : spec.series) {
    if (s.x.empty()) continue;
    if (s.lo != s.hi) {  // several seeds disagreed somewhere: draw their spread
      std::string upper, lower;
      for (std::size_t i = 0; i < s.x.size(); ++i) {
        upper += (i == 0 ? "M" : " L") + num(sx(b, x, s.x[i])) + "," + num(sy(b, y, s.hi[i]));
        lower = " L" + num(sx(b, x, s.x[i])) + "," + num(sy(b, y, s.lo[i])) + lower;
      }
      o += "<path class=\"band\" data-series=\"" + attr(s.name) + "\" fill=\"" + s.colour +
           "\" d=\"" + upper + lower + " Z\"/>\n";
    }
    std::string line;
    for (std::size_t i = 0; i < s.x.size(); ++i)
      line += (i == 0 ? "M" : " L") + num(sx(b, x, s.x[i])) + "," + num(sy(b, y, s.mid[i]));
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
      o += "<circle cx=\"" + num(sx(b, x, s.x[i])) + "\" cy=\"" + num(sy(b, y, s.mid[i])) +
           "\" r=\"3\"><title>" + html(s.label + " at " + at + ": " + value) + "</title></circle>";
    }
    o += "</g>\n";
  }
  if (spec.marker_x) {
    const double xx = std::round(sx(b, x, *spec.marker_x)) + 0.5;
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
