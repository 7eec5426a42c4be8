#include "itlfleet/sweep/setting_values.hpp"

#include <algorithm>
#include <cstdint>
#include <set>

#include "itlfleet/scenarios/scenario.hpp"
#include "itlfleet/sim/duration_text.hpp"

namespace itlfleet::sweep {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// Items separated by commas outside brackets, braces and quotes, so that
/// YAML flow values ("[a, b]") stay whole.
result<std::vector<std::string_view>> split_items(std::string_view s) {
  std::vector<std::string_view> out;
  int depth = 0;
  char quote = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      if (--depth < 0)
        return error{"unbalanced '" + std::string(1, c) + "' in '" + std::string(s) + "'"};
    } else if (c == ',' && depth == 0) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (quote != 0) return error{"unterminated quote in '" + std::string(s) + "'"};
  if (depth != 0) return error{"unbalanced brackets in '" + std::string(s) + "'"};
  out.push_back(trim(s.substr(start)));
  return out;
}

/// A decimal number as an integer count of 10^-decimals.
struct decimal {
  std::int64_t mantissa = 0;
  int decimals = 0;
};

constexpr int max_decimals = 9;
// 1e15: every number below it is exact as a double (a plot position), and
// a range has room for one step more.
constexpr std::int64_t max_mantissa = 1'000'000'000'000'000;

/// Digits, optionally one '.' followed by digits; no sign, no exponent.
std::optional<decimal> parse_decimal(std::string_view s) {
  if (s.empty()) return std::nullopt;
  decimal d;
  bool dot = false;
  bool digits = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      if (dot || i == 0 || i + 1 == s.size()) return std::nullopt;
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    if (d.mantissa > (max_mantissa - 9) / 10) return std::nullopt;
    d.mantissa = d.mantissa * 10 + (c - '0');
    digits = true;
    if (dot && ++d.decimals > max_decimals) return std::nullopt;
  }
  if (!digits) return std::nullopt;
  return d;
}

