#include "itlfleet/metrics/report_html.hpp"
#include "itlfleet/metrics/group_series.hpp"
#include "itlfleet/metrics/number_format.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string_view>

namespace itlfleet::metrics {
namespace {

using sim::phone_state;

// --- text ------------------------------------------------------------------

std::string esc(std::string_view s) {
  return xml_escape(s, false);
}
std::string esc_attr(std::string_view s) {
  return xml_escape(s, true);
}

std::string fixed(double v, int decimals) {
  return metrics::fixed_decimals(v, decimals);
}

std::string num(double v) {
  return metrics::svg_number(v);
}

/// Axis labels: "5,000", "12.5k", "1.25M", "0.25".
std::string axis_number(double v) {
  const double a = std::fabs(v);
  if (a >= 1e6) return trim_zeros(fixed(v / 1e6, 2)) + "M";
  if (a >= 1e4) return trim_zeros(fixed(v / 1e3, 1)) + "k";
  if (v == std::floor(v)) return with_commas(static_cast<std::uint64_t>(a));
  return trim_zeros(fixed(v, 2));
}

/// A measured duration to three significant digits (whole seconds past a
/// minute): histogram percentiles are only good to about 3%.
std::string approx_time(std::int64_t us) {
  if (us >= 60'000'000) return format_sim_time((us + 500'000) / 1'000'000 * 1'000'000);
  std::int64_t unit = 1;
  while (us >= 1000 * unit) unit *= 10;
  return format_sim_time((us + unit / 2) / unit * unit);
}

std::string sim_time_s(double seconds) {
  return format_sim_time(std::llround(seconds * 1e6));
}

// --- plot geometry -----------------------------------------------------------

/// Ticks every `step` from the first multiple at or above `lo` up to `hi`.
struct axis {
  double lo = 0;
  double hi = 1;
  double step = 1;
};

/// A value axis from 0 (or below) to a round number at or above `hi`.
axis value_axis(double lo, double hi, int target) {
  if (!(hi > lo)) hi = lo + 1;
  const double step = nice_step((hi - lo) / target);
  return {std::floor(lo / step + 1e-9) * step, std::ceil(hi / step - 1e-9) * step, step};
}

/// A time axis over exactly [lo, hi] seconds, ticks on round durations.
axis time_axis(double lo, double hi, int target) {
  if (!(hi > lo)) hi = lo + 1;
  static constexpr std::array<double, 17> steps = {
      1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200};
  const double raw = (hi - lo) / target;
  double step = raw < 1 ? nice_step(raw) : 0;
  for (double s : steps) {
    if (step == 0 && s >= raw) step = s;
  }
  if (step == 0) step = 86400 * nice_step(raw / 86400);
  return {lo, hi, step};
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

/// The plot area inside an SVG, in its user units.
struct box {
  double x, y, w, h;
  double left() const { return x; }
  double right() const { return x + w; }
  double top() const { return y; }
  double bottom() const { return y + h; }
};

double sx(const box& b, const axis& a, double v) {
  return b.x + (v - a.lo) / (a.hi - a.lo) * b.w;
}
double sy(const box& b, const axis& a, double v) {
  return b.y + b.h - (v - a.lo) / (a.hi - a.lo) * b.h;
}

constexpr double svg_width = 1100;

void svg_open(std::string& o, std::string_view id, double height, std::string_view label,
              std::size_t points) {
  o += "<svg id=\"" + std::string(id) + "\" class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" " +
       "width=\"" + num(svg_width) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " +
       num(svg_width) + " " + num(height) + "\" role=\"img\" aria-label=\"" + esc_attr(label) +
       "\" data-points=\"" + std::to_string(points) + "\">\n";
}

/// Background, grid, ticks and axis titles. `plot_class` names the
/// background rect. (Each plot's SVG has a near-white background of its own,
/// see the style sheet, by which tests/report finds it in a screenshot.)
void frame(std::string& o, const box& b, std::string_view plot_class, const axis& x,
           const std::function<std::string(double)>& x_label, std::string_view x_title,
           const axis& y, const std::function<std::string(double)>& y_label,
           std::string_view y_title) {
  o += "<rect class=\"plot-area " + std::string(plot_class) + "\" x=\"" + num(b.x) + "\" y=\"" +
       num(b.y) + "\" width=\"" + num(b.w) + "\" height=\"" + num(b.h) + "\"/>\n";
  std::string grid;
  std::string labels;
  for (double v : ticks(y)) {
    const double py = std::round(sy(b, y, v)) + 0.5;
    grid += "M" + num(b.left()) + " " + num(py) + "H" + num(b.right());
    labels += "<text x=\"" + num(b.left() - 6) + "\" y=\"" + num(py + 4) +
              "\" text-anchor=\"end\">" + esc(y_label(v)) + "</text>";
  }
  for (double v : ticks(x)) {
    const double px = std::round(sx(b, x, v)) + 0.5;
    grid += "M" + num(px) + " " + num(b.top()) + "V" + num(b.bottom());
    labels += "<text x=\"" + num(px) + "\" y=\"" + num(b.bottom() + 16) +
              "\" text-anchor=\"middle\">" + esc(x_label(v)) + "</text>";
  }
  o += "<path class=\"grid\" d=\"" + grid + "\"/>\n";
  o += "<path class=\"axis\" d=\"M" + num(b.left() + 0.5) + " " + num(b.top()) + "V" +
       num(b.bottom() + 0.5) + "H" + num(b.right()) + "\"/>\n";
  o += "<g class=\"ticks\">" + labels + "</g>\n";
  o += "<text class=\"axis-title\" x=\"" + num(b.x + b.w / 2) + "\" y=\"" + num(b.bottom() + 36) +
       "\" text-anchor=\"middle\">" + esc(x_title) + "</text>\n";
  o += "<text class=\"axis-title\" transform=\"translate(" + num(b.left() - 56) + " " +
       num(b.y + b.h / 2) + ") rotate(-90)\" text-anchor=\"middle\">" + esc(y_title) + "</text>\n";
}

void no_data(std::string& o, const box& b, std::string_view text) {
  o += "<text class=\"no-data\" x=\"" + num(b.x + b.w / 2) + "\" y=\"" + num(b.y + b.h / 2) +
       "\" text-anchor=\"middle\">" + esc(text) + "</text>\n";
}

/// Rows of the series a time plot draws: all of them up to `max_points`,
/// else every k-th (the first and the last always).
std::vector<std::size_t> sample_rows(std::size_t n, std::size_t max_points) {
  std::vector<std::size_t> rows;
  if (n <= max_points || max_points < 3) {
    for (std::size_t i = 0; i < n; ++i) rows.push_back(i);
    return rows;
  }
  // ceil((n - 1) / (max_points - 2)) keeps the rows, with the last, within max_points.
  const std::size_t stride = (n - 1 + max_points - 3) / (max_points - 2);
  for (std::size_t i = 0; i < n; i += stride) rows.push_back(i);
  if (rows.back() != n - 1) rows.push_back(n - 1);
  return rows;
}

double seconds(std::int64_t us) {
  return static_cast<double>(us) / 1e6;
}

// --- operator actions on time plots ------------------------------------------

/// Vertical lines at the operator's actions, numbered like the table under
/// the plot; actions closer than a few pixels share one line and label.
/// Labels stack in up to three rows above the plot area so they do not
/// overlap.
void action_markers(std::string& o, const box& b, const axis& x,
                    const std::vector<operator_action>& actions) {
  constexpr double merge_px = 4;
  constexpr int rows = 3;
  std::array<double, rows> row_end;
  row_end.fill(-1e9);
  std::size_t i = 0;
  while (i < actions.size()) {
    const double px = sx(b, x, seconds(actions[i].time_us));
    std::size_t j = i + 1;
    while (j < actions.size() && sx(b, x, seconds(actions[j].time_us)) - px < merge_px) ++j;
    if (px < b.left() - 0.5 || px > b.right() + 0.5) {
      i = j;
      continue;
    }
    bool refused = false;
    std::string title;
    for (std::size_t k = i; k < j; ++k) {
      const operator_action& a = actions[k];
      refused = refused || !a.ok;
      if (!title.empty()) title += "\n";
      title += std::to_string(k + 1) + ". " + format_sim_time(a.time_us) + " " + a.text;
      if (!a.node.empty()) title += " on " + a.node;
      if (!a.ok) title += " (refused)";
    }
    const std::string label =
        j - i == 1 ? std::to_string(i + 1) : std::to_string(i + 1) + "\u2013" + std::to_string(j);
    const double width = 7.0 * static_cast<double>(label.size() - (j - i == 1 ? 0 : 2)) + 4;
    int row = 0;
    for (int r = 0; r < rows; ++r) {
      if (row_end[static_cast<std::size_t>(r)] < px - width / 2) {
        row = r;
        break;
      }
      if (row_end[static_cast<std::size_t>(r)] < row_end[static_cast<std::size_t>(row)]) row = r;
    }
    row_end[static_cast<std::size_t>(row)] = px + width / 2 + 2;
    const double label_y = b.top() - 6 - 13.0 * row;
    const double line_x = std::round(px) + 0.5;
    o += std::string("<g class=\"action") + (refused ? " refused" : "") + "\"><title>" +
         esc(title) + "</title><line x1=\"" + num(line_x) + "\" y1=\"" + num(label_y + 3) +
         "\" x2=\"" + num(line_x) + "\" y2=\"" + num(b.bottom()) + "\"/><text x=\"" + num(line_x) +
         "\" y=\"" + num(label_y) + "\" text-anchor=\"middle\">" + esc(label) + "</text></g>\n";
    i = j;
  }
}

// --- plot (a): phones by state ----------------------------------------------

struct state_style {
  phone_state state;
  const char* label;
  const char* colour;  // Okabe-Ito: distinguishable with common colour-vision deficiencies
};

constexpr std::array<state_style, sim::phone_state_count> state_styles = {{
    {phone_state::trusted, "trusted", "#009e73"},
    {phone_state::locked, "locked", "#d55e00"},
    {phone_state::booting, "booting", "#56b4e9"},
    {phone_state::no_itl, "no ITL", "#e69f00"},
    {phone_state::config_rejected, "config rejected", "#0072b2"},
    {phone_state::unreachable, "unreachable", "#cc79a7"},
    {phone_state::offline, "offline", "#a8a8a8"},
}};

std::string legend(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string o = "<div class=\"legend\">";
  for (const auto& [colour, text] : items)
    o += "<span><i style=\"background:" + colour + "\"></i>" + esc(text) + "</span>";
  return o + "</div>\n";
}

void states_plot(std::string& o, const run_info& info, const std::vector<snapshot>& series,
                 const snapshot& final_state) {
  std::vector<std::pair<std::string, std::string>> items;
  for (const state_style& s : state_styles)
    items.emplace_back(s.colour, std::string(s.label) + " " +
                                     with_commas(final_state.fleet.state(s.state)) + " at end");
  o += legend(items);

  const auto rows = sample_rows(series.size(), report_max_points);
  const box b{76, 52, svg_width - 76 - 20, 300};
  svg_open(o, "plot-states", b.bottom() + 46, "Phones by state over scenario time", rows.size());

  std::uint64_t top = info.phones;
  for (const snapshot& s : series) top = std::max(top, s.fleet.total());
  const double t0 = series.empty() ? 0 : seconds(series.front().time_us);
  const double t1 =
      std::max(seconds(info.end_us), series.empty() ? 0 : seconds(series.back().time_us));
  const axis x = time_axis(t0, t1, 12);
  const axis y = value_axis(0, static_cast<double>(std::max<std::uint64_t>(top, 1)), 5);
  frame(o, b, "states-area", x, sim_time_s, "scenario time", y, axis_number, "phones");

  if (series.empty()) {
    no_data(o, b, "No samples in this run.");
  } else {
    // Stacked areas, trusted at the bottom: the stack's top is the fleet.
    std::vector<std::uint64_t> below(rows.size(), 0);
    for (const state_style& s : state_styles) {
      std::string upper;
      std::string lower;
      for (std::size_t k = 0; k < rows.size(); ++k) {
        const snapshot& row = series[rows[k]];
        const double px = sx(b, x, seconds(row.time_us));
        const std::uint64_t base = below[k];
        below[k] += row.fleet.state(s.state);
        upper += (k == 0   ? "M"
                  : k == 1 ? " L"
                           : " ") +
                 num(px) + "," + num(sy(b, y, static_cast<double>(below[k])));
        lower = " " + num(px) + "," + num(sy(b, y, static_cast<double>(base))) + lower;
      }
      if (rows.size() == 1) upper += " L" + upper.substr(1);
      o += "<path class=\"series area\" data-series=\"" + std::string(sim::state_name(s.state)) +
           "\" fill=\"" + s.colour + "\" d=\"" + upper + lower + " Z\"><title>" + esc(s.label) +
           "</title></path>\n";
    }
  }
  action_markers(o, b, x, info.actions);
  o += "</svg>\n";
}

// --- plot (b): TFTP and TVS load ---------------------------------------------

struct rate_style {
  const char* name;
  const char* label;
  const char* colour;
  std::uint64_t event_totals::*total;
};

constexpr std::array<rate_style, 3> rate_styles = {{
    // Drawn in this order, the first one wider (see the style sheet): files
    // and TVS queries often go hand in hand, and the rarer refusals go on top.
    {"files_served", "files served/s", "#0072b2", &event_totals::files_served},
    {"tvs_queries", "TVS queries/s", "#7b3294", &event_totals::tvs_queries},
    {"tftp_refusals", "TFTP refusals/s (Maximum Serving Count)", "#d55e00",
     &event_totals::tftp_refusals},
}};

void load_plot(std::string& o, const run_info& info, const std::vector<snapshot>& series) {
  std::vector<std::pair<std::string, std::string>> items;
  for (const rate_style& r : rate_styles) items.emplace_back(r.colour, r.label);
  o += legend(items);

  const auto rows = sample_rows(series.size(), report_max_points);
  const box b{76, 52, svg_width - 76 - 20, 220};
  svg_open(o, "plot-load", b.bottom() + 46, "TFTP and TVS load over scenario time", rows.size());

  // The rate over each interval between drawn samples: exact averages from
  // the cumulative totals, whatever the thinning.
  std::array<std::vector<double>, rate_styles.size()> rates;
  double peak = 0;
  for (std::size_t r = 0; r < rate_styles.size(); ++r) {
    for (std::size_t k = 1; k < rows.size(); ++k) {
      const snapshot& a = series[rows[k - 1]];
      const snapshot& c = series[rows[k]];
      const double dt = seconds(c.time_us - a.time_us);
      const std::uint64_t before = a.events.*(rate_styles[r].total);
      const std::uint64_t after = c.events.*(rate_styles[r].total);
      const double v = dt > 0 && after > before ? static_cast<double>(after - before) / dt : 0;
      rates[r].push_back(v);
      peak = std::max(peak, v);
    }
  }
  const double t0 = series.empty() ? 0 : seconds(series.front().time_us);
  const double t1 =
      std::max(seconds(info.end_us), series.empty() ? 0 : seconds(series.back().time_us));
  const axis x = time_axis(t0, t1, 12);
  const axis y = value_axis(0, peak > 0 ? peak : 1, 4);
  frame(o, b, "load-area", x, sim_time_s, "scenario time", y, axis_number, "per second");

  if (rows.size() < 2) {
    no_data(o, b, "Too few samples to derive rates.");
  } else {
    for (std::size_t r = 0; r < rate_styles.size(); ++r) {
      // Steps: each rate holds over its interval; a run of equal rates is
      // one horizontal stroke.
      std::string level = num(sy(b, y, rates[r][0]));
      std::string d = "M" + num(sx(b, x, seconds(series[rows[0]].time_us))) + "," + level;
      for (std::size_t k = 1; k < rows.size(); ++k) {
        const bool more = k + 1 < rows.size();  // interval k follows
        const std::string next = more ? num(sy(b, y, rates[r][k])) : level;
        if (more && next == level) continue;
        d += "H" + num(sx(b, x, seconds(series[rows[k]].time_us)));
        if (next != level) d += "V" + next;
        level = next;
      }
      o += "<path class=\"series rate\" data-series=\"" + std::string(rate_styles[r].name) +
           "\" stroke=\"" + rate_styles[r].colour + "\" d=\"" + d + "\"><title>" +
           esc(rate_styles[r].label) + "</title></path>\n";
    }
  }
  action_markers(o, b, x, info.actions);
  o += "</svg>\n";
}

// --- plot (c): boot-time distribution ----------------------------------------

const latency* find_latency(const run_info& info, std::string_view name) {
  for (const latency& l : info.latencies)
    if (l.name == name && l.histogram.count() > 0) return &l;
  return nullptr;
}

std::string percentile_line(const latency_histogram& h) {
  return with_commas(h.count()) + " values \u00b7 min " + approx_time(h.min()) + " \u00b7 p50 " +
         approx_time(h.percentile(50)) + " \u00b7 p90 " + approx_time(h.percentile(90)) +
         " \u00b7 p99 " + approx_time(h.percentile(99)) + " \u00b7 max " + approx_time(h.max());
}

void boot_plot(std::string& o, const run_info& info) {
  const latency* boot = find_latency(info, "boot");
  if (boot != nullptr) {
    o +=
        "<p class=\"note\">Power-on or reboot to the end of the boot sequence, in scenario time: " +
        esc(percentile_line(boot->histogram)) + ".</p>\n";
  }
  constexpr int bins_per_tick = 5;
  const box b{76, 20, svg_width - 76 - 64, 220};
  const double height = b.bottom() + 46;
  if (boot == nullptr) {
    svg_open(o, "plot-boot", height, "Boot-time distribution", 0);
    o += "<rect class=\"plot-area boot-area\" x=\"" + num(b.x) + "\" y=\"" + num(b.y) +
         "\" width=\"" + num(b.w) + "\" height=\"" + num(b.h) + "\"/>\n";
    no_data(o, b, "No boot times were recorded in this run: the distribution is empty.");
    o += "</svg>\n";
    return;
  }

  const latency_histogram& h = boot->histogram;
  const auto buckets = h.buckets();
  // The x axis spans min..max, or min..p99 when a long tail would squeeze
  // the bulk into a few bars; values past the axis are counted in a note.
  double lo = seconds(h.min());
  double hi = seconds(h.max());
  const double p99 = seconds(h.percentile(99));
  const bool clipped = hi - lo > 3 * (p99 - lo) && p99 > lo;
  if (clipped) hi = p99;
  axis x = value_axis(lo, hi, 10);
  x.lo = std::max(0.0, x.lo);
  const double bin = x.step / bins_per_tick;
  const auto bin_count = static_cast<std::size_t>(std::llround((x.hi - x.lo) / bin));
  std::vector<double> bins(std::max<std::size_t>(bin_count, 1), 0);
  const axis pct{0, 100, 25};
  std::uint64_t beyond = 0;
  std::uint64_t previous = 0;
  // The cumulative share rises across each bucket and stays flat between
  // buckets: from the exact counts, whatever the bins.
  std::string cdf = "M" + num(sx(b, x, x.lo)) + "," + num(b.bottom());
  for (const auto& bk : buckets) {
    const std::uint64_t n = bk.cumulative - previous;
    const std::size_t index = latency_histogram::index_of(bk.upper_us);
    // The bucket's values, as a continuous range [first, last + 1) in seconds.
    const double first = seconds(index == 0 ? 0 : latency_histogram::upper_bound(index - 1) + 1);
    const double last = seconds(bk.upper_us + 1);
    if (first < x.hi) {
      const auto share = [&](std::uint64_t c) {
        return num(sy(b, pct, 100.0 * static_cast<double>(c) / static_cast<double>(h.count())));
      };
      cdf += " L" + num(sx(b, x, std::max(first, x.lo))) + "," + share(previous) + " " +
             num(sx(b, x, std::min(last, x.hi))) + "," + share(bk.cumulative);
    }
    previous = bk.cumulative;
    if (first >= x.hi) {
      beyond += n;
      continue;
    }
    // Spread the bucket's count over the bins it overlaps, by overlap.
    for (std::size_t i = 0; i < bins.size(); ++i) {
      const double a = x.lo + bin * static_cast<double>(i);
      const double overlap = std::min(last, a + bin) - std::max(first, a);
      if (overlap > 0) bins[i] += static_cast<double>(n) * overlap / (last - first);
    }
    if (last > x.hi) {
      beyond += static_cast<std::uint64_t>(
          std::llround(static_cast<double>(n) * (last - x.hi) / (last - first)));
    }
  }
  const double peak = *std::max_element(bins.begin(), bins.end());
  const axis y = value_axis(0, peak > 0 ? peak : 1, 4);

  svg_open(o, "plot-boot", height, "Boot-time distribution", bins.size());
  frame(o, b, "boot-area", x, sim_time_s, "boot time (scenario time)", y, axis_number,
        "phones per " + sim_time_s(bin));
  std::string bars;
  for (std::size_t i = 0; i < bins.size(); ++i) {
    if (bins[i] <= 0) continue;
    const double a = x.lo + bin * static_cast<double>(i);
    const double top = sy(b, y, bins[i]);
    bars += "M" + num(sx(b, x, a) + 0.5) + "," + num(b.bottom()) + "V" + num(top) + "H" +
            num(sx(b, x, a + bin) - 0.5) + "V" + num(b.bottom()) + "Z";
  }
  o += "<path class=\"series bars\" data-series=\"boot\" d=\"" + bars +
       "\"><title>phones per bin</title></path>\n";

  // The cumulative share on the right axis.
  std::string right;
  for (double v : ticks(pct)) {
    right += "<text x=\"" + num(b.right() + 6) + "\" y=\"" + num(sy(b, pct, v) + 4) + "\">" +
             trim_zeros(fixed(v, 0)) + "%</text>";
  }
  o += "<g class=\"ticks\">" + right + "</g>\n";
  o += "<text class=\"axis-title\" transform=\"translate(" + num(b.right() + 50) + " " +
       num(b.y + b.h / 2) +
       ") rotate(90)\" text-anchor=\"middle\">share of boots at or below</text>\n";
  o += "<path class=\"series cdf\" data-series=\"boot_cdf\" d=\"" + cdf +
       "\"><title>share of boots at or below</title></path>\n";
  o += "</svg>\n";
  if (clipped && beyond > 0) {
    o += "<p class=\"note\">The axis stops at p99; " + with_commas(beyond) +
         " slower boots (up to " + format_sim_time(h.max()) + ") are not drawn.</p>\n";
  }
}

// --- plot (d): stale ITL by group --------------------------------------------

/// Okabe-Ito, the palette of the other plots, one colour per drawn group.
constexpr std::array<const char*, 8> group_colours = {"#0072b2", "#d55e00", "#009e73", "#cc79a7",
                                                      "#e69f00", "#56b4e9", "#000000", "#f0e442"};

/// One line per group of its stale phones (installed ITL differs from what
/// its TFTP server serves): the groups that have not taken the current ITL,
/// what an administrator checks before a bulk reset. At most
/// group_colours.size() groups, those with the most stale phones at any
/// sample; a note counts the others.
void stale_groups_plot(std::string& o, const run_info& info, const std::vector<snapshot>& series) {
  const std::vector<std::uint64_t> peak = peak_stale(series);
  const std::vector<std::size_t> ranked = groups_by_peak_stale(peak);
  std::vector<std::size_t> drawn;
  std::size_t ever_stale = 0;
  for (std::size_t g : ranked) {
    if (peak[g] == 0) break;
    ++ever_stale;
    if (drawn.size() < group_colours.size()) drawn.push_back(g);
  }

  std::vector<std::pair<std::string, std::string>> items;
  for (std::size_t k = 0; k < drawn.size(); ++k) {
    const std::size_t g = drawn[k];
    items.emplace_back(
        group_colours[k],
        group_name(info, g) + " (peak " + with_commas(peak[g]) +
            (reports_device_tl_info(info, g) ? ", DeviceTLInfo)" : ", no DeviceTLInfo)"));
  }
  if (!items.empty()) o += legend(items);

  const auto rows = sample_rows(series.size(), report_max_points);
  const box b{76, 52, svg_width - 76 - 20, 220};
  svg_open(o, "plot-stale-groups", b.bottom() + 46, "Stale ITL by group over scenario time",
           rows.size());
  const double t0 = series.empty() ? 0 : seconds(series.front().time_us);
  const double t1 =
      std::max(seconds(info.end_us), series.empty() ? 0 : seconds(series.back().time_us));
  const axis x = time_axis(t0, t1, 12);
  const std::uint64_t top = drawn.empty() ? 1 : peak[drawn.front()];
  const axis y = value_axis(0, static_cast<double>(top), 4);
  frame(o, b, "stale-area", x, sim_time_s, "scenario time", y, axis_number, "stale phones");
  if (drawn.empty()) {
    no_data(
        o, b,
        series.empty() ? "No samples in this run." : "No phone held a stale ITL at any sample.");
  }
  for (std::size_t k = 0; k < drawn.size(); ++k) {
    const std::size_t g = drawn[k];
    std::string d;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const snapshot& row = series[rows[i]];
      const std::uint64_t v = g < row.groups.size() ? row.groups[g].stale : 0;
      d += (i == 0   ? "M"
            : i == 1 ? " L"
                     : " ") +
           num(sx(b, x, seconds(row.time_us))) + "," + num(sy(b, y, static_cast<double>(v)));
    }
    if (rows.size() == 1) d += " L" + d.substr(1);
    o += "<path class=\"series stale-line\" data-series=\"" + esc_attr(group_name(info, g)) +
         "\" stroke=\"" + group_colours[k] + "\" d=\"" + d + "\"><title>" +
         esc(group_name(info, g)) + ": stale phones</title></path>\n";
  }
  action_markers(o, b, x, info.actions);
  o += "</svg>\n";
  if (ever_stale > drawn.size()) {
    const std::size_t more = ever_stale - drawn.size();
    o += "<p class=\"note\">" + with_commas(more) +
         (more == 1 ? " more group had" : " more groups had") +
         " stale phones, not drawn (only the " + std::to_string(drawn.size()) +
         " with the most at any sample are); see groups.csv.</p>\n";
  }
  o += "<p class=\"note\">Stale: powered on, and the installed ITL is not the one the group's "
       "TFTP server serves now. Groups on firmware 9.4(1) and later report theirs to CUCM in "
       "DeviceTLInfo alarms; the others' are invisible to CUCM.</p>\n";
}

// --- tables -------------------------------------------------------------------

std::string td_num(std::uint64_t v) {
  return "<td class=\"n\">" + with_commas(v) + "</td>";
}

std::string group_row(const std::string& name, const counts& c, bool fleet) {
  std::string o = fleet ? "<tr class=\"total\"><th>" : "<tr><th>";
  o += esc(name) + "</th>" + td_num(c.total());
  for (const state_style& s : state_styles) o += td_num(c.state(s.state));
  o += td_num(c.stale) + td_num(c.unrecoverable) + td_num(c.recovered) + td_num(c.ever_locked);
  return o + "</tr>\n";
}

void groups_table(std::string& o, const run_info& info, const snapshot& final_state) {
  o += "<table><thead><tr><th>group</th><th>phones</th>";
  for (const state_style& s : state_styles)
    o += "<th><i class=\"sw\" style=\"background:" + std::string(s.colour) + "\"></i>" +
         esc(s.label) + "</th>";
  o += "<th>stale</th><th>unrecoverable</th><th>recovered</th><th>ever locked</th></tr>"
       "</thead>\n<tbody>\n";
  for (std::size_t g = 0; g < final_state.groups.size(); ++g) {
    const std::string name =
        g < info.group_names.size() ? info.group_names[g] : "group" + std::to_string(g);
    o += group_row(name, final_state.groups[g], false);
  }
  if (final_state.groups.size() != 1) o += group_row("fleet", final_state.fleet, true);
  o += "</tbody></table>\n";
}

void actions_table(std::string& o, const std::vector<operator_action>& actions) {
  if (actions.empty()) {
    o += "<p class=\"note\">No operator actions were recorded.</p>\n";
    return;
  }
  o += "<table class=\"actions\"><thead><tr><th>#</th><th>at</th><th>action</th><th>on</th>"
       "<th>CUCM</th></tr></thead>\n<tbody>\n";
  for (std::size_t i = 0; i < actions.size(); ++i) {
    const operator_action& a = actions[i];
    o += "<tr><td class=\"n\">" + std::to_string(i + 1) + "</td><td>" +
         esc(format_sim_time(a.time_us)) + "</td><td><code>" + esc(a.text) + "</code></td><td>" +
         esc(a.node) + "</td><td" + (a.ok ? ">done" : " class=\"fail\">refused") + "</td></tr>\n";
  }
  o += "</tbody></table>\n";
}

void expectations_table(std::string& o, const run_info& info,
                        const std::vector<check_result>& checks) {
  if (checks.empty()) {
    o += "<p class=\"note\">The scenario states no expectations.</p>\n";
    return;
  }
  o += "<table class=\"checks\"><thead><tr><th>verdict</th><th>expectation</th>"
       "<th>observed</th><th>line</th></tr></thead>\n<tbody>\n";
  for (const check_result& c : checks) {
    o += std::string("<tr><td class=\"") + (c.passed ? "pass\">PASS" : "fail\">FAIL") +
         "</td><td><code>" + esc(c.name) + "</code></td><td>" + esc(c.message) + "</td><td>" +
         (c.line > 0 ? esc(info.source) + ":" + std::to_string(c.line) : std::string()) +
         "</td></tr>\n";
  }
  o += "</tbody></table>\n";
}

void facts(std::string& o, const run_info& info, const std::vector<snapshot>& series) {
  const auto fact = [&](std::string_view key, const std::string& value) {
    o += "<div><dt>" + esc(key) + "</dt><dd>" + value + "</dd></div>";
  };
  o += "<dl class=\"facts\">";
  fact("scenario", esc(info.scenario));
  fact("source", "<code>" + esc(info.source) + "</code>");
  fact("engine", esc(info.engine));
  fact("TFTP model", tftp_model_html(info.tftp_calibration));
  fact("seed", std::to_string(info.seed));
  fact("phones", with_commas(info.phones));
  std::string groups;
  for (const std::string& g : info.group_names) groups += (groups.empty() ? "" : ", ") + esc(g);
  fact(info.group_names.size() == 1 ? "group" : "groups", groups);
  fact("scenario time", esc(format_sim_time(info.end_us)));
  std::string samples = with_commas(series.size());
  if (series.size() > report_max_points) {
    samples +=
        " (plots draw " + with_commas(sample_rows(series.size(), report_max_points).size()) + ")";
  }
  fact("samples", samples);
  fact("events processed", with_commas(info.events_processed));
  fact("signature checks", with_commas(info.crypto_operations));
  fact("distinct files", with_commas(info.distinct_files));
  o += "</dl>\n";
}

constexpr std::string_view css = R"(
body{font-family:"DejaVu Sans","Liberation Sans",Arial,Helvetica,sans-serif;font-size:14px;
line-height:1.45;color:#1d1d1f;background:#fff;max-width:1120px;margin:20px auto;padding:0 16px}
h1{font-size:24px;margin:0 0 6px}
h2{font-size:18px;margin:30px 0 8px;padding-bottom:4px;border-bottom:1px solid #ddd}
p{margin:6px 0}
code{font-family:"DejaVu Sans Mono",monospace;font-size:13px}
.story{font-size:15px;max-width:900px}
.verdict{display:inline-block;margin:8px 0;padding:4px 12px;border-radius:4px;font-weight:bold}
.facts{display:grid;grid-template-columns:repeat(3,1fr);gap:4px 20px;margin:10px 0}
.facts div{display:flex;gap:8px}.facts dt{color:#666}.facts dd{margin:0;font-weight:bold}
table{border-collapse:collapse;margin:8px 0}
th,td{border:1px solid #d8d8d8;padding:3px 9px;text-align:left;vertical-align:top}
thead th{background:#f3f3f3;font-weight:bold;white-space:nowrap}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.total th,tr.total td{font-weight:bold;background:#fafafa}
.pass{background:#ddf2e5;color:#0b5d2a;font-weight:bold}
.fail{background:#fbe0dc;color:#9c1a0c;font-weight:bold}
.note{color:#555}
.legend{display:flex;flex-wrap:wrap;gap:4px 18px;margin:6px 0 2px 76px}
.legend i,i.sw{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:-1px;
border-radius:2px}
svg.plot{display:block;font-size:12px}
#plot-states{background:#fdfdfe}#plot-load{background:#fdfefd}#plot-boot{background:#fefdfd}
#plot-stale-groups{background:#fefefd}
svg text{fill:#333}
.plot-area{stroke:none}.states-area{fill:#f9f9fb}.load-area{fill:#f9fbf9}.boot-area{fill:#fbf9f8}
.stale-area{fill:#fbfbf8}
.grid{stroke:#dedede;stroke-width:1;fill:none}
.axis{stroke:#777;stroke-width:1;fill:none}
.axis-title{font-size:13px}
.area{stroke:none}
.rate{fill:none;stroke-width:2;stroke-linejoin:round}
.rate[data-series=files_served]{stroke-width:5}
.stale-line{fill:none;stroke-width:2;stroke-linejoin:round}
.bars{fill:#56b4e9}
.cdf{fill:none;stroke:#222;stroke-width:1.5}
.action line{stroke:#333;stroke-width:1.2;stroke-dasharray:5 3}
.action text{font-size:11px;font-weight:bold}
.action.refused line{stroke:#b00020;stroke-dasharray:2 2}.action.refused text{fill:#b00020}
.no-data{font-size:15px;fill:#666}
footer{margin:30px 0 10px;color:#777;font-size:12px}
)";

}  // namespace

std::string report_html(const run_info& info, const std::vector<snapshot>& series,
                        const snapshot& final_state, const std::vector<check_result>& checks) {
  const auto failed = static_cast<std::size_t>(
      std::count_if(checks.begin(), checks.end(), [](const check_result& c) { return !c.passed; }));

  std::string o;
  o.reserve(64 * 1024);
  o += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  o += "<title>itlfleet: " + esc(info.scenario) + "</title>\n";
  o += "<style>" + std::string(css) + "</style>\n</head>\n<body>\n";

  o += "<header>\n<h1>itlfleet run: " + esc(info.scenario) + "</h1>\n";
  o += info.description.empty()
           ? std::string("<p class=\"story note\">The scenario has no description.</p>\n")
           : "<p class=\"story\">" + esc(info.description) + "</p>\n";
  if (info.interrupted) {
    o += "<div class=\"verdict fail\">INTERRUPTED by " + esc(info.interrupted->reason) + " at " +
         format_sim_time(info.interrupted->at_us) + " of " + format_sim_time(info.end_us) +
         ": what follows is what the run reached</div>\n";
  } else if (checks.empty()) {
    o += "<div class=\"verdict note\">No expectations to check</div>\n";
  } else if (failed == 0) {
    o += "<div class=\"verdict pass\">PASS: all " + std::to_string(checks.size()) +
         " expectations hold</div>\n";
  } else {
    o += "<div class=\"verdict fail\">FAIL: " + std::to_string(failed) + " of " +
         std::to_string(checks.size()) + " expectations failed</div>\n";
  }
  facts(o, info, series);
  o += "</header>\n";

  o += "<section id=\"expectations\">\n<h2>Expectations</h2>\n";
  expectations_table(o, info, checks);
  o += "</section>\n";

  o += "<section id=\"states\">\n<h2>Phones by state</h2>\n";
  states_plot(o, info, series, final_state);
  actions_table(o, info.actions);
  o += "</section>\n";

  o += "<section id=\"load\">\n<h2>TFTP and TVS load</h2>\n";
  load_plot(o, info, series);
  const event_totals& e = final_state.events;
  o += "<p class=\"note\">In all: " + with_commas(e.files_served) + " files served (" +
       with_commas(e.bytes_served) + " bytes), " + with_commas(e.tftp_refusals) +
       " TFTP requests refused, " + with_commas(e.tftp_timeouts) + " timed out; " +
       with_commas(e.tvs_queries) + " TVS queries, " + with_commas(e.tvs_failures) + " failed; " +
       with_commas(e.boots) + " boots; " + with_commas(e.refused_commands) + " commands refused; " +
       with_commas(e.backup_alerts) + " backup alerts";
  // Only a server without per-device files (cluster.tftp.per_device_itl:
  // false, or an external TFTP server) makes phones fall back; against CUCM
  // the sentence would always read zero.
  if (e.itl_fallbacks + e.ctl_fallbacks > 0)
    o += "; " + with_commas(e.itl_fallbacks) + " boots asked for ITLFile.tlv and " +
         with_commas(e.ctl_fallbacks) + " for CTLFile.tlv, their server having no per-device file";
  o += ".</p>\n";
  o += "</section>\n";

  o += "<section id=\"boot\">\n<h2>Boot-time distribution</h2>\n";
  boot_plot(o, info);
  bool any_latency = false;
  for (const latency& l : info.latencies) any_latency = any_latency || l.histogram.count() > 0;
  if (any_latency) {
    o += "<table><thead><tr><th>latency</th><th>clock</th><th>count</th><th>min</th>"
         "<th>p50</th><th>p90</th><th>p99</th><th>max</th></tr></thead>\n<tbody>\n";
    for (const latency& l : info.latencies) {
      const latency_histogram& h = l.histogram;
      if (h.count() == 0) continue;
      o += "<tr><th>" + esc(l.name) + "</th><td>scenario</td>" + td_num(h.count());
      for (std::int64_t v :
           {h.min(), h.percentile(50), h.percentile(90), h.percentile(99), h.max()})
        o += "<td class=\"n\">" + esc(approx_time(v)) + "</td>";
      o += "</tr>\n";
    }
    o += "</tbody></table>\n";
  }
  o += "</section>\n";

  o += "<section id=\"stale-groups\">\n<h2>Stale ITL by group over time</h2>\n";
  stale_groups_plot(o, info, series);
  o += "</section>\n";

  o += "<section id=\"groups\">\n<h2>Final counts per group</h2>\n";
  groups_table(o, info, final_state);
  o += "</section>\n";

  o += "<section id=\"milestones\">\n<h2>Milestones</h2>\n";
  if (info.milestones.empty()) {
    o += "<p class=\"note\">None.</p>\n";
  } else {
    o += "<table><tbody>\n";
    for (const auto& [name, at] : info.milestones)
      o += "<tr><th>" + esc(name) + "</th><td>" + esc(format_sim_time(at)) + "</td></tr>\n";
    o += "</tbody></table>\n";
  }
  o += "</section>\n";

  if (info.manual.visits > 0 || info.manual.not_reached > 0) {
    char hours[32];
    std::snprintf(hours, sizeof hours, "%.1f", info.manual.technician_hours);
    o += "<section id=\"manual-recovery\">\n<h2>Recovery by hand</h2>\n<p>Technicians erased the "
         "trust list of " +
         std::to_string(info.manual.visits) + " phones: " + hours + " technician-hours";
    if (info.manual.last_visit_us)
      o += ", the last visit at " + esc(format_sim_time(*info.manual.last_visit_us));
    o += ".";
    if (info.manual.not_reached > 0)
      o += " " + std::to_string(info.manual.not_reached) +
           " more phones were not reached before the end of the run.";
    o += "</p>\n</section>\n";
  }

  o += "<section id=\"node-load\">\n<h2>Peak load per node</h2>\n";
  if (info.load.empty()) {
    o += "<p class=\"note\">No node figures.</p>\n";
  } else {
    o += "<table><thead><tr><th>node</th><th>peak concurrent TFTP transfers</th>"
         "<th>longest TVS wait</th></tr></thead>\n<tbody>\n";
    for (const node_load& l : info.load) {
      o += "<tr><th>" + esc(l.node) + "</th>" + td_num(l.peak_tftp_transfers) + "<td class=\"n\">" +
           esc(format_sim_time(l.longest_tvs_wait_us)) + "</td></tr>\n";
    }
    o += "</tbody></table>\n";
  }
  o += "</section>\n";

  o += "<section id=\"device-tl-info\">\n<h2>DeviceTLInfo</h2>\n";
  if (info.device_tl_info.empty()) {
    o += "<p class=\"note\">No phone reports DeviceTLInfo (firmware before 9.4(1), or none "
         "powered on).</p>\n";
  } else {
    o += "<p class=\"note\">The installed ITL that phones on firmware 9.4(1) and later report, "
         "by group, at the end of the run.</p>\n";
    o += "<table><thead><tr><th>group</th><th>ITL_Signature (SHA-1)</th><th>phones</th>"
         "<th>TFTP server's current ITL</th></tr></thead>\n<tbody>\n";
    for (const itl_report& r : info.device_tl_info) {
      o += "<tr><th>" + esc(r.group) + "</th><td><code>" + esc(r.itl_signature) + "</code></td>" +
           td_num(r.phones) +
           (r.current ? "<td class=\"pass\">yes</td>" : "<td class=\"fail\">NO</td>") + "</tr>\n";
    }
    o += "</tbody></table>\n";
  }
  o += "</section>\n";

  o += "<footer>Written by itlfleet from scenario " + esc(info.scenario) + ", seed " +
       std::to_string(info.seed) +
       ". The same scenario and seed give the same page, byte for byte.</footer>\n";
  o += "</body>\n</html>\n";
  return o;
}

std::string tftp_model_html(const std::optional<calibration_ref>& calibration) {
  if (!calibration) return "defaults (not calibrated)";
  return "calibration <code>" + esc(calibration->file) + "</code> of " + esc(calibration->server) +
         ", " + esc(calibration->date);
}

}  // namespace itlfleet::metrics
