// The calibration outputs' shared parts: calibration.yaml's header and
// calibration.html's page around the services' sections, and one plot.

#include "calibration_page.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

#include "itlfleet/engine/calibration_output.hpp"
#include "itlfleet/metrics/number_format.hpp"
#include "itlfleet/metrics/report.hpp"

namespace itlfleet::engine {
namespace detail {

std::string printable(const std::string& s) {
  std::string out = s;
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  return out;
}

std::string percent(double v) {
  return metrics::fixed_decimals(100 * v, 1) + "%";
}

std::string ms(std::int64_t us) {
  return metrics::fixed_decimals(static_cast<double>(us) / 1000.0, 2);
}

std::optional<std::string> saturation(std::uint64_t failures, std::uint64_t requests,
                                      std::int64_t p90_us, std::int64_t first_p90_us) {
  if (failures * 20 > requests)
    return "saturation: refusals, timeouts and errors above 5% of requests";
  if (p90_us > 4 * first_p90_us) return "saturation: p90 latency above 4x the first step's";
  return std::nullopt;
}

std::int64_t percentile(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(i, 1, sorted.size()) - 1];
}

std::vector<double> poisson_arrivals(double rate, std::size_t count, int step_index) {
  std::mt19937_64 random(0x17f1ee7 + static_cast<std::uint64_t>(step_index));
  std::vector<double> at(count);
  for (std::size_t k = 1; k < count; ++k) {
    const double u = static_cast<double>(random() >> 11) * 0x1p-53;  // [0, 1)
    at[k] = at[k - 1] - std::log1p(-u) / rate;
  }
  return at;
}

std::optional<int> most_common_at_refusal(const std::vector<std::uint64_t>& counts_at_refusal) {
  const auto most = std::max_element(counts_at_refusal.begin(), counts_at_refusal.end());
  if (most == counts_at_refusal.end() || *most == 0) return std::nullopt;
  return std::max(1, static_cast<int>(most - counts_at_refusal.begin()));
}

void add_counts(std::vector<std::uint64_t>& into, const std::vector<std::uint64_t>& from) {
  into.resize(std::max(into.size(), from.size()));
  for (std::size_t i = 0; i < from.size(); ++i) into[i] += from[i];
}

void count_at(std::vector<std::uint64_t>& counts, std::size_t value) {
  if (counts.size() <= value) counts.resize(value + 1);
  ++counts[value];
}

std::vector<std::uint64_t> ok_at_refusal(
    std::vector<std::chrono::steady_clock::time_point> ok_start,
    std::vector<std::chrono::steady_clock::time_point> ok_end,
    const std::vector<std::chrono::steady_clock::time_point>& refused_at) {
  std::sort(ok_start.begin(), ok_start.end());
  std::sort(ok_end.begin(), ok_end.end());
  std::vector<std::uint64_t> counts;
  for (const auto t : refused_at) {
    const auto started = std::upper_bound(ok_start.begin(), ok_start.end(), t) - ok_start.begin();
    const auto ended = std::upper_bound(ok_end.begin(), ok_end.end(), t) - ok_end.begin();
    count_at(counts, static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, started - ended)));
  }
  return counts;
}

std::string error_cell(const std::optional<double>& e) {
  return e ? percent(*e) : std::string("-");
}

/// One plot: measured points and the model's curve against offered load.
std::string plot(const std::string& title, const std::string& unit, double x_max,
                 const std::vector<std::pair<double, double>>& points,
                 const std::vector<std::pair<double, double>>& curve) {
  const double w = 560, h = 300, left = 60, bottom = 40, top = 20, right = 20;
  double y_max = 0;
  for (const auto& p : points) y_max = std::max(y_max, p.second);
  y_max = y_max > 0 ? y_max * 1.25 : 1;
  const auto x = [&](double v) { return left + (w - left - right) * v / x_max; };
  const auto y = [&](double v) {
    return top + (h - top - bottom) * (1 - std::min(v, y_max) / y_max);
  };
  using metrics::svg_number;
  std::string s = "<h3>" + title + "</h3>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                  svg_number(w) + "\" height=\"" + svg_number(h) + "\" role=\"img\">\n";
  s += "<line x1=\"" + svg_number(left) + "\" y1=\"" + svg_number(h - bottom) + "\" x2=\"" +
       svg_number(w - right) + "\" y2=\"" + svg_number(h - bottom) + "\" stroke=\"#888\"/>\n";
  s += "<line x1=\"" + svg_number(left) + "\" y1=\"" + svg_number(top) + "\" x2=\"" +
       svg_number(left) + "\" y2=\"" + svg_number(h - bottom) + "\" stroke=\"#888\"/>\n";
  s += "<text x=\"" + svg_number(w / 2) + "\" y=\"" + svg_number(h - 8) +
       "\" text-anchor=\"middle\" font-size=\"12\">offered load (requests/s, 0 to " +
       metrics::fixed_decimals(x_max, 1) + ")</text>\n";
  s += "<text x=\"4\" y=\"" + svg_number(top - 6) + "\" font-size=\"12\">" + unit + " (0 to " +
       metrics::fixed_decimals(y_max, 1) + ")</text>\n";
  std::string path;
  for (const auto& c : curve)
    path += (path.empty() ? "M" : " L") + svg_number(x(c.first)) + " " + svg_number(y(c.second));
  s += "<path d=\"" + path + "\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\"/>\n";
  for (const auto& p : points)
    s += "<circle cx=\"" + svg_number(x(p.first)) + "\" cy=\"" + svg_number(y(p.second)) +
         "\" r=\"4\" fill=\"#d62728\"/>\n";
  s += "</svg>\n";
  return s;
}

}  // namespace detail

namespace {

/// The servers of the sections, in order, each once.
std::string servers_of(const std::vector<calibration_section>& sections) {
  std::vector<std::string> seen;
  std::string out;
  for (const auto& s : sections) {
    if (std::find(seen.begin(), seen.end(), s.server) != seen.end()) continue;
    seen.push_back(s.server);
    out += (out.empty() ? "" : ", ") + s.server;
  }
  return out;
}

}  // namespace

std::string calibration_file_yaml(const std::vector<calibration_section>& sections,
                                  const std::string& date) {
  std::string y;
  y += "# itlfleet calibration: cluster settings for the virtual engine, measured.\n";
  y += "# server: " + detail::printable(servers_of(sections)) + "\n";
  y += "# date: " + detail::printable(date) + "\n";
  y += "# Use: a scenario's cluster (cluster: {tftp: ..., http: ..., tvs: ...}), `itlfleet run\n";
  y += "# --calibration FILE` or a node's `calibration: FILE`.\n";
  for (const auto& s : sections) y += s.yaml;
  return y;
}

std::string calibration_file_html(const std::vector<calibration_section>& sections,
                                  const std::string& date) {
  using metrics::xml_escape;
  const std::string servers = xml_escape(servers_of(sections), false);
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>itlfleet "
      "calibration of " +
      servers +
      "</title>\n<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px "
      "8px;text-align:right}</style></head><body>\n";
  h += "<h1>Calibration of " + servers + "</h1>\n<p>Measured " + xml_escape(date, false) +
       ". Red: measured; blue: the fitted model.</p>\n";
  for (const auto& s : sections) h += s.html;
  h += "</body></html>\n";
  return h;
}

}  // namespace itlfleet::engine
