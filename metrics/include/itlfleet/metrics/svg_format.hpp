#pragma once
/// Number formatting shared by the SVG plots of the run report and the
/// sweep report, so both draw coordinates the same way and stay byte-for-byte
/// deterministic.

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

}  // namespace itlfleet::metrics
