#pragma once
/// Number formatting shared by the run report and the sweep report (SVG
/// coordinates, axis steps, counts), so both draw the same way and stay
/// byte-for-byte deterministic.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace itlfleet::metrics {

/// `v` with exactly `decimals` decimals ("%.*f").
inline std::string fixed_decimals(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

/// "1.50" → "1.5", "2.0" → "2", "-0" → "0".
inline std::string trim_zeros(std::string s) {
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

/// An SVG coordinate: one decimal, no trailing ".0", never "-0".
inline std::string svg_number(double v) {
  return trim_zeros(fixed_decimals(v, 1));
}

/// "7,589".
inline std::string with_commas(std::uint64_t v) {
  const std::string digits = std::to_string(v);
  std::string out;
  const std::size_t lead = digits.size() % 3;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && i % 3 == lead) out += ',';
    out += digits[i];
  }
  return out;
}

/// An axis step: 1, 2 or 5 times a power of ten, at or above `raw` (1 for
/// anything not positive).
inline double nice_step(double raw) {
  if (!(raw > 0)) return 1;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

}  // namespace itlfleet::metrics
