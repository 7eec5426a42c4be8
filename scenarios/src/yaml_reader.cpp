#include "yaml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "itlfleet/plan/plan_limits.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "itlfleet/sim/bytes.hpp"
#include "itlfleet/sim/duration_text.hpp"
#include "itlfleet/sim/utf8.hpp"

namespace itlfleet::scenarios::detail {
namespace {

bool mark_known(const YAML::Mark& m) {
  return m.line >= 0 && m.column >= 0;
}

std::string describe_kind(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsSequence()) return "a sequence";
  if (n.IsMap()) return "a mapping";
  // Not checked yet: the text may be anything, so escape what a terminal would act on.
  constexpr std::size_t shown = 80;
  const std::string& s = n.Scalar();
  return "'" + terminal_safe(s.substr(0, shown)) + (s.size() > shown ? "...'" : "'");
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      bool same = iequals(a.substr(i - 1, 1), b.substr(j - 1, 1));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string format_number(double v) {
  char buf[64];
  // Shortest text that reads back to the same double: "99.5", "1", "0.1".
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : std::to_string(v);
}

std::string join(const std::vector<std::string_view>& items, std::string_view last_sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? last_sep : std::string_view(", ");
    out += items[i];
  }
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view last_sep) {
  return join(std::vector<std::string_view>(items.begin(), items.end()), last_sep);
}

std::string_view closest(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string_view best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (auto c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  // A typo is a few edits away; anything further is a different word.
  std::size_t allowed = std::max<std::size_t>(1, std::min(word.size(), best.size()) / 3);
  if (best_d <= allowed) return best;
  // A shortened key ("max_serving" for "max_serving_count") is also a likely slip.
  if (word.size() >= 3) {
    for (auto c : candidates) {
      if (c.starts_with(word)) return c;
    }
  }
  return {};
}

std::string source::where(const YAML::Mark& mark) const {
  if (!mark_known(mark)) return name_;
  return name_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

void source::fail(const YAML::Mark& mark, const std::string& what) const {
  throw load_failure{where(mark) + ": " + what};
}

void value_ref::fail(const std::string& expected) const {
  src->fail(mark, path.empty() ? expected : path + ": " + expected);
}

std::string value_ref::scalar(std::string_view expected) const {
  if (!node.IsDefined() || !node.IsScalar()) {
    fail("expected " + std::string(expected) + ", got " + describe_kind(node));
  }
  if (auto problem = plan::limits::text_problem(node.Scalar(), plan::limits::max_text_bytes)) {
    fail(*problem);
  }
  return node.Scalar();
}

std::string value_ref::text(std::size_t max_bytes) const {
  if (!node.IsDefined() || !node.IsScalar()) fail("expected text, got " + describe_kind(node));
  if (auto problem = plan::limits::text_problem(node.Scalar(), max_bytes, true)) fail(*problem);
  return node.Scalar();
}

std::string value_ref::string() const {
  return scalar("a string");
}

bool value_ref::boolean() const {
  std::string s = to_lower(scalar("on/off, true/false or yes/no"));
  if (s == "true" || s == "on" || s == "yes") return true;
  if (s == "false" || s == "off" || s == "no") return false;
  fail("expected on/off, true/false or yes/no, got '" + node.Scalar() + "'");
}

std::int64_t value_ref::integer(std::int64_t min, std::int64_t max) const {
  std::string expected;
  if (max == std::numeric_limits<std::int64_t>::max()) {
    expected = min == 0   ? "a non-negative integer"
               : min == 1 ? "a positive integer"
                          : "an integer >= " + std::to_string(min);
  } else {
    expected = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  }
  std::string s = scalar(expected);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v < min || v > max) {
    fail("expected " + expected + ", got '" + s + "'");
  }
  return v;
}

std::uint64_t value_ref::unsigned_integer(std::uint64_t max) const {
  const std::string expected = max == std::numeric_limits<std::uint64_t>::max()
                                   ? "a non-negative integer"
                                   : "an integer from 0 to " + std::to_string(max);
  std::string s = scalar(expected);
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v > max) {
    fail("expected " + expected + ", got '" + s + "'");
  }
  return v;
}

double value_ref::number(double min, double max) const {
  std::string expected = "a number from " + format_number(min) + " to " + format_number(max);
  std::string s = scalar(expected);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v) || v < min || v > max) {
    fail("expected " + expected + ", got '" + s + "'");
  }
  return v;
}

plan::sim_duration value_ref::duration(plan::sim_duration min, plan::sim_duration max) const {
  std::string s = scalar("a duration such as 90s, 10m10s, 1h, 2ms, 0.2ms, 500us or 0");
  auto d = parse_duration(s);
  if (!d) fail(d.err().message);
  if (*d < min || *d > max) {
    const std::string low =
        min == plan::sim_duration{1} ? "greater than 0"
        : min == plan::sim_duration{0}
            ? ""
            : "of at least " + sim::format_sim_time(min, sim::below_second::units);
    const std::string high = "at most " + sim::format_sim_time(max, sim::below_second::units);
    if (*d > max) {
      fail("expected a duration " + (low.empty() ? "" : low + " and ") + high + ", got '" + s +
           "'");
    }
    fail("expected a duration " + low + ", got '" + s + "'");
  }
  return *d;
}

