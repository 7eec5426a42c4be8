// itlfleet compare: two runs' summary.json and timeseries.csv side by side.

#include "itlfleet/metrics/run_comparison.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "itlfleet/metrics/number_format.hpp"
#include "itlfleet/metrics/report.hpp"
#include "itlfleet/sim/json.hpp"

namespace itlfleet::metrics {
namespace {

namespace json = boost::json;

result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error{path + ": cannot read (is it a run's --out directory?)"};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The unsigned integer at `key` of `o`; an error naming `what` otherwise.
result<std::uint64_t> count_at(const json::object& o, const char* key, const std::string& what) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !(v->is_uint64() || (v->is_int64() && v->as_int64() >= 0)))
    return error{what + ": expected a whole number at \"" + key + "\""};
  return v->is_uint64() ? v->as_uint64() : static_cast<std::uint64_t>(v->as_int64());
}

status read_summary(const std::string& path, run_figures& f) {
  auto text = read_text(path);
  if (!text) return text.err();
  boost::system::error_code ec;
  const json::value doc = json::parse(*text, ec);
  if (ec || !doc.is_object()) return error{path + ": not a JSON object (" + ec.message() + ")"};
  const json::object& o = doc.as_object();
  const auto string_at = [&](const char* key) -> std::string {
    const json::value* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  f.scenario = string_at("scenario");
  f.engine = string_at("engine");
  if (f.scenario.empty() || f.engine.empty())
    return error{path + ": no \"scenario\" or \"engine\": not an itlfleet summary.json"};
  f.calibration = "defaults";
  if (const json::value* c = o.if_contains("tftp_calibration"); c && c->is_object())
    if (const json::value* file = c->as_object().if_contains("file"); file && file->is_string())
      f.calibration = std::string(file->as_string());
  auto phones = count_at(o, "phones", path);
  if (!phones) return phones.err();
  f.phones = *phones;
  const json::value* events = o.if_contains("events");
  if (events == nullptr || !events->is_object()) return error{path + ": no \"events\" object"};
  auto refusals = count_at(events->as_object(), "tftp_refusals", path + ": events");
  auto timeouts = count_at(events->as_object(), "tftp_timeouts", path + ": events");
  if (!refusals) return refusals.err();
  if (!timeouts) return timeouts.err();
  f.refusals = *refusals;
  f.timeouts = *timeouts;
  if (const json::value* load = o.if_contains("load"); load && load->is_array()) {
    for (const json::value& node : load->as_array()) {
      if (!node.is_object()) return error{path + ": load: expected objects"};
      auto peak = count_at(node.as_object(), "peak_tftp_transfers", path + ": load");
      if (!peak) return peak.err();
      f.peak_transfers = std::max(f.peak_transfers, *peak);
    }
  }
  return ok();
}

/// One timeseries.csv sample: scenario microseconds and phones trusted.
struct sample {
  std::int64_t us = 0;
  std::uint64_t trusted = 0;
};

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

result<std::vector<sample>> read_trusted_series(const std::string& path) {
  auto text = read_text(path);
  if (!text) return text.err();
  std::istringstream in(*text);
  std::string line;
  if (!std::getline(in, line)) return error{path + ": empty"};
  const auto head = split_csv_line(line);
  const auto column = [&](const char* name) -> std::optional<std::size_t> {
    const auto it = std::find(head.begin(), head.end(), name);
    if (it == head.end()) return std::nullopt;
    return static_cast<std::size_t>(it - head.begin());
  };
  const auto time_col = column("time_s");
  const auto trusted_col = column("trusted");
  if (!time_col || !trusted_col)
    return error{path + ": line 1: expected columns time_s and trusted"};
  std::vector<sample> series;
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const auto cells = split_csv_line(line);
    const std::string where = path + ": line " + std::to_string(number);
    if (cells.size() != head.size())
      return error{where + ": " + std::to_string(cells.size()) + " fields, the header has " +
                   std::to_string(head.size())};
    char* end = nullptr;
    const double seconds = std::strtod(cells[*time_col].c_str(), &end);
    if (end == cells[*time_col].c_str() || *end != '\0' || !(seconds >= 0) || seconds > 2.2e9)
      return error{where + ": time_s: expected seconds, got '" + cells[*time_col] + "'"};
    const std::string& t = cells[*trusted_col];
    if (t.empty() || t.size() > 19 || t.find_first_not_of("0123456789") != std::string::npos)
      return error{where + ": trusted: expected a count, got '" + t + "'"};
    series.push_back({std::llround(seconds * 1e6), std::stoull(t)});
    if (series.size() > 1 && series.back().us <= series[series.size() - 2].us)
      return error{where + ": time_s does not increase"};
  }
  if (series.empty()) return error{path + ": no samples"};
  return series;
}

