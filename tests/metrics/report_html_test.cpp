#include "itlfleet/metrics/report_html.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "itlfleet/sim/utf8.hpp"

namespace itlfleet::metrics {
namespace {

using sim::phone_state;

std::size_t count(std::string_view haystack, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string_view::npos;
       at = haystack.find(needle, at + needle.size()))
    ++n;
  return n;
}

/// The markup of one plot, `<svg id="ID" ...>` to `</svg>`; empty if absent.
std::string_view plot(std::string_view html, std::string_view id) {
  const auto start = html.find("<svg id=\"" + std::string(id) + "\"");
  if (start == std::string_view::npos) return {};
  const auto end = html.find("</svg>", start);
  return html.substr(start, end - start);
}

std::size_t data_points(std::string_view svg) {
  const auto at = svg.find("data-points=\"");
  if (at == std::string_view::npos) return 0;
  return std::strtoul(std::string(svg.substr(at + 13)).c_str(), nullptr, 10);
}

/// A 5,000-phone run in two groups, sampled every 10 s for `minutes`: phones
/// boot, lock at 10m, and recover after 30m.
struct fixture {
  run_info info;
  std::vector<snapshot> series;
  std::vector<check_result> checks;

  explicit fixture(int minutes = 60, std::int64_t sample_us = 10'000'000) {
    info.scenario = "double-regen-recovery";
    info.source = "builtin:double-regen-recovery";
    info.description = "Double regeneration locks the fleet; a bulk reset brings it back.";
    info.seed = 42;
    info.phones = 5000;
    info.end_us = std::int64_t{minutes} * 60'000'000;
    info.group_names = {"desk", "lobby"};
    info.milestones = {{"peak_locked_at", 1'750'000'000}};
    info.load = {{"cucm-pub", 120, 2'500'000}};
    info.device_tl_info = {{"desk", "AB CD EF", 4000, true}};
    info.actions = {{600'000'000, "set cert regen CallManager", "cucm-pub", true},
                    {1'200'000'000, "set cert regen TVS", "cucm-pub", false},
                    {1'860'000'000, "reset all devices", "", true}};
    latency boot{"boot", {}};
    for (int i = 0; i < 5000; ++i) boot.histogram.record(20'000'000 + (i % 97) * 400'000);
    info.latencies.push_back(boot);

    for (std::int64_t t = 0; t <= info.end_us; t += sample_us) {
      snapshot s;
      s.time_us = t;
      s.groups.resize(2);
      const double minute = static_cast<double>(t) / 60e6;
      const auto state = minute < 1    ? phone_state::offline
                         : minute < 10 ? phone_state::trusted
                         : minute < 31 ? phone_state::locked
                                       : phone_state::trusted;
      s.groups[0].by_state[static_cast<int>(state)] = 4000;
      s.groups[1].by_state[static_cast<int>(state)] = 1000;
      s.fleet.by_state[static_cast<int>(state)] = 5000;
      const auto seconds = static_cast<std::uint64_t>(t / 1'000'000);
      s.events.files_served = 10 * seconds;
      s.events.tvs_queries = 3 * seconds;
      s.events.tftp_refusals = minute > 31 ? seconds - 31 * 60 : 0;
      series.push_back(s);
    }
    checks = {{"locked == 100% at 29m", true, "locked was 5000 at 29m", 30},
              {"trusted == 100% at end", false, "trusted was 4990 at end", 31}};
  }

  std::string html() const { return report_html(info, series, series.back(), checks); }
};

TEST(ReportHtml, draws_one_svg_per_plot) {
  const std::string html = fixture().html();
  EXPECT_EQ(count(html, "<svg "), 4u);
  EXPECT_FALSE(plot(html, "plot-stale-groups").empty());
  EXPECT_FALSE(plot(html, "plot-states").empty());
  EXPECT_FALSE(plot(html, "plot-load").empty());
  EXPECT_FALSE(plot(html, "plot-boot").empty());
}

TEST(ReportHtml, draws_a_series_per_state_per_rate_and_the_boot_distribution) {
  const std::string html = fixture().html();
  const auto states = plot(html, "plot-states");
  EXPECT_EQ(count(states, "class=\"series area\""), 7u);
  for (const char* s :
       {"trusted", "locked", "booting", "no_itl", "unreachable", "offline", "config_rejected"})
    EXPECT_EQ(count(states, "data-series=\"" + std::string(s) + "\""), 1u) << s;
  const auto load = plot(html, "plot-load");
  EXPECT_EQ(count(load, "class=\"series rate\""), 3u);
  for (const char* s : {"files_served", "tftp_refusals", "tvs_queries"})
    EXPECT_EQ(count(load, "data-series=\"" + std::string(s) + "\""), 1u) << s;
  const auto boot = plot(html, "plot-boot");
  EXPECT_EQ(count(boot, "class=\"series bars\""), 1u);
  EXPECT_EQ(count(boot, "class=\"series cdf\""), 1u);
  EXPECT_EQ(html.find("No boot times"), std::string::npos);
}

TEST(ReportHtml, marks_each_operator_action_on_both_time_plots) {
  const std::string html = fixture().html();
  for (const char* id : {"plot-states", "plot-load"}) {
    const auto svg = plot(html, id);
    EXPECT_EQ(count(svg, "<g class=\"action"), 3u) << id;
    EXPECT_EQ(count(svg, "<g class=\"action refused\""), 1u) << id;
    EXPECT_NE(svg.find("2. 20m set cert regen TVS on cucm-pub (refused)"), std::string::npos);
  }
  // And the table that the markers' numbers refer to.
  EXPECT_NE(html.find("<code>reset all devices</code>"), std::string::npos);
}

TEST(ReportHtml, merges_actions_at_the_same_time_into_one_marker) {
  fixture f;
  f.info.actions = {{600'000'000, "set cert regen CallManager", "cucm-pub", true},
                    {600'000'000, "restart tftp", "cucm-pub", true},
                    {610'000'000, "set cert regen TVS", "cucm-pub", true}};
  const std::string html = f.html();  // plot() is a view into it
  const auto svg = plot(html, "plot-states");
  // 10 s of a 60-minute axis is under 4 px: one marker labelled 1-3.
  EXPECT_EQ(count(svg, "<g class=\"action"), 1u);
  EXPECT_NE(svg.find(">1\u20133</text>"), std::string::npos);
}

TEST(ReportHtml, shows_the_story_facts_and_verdicts) {
  const std::string html = fixture().html();
  EXPECT_NE(html.find("Double regeneration locks the fleet"), std::string::npos);
  EXPECT_NE(html.find("builtin:double-regen-recovery"), std::string::npos);
  EXPECT_NE(html.find("<dd>42</dd>"), std::string::npos);
  EXPECT_NE(html.find("<dd>5,000</dd>"), std::string::npos);
  EXPECT_NE(html.find("<dd>virtual</dd>"), std::string::npos);
  EXPECT_NE(html.find("FAIL: 1 of 2 expectations failed"), std::string::npos);
  EXPECT_EQ(count(html, "<td class=\"pass\">PASS</td>"), 1u);
  EXPECT_EQ(count(html, "<td class=\"fail\">FAIL</td>"), 1u);
  EXPECT_NE(html.find("builtin:double-regen-recovery:31"), std::string::npos);
  // Per-group, milestone, node and DeviceTLInfo tables.
  EXPECT_NE(html.find("<tr><th>desk</th><td class=\"n\">4,000</td>"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"total\"><th>fleet</th><td class=\"n\">5,000</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<th>peak_locked_at</th><td>29m10s</td>"), std::string::npos);
  EXPECT_NE(html.find("<th>cucm-pub</th><td class=\"n\">120</td><td class=\"n\">2.5s</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<code>AB CD EF</code>"), std::string::npos);
  // Boot percentiles to three digits: 20 s to 58.4 s.
  EXPECT_NE(html.find("<th>boot</th><td>scenario</td><td class=\"n\">5,000</td><td "
                      "class=\"n\">20s</td>"),
            std::string::npos);
  EXPECT_NE(html.find("max 58.4s"), std::string::npos);
}

TEST(ReportHtml, counts_fallbacks_to_the_cluster_wide_files_only_when_a_phone_fell_back) {
  fixture f;
  EXPECT_EQ(f.html().find("ITLFile.tlv"), std::string::npos);
  f.series.back().events.itl_fallbacks = 1200;
  f.series.back().events.ctl_fallbacks = 3;
  EXPECT_NE(f.html().find("; 1,200 boots asked for ITLFile.tlv and 3 for CTLFile.tlv, their server "
                          "having no per-device file."),
            std::string::npos);
}

TEST(ReportHtml, is_self_contained) {
  std::string html = fixture().html();
  std::transform(html.begin(), html.end(), html.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("https:"), std::string::npos);
  // The only URL is the SVG namespace name, which is never fetched.
  EXPECT_EQ(count(html, "http:"), count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
}

TEST(ReportHtml, escapes_hostile_names_everywhere) {
  fixture f;
  const std::string evil = "<script>alert(\"x\")</script>&'";
  f.info.scenario = evil;
  f.info.source = evil;
  f.info.description = evil;
  f.info.group_names = {evil, "lobby"};
  f.info.milestones = {{evil, 0}};
  f.info.load = {{evil, 1, 0}};
  f.info.device_tl_info = {{evil, evil, 1, false}};
  f.info.actions = {{600'000'000, evil, evil, true}};
  f.info.latencies[0].name = evil;
  f.checks = {{evil, false, evil, 3}};
  const std::string html = f.html();
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("alert(\"x\")"), std::string::npos);
  EXPECT_GE(count(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&apos;"), 10u);
}

TEST(ReportHtml, replaces_invalid_utf8_so_the_page_is_valid_utf8) {
  fixture f;
  f.info.scenario = "bad\xff\xfe name";
  f.info.description = "truncated \xe2\x82";
  f.info.group_names = {"overlong \xc0\xaf", "caf\xc3\xa9 \xe2\x82\xac"};
  f.checks[0].message = "surrogate \xed\xa0\x80";
  const std::string html = f.html();
  EXPECT_EQ(valid_utf8(html), html);
  EXPECT_NE(html.find("bad\uFFFD\uFFFD name"), std::string::npos);
  EXPECT_NE(html.find("caf\u00e9 \u20ac"), std::string::npos);  // valid text kept as is
  EXPECT_EQ(html.find('\xff'), std::string::npos);
}

TEST(ReportHtml, is_deterministic) {
  const fixture a;
  const fixture b;
  EXPECT_EQ(a.html(), b.html());
  EXPECT_EQ(a.html(), a.html());
}

TEST(ReportHtml, derives_rates_from_the_cumulative_totals) {
  fixture f;
  f.info.actions.clear();
  const std::string html = f.html();  // plot() is a view into it
  const auto load = plot(html, "plot-load");
  const auto path_of = [&](std::string_view series) {
    const auto at = load.find("data-series=\"" + std::string(series) + "\"");
    const auto d = load.substr(load.find(" d=\"", at) + 4);
    return std::string(d.substr(0, d.find('"')));
  };
  // 10 files/s and 3 TVS queries/s throughout, 1 refusal/s after 31m. The
  // plot area spans x 76..1080 (0..60m) and y 272..52 (0..10 per second);
  // a constant rate is one horizontal stroke, a change one vertical step.
  EXPECT_EQ(path_of("files_served"), "M76,52H1080");
  EXPECT_EQ(path_of("tvs_queries"), "M76,206H1080");
  EXPECT_EQ(path_of("tftp_refusals"), "M76,272H594.7V250H1080");
  EXPECT_NE(load.find(">10</text>"), std::string::npos);
}

TEST(ReportHtml, thins_a_long_series_to_the_point_bound) {
  // A week at one sample per 10 s: 60,481 samples.
  const fixture f(7 * 24 * 60, 10'000'000);
  ASSERT_GT(f.series.size(), 60'000u);
  const std::string html = f.html();
  for (const char* id : {"plot-states", "plot-load"}) {
    const auto svg = plot(html, id);
    EXPECT_LE(data_points(svg), report_max_points) << id;
    EXPECT_GE(data_points(svg), report_max_points * 9 / 10) << id;
  }
  // Each stacked area has an upper and a lower edge of at most max points.
  const auto states = plot(html, "plot-states");
  const auto trusted = states.substr(states.find("data-series=\"trusted\""));
  EXPECT_LE(count(trusted.substr(0, trusted.find("</path>")), ","), 2 * report_max_points);
  EXPECT_LT(html.size(), 1'000'000u);
  // The last sample is drawn: the trusted area reaches the right edge (x 1080).
  EXPECT_NE(trusted.find(" 1080,"), std::string::npos);
}

TEST(ReportHtml, draws_stale_itl_by_group_for_the_eight_most_stale_groups) {
  fixture f;
  // 10 groups; group g is stale in g + 1 phones from 10m to 31m, except
  // group 0, which never is. Groups 2..9 are the eight most stale.
  f.info.group_names.clear();
  f.info.group_reports_device_tl_info.clear();
  for (int g = 0; g < 10; ++g) {
    f.info.group_names.push_back("g" + std::to_string(g));
    f.info.group_reports_device_tl_info.push_back(g != 9);
  }
  f.info.group_names[9] = "old<7965>";
  for (snapshot& s : f.series) {
    s.groups.resize(10);
    const bool stale = s.time_us >= 600'000'000 && s.time_us < 1'860'000'000;
    for (std::size_t g = 1; g < 10; ++g) s.groups[g].stale = stale ? g + 1 : 0;
  }
  const std::string html = f.html();
  const auto svg = plot(html, "plot-stale-groups");
  EXPECT_EQ(count(svg, "class=\"series stale-line\""), 8u);
  for (int g = 2; g < 9; ++g)
    EXPECT_EQ(count(svg, "data-series=\"g" + std::to_string(g) + "\""), 1u) << g;
  EXPECT_EQ(count(svg, "data-series=\"g1\""), 0u);
  EXPECT_EQ(count(svg, "data-series=\"old&lt;7965&gt;\""), 1u);
  // The most stale group is drawn first, in the palette's first colour.
  EXPECT_LT(svg.find("data-series=\"old&lt;7965&gt;\" stroke=\"#0072b2\""),
            svg.find("data-series=\"g8\""));
  EXPECT_EQ(count(svg, "<g class=\"action"), 3u);
  EXPECT_NE(html.find("old&lt;7965&gt; (peak 10, no DeviceTLInfo)"), std::string::npos);
  EXPECT_NE(html.find("g8 (peak 9, DeviceTLInfo)"), std::string::npos);
  EXPECT_NE(html.find("1 more group had stale phones, not drawn"), std::string::npos);
  EXPECT_EQ(html.find("No phone held a stale ITL"), std::string::npos);
}

TEST(ReportHtml, says_so_when_there_is_nothing_to_draw) {
  fixture f;
  f.info.latencies.clear();
  f.info.actions.clear();
  std::string html = f.html();
  EXPECT_NE(plot(html, "plot-boot").find("No boot times were recorded"), std::string::npos);
  EXPECT_EQ(count(html, "class=\"series bars\""), 0u);
  EXPECT_NE(html.find("No operator actions were recorded."), std::string::npos);

  EXPECT_NE(plot(html, "plot-stale-groups").find("No phone held a stale ITL"), std::string::npos);

  html = report_html(f.info, {}, snapshot{}, {});
  EXPECT_EQ(count(html, "<svg "), 4u);
  EXPECT_NE(plot(html, "plot-states").find("No samples in this run."), std::string::npos);
  EXPECT_NE(plot(html, "plot-load").find("Too few samples"), std::string::npos);
  EXPECT_NE(html.find("No expectations to check"), std::string::npos);
}

}  // namespace
}  // namespace itlfleet::metrics
