#pragma once
// Private to the sweep library: the CSV field format (numbers come from
// metrics/number_format.hpp and metrics::seconds_decimal).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace itlfleet::sweep::detail {

/// A CSV field: quoted (with doubled quotes) when it holds a comma, a quote,
/// a line break or leading/trailing blanks; made valid UTF-8.
std::string csv_field(std::string_view s);

}  // namespace itlfleet::sweep::detail