/// Digits with at most one '.' between digits: a number as a range writes
/// it, whether or not parse_decimal can hold it.
bool written_as_decimal(std::string_view s) {
  const auto dot = s.find('.');
  const auto digits = [](std::string_view d) {
    return !d.empty() &&
           std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (dot == std::string_view::npos) return digits(s);
  return digits(s.substr(0, dot)) && digits(s.substr(dot + 1));
}

/// Why parse_decimal refuses `s`, a number written as decimal digits.
std::string decimal_refusal(std::string_view s) {
  const auto dot = s.find('.');
  if (dot != std::string_view::npos && s.size() - dot - 1 > max_decimals)
    return "'" + std::string(s) + "' has more than " + std::to_string(max_decimals) + " decimals";
  const std::string largest = std::to_string(max_mantissa - 1);
  return "'" + std::string(s) + "' is too large: a number has at most " +
         std::to_string(largest.size()) + " digits (" + largest + ")";
}

/// `d` in units of 10^-decimals; nullopt past max_mantissa.
std::optional<std::int64_t> scale_to(const decimal& d, int decimals) {
  std::int64_t m = d.mantissa;
  for (int i = d.decimals; i < decimals; ++i) {
    if (m > (max_mantissa - 1) / 10) return std::nullopt;
    m *= 10;
  }
  return m;
}

/// "1.50" with 2 decimals → "1.5"; whole values print without a point.
std::string format_decimal(std::int64_t mantissa, int decimals) {
  std::string digits = std::to_string(mantissa);
  if (decimals == 0) return digits;
  while (static_cast<int>(digits.size()) <= decimals) digits.insert(0, "0");
  std::string out =
      digits.substr(0, digits.size() - decimals) + "." + digits.substr(digits.size() - decimals);
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

double to_double(std::int64_t mantissa, int decimals) {
  double v = static_cast<double>(mantissa);
  for (int i = 0; i < decimals; ++i) v /= 10;
  return v;
}

/// A duration with a unit (a bare "0" also parses as one).
std::optional<plan::sim_duration> parse_time(std::string_view s) {
  auto d = scenarios::parse_duration(s);
  if (!d) return std::nullopt;
  return *d;
}

/// One value, as written, before the axis decides its kind.
struct item_value {
  std::string text;  ///< canonical for numbers and durations
  std::optional<decimal> number;
  std::optional<plan::sim_duration> time;
  bool flow = false;  ///< a YAML flow value or quoted string: text only
};

item_value classify(std::string_view s) {
  item_value v;
  v.text = std::string(s);
  if (s.front() == '[' || s.front() == '{' || s.front() == '"' || s.front() == '\'') {
    v.flow = true;
    return v;
  }
  v.number = parse_decimal(s);
  v.time = parse_time(s);
  if (v.number && !v.time) v.text = format_decimal(v.number->mantissa, v.number->decimals);
  if (v.time && !v.number) v.text = sim::format_sim_time(*v.time, sim::below_second::units);
  return v;
}

/// Appends the values of "FROM..TO[/STEP]" to `out`, at most `room` of
/// them; with `count`, adds their number to it and makes none.
status expand_range(std::string_view item, std::size_t dots, std::size_t room,
                    std::vector<item_value>& out, std::uint64_t* count = nullptr) {
  const std::string_view from_s = trim(item.substr(0, dots));
  std::string_view rest = item.substr(dots + 2);
  std::string_view to_s = rest;
  std::string_view step_s;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    to_s = rest.substr(0, slash);
    step_s = trim(rest.substr(slash + 1));
    if (step_s.empty()) return error{"range '" + std::string(item) + "': nothing after '/'"};
  }
  to_s = trim(to_s);
  if (from_s.empty() || to_s.empty())
    return error{"range '" + std::string(item) +
                 "': expected FROM..TO/STEP, e.g. 100..3000/100 or 1m..10m/30s"};
  const std::string where = "range '" + std::string(item) + "'";
  auto too_many = [&](std::uint64_t n) {
    return error{where + " has " + std::to_string(n) + " values; at most " + std::to_string(room) +
                 " more fit (raise the limit with --max-points)"};
  };

  for (std::string_view n : {from_s, to_s, step_s})
    if (written_as_decimal(n) && !parse_decimal(n)) return error{where + ": " + decimal_refusal(n)};
  const auto from_n = parse_decimal(from_s);
  const auto to_n = parse_decimal(to_s);
  const auto step_n =
      step_s.empty() ? std::optional<decimal>(decimal{1, 0}) : parse_decimal(step_s);
  const bool has_unit =
      !parse_decimal(from_s) || !parse_decimal(to_s) || (!step_s.empty() && !parse_decimal(step_s));
  if (from_n && to_n && step_n && !has_unit) {
    if (step_s.empty() && (from_n->decimals > 0 || to_n->decimals > 0))
      return error{where + ": a range of decimals needs a step, e.g. 0..0.1/0.02"};
    const int dec = std::max({from_n->decimals, to_n->decimals, step_n->decimals});
    const auto a_scaled = scale_to(*from_n, dec);
    const auto b_scaled = scale_to(*to_n, dec);
    const auto step_scaled = scale_to(*step_n, dec);
    if (!a_scaled || !b_scaled || !step_scaled)
      return error{where + ": with " + std::to_string(dec) +
                   " decimals the numbers are too large: at most " +
                   std::to_string(std::to_string(max_mantissa - 1).size()) + " digits in all (" +
                   format_decimal(max_mantissa - 1, dec) + ")"};
    const std::int64_t a = *a_scaled;
    const std::int64_t b = *b_scaled;
    const std::int64_t step = *step_scaled;
    if (step == 0) return error{where + ": the step must not be 0"};
    const std::uint64_t n = static_cast<std::uint64_t>((a <= b ? b - a : a - b) / step) + 1;
    if (n > room) return too_many(n);
    if (count) {
      *count += n;
      return ok();
    }
    for (std::uint64_t k = 0; k < n; ++k) {
      const std::int64_t m = a <= b ? a + static_cast<std::int64_t>(k) * step
                                    : a - static_cast<std::int64_t>(k) * step;
      item_value v;
      v.number = decimal{m, dec};
      v.text = format_decimal(m, dec);
      out.push_back(std::move(v));
    }
    return ok();
  }

  const auto from_t = parse_time(from_s);
  const auto to_t = parse_time(to_s);
  if (step_s.empty() && from_t && to_t)
    return error{where + ": a range of durations needs a step, e.g. 1m..10m/30s"};
  const auto step_t = parse_time(step_s);
  if (!from_t || !to_t || !step_t)
    return error{where +
                 ": FROM, TO and STEP must all be numbers (100..3000/100) or all "
                 "durations (1m..10m/30s)"};
  const std::int64_t a = from_t->count();
  const std::int64_t b = to_t->count();
  const std::int64_t step = step_t->count();
  if (step == 0) return error{where + ": the step must not be 0"};
  const std::uint64_t n = static_cast<std::uint64_t>((a <= b ? b - a : a - b) / step) + 1;
  if (n > room) return too_many(n);
  if (count) {
    *count += n;
    return ok();
  }
  for (std::uint64_t k = 0; k < n; ++k) {
    const std::int64_t t =
        a <= b ? a + static_cast<std::int64_t>(k) * step : a - static_cast<std::int64_t>(k) * step;
    item_value v;
    v.time = plan::sim_duration(t);
    v.text = sim::format_sim_time(*v.time, sim::below_second::units);
    out.push_back(std::move(v));
  }
  return ok();
}

}  // namespace

