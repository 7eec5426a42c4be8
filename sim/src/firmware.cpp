#include "itlfleet/sim/firmware.hpp"

#include <cctype>

namespace itlfleet::sim {
namespace {

/// Reads digits at `pos`; false when there are none.
bool number(std::string_view s, std::size_t& pos, int& out) {
  const std::size_t start = pos;
  out = 0;
  while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])) && pos - start < 6)
    out = out * 10 + (s[pos++] - '0');
  return pos > start;
}

}  // namespace

std::optional<firmware_version> firmware_version::parse(std::string_view text) {
  firmware_version v;
  std::size_t pos = 0;
  if (!number(text, pos, v.major) || pos >= text.size() || text[pos] != '.') return std::nullopt;
  ++pos;
  if (!number(text, pos, v.minor)) return std::nullopt;
  if (pos < text.size() && text[pos] == '(') {
    ++pos;
    if (!number(text, pos, v.maint)) return std::nullopt;
  }
  return v;
}

}  // namespace itlfleet::sim
