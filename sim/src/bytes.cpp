#include "itlfleet/sim/bytes.hpp"

#include <algorithm>

namespace itlfleet {

bytes to_bytes(std::string_view s, bool nul_terminated) {
  bytes out;
  out.reserve(s.size() + (nul_terminated ? 1 : 0));
  out.assign(s.begin(), s.end());
  if (nul_terminated) out.push_back(0);
  return out;
}

std::string text_of(byte_view raw) {
  const auto nul = std::find(raw.begin(), raw.end(), std::uint8_t{0});
  return std::string(raw.begin(), nul);
}

std::string to_hex(byte_view data, std::string_view sep, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  if (data.empty()) return out;
  out.reserve(data.size() * 2 + (data.size() - 1) * sep.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (i != 0) out.append(sep);
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 0x0F]);
  }
  return out;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bytes from_hex(std::string_view hex) {
  bytes out;
  out.reserve(hex.size() / 2);
  std::size_t i = 0;
  while (i < hex.size()) {
    if (hex[i] == ':' || hex[i] == ' ') {
      ++i;
      continue;
    }
    // A run of digits between separators. `show itl` prints signature bytes
    // without leading zeros ("8f d4 0 cb"), so a lone digit is a whole byte;
    // longer runs are read in pairs and must be even.
    std::size_t end = i;
    while (end < hex.size() && hex[end] != ':' && hex[end] != ' ') ++end;
    const std::size_t run = end - i;
    if (run == 1) {
      const int v = hex_value(hex[i]);
      if (v < 0) return {};
      out.push_back(static_cast<std::uint8_t>(v));
    } else {
      if (run % 2 != 0) return {};
      for (std::size_t j = i; j < end; j += 2) {
        const int high = hex_value(hex[j]);
        const int low = hex_value(hex[j + 1]);
        if (high < 0 || low < 0) return {};
        out.push_back(static_cast<std::uint8_t>((high << 4) | low));
      }
    }
    i = end;
  }
  return out;
}

namespace {

// ASCII only: std::tolower depends on the C locale.
constexpr char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

}  // namespace itlfleet