std::string_view kind_name(value_kind k) {
  switch (k) {
    case value_kind::integer:
      return "integer";
    case value_kind::number:
      return "number";
    case value_kind::duration:
      return "duration";
    case value_kind::text:
      return "text";
  }
  return "text";
}

std::optional<std::uint64_t> count_vary(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  auto items = split_items(trim(text.substr(eq + 1)));
  if (!items) return std::nullopt;
  std::uint64_t n = 0;
  std::vector<item_value> none;
  for (std::string_view item : *items) {
    const auto dots = item.find("..");
    const bool flow = !item.empty() && (item.front() == '[' || item.front() == '{' ||
                                        item.front() == '"' || item.front() == '\'');
    if (dots == std::string_view::npos || flow) {
      ++n;
    } else if (!expand_range(item, dots, SIZE_MAX, none, &n)) {
      return std::nullopt;
    }
  }
  return n;
}

result<axis> parse_vary(std::string_view text, std::size_t max_values) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos)
    return error{"expected KEY=VALUES, e.g. cluster.tftp.max_serving_count=100..3000/100; got '" +
                 std::string(text) + "'"};
  axis out;
  out.key = std::string(trim(text.substr(0, eq)));
  if (out.key == "--phones") out.key = "phones";
  if (out.key.empty()) return error{"'" + std::string(text) + "': the KEY before '=' is empty"};
  const std::string_view values = trim(text.substr(eq + 1));
  if (values.empty()) return error{out.key + ": no values after '='"};

  auto items = split_items(values);
  if (!items) return error{out.key + ": " + items.err().message};
  std::vector<item_value> all;
  for (std::string_view item : *items) {
    if (item.empty()) return error{out.key + ": an empty value in '" + std::string(values) + "'"};
    const auto dots = item.find("..");
    const bool flow =
        item.front() == '[' || item.front() == '{' || item.front() == '"' || item.front() == '\'';
    if (dots != std::string_view::npos && !flow) {
      if (auto s = expand_range(item, dots, max_values - std::min(max_values, all.size()), all); !s)
        return error{out.key + ": " + s.err().message};
    } else {
      all.push_back(classify(item));
    }
    if (all.size() > max_values)
      return error{out.key + ": more than " + std::to_string(max_values) +
                   " values (raise the limit with --max-points)"};
  }

  // The axis is of the narrowest kind every value fits.
  bool all_integer = true, all_number = true, all_time = true, any_unit = false;
  for (const item_value& v : all) {
    all_integer = all_integer && v.number && v.number->decimals == 0;
    all_number = all_number && v.number;
    all_time = all_time && v.time;
    any_unit = any_unit || (v.time && !v.number);
  }
  out.kind = all_integer              ? value_kind::integer
             : all_number             ? value_kind::number
             : (all_time && any_unit) ? value_kind::duration
                                      : value_kind::text;
  for (item_value& v : all) {
    setting_value sv;
    switch (out.kind) {
      case value_kind::integer:
      case value_kind::number:
        sv.position = to_double(v.number->mantissa, v.number->decimals);
        break;
      case value_kind::duration:
        v.text = sim::format_sim_time(*v.time, sim::below_second::units);
        sv.position = static_cast<double>(v.time->count()) / 1e6;
        break;
      case value_kind::text:
        break;
    }
    sv.text = std::move(v.text);
    out.values.push_back(std::move(sv));
  }
  // After canonical forms, so "60s" and "1m" count as the same value.
  std::set<std::string> seen;
  for (const setting_value& v : out.values)
    if (!seen.insert(v.text).second)
      return error{out.key + ": the value '" + v.text + "' is given twice"};
  return out;
}

}  // namespace itlfleet::sweep
