#include "text.hpp"

#include "itlfleet/sim/utf8.hpp"

namespace itlfleet::sweep::detail {

std::string seconds_text(std::int64_t us) {
  const bool negative = us < 0;
  const std::uint64_t a =
      negative ? static_cast<std::uint64_t>(-(us + 1)) + 1 : static_cast<std::uint64_t>(us);
  std::string out = (negative ? "-" : "") + std::to_string(a / 1'000'000);
  if (const std::uint64_t frac = a % 1'000'000; frac != 0) {
    std::string f = std::to_string(frac);
    f.insert(0, 6 - f.size(), '0');
    while (f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out;
}

std::string csv_field(std::string_view s) {
  const std::string v = itlfleet::valid_utf8(s);
  const bool quote = v.find_first_of(",\"\r\n") != std::string::npos ||
                     (!v.empty() && (v.front() == ' ' || v.back() == ' '));
  if (!quote) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string with_commas(std::uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  const std::size_t lead = digits.size() % 3;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && i % 3 == lead) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace itlfleet::sweep::detail
