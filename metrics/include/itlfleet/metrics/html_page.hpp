#pragma once
/// The page both HTML reports are laid out on (the run's report.html and the
/// sweep's): one style sheet (type, header, facts, tables, pass/fail cells,
/// legends, plot frame colours), the document head and foot, and tables that
/// stay inside the page: a table wider than the page's 1,120 pixels scrolls
/// sideways within its own box, the page itself never does.

#include <string>
#include <string_view>

namespace itlfleet::metrics::page {

/// `<!DOCTYPE html>` up to `<body>`: the title, the shared style sheet and
/// then `extra_css`, the rules of one report's own plots.
std::string head(std::string_view title, std::string_view extra_css);

/// `<footer>` with `footer_html` (already escaped), and the end of the page.
std::string foot(std::string_view footer_html);

/// `<div class="table-box"><table ...>`: every table opens with this and
/// closes with table_close, so that a wide one scrolls inside its box.
/// `table_class` may be empty.
std::string table_open(std::string_view table_class = {});
inline constexpr std::string_view table_close = "</table></div>\n";

}  // namespace itlfleet::metrics::page
