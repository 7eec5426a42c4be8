#include "itlfleet/metrics/svg_kit.hpp"

#include <gtest/gtest.h>

#include <string>

#include "itlfleet/metrics/html_page.hpp"

namespace itlfleet::metrics::svg {
namespace {

TEST(SvgKit, time_axes_tick_on_round_durations_value_axes_on_1_2_5) {
  EXPECT_EQ(round_step(40, true), 60);        // 40 s: every minute
  EXPECT_EQ(round_step(40, false), 50);       // 40 phones: every 50
  EXPECT_EQ(round_step(25000, true), 43200);  // every 12 hours
  EXPECT_EQ(round_step(100000, true), 172800);
  EXPECT_EQ(round_step(0.3, true), 0.5);  // below a second, like numbers
  const axis a = value_axis(0, 4200, 5);
  EXPECT_EQ(a.step, 1000);
  EXPECT_EQ(a.hi, 5000);
  EXPECT_EQ(ticks(a).size(), 6u);  // 0 to 5,000
  const axis t = time_axis(0, 2400, 12);
  EXPECT_EQ(t.hi, 2400);  // exactly the run, not rounded up
  EXPECT_EQ(t.step, 300);
}

TEST(SvgKit, axis_numbers_are_short_and_keep_their_sign_and_small_steps) {
  EXPECT_EQ(axis_number(5000), "5,000");
  EXPECT_EQ(axis_number(12500), "12.5k");
  EXPECT_EQ(axis_number(1250000), "1.25M");
  EXPECT_EQ(axis_number(0.25), "0.25");
  EXPECT_EQ(axis_number(0.005), "0.005");  // a 0.005 step does not print as 0.01
  EXPECT_EQ(axis_number(-3), "-3");
  EXPECT_EQ(time_label(90.5), "1m30.5s");
}

TEST(SvgKit, the_frame_draws_every_tick_label_escaped_and_both_titles) {
  std::string o;
  const box b = plot_box(20, 200);
  const axis x{0, 10, 5}, y{0, 100, 50};
  frame(
      o, b, x, y,
      {"", labelled(x, axis_number), {{0, "0"}, {50, "<half>"}, {100, "all"}}, "x & y", "phones"});
  EXPECT_NE(o.find("<rect class=\"plot-area\" x=\"76\" y=\"20\" width=\"1004\""), std::string::npos)
      << o;
  EXPECT_NE(o.find(">&lt;half&gt;</text>"), std::string::npos) << o;
  EXPECT_NE(o.find(">10</text>"), std::string::npos) << o;
  EXPECT_NE(o.find(">x &amp; y</text>"), std::string::npos) << o;
  EXPECT_NE(o.find("rotate(-90)\" text-anchor=\"middle\">phones</text>"), std::string::npos) << o;
}

TEST(HtmlPage, every_table_sits_in_a_box_that_scrolls_and_the_title_is_escaped) {
  EXPECT_EQ(page::table_open("checks"), "<div class=\"table-box\"><table class=\"checks\">");
  EXPECT_EQ(page::table_close, "</table></div>\n");
  const std::string head = page::head("a <b>", ".x{}");
  EXPECT_NE(head.find("<title>a &lt;b&gt;</title>"), std::string::npos);
  EXPECT_NE(head.find(".table-box{max-width:100%;overflow-x:auto"), std::string::npos);
  EXPECT_NE(head.find(".x{}</style>"), std::string::npos);
  EXPECT_EQ(page::foot("done"), "<footer>done</footer>\n</body>\n</html>\n");
}

}  // namespace
}  // namespace itlfleet::metrics::svg
