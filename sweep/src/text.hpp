#pragma once
// Private to the sweep library: number and text formats the output files share.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace itlfleet::sweep::detail {

/// Microseconds as seconds, exact and without trailing zeros: "600", "0.0125".
std::string seconds_text(std::int64_t us);

/// A CSV field: quoted (with doubled quotes) when it holds a comma, a quote,
/// a line break or leading/trailing blanks; made valid UTF-8.
std::string csv_field(std::string_view s);

/// "7,589".
std::string with_commas(std::uint64_t v);

}  // namespace itlfleet::sweep::detail
