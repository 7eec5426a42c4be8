#include "itlfleet/metrics/report_html.hpp"
#include "itlfleet/metrics/group_series.hpp"
#include "itlfleet/metrics/html_page.hpp"
#include "itlfleet/metrics/number_format.hpp"
#include "itlfleet/metrics/svg_kit.hpp"

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

/// A measured duration to three significant digits (whole seconds past a
/// minute): histogram percentiles are only good to about 3%.
std::string approx_time(std::int64_t us) {
  if (us >= 60'000'000) return format_sim_time((us + 500'000) / 1'000'000 * 1'000'000);
  std::int64_t unit = 1;
  while (us >= 1000 * unit) unit *= 10;
  return format_sim_time((us + unit / 2) / unit * unit);
}

// --- plot geometry -----------------------------------------------------------

using svg::axis;
using svg::axis_number;
using svg::box;
using svg::no_data;
using svg::sx;
using svg::sy;
using svg::ticks;
using svg::time_axis;
using svg::value_axis;

using svg::time_label;

/// Background, grid, ticks and axis titles of a run plot.
void frame(std::string& o, const box& b, std::string_view area_class, const axis& x,
           const std::function<std::string(double)>& x_label, std::string_view x_title,
           const axis& y, const std::function<std::string(double)>& y_label,
           std::string_view y_title) {
  svg::frame(o, b, x, y,
             {area_class, svg::labelled(x, x_label), svg::labelled(y, y_label), x_title, y_title});
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
  const char* colour;
};

constexpr std::array<state_style, sim::phone_state_count> state_styles = {{
    {phone_state::trusted, "trusted", svg::state_colour(phone_state::trusted)},
    {phone_state::locked, "locked", svg::state_colour(phone_state::locked)},
    {phone_state::booting, "booting", svg::state_colour(phone_state::booting)},
    {phone_state::no_itl, "no ITL", svg::state_colour(phone_state::no_itl)},
    {phone_state::config_rejected, "config rejected",
     svg::state_colour(phone_state::config_rejected)},
    {phone_state::unreachable, "unreachable", svg::state_colour(phone_state::unreachable)},
    {phone_state::offline, "offline", svg::state_colour(phone_state::offline)},
}};

using svg::legend;

void states_plot(std::string& o, const run_info& info, const std::vector<snapshot>& series,
                 const snapshot& final_state) {
  std::vector<std::pair<std::string, std::string>> items;
  for (const state_style& s : state_styles)
    items.emplace_back(s.colour, std::string(s.label) + " " +
                                     with_commas(final_state.fleet.state(s.state)) + " at end");
  o += legend(items);

  const auto rows = sample_rows(series.size(), report_max_points);
  const box b = svg::plot_box(52, 300);
  svg::open(o, "plot-states", b.bottom() + 46, "Phones by state over scenario time", rows.size());

  std::uint64_t top = info.phones;
  for (const snapshot& s : series) top = std::max(top, s.fleet.total());
  const double t0 = series.empty() ? 0 : seconds(series.front().time_us);
  const double t1 =
      std::max(seconds(info.end_us), series.empty() ? 0 : seconds(series.back().time_us));
  const axis x = time_axis(t0, t1, 12);
  const axis y = value_axis(0, static_cast<double>(std::max<std::uint64_t>(top, 1)), 5);
  frame(o, b, "states-area", x, time_label, "scenario time", y, axis_number, "phones");

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
    {"files_served", "files served/s", svg::colour::blue, &event_totals::files_served},
    {"tvs_queries", "TVS queries/s", svg::colour::purple, &event_totals::tvs_queries},
    {"tftp_refusals", "TFTP refusals/s (Maximum Serving Count)", svg::colour::vermillion,
     &event_totals::tftp_refusals},
}};

void load_plot(std::string& o, const run_info& info, const std::vector<snapshot>& series) {
  std::vector<std::pair<std::string, std::string>> items;
  for (const rate_style& r : rate_styles) items.emplace_back(r.colour, r.label);
  o += legend(items);

  const auto rows = sample_rows(series.size(), report_max_points);
  const box b = svg::plot_box(52, 220);
  svg::open(o, "plot-load", b.bottom() + 46, "TFTP and TVS load over scenario time", rows.size());

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
  frame(o, b, "load-area", x, time_label, "scenario time", y, axis_number, "per second");

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
  const box b = svg::plot_box(20, 220, 64);
  const double height = b.bottom() + 46;
  if (boot == nullptr) {
    svg::open(o, "plot-boot", height, "Boot-time distribution", 0);
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

  svg::open(o, "plot-boot", height, "Boot-time distribution", bins.size());
  frame(o, b, "boot-area", x, time_label, "boot time (scenario time)", y, axis_number,
        "phones per " + time_label(bin));
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
constexpr std::array<const char*, 8> group_colours = {
    svg::colour::blue,   svg::colour::vermillion, svg::colour::green, svg::colour::reddish_purple,
    svg::colour::orange, svg::colour::sky_blue,   svg::colour::black, svg::colour::yellow};

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
  const box b = svg::plot_box(52, 220);
  svg::open(o, "plot-stale-groups", b.bottom() + 46, "Stale ITL by group over scenario time",
            rows.size());
  const double t0 = series.empty() ? 0 : seconds(series.front().time_us);
  const double t1 =
      std::max(seconds(info.end_us), series.empty() ? 0 : seconds(series.back().time_us));
  const axis x = time_axis(t0, t1, 12);
  const std::uint64_t top = drawn.empty() ? 1 : peak[drawn.front()];
  const axis y = value_axis(0, static_cast<double>(top), 4);
  frame(o, b, "stale-area", x, time_label, "scenario time", y, axis_number, "stale phones");
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
  o += page::table_open() + "<thead><tr><th>group</th><th>phones</th>";
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
  o += "</tbody>";
  o += page::table_close;
}

void actions_table(std::string& o, const std::vector<operator_action>& actions) {
  if (actions.empty()) {
    o += "<p class=\"note\">No operator actions were recorded.</p>\n";
    return;
  }
  o += page::table_open("actions") +
       "<thead><tr><th>#</th><th>at</th><th>action</th><th>on</th>"
       "<th>CUCM</th></tr></thead>\n<tbody>\n";
  for (std::size_t i = 0; i < actions.size(); ++i) {
    const operator_action& a = actions[i];
    o += "<tr><td class=\"n\">" + std::to_string(i + 1) + "</td><td>" +
         esc(format_sim_time(a.time_us)) + "</td><td><code>" + esc(a.text) + "</code></td><td>" +
         esc(a.node) + "</td><td" + (a.ok ? ">done" : " class=\"fail\">refused") + "</td></tr>\n";
  }
  o += "</tbody>";
  o += page::table_close;
}

void expectations_table(std::string& o, const run_info& info,
                        const std::vector<check_result>& checks) {
  if (checks.empty()) {
    o += "<p class=\"note\">The scenario states no expectations.</p>\n";
    return;
  }
  o += page::table_open("checks") +
       "<thead><tr><th>verdict</th><th>expectation</th>"
       "<th>observed</th><th>line</th></tr></thead>\n<tbody>\n";
  for (const check_result& c : checks) {
    o += std::string("<tr><td class=\"") + (c.passed ? "pass\">PASS" : "fail\">FAIL") +
         "</td><td><code>" + esc(c.name) + "</code></td><td>" + esc(c.message) + "</td><td>" +
         (c.line > 0 ? esc(info.source) + ":" + std::to_string(c.line) : std::string()) +
         "</td></tr>\n";
  }
  o += "</tbody>";
  o += page::table_close;
}

void facts(std::string& o, const run_info& info, const std::vector<snapshot>& series) {
  const auto fact = [&](std::string_view key, const std::string& value) {
    o += "<div><dt>" + esc(key) + "</dt><dd>" + value + "</dd></div>";
  };
  o += "<dl class=\"facts\">";
  fact("scenario", esc(info.scenario));
  fact("source", "<code>" + esc(info.source) + "</code>");
  fact("engine", esc(info.engine));
  fact("server models", tftp_model_html(info.tftp_calibration, info.node_calibrations));
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

// The run's own plots; the page and the plot frame are html_page.cpp's.
// Each plot has a near-white background of its own, by which tests/report
// finds it in a screenshot.
constexpr std::string_view plot_css = R"(
.verdict{display:inline-block;margin:8px 0;padding:4px 12px;border-radius:4px;font-weight:bold}
#plot-states{background:#fdfdfe}#plot-load{background:#fdfefd}#plot-boot{background:#fefdfd}
#plot-stale-groups{background:#fefefd}
.states-area{fill:#f9f9fb}.load-area{fill:#f9fbf9}.boot-area{fill:#fbf9f8}
.stale-area{fill:#fbfbf8}
.area{stroke:none}
.rate{fill:none;stroke-width:2;stroke-linejoin:round}
.rate[data-series=files_served]{stroke-width:5}
.stale-line{fill:none;stroke-width:2;stroke-linejoin:round}
.bars{fill:#56b4e9}
.cdf{fill:none;stroke:#222;stroke-width:1.5}
.action line{stroke:#333;stroke-width:1.2;stroke-dasharray:5 3}
.action text{font-size:11px;font-weight:bold}
.action.refused line{stroke:#b00020;stroke-dasharray:2 2}.action.refused text{fill:#b00020}
)";

}  // namespace

std::string report_html(const run_info& info, const std::vector<snapshot>& series,
                        const snapshot& final_state, const std::vector<check_result>& checks) {
  const auto failed = static_cast<std::size_t>(
      std::count_if(checks.begin(), checks.end(), [](const check_result& c) { return !c.passed; }));

  std::string o;
  o.reserve(64 * 1024);
  o += page::head("itlfleet: " + info.scenario, plot_css);

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
    o += page::table_open() +
         "<thead><tr><th>latency</th><th>clock</th><th>count</th><th>min</th>"
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
    o += "</tbody>";
    o += page::table_close;
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
    o += page::table_open() + "<tbody>\n";
    for (const auto& [name, at] : info.milestones)
      o += "<tr><th>" + esc(name) + "</th><td>" + esc(format_sim_time(at)) + "</td></tr>\n";
    o += "</tbody>";
    o += page::table_close;
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
    o += page::table_open() +
         "<thead><tr><th>node</th><th>peak concurrent TFTP transfers</th>"
         "<th>longest TVS wait</th></tr></thead>\n<tbody>\n";
    for (const node_load& l : info.load) {
      o += "<tr><th>" + esc(l.node) + "</th>" + td_num(l.peak_tftp_transfers) + "<td class=\"n\">" +
           esc(format_sim_time(l.longest_tvs_wait_us)) + "</td></tr>\n";
    }
    o += "</tbody>";
    o += page::table_close;
  }
  o += "</section>\n";

  o += "<section id=\"device-tl-info\">\n<h2>DeviceTLInfo</h2>\n";
  if (info.device_tl_info.empty()) {
    o += "<p class=\"note\">No phone reports DeviceTLInfo (firmware before 9.4(1), or none "
         "powered on).</p>\n";
  } else {
    o += "<p class=\"note\">The installed ITL that phones on firmware 9.4(1) and later report, "
         "by group, at the end of the run.</p>\n";
    o += page::table_open() +
         "<thead><tr><th>group</th><th>ITL_Signature (SHA-1)</th><th>phones</th>"
         "<th>TFTP server's current ITL</th></tr></thead>\n<tbody>\n";
    for (const itl_report& r : info.device_tl_info) {
      o += "<tr><th>" + esc(r.group) + "</th><td><code>" + esc(r.itl_signature) + "</code></td>" +
           td_num(r.phones) +
           (r.current ? "<td class=\"pass\">yes</td>" : "<td class=\"fail\">NO</td>") + "</tr>\n";
    }
    o += "</tbody>";
    o += page::table_close;
  }
  o += "</section>\n";

  o += page::foot("Written by itlfleet from scenario " + esc(info.scenario) + ", seed " +
                  std::to_string(info.seed) +
                  ". The same scenario and seed give the same page, byte for byte.");
  return o;
}

std::string tftp_model_html(const std::optional<calibration_ref>& calibration,
                            const std::vector<node_calibration>& nodes) {
  auto one = [](const calibration_ref& c) {
    return "calibration <code>" + esc(c.file) + "</code> of " + esc(c.server) + ", " + esc(c.date);
  };
  std::string html = calibration ? one(*calibration) : "defaults (not calibrated)";
  for (const node_calibration& n : nodes)
    html += "; node " + esc(n.node) + ": " + one(n.calibration);
  return html;
}

}  // namespace itlfleet::metrics
