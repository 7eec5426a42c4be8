#include "itlfleet/sim/duration_text.hpp"

namespace itlfleet::sim {
namespace {

constexpr std::uint64_t us_per_ms = 1'000;
constexpr std::uint64_t us_per_s = 1'000'000;
constexpr std::uint64_t us_per_min = 60 * us_per_s;
constexpr std::uint64_t us_per_h = 60 * us_per_min;

/// "5", "0.5", "0.002": whole seconds, then the sub-second part with
/// trailing zeros trimmed.
std::string decimal_seconds(std::uint64_t whole, std::uint64_t frac_us) {
  std::string out = std::to_string(whole);
  if (frac_us == 0) return out;
  std::string digits = std::to_string(frac_us);
  digits.insert(0, 6 - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  return out + '.' + digits;
}

void part(std::string& out, std::uint64_t n, const char* suffix) {
  if (n == 0) return;
  out += std::to_string(n);
  out += suffix;
}

}  // namespace

std::string format_sim_time(std::int64_t us, below_second style) {
  // Negating in unsigned arithmetic keeps INT64_MIN defined.
  const std::uint64_t m =
      us < 0 ? 0 - static_cast<std::uint64_t>(us) : static_cast<std::uint64_t>(us);
  if (m == 0) return "0s";
  const std::uint64_t hours = m / us_per_h;
  const std::uint64_t minutes = m / us_per_min % 60;
  const std::uint64_t seconds = m / us_per_s % 60;
  const std::uint64_t frac = m % us_per_s;

  std::string out = us < 0 ? "-" : "";
  part(out, hours, "h");
  part(out, minutes, "m");
  if (style == below_second::decimal) {
    if (seconds != 0 || frac != 0) out += decimal_seconds(seconds, frac) + "s";
  } else {
    part(out, seconds, "s");
    part(out, frac / us_per_ms, "ms");
    part(out, frac % us_per_ms, "us");
  }
  return out;
}

}  // namespace itlfleet::sim