/// The first sample of the last fall in the trusted count: the last run of
/// consecutive decreasing samples, from its first decrease. 0 without one.
std::int64_t last_fall(const std::vector<sample>& s) {
  std::size_t k = s.size();
  while (k > 1 && !(s[k - 1].trusted < s[k - 2].trusted)) --k;
  if (k <= 1) return 0;
  while (k > 2 && s[k - 2].trusted < s[k - 3].trusted) --k;
  return s[k - 1].us;
}

void times_to_trusted(const std::vector<sample>& s, run_figures& f) {
  auto it = std::lower_bound(s.begin(), s.end(), f.from_us,
                             [](const sample& x, std::int64_t t) { return x.us < t; });
  if (it == s.end()) return;
  // Count from the bottom of the fall: a fleet still partly trusted when
  // the count starts has not recovered yet.
  it = std::min_element(it, s.end(),
                        [](const sample& x, const sample& y) { return x.trusted < y.trusted; });
  for (int k = 0; k < 3; ++k) {
    // At least the percentage: ceil(phones x p / 100).
    const std::uint64_t need =
        (f.phones * static_cast<std::uint64_t>(trusted_percents[k]) + 99) / 100;
    const auto hit = std::find_if(it, s.end(), [&](const sample& x) { return x.trusted >= need; });
    if (hit == s.end()) continue;
    // Interpolated between the sample below the share and the first at it:
    // times finer than the sampling, as phones come back at a steady rate.
    double at = static_cast<double>(hit->us);
    if (hit != it) {
      const sample& below = *(hit - 1);
      at = static_cast<double>(below.us) + static_cast<double>(hit->us - below.us) *
                                               static_cast<double>(need - below.trusted) /
                                               static_cast<double>(hit->trusted - below.trusted);
    }
    f.to_trusted_us[k] = std::llround(at) - f.from_us;
  }
}

std::string format_value(const std::optional<double>& v, bool is_time) {
  if (!v) return "not reached";
  if (is_time) return format_sim_time(std::llround(*v * 1e3) * 1000);  // to the millisecond
  return with_commas(static_cast<std::uint64_t>(std::llround(*v)));
}

std::string format_error(const std::optional<double>& e) {
  if (!e) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f%%", *e * 100);
  return buf;
}

std::string describe(const run_figures& f) {
  return f.engine + ", " +
         (f.calibration == "defaults" ? "TFTP defaults" : "calibration " + f.calibration) + " (" +
         f.dir + ")";
}

}  // namespace

result<run_figures> read_run_figures(const std::string& dir, std::optional<std::int64_t> from_us) {
  run_figures f;
  f.dir = dir;
  if (auto s = read_summary(dir + "/summary.json", f); !s) return s.err();
  auto series = read_trusted_series(dir + "/timeseries.csv");
  if (!series) return series.err();
  f.from_us = from_us ? *from_us : last_fall(*series);
  times_to_trusted(*series, f);
  return f;
}

