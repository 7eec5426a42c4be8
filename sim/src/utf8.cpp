#include "itlfleet/sim/utf8.hpp"

#include <cstdio>

namespace itlfleet {

std::optional<utf8_char> decode_utf8(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return utf8_char{c, 1};
  std::size_t len = 0;
  std::uint32_t cp = 0;
  std::uint32_t min = 0;
  if ((c & 0xE0) == 0xC0) {
    len = 2, cp = c & 0x1Fu, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, cp = c & 0x0Fu, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, cp = c & 0x07u, min = 0x10000;
  } else {
    return std::nullopt;  // a continuation byte or 0xF8..0xFF
  }
  if (i + len > s.size()) return std::nullopt;
  for (std::size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (cc & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  return utf8_char{cp, len};
}

std::optional<std::size_t> first_invalid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto ch = decode_utf8(s, i);
    if (!ch) return i;
    i += ch->length;
  }
  return std::nullopt;
}

bool is_valid_utf8(std::string_view s) {
  return !first_invalid_utf8(s);
}

std::string valid_utf8(std::string_view s) {
  static constexpr std::string_view replacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    if (const auto ch = decode_utf8(s, i)) {
      out.append(s.substr(i, ch->length));
      i += ch->length;
    } else {
      out += replacement;
      ++i;
    }
  }
  return out;
}

std::string terminal_safe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  char buf[12];
  for (std::size_t i = 0; i < s.size();) {
    const auto ch = decode_utf8(s, i);
    if (!ch) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(s[i]));
      out += buf;
      ++i;
      continue;
    }
    const std::uint32_t cp = ch->code_point;
    const bool control = (cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F;
    const bool c1 = cp >= 0x80 && cp <= 0x9F;  // e.g. CSI (U+009B) starts an escape sequence
    if (control) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
      out += buf;
    } else if (c1) {
      std::snprintf(buf, sizeof buf, "\\u{%02x}", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(s.substr(i, ch->length));
    }
    i += ch->length;
  }
  return out;
}

}  // namespace itlfleet
