#include "itlfleet/metrics/svg_kit.hpp"

#include <array>
#include <cmath>
#include <cstdint>

#include "itlfleet/metrics/number_format.hpp"
#include "itlfleet/metrics/report.hpp"

namespace itlfleet::metrics::svg {
namespace {

std::string num(double v) {
  return svg_number(v);
}

std::string esc(std::string_view s) {
  return xml_escape(s, false);
}

}  // namespace

double round_step(double raw, bool time) {
  if (!time || raw < 1) return nice_step(raw);
  static constexpr std::array<double, 17> steps = {
      1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200};
  for (double s : steps)
    if (s >= raw) return s;
  return 86400 * nice_step(raw / 86400);
}

axis value_axis(double lo, double hi, int target, bool time) {
  if (!(hi > lo)) hi = lo + 1;
  const double step = round_step((hi - lo) / target, time);
  return {std::floor(lo / step + 1e-9) * step, std::ceil(hi / step - 1e-9) * step, step};
}

axis time_axis(double lo, double hi, int target) {
  if (!(hi > lo)) hi = lo + 1;
  return {lo, hi, round_step((hi - lo) / target, true)};
}

axis padded_axis(double lo, double hi, int target, bool time) {
  if (!(hi > lo)) {
    lo -= 1;
    hi += 1;
  }
  const double margin = (hi - lo) * 0.03;
  return {lo - margin, hi + margin, round_step((hi - lo) / target, time)};
}

std::vector<double> ticks(const axis& a) {
  std::vector<double> out;
  const double first = std::ceil(a.lo / a.step - 1e-9);
  for (double k = first;; ++k) {
    const double v = k * a.step + 0.0;  // never -0
    if (v > a.hi + a.step * 1e-9) break;
    out.push_back(v);
    if (out.size() > 200) break;  // a degenerate axis; never for real data
  }
  return out;
}

std::vector<tick> labelled(const axis& a, const std::function<std::string(double)>& label) {
  std::vector<tick> out;
  for (double v : ticks(a)) out.emplace_back(v, label(v));
  return out;
}

std::string axis_number(double v) {
  const double a = std::fabs(v);
  if (a >= 1e6) return trim_zeros(fixed_decimals(v / 1e6, 2)) + "M";
  if (a >= 1e4) return trim_zeros(fixed_decimals(v / 1e3, 1)) + "k";
  if (v == std::floor(v)) return (v < 0 ? "-" : "") + with_commas(static_cast<std::uint64_t>(a));
  return trim_zeros(fixed_decimals(v, 3));
}

std::string time_label(double seconds) {
  return format_sim_time(std::llround(seconds * 1e6));
}

box plot_box(double top, double height, double right_margin) {
  return {plot_left, top, plot_width - plot_left - right_margin, height};
}

double sx(const box& b, const axis& a, double v) {
  return b.x + (v - a.lo) / (a.hi - a.lo) * b.w;
}
double sy(const box& b, const axis& a, double v) {
  return b.y + b.h - (v - a.lo) / (a.hi - a.lo) * b.h;
}

void open(std::string& o, std::string_view id, double height, std::string_view label,
          std::size_t points) {
  o += "<svg id=\"" + xml_escape(id, true) +
       "\" class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(plot_width) +
       "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(plot_width) + " " + num(height) +
       "\" role=\"img\" aria-label=\"" + xml_escape(label, true) + "\" data-points=\"" +
       std::to_string(points) + "\">\n";
}

void frame(std::string& o, const box& b, const axis& x, const axis& y, const frame_spec& f) {
  o += "<rect class=\"plot-area" + (f.area_class.empty() ? "" : " " + std::string(f.area_class)) +
       "\" x=\"" + num(b.x) + "\" y=\"" + num(b.y) + "\" width=\"" + num(b.w) + "\" height=\"" +
       num(b.h) + "\"/>\n";
  std::string grid;
  std::string labels;
  for (const auto& [v, text] : f.y_ticks) {
    const double py = std::round(sy(b, y, v)) + 0.5;
    grid += "M" + num(b.left()) + " " + num(py) + "H" + num(b.right());
    labels += "<text x=\"" + num(b.left() - 6) + "\" y=\"" + num(py + 4) +
              "\" text-anchor=\"end\">" + esc(text) + "</text>";
  }
  for (const auto& [v, text] : f.x_ticks) {
    const double px = std::round(sx(b, x, v)) + 0.5;
    grid += "M" + num(px) + " " + num(b.top()) + "V" + num(b.bottom());
    labels += "<text x=\"" + num(px) + "\" y=\"" + num(b.bottom() + 16) +
              "\" text-anchor=\"middle\">" + esc(text) + "</text>";
  }
  o += "<path class=\"grid\" d=\"" + grid + "\"/>\n";
  o += "<path class=\"axis\" d=\"M" + num(b.left() + 0.5) + " " + num(b.top()) + "V" +
       num(b.bottom() + 0.5) + "H" + num(b.right()) + "\"/>\n";
  o += "<g class=\"ticks\">" + labels + "</g>\n";
  o += "<text class=\"axis-title\" x=\"" + num(b.x + b.w / 2) + "\" y=\"" + num(b.bottom() + 36) +
       "\" text-anchor=\"middle\">" + esc(f.x_title) + "</text>\n";
  o += "<text class=\"axis-title\" transform=\"translate(" + num(b.left() - 56) + " " +
       num(b.y + b.h / 2) + ") rotate(-90)\" text-anchor=\"middle\">" + esc(f.y_title) +
       "</text>\n";
}

void no_data(std::string& o, const box& b, std::string_view text) {
  o += "<text class=\"no-data\" x=\"" + num(b.x + b.w / 2) + "\" y=\"" + num(b.y + b.h / 2) +
       "\" text-anchor=\"middle\">" + esc(text) + "</text>\n";
}

std::string legend(const std::vector<std::pair<std::string, std::string>>& colour_and_label) {
  std::string o = "<div class=\"legend\">";
  for (const auto& [colour, text] : colour_and_label)
    o += "<span><i style=\"background:" + colour + "\"></i>" + esc(text) + "</span>";
  return o + "</div>\n";
}

}  // namespace itlfleet::metrics::svg
