#include "itlfleet/sweep/condition.hpp"

#include <cctype>
#include <vector>

namespace itlfleet::sweep {
namespace {

constexpr std::string_view usage =
    "expected METRIC OP VALUE [at TIME | by TIME] [[GROUP]], e.g. \"locked == 0\", "
    "\"recovered >= 99% by 30m\" or \"trusted == 100% at 20m [desk]\", or a YAML flow map "
    "such as \"{by: 20m, locked: 0}\"";

/// A YAML double-quoted scalar.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

}  // namespace

result<std::string> expect_entry(std::string_view condition) {
  std::string_view s = condition;
  auto skip_blanks = [&] {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  };
  skip_blanks();
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.empty()) return error{"the condition is empty; " + std::string(usage)};
  if (s.front() == '{') return std::string(s);

  auto fail = [&](const std::string& what) {
    return error{"'" + std::string(condition) + "': " + what + "; " + std::string(usage)};
  };

  std::size_t n = 0;
  while (n < s.size() && is_name_char(s[n])) ++n;
  if (n == 0) return fail("no metric name at the start");
  const std::string metric(s.substr(0, n));
  s.remove_prefix(n);
  skip_blanks();

  std::string op = "==";
  for (std::string_view candidate : {"==", "!=", "<=", ">=", "<", ">", "="}) {
    if (s.starts_with(candidate)) {
      op = candidate == "=" ? "==" : std::string(candidate);
      s.remove_prefix(candidate.size());
      break;
    }
  }
  skip_blanks();
  n = 0;
  while (n < s.size() && (std::isdigit(static_cast<unsigned char>(s[n])) != 0 || s[n] == '.')) ++n;
  if (n < s.size() && s[n] == '%') ++n;
  if (n == 0) return fail("no value after '" + metric + " " + op + "'");
  const std::string value(s.substr(0, n));
  s.remove_prefix(n);

  std::string entry = "{" + metric + ": " + quoted(op + " " + value);
  bool timed = false, grouped = false;
  auto word = [&]() {
    skip_blanks();
    std::size_t k = 0;
    while (k < s.size() && s[k] != ' ' && s[k] != '\t' && s[k] != '[') ++k;
    std::string w(s.substr(0, k));
    s.remove_prefix(k);
    return w;
  };
  for (skip_blanks(); !s.empty(); skip_blanks()) {
    if (s.front() == '[') {
      const auto close = s.find(']');
      if (close == std::string_view::npos || close == 1) return fail("expected [GROUP]");
      if (grouped) return fail("more than one group");
      entry += ", group: " + quoted(s.substr(1, close - 1));
      grouped = true;
      s.remove_prefix(close + 1);
      continue;
    }
    const std::string w = word();
    if (w == "at" || w == "by") {
      if (timed) return fail("more than one 'at'/'by'");
      const std::string t = word();
      if (t.empty()) return fail("no time after '" + w + "'");
      entry += ", " + w + ": " + quoted(t);
      timed = true;
    } else if (w == "in" || w == "group") {
      if (grouped) return fail("more than one group");
      const std::string g = word();
      if (g.empty()) return fail("no group after '" + w + "'");
      entry += ", group: " + quoted(g);
      grouped = true;
    } else {
      return fail("unexpected '" + w + "'");
    }
  }
  return entry + "}";
}

}  // namespace itlfleet::sweep