std::vector<value_ref> value_ref::sequence(std::string_view expected) const {
  std::vector<value_ref> out;
  if (is_null()) return out;
  if (!node.IsSequence())
    fail("expected " + std::string(expected) + ", got " + describe_kind(node));
  std::size_t i = 0;
  for (const auto& item : node) {
    YAML::Mark m = mark_known(item.Mark()) ? item.Mark() : mark;
    out.push_back(value_ref{src, item, path + "[" + std::to_string(i) + "]", m});
    ++i;
  }
  return out;
}

std::vector<std::string> value_ref::string_list() const {
  if (node.IsDefined() && node.IsScalar()) return {node.Scalar()};
  std::vector<std::string> out;
  for (const auto& item : sequence("a list of names")) out.push_back(item.string());
  return out;
}

map_reader::map_reader(const value_ref& map, std::string_view what,
                       std::initializer_list<std::string_view> allowed)
    : map_(map) {
  check(what, std::vector<std::string_view>(allowed));
}

map_reader::map_reader(const value_ref& map, std::string_view what,
                       const std::vector<std::string_view>& allowed)
    : map_(map) {
  check(what, allowed);
}

void map_reader::check(std::string_view what, const std::vector<std::string_view>& allowed) {
  if (!map_.node.IsDefined() || !map_.node.IsMap()) {
    map_.fail("expected a mapping (" + std::string(what) + "), got " + describe_kind(map_.node));
  }
  for (auto it = map_.node.begin(); it != map_.node.end(); ++it) {
    // Copies: it-> yields a temporary proxy whose members die with the statement.
    YAML::Node k = it->first;
    YAML::Node v = it->second;
    YAML::Mark km = mark_known(k.Mark()) ? k.Mark() : map_.mark;
    if (!k.IsScalar()) map_.src->fail(km, "expected a plain key in " + std::string(what));
    const std::string& key = k.Scalar();
    if (auto problem = plan::limits::text_problem(key, plan::limits::max_text_bytes)) {
      map_.src->fail(km, "a key in " + std::string(what) + ": " + *problem);
    }
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string m = "unknown key '" + key + "' in " + std::string(what) +
                      "; expected one of: " + join(allowed);
      if (auto hint = closest(key, allowed); !hint.empty()) {
        m += " (did you mean '" + std::string(hint) + "'?)";
      }
      map_.src->fail(km, m);
    }
    for (const auto& [seen, seen_mark] : keys_) {
      if (seen == key) {
        map_.src->fail(km, "duplicate key '" + key + "' in " + std::string(what) +
                               " (first at line " + std::to_string(seen_mark.line + 1) + ")");
      }
    }
    keys_.emplace_back(key, km);
    values_.push_back(v);
  }
}

bool map_reader::has(std::string_view key) const {
  return std::any_of(keys_.begin(), keys_.end(), [&](const auto& k) { return k.first == key; });
}

value_ref map_reader::get(std::string_view key) const {
  std::string path = map_.path.empty() ? std::string(key) : map_.path + "." + std::string(key);
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i].first != key) continue;
    const YAML::Node& v = values_[i];
    bool use_value_mark = v.IsDefined() && !v.IsNull() && mark_known(v.Mark());
    return value_ref{map_.src, v, path, use_value_mark ? v.Mark() : keys_[i].second};
  }
  return value_ref{map_.src, YAML::Node(YAML::NodeType::Undefined), path, map_.mark};
}

value_ref map_reader::require(std::string_view key) const {
  if (!has(key)) {
    std::string in = map_.path.empty() ? "" : " in " + map_.path;
    map_.src->fail(map_.mark, "missing key '" + std::string(key) + "'" + in);
  }
  return get(key);
}

void map_reader::opt(std::string_view key, std::string& out) const {
  if (has(key)) out = get(key).string();
}

void map_reader::opt(std::string_view key, bool& out) const {
  if (has(key)) out = get(key).boolean();
}

void map_reader::opt(std::string_view key, int& out, int min, int max) const {
  if (has(key)) out = static_cast<int>(get(key).integer(min, max));
}

void map_reader::opt(std::string_view key, std::uint64_t& out, std::uint64_t max) const {
  if (has(key)) out = get(key).unsigned_integer(max);
}

void map_reader::opt(std::string_view key, double& out, double min, double max) const {
  if (has(key)) out = get(key).number(min, max);
}

void map_reader::opt(std::string_view key, plan::sim_duration& out, plan::sim_duration min,
                     plan::sim_duration max) const {
  if (has(key)) out = get(key).duration(min, max);
}

}  // namespace itlfleet::scenarios::detail
