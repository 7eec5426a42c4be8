#pragma once
/// The one CSV field format of every CSV itlfleet writes (groups.csv,
/// sweep.csv): RFC 4180 quoting, always valid UTF-8.

#include <string>
#include <string_view>

namespace itlfleet::metrics {

/// A CSV field: quoted (with doubled quotes) when it holds a comma, a quote,
/// a line break or leading/trailing blanks; bytes that are not UTF-8 become
/// U+FFFD.
std::string csv_field(std::string_view s);

}  // namespace itlfleet::metrics
