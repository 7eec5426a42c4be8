#pragma once
/// UTF-8 for what itlfleet emits. Names and text reach the outputs from files
/// and scenarios written by others; JSON, XML and HTML must stay valid and a
/// terminal must never receive control bytes it would act on, whatever the
/// input held.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace itlfleet {

/// The code point starting at `s[i]` and its length in bytes, if the bytes
/// there are well-formed UTF-8 (no overlong forms, surrogates or code points
/// past U+10FFFF, no truncated sequence).
struct utf8_char {
  std::uint32_t code_point;
  std::size_t length;
};
std::optional<utf8_char> decode_utf8(std::string_view s, std::size_t i);

/// True when all of `s` is well-formed UTF-8.
bool is_valid_utf8(std::string_view s);

/// Offset of the first byte that is not well-formed UTF-8, if any.
std::optional<std::size_t> first_invalid_utf8(std::string_view s);

/// `s` with every byte that does not start a well-formed sequence replaced by
/// U+FFFD (one per offending byte).
std::string valid_utf8(std::string_view s);

/// `s` made safe for a terminal: C0 control characters other than newline
/// and tab, DEL and the C1 controls are written as `\xNN` (`\u{NN}` for C1),
/// bytes that are not UTF-8 as `\xNN`; the rest passes unchanged, so ordinary
/// text prints exactly as it is.
std::string terminal_safe(std::string_view s);

}  // namespace itlfleet
