#pragma once
/// Between HTTP request targets and served file names (port 6970): a phone
/// asks for `GET /ITLSEP001E7A000001.tlv`; the file service looks up
/// `ITLSEP001E7A000001.tlv`. Pure functions, thread-safe.

#include <string>
#include <string_view>

#include "itlfleet/sim/result.hpp"

namespace itlfleet::net {

/// The file name an origin-form target (`/<name>[?query]`) asks for: one
/// leading '/' removed, the query dropped, %XX sequences decoded. Fails on
/// a target not starting with '/', a bad %-escape, a NUL or control byte,
/// a name that is absolute after decoding, or any `..` path segment ('/' or
/// '\\' separated) -- a lookup backed by a directory must never leave it.
/// An empty name ("/") is not an error here: it names no file (404).
result<std::string> file_name_from_target(std::string_view target);

/// The origin-form target for `name`: '/' then the name with every byte
/// outside RFC 3986 unreserved characters and '/' written as %XX.
std::string target_for_file_name(std::string_view name);

}  // namespace itlfleet::net
