// Durations as scenarios write them: "10m10s", "0.2ms", "500us".
//
// Arithmetic is exact (integer microseconds, fractions kept as decimal digits)
// so that "0.2ms" is 200us and not 199us after a binary round trip.

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "itlfleet/scenarios/scenario.hpp"

namespace itlfleet::scenarios {
namespace {

struct unit {
  std::string_view suffix;
  std::uint64_t micros;
};

// Largest first: parts must appear in this order. "ms" precedes "m" so the
// longer suffix wins; "µs" is the same unit as "us".
constexpr std::array<unit, 6> units = {{
    {"h", 3'600'000'000ULL},
    {"ms", 1'000ULL},
    {"m", 60'000'000ULL},
    {"s", 1'000'000ULL},
    {"us", 1ULL},
    {"\xC2\xB5s", 1ULL},
}};

constexpr std::string_view examples = "90s, 10m10s, 1h, 2ms, 0.2ms, 500us or 0";

error bad(std::string_view text, std::string_view why) {
  std::string m = "expected a duration such as ";
  m += examples;
  m += "; got '";
  m += text;
  m += "'";
  if (!why.empty()) {
    m += " (";
    m += why;
    m += ")";
  }
  return error{std::move(m), std::nullopt};
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

result<plan::sim_duration> parse_duration(std::string_view text) {
  if (text == "0") return plan::sim_duration{0};
  if (text.empty()) return bad(text, "empty");

  constexpr std::uint64_t limit =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::uint64_t total = 0;
  std::uint64_t last_unit = std::numeric_limits<std::uint64_t>::max();
  std::size_t i = 0;
  while (i < text.size()) {
    // <digits>[.<digits>]
    std::uint64_t whole = 0;
    std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) {
      if (__builtin_mul_overflow(whole, 10ULL, &whole) ||
          __builtin_add_overflow(whole, static_cast<std::uint64_t>(text[i] - '0'), &whole))
        return bad(text, "too large");
      ++i;
    }
    if (i == start) {
      if (i < text.size() && text[i] == '-') return bad(text, "negative");
      return bad(text, "expected a number");
    }
    std::string_view frac;
    if (i < text.size() && text[i] == '.') {
      std::size_t fstart = ++i;
      while (i < text.size() && is_digit(text[i])) ++i;
      frac = text.substr(fstart, i - fstart);
      if (frac.empty()) return bad(text, "expected digits after '.'");
    }
    // <unit>
    const unit* u = nullptr;
    for (const auto& candidate : units) {
      if (text.substr(i).starts_with(candidate.suffix)) {
        u = &candidate;
        break;
      }
    }
    if (u == nullptr) {
      return bad(text, i == text.size() ? "a unit is missing: h, m, s, ms or us"
                                        : "unknown unit; use h, m, s, ms or us");
    }
    i += u->suffix.size();
    if (u->micros >= last_unit) return bad(text, "parts must go from larger to smaller units");
    last_unit = u->micros;

    std::uint64_t part = 0;
    if (__builtin_mul_overflow(whole, u->micros, &part)) return bad(text, "too large");
    // The fraction, trailing zeros dropped, must give whole microseconds.
    while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
    if (frac.size() > 9) return bad(text, "finer than a microsecond");
    std::uint64_t num = 0, den = 1;
    for (char c : frac) {
      num = num * 10 + static_cast<std::uint64_t>(c - '0');
      den *= 10;
    }
    // num < 1e9 and micros <= 3.6e9, so the product fits in 64 bits.
    std::uint64_t scaled = num * u->micros;
    if (scaled % den != 0) return bad(text, "finer than a microsecond");
    if (__builtin_add_overflow(part, scaled / den, &part) ||
        __builtin_add_overflow(total, part, &total) || total > limit)
      return bad(text, "too large");
  }
  return plan::sim_duration{static_cast<std::int64_t>(total)};
}

}  // namespace itlfleet::scenarios
