// report.html of a sweep: the answer first (thresholds), then the outcome
// plotted against the varied setting, then every run in a table.

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "itlfleet/metrics/html_page.hpp"
#include "itlfleet/metrics/number_format.hpp"
#include "itlfleet/metrics/report.hpp"
#include "itlfleet/metrics/report_html.hpp"
#include "itlfleet/metrics/svg_kit.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "itlfleet/sweep/report.hpp"
#include "svg_plot.hpp"

namespace itlfleet::sweep {
namespace {

using detail::html;
using detail::plot_series;
using detail::plot_spec;
using metrics::with_commas;
using sim::phone_state;

/// Plots per page: one per combination of the settings not on the x axis.
constexpr std::size_t max_plots = 12;
/// Rows of the runs table; sweep.csv has them all.
constexpr std::size_t max_rows = 2000;

struct series_style {
  const char* name;
  const char* label;
  const char* colour;
  bool always;  ///< drawn even when zero at every point
};

// The run report's colours (metrics/svg_kit.hpp), so a sweep and a run read alike.
using metrics::svg::state_colour;
constexpr series_style state_styles[] = {
    {"trusted", "trusted", state_colour(phone_state::trusted), true},
    {"locked", "locked", state_colour(phone_state::locked), true},
    {"config_rejected", "config rejected", state_colour(phone_state::config_rejected), false},
    {"unrecoverable", "unrecoverable (no key a bulk reset could use)",
     metrics::svg::colour::dark_red, false},
    {"booting", "booting", state_colour(phone_state::booting), false},
    {"no_itl", "no ITL", state_colour(phone_state::no_itl), false},
    {"unreachable", "unreachable", state_colour(phone_state::unreachable), false},
    {"offline", "offline", state_colour(phone_state::offline), false},
};

double state_value(const run_outcome& r, std::string_view name) {
  if (name == "unrecoverable") return static_cast<double>(r.fleet.unrecoverable);
  for (int s = 0; s < sim::phone_state_count; ++s)
    if (sim::state_name(static_cast<phone_state>(s)) == name)
      return static_cast<double>(r.fleet.state(static_cast<phone_state>(s)));
  return 0;
}

using metrics::svg::time_label;

/// Runs of one plot, by the x axis's value index.
using by_x = std::map<std::size_t, std::vector<const run_outcome*>>;

/// A series through every x that has a value; several runs give mean and spread.
plot_series make_series(const by_x& runs, const std::function<double(std::size_t)>& x_of,
                        const std::function<std::optional<double>(const run_outcome&)>& value,
                        std::string name, std::string label, std::string colour) {
  plot_series s{std::move(name), std::move(label), std::move(colour), {}, {}, {}, {}};
  for (const auto& [xi, rs] : runs) {
    double sum = 0, lo = 0, hi = 0;
    std::size_t n = 0;
    for (const run_outcome* r : rs) {
      const auto v = value(*r);
      if (!v) continue;
      lo = n == 0 ? *v : std::min(lo, *v);
      hi = n == 0 ? *v : std::max(hi, *v);
      sum += *v;
      ++n;
    }
    if (n == 0) continue;
    s.x.push_back(x_of(xi));
    s.lo.push_back(lo);
    s.mid.push_back(sum / static_cast<double>(n));
    s.hi.push_back(hi);
  }
  return s;
}

void outcome_plots(std::string& o, const sweep_setup& setup, const sweep_result& result) {
  const point_space& space = setup.space;
  const std::size_t xa = setup.search_axis.value_or(0);
  const axis& x_axis = space.axes()[xa];
  const bool categorical = x_axis.kind == value_kind::text;
  auto x_of = [&](std::size_t i) {
    return categorical ? static_cast<double>(i) : *x_axis.values[i].position;
  };

  // Combinations of the other settings, in grid order.
  std::map<std::vector<std::size_t>, by_x> plots;
  std::vector<std::vector<std::size_t>> order;
  for (const run_outcome& r : result.runs) {
    auto c = space.coordinates(r.point);
    const std::size_t xi = c[xa];
    c[xa] = 0;
    if (!plots.count(c)) order.push_back(c);
    plots[c][xi].push_back(&r);
  }

  std::size_t drawn = 0;
  for (const auto& fixed : order) {
    if (drawn == max_plots) {
      o += "<p class=\"note\">" + std::to_string(order.size() - max_plots) +
           " more combinations of settings are not plotted; sweep.csv has every run.</p>\n";
      break;
    }
    const by_x& runs = plots[fixed];
    std::string scope;
    for (std::size_t k = 0; k < space.axes().size(); ++k)
      if (k != xa)
        scope += (scope.empty() ? "" : ", ") + space.axes()[k].key + "=" +
                 space.axes()[k].values[fixed[k]].text;
    if (!scope.empty()) o += "<h3>" + html(scope) + "</h3>\n";

    // The threshold of this combination's search, if any.
    std::optional<double> marker;
    std::string marker_label;
    for (const search_report& s : result.searches) {
      auto f = s.fixed;
      f[xa] = 0;
      if (f != fixed || s.result.outcome != search_result::kind::threshold) continue;
      const std::size_t at = s.result.holds_after ? s.result.after : s.result.before;
      marker = x_of(at);
      marker_label =
          setup.find + (s.result.holds_after ? " from " : " up to ") + x_axis.values[at].text;
    }

    plot_spec outcome;
    outcome.id = "plot-outcome-" + std::to_string(drawn);
    outcome.title = "Phones by final state against " + x_axis.key;
    outcome.x_title = x_axis.key;
    outcome.y_title = "phones at the end";
    outcome.x_is_time = x_axis.kind == value_kind::duration;
    outcome.x_label = outcome.x_is_time ? std::function<std::string(double)>(time_label)
                                        : std::function<std::string(double)>(detail::axis_number);
    outcome.y_label = detail::axis_number;
    if (categorical)
      for (const auto& v : x_axis.values) outcome.categories.push_back(v.text);
    outcome.marker_x = marker;
    outcome.marker_label = marker_label;
    for (const series_style& st : state_styles) {
      auto s = make_series(
          runs, x_of, [&](const run_outcome& r) { return state_value(r, st.name); }, st.name,
          st.label, st.colour);
      const bool any = std::any_of(s.hi.begin(), s.hi.end(), [](double v) { return v > 0; });
      if (st.always || any) outcome.series.push_back(std::move(s));
    }
    o += detail::line_plot(outcome);

    plot_spec times = outcome;
    times.id = "plot-recovery-" + std::to_string(drawn);
    times.title = "Time to recover against " + x_axis.key;
    times.y_title = "time";
    times.y_is_time = true;
    times.y_label = time_label;
    times.series.clear();
    times.series.push_back(make_series(
        runs, x_of,
        [](const run_outcome& r) -> std::optional<double> {
          if (!r.recover_us) return std::nullopt;
          return static_cast<double>(*r.recover_us) / 1e6;
        },
        "recover", "time to recover (from the last accepted action to all trusted)",
        metrics::svg::colour::blue));
    times.series.push_back(make_series(
        runs, x_of,
        [](const run_outcome& r) -> std::optional<double> {
          return static_cast<double>(r.settled_us) / 1e6;
        },
        "settled", "last phone state change (scenario time)", "#999999"));
    o += detail::line_plot(times);
    ++drawn;
  }
}

void runs_table(std::string& o, const sweep_setup& setup, const sweep_result& result) {
  const point_space& space = setup.space;
  o += metrics::page::table_open() + "<thead><tr><th>point</th>";
  for (const axis& a : space.axes()) o += "<th>" + html(a.key) + "</th>";
  o += "<th>seed</th><th>phones</th><th>trusted</th><th>locked</th><th>unrecoverable</th>"
       "<th>time to recover</th><th>settled</th><th>peak TFTP transfers</th>"
       "<th>longest TVS wait</th><th>expectations</th>";
  if (!setup.find.empty()) o += "<th>" + html(setup.find) + "</th>";
  o += "</tr></thead>\n<tbody>\n";
  std::size_t rows = 0;
  for (const run_outcome& r : result.runs) {
    if (rows++ == max_rows) break;
    const auto c = space.coordinates(r.point);
    o += "<tr><td class=\"n\">" + std::to_string(r.point) + "</td>";
    for (std::size_t k = 0; k < space.axes().size(); ++k)
      o += "<td>" + html(space.axes()[k].values[c[k]].text) + "</td>";
    auto n = [](std::uint64_t v) { return "<td class=\"n\">" + with_commas(v) + "</td>"; };
    o += "<td class=\"n\">" + std::to_string(r.seed) + "</td>" + n(r.phones) +
         n(r.fleet.state(phone_state::trusted)) + n(r.fleet.state(phone_state::locked)) +
         n(r.fleet.unrecoverable);
    o += "<td class=\"n\">" +
         (r.recover_us ? html(metrics::format_sim_time(*r.recover_us)) : "&ndash;") +
         "</td><td class=\"n\">" + html(metrics::format_sim_time(r.settled_us)) + "</td>" +
         n(r.peak_tftp_transfers) + "<td class=\"n\">" +
         html(metrics::format_sim_time(r.longest_tvs_wait_us)) + "</td>";
    std::size_t failed = 0;
    for (const auto& ch : r.checks) failed += ch.passed ? 0 : 1;
    o += failed == 0 ? "<td class=\"pass\">all hold</td>"
                     : "<td class=\"fail\">" + std::to_string(failed) + " of " +
                           std::to_string(r.checks.size()) + " fail</td>";
    if (r.found) o += *r.found ? "<td class=\"pass\">holds</td>" : "<td class=\"fail\">fails</td>";
    o += "</tr>\n";
  }
  o += "</tbody>";
  o += metrics::page::table_close;
  if (result.runs.size() > max_rows)
    o += "<p class=\"note\">The first " + with_commas(max_rows) + " of " +
         with_commas(result.runs.size()) + " runs; sweep.csv has all of them.</p>\n";
}

// The sweep's own plots and answer; the page and the plot frame are
// metrics/html_page.cpp's.
constexpr std::string_view plot_css = R"(
.answer{font-size:15px;font-weight:bold;margin:8px 0}
svg.plot{background:#fdfdfe}
.plot-area{fill:#f9f9fb}
.line{fill:none;stroke-width:2;stroke-linejoin:round}
.band{stroke:none;opacity:.18}
.threshold line{stroke:#b00020;stroke-width:1.5;stroke-dasharray:6 3}
.threshold text{fill:#b00020;font-size:12px;font-weight:bold}
)";

}  // namespace

std::string sweep_report_html(const sweep_setup& setup, const sweep_result& result) {
  const point_space& space = setup.space;
  const plan::run_plan& base = space.base();
  std::string o;
  o += metrics::page::head("itlfleet sweep: " + base.name, plot_css);
  o += "<header>\n<h1>itlfleet sweep: " + html(base.name) + "</h1>\n";
  o += base.description.empty() ? std::string()
                                : "<p class=\"story\">" + html(base.description) + "</p>\n";
  o += "<dl class=\"facts\">";
  auto fact = [&](std::string_view k, const std::string& v) {
    o += "<div><dt>" + html(k) + "</dt><dd>" + v + "</dd></div>";
  };
  fact("source", html(base.source));
  std::string varied;
  for (const axis& a : space.axes())
    varied += (varied.empty() ? "" : ", ") + html(a.key) + " (" + std::to_string(a.values.size()) +
              " values)";
  fact("varied", varied);
  fact("points in the grid", with_commas(space.size()));
  fact("runs", with_commas(result.runs.size()));
  std::string seeds;
  for (std::uint64_t s : setup.seeds) seeds += (seeds.empty() ? "" : ", ") + std::to_string(s);
  fact(setup.seeds.size() == 1 ? "seed" : "seeds", seeds.empty() ? "varied" : seeds);
  fact("scenario time", html(metrics::format_sim_time(base.end.count())));
  fact("TFTP model", metrics::tftp_model_html(calibration_of(space), node_calibrations_of(space)));
  o += "</dl>\n</header>\n";

  if (setup.search_axis) {
    o += "<section id=\"threshold\">\n<h2>Threshold</h2>\n";
    for (const search_report& s : result.searches)
      o += "<p class=\"answer\">" + html(describe_search(setup, s)) + "</p>\n";
    o += "<p class=\"note\">Bisection along " + html(space.axes()[*setup.search_axis].key) +
         ": the plots show only the points it ran.</p>\n</section>\n";
  }

  o += "<section id=\"outcome\">\n<h2>Outcome against " +
       html(space.axes()[setup.search_axis.value_or(0)].key) + "</h2>\n";
  if (setup.seeds.size() > 1)
    o += "<p class=\"note\">Lines are the mean over " + std::to_string(setup.seeds.size()) +
         " seeds; the shaded band spans the lowest to the highest.</p>\n";
  outcome_plots(o, setup, result);
  o += "</section>\n";

  o += "<section id=\"expectations\">\n<h2>The scenario's expectations</h2>\n";
  if (base.expect.empty()) {
    o += "<p class=\"note\">None.</p>\n";
  } else {
    o += "<ul>";
    for (const auto& e : base.expect)
      o += "<li><code>" + html(scenarios::describe(e)) + "</code></li>";
    o += "</ul>\n";
  }
  o += "</section>\n";

  o += "<section id=\"runs\">\n<h2>Runs</h2>\n";
  runs_table(o, setup, result);
  o += "</section>\n";
  o += metrics::page::foot("itlfleet sweep. The same sweep gives the same page, whatever --jobs.");
  return o;
}

}  // namespace itlfleet::sweep