run_comparison compare_runs(const run_figures& a, const run_figures& b) {
  run_comparison c{a, b, {}, {}};
  const auto add = [&](std::string name, std::optional<double> x, std::optional<double> y,
                       bool is_time, bool checked = true) {
    std::optional<double> e;
    if (x && y) {
      if (*x != 0)
        e = (*y - *x) / *x;
      else if (*y == 0)
        e = 0.0;
    }
    c.figures.push_back({std::move(name), x, y, is_time, checked, e});
  };
  const auto seconds = [](const std::optional<std::int64_t>& us) -> std::optional<double> {
    if (!us) return std::nullopt;
    return static_cast<double>(*us) / 1e6;
  };
  for (int k = 0; k < 3; ++k)
    add("time to " + std::to_string(trusted_percents[k]) + "% trusted", seconds(a.to_trusted_us[k]),
        seconds(b.to_trusted_us[k]), true);
  add("peak concurrent TFTP transfers", static_cast<double>(a.peak_transfers),
      static_cast<double>(b.peak_transfers), false);
  add("TFTP refusals", static_cast<double>(a.refusals), static_cast<double>(b.refusals), false);
  add("TFTP timeouts", static_cast<double>(a.timeouts), static_cast<double>(b.timeouts), false,
      false);
  if (a.scenario != b.scenario)
    c.mismatches.push_back("scenarios differ: " + a.scenario + " and " + b.scenario);
  if (a.phones != b.phones)
    c.mismatches.push_back("fleet sizes differ: " + std::to_string(a.phones) + " and " +
                           std::to_string(b.phones) + " phones");
  if (a.from_us != b.from_us)
    c.mismatches.push_back("the last fall in trust starts at " + format_sim_time(a.from_us) +
                           " in A and " + format_sim_time(b.from_us) +
                           " in B (give --from to count both from one instant)");
  return c;
}

std::string comparison_table(const run_comparison& c) {
  std::string out = "A: " + describe(c.a) + "\nB: " + describe(c.b) + "\n" + c.a.scenario + ", " +
                    with_commas(c.a.phones) + " phones; times from " +
                    format_sim_time(c.a.from_us) + "\n\n";
  std::vector<std::vector<std::string>> rows = {{"figure", "A", "B", "B vs A"}};
  for (const auto& f : c.figures)
    rows.push_back({f.name, format_value(f.a, f.is_time), format_value(f.b, f.is_time),
                    format_error(f.error)});
  std::vector<std::size_t> width(4, 0);
  for (const auto& r : rows)
    for (std::size_t i = 0; i < 4; ++i) width[i] = std::max(width[i], r[i].size());
  const auto line = [&](const std::vector<std::string>& r) {
    std::string s = "|";
    for (std::size_t i = 0; i < 4; ++i) {
      std::string cell = r[i];
      // Names left, figures right, as numbers read.
      if (i == 0)
        cell.resize(width[i], ' ');
      else
        cell.insert(0, width[i] - cell.size(), ' ');
      s += " " + cell + " |";
    }
    return s + "\n";
  };
  out += line(rows[0]);
  out += "|" + std::string(width[0] + 2, '-') + "|";
  for (std::size_t i = 1; i < 4; ++i) out += std::string(width[i] + 1, '-') + ":|";
  out += "\n";
  for (std::size_t r = 1; r < rows.size(); ++r) out += line(rows[r]);
  return out;
}

std::string comparison_json(const run_comparison& c) {
  json_writer w;
  w.begin_object();
  for (const auto* r : {&c.a, &c.b}) {
    w.key(r == &c.a ? "a" : "b").begin_object();
    w.key("dir").value(r->dir);
    w.key("scenario").value(r->scenario);
    w.key("engine").value(r->engine);
    w.key("tftp_calibration").value(r->calibration);
    w.key("phones").value(r->phones);
    w.key("from_s").value(static_cast<double>(r->from_us) / 1e6);
    w.end_object();
  }
  w.key("figures").begin_array();
  for (const auto& f : c.figures) {
    w.begin_object();
    w.key("name").value(f.name);
    w.key("unit").value(f.is_time ? "s" : "count");
    for (const auto& [key, v] : {std::pair{"a", &f.a}, {"b", &f.b}}) {
      w.key(key);
      if (*v)
        w.value(**v);
      else
        w.null();
    }
    w.key("error");
    if (f.error)
      w.value(*f.error);
    else
      w.null();
    w.end_object();
  }
  w.end_array();
  w.key("mismatches").begin_array();
  for (const auto& m : c.mismatches) w.value(m);
  w.end_array();
  w.end_object();
  return w.str() + "\n";
}

std::vector<std::string> figures_beyond(const run_comparison& c, double tolerance) {
  std::vector<std::string> out;
  for (const auto& f : c.figures)
    if (f.checked && (!f.error || std::fabs(*f.error) > tolerance)) out.push_back(f.name);
  return out;
}

}  // namespace itlfleet::metrics
