#include "itlfleet/metrics/csv_field.hpp"

#include "itlfleet/sim/utf8.hpp"

namespace itlfleet::metrics {

std::string csv_field(std::string_view s) {
  const std::string v = valid_utf8(s);
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

}  // namespace itlfleet::metrics
