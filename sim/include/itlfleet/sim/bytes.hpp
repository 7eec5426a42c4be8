#pragma once
/// Byte buffers and the small conversions every file format in itlfleet needs.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace itlfleet {

using bytes = std::vector<std::uint8_t>;
using byte_view = std::span<const std::uint8_t>;

/// Views a string's characters as bytes (no copy).
inline byte_view as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// Copies a string into a byte buffer, optionally with a trailing NUL as the
/// TLV string fields want it.
bytes to_bytes(std::string_view s, bool nul_terminated = false);

/// The text of a NUL-terminated TLV string field: everything before the first NUL.
std::string text_of(byte_view raw);

/// Lower-case hex with `sep` between bytes ("" for none), as `show itl` and
/// the DeviceTLInfo alarm print digests.
std::string to_hex(byte_view data, std::string_view sep = "", bool upper = false);

/// ASCII case-insensitive equality (host names, file names, certificate names).
bool iequals(std::string_view a, std::string_view b);

/// ASCII lower case, whatever the C locale says (names and keywords, never text).
std::string to_lower(std::string_view s);

/// Parses hex digits, ignoring ':' and ' ' separators; empty on malformed input.
bytes from_hex(std::string_view hex);

inline void put_u16(bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
inline void put_u32(bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
inline std::uint16_t get_u16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t get_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

}  // namespace itlfleet
