#include "itlfleet/metrics/html_page.hpp"

#include "itlfleet/metrics/report.hpp"

namespace itlfleet::metrics::page {
namespace {

// Headers may wrap (a table's width is then its data's), and a table still
// wider than the page scrolls inside .table-box instead of widening the page.
constexpr std::string_view css = R"(
body{font-family:"DejaVu Sans","Liberation Sans",Arial,Helvetica,sans-serif;font-size:14px;
line-height:1.45;color:#1d1d1f;background:#fff;max-width:1120px;margin:20px auto;padding:0 16px}
h1{font-size:24px;margin:0 0 6px}
h2{font-size:18px;margin:30px 0 8px;padding-bottom:4px;border-bottom:1px solid #ddd}
h3{font-size:15px;margin:18px 0 4px}
p{margin:6px 0}
code{font-family:"DejaVu Sans Mono",monospace;font-size:13px;overflow-wrap:anywhere}
.story{font-size:15px;max-width:900px}
.facts{display:grid;grid-template-columns:repeat(3,1fr);gap:4px 20px;margin:10px 0}
.facts div{display:flex;gap:8px}.facts dt{color:#666}.facts dd{margin:0;font-weight:bold}
.table-box{max-width:100%;overflow-x:auto;margin:8px 0}
table{border-collapse:collapse}
th,td{border:1px solid #d8d8d8;padding:3px 9px;text-align:left;vertical-align:top}
thead th{background:#f3f3f3;font-weight:bold;vertical-align:bottom}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total th,tr.total td{font-weight:bold;background:#fafafa}
.pass{background:#ddf2e5;color:#0b5d2a;font-weight:bold}
.fail{background:#fbe0dc;color:#9c1a0c;font-weight:bold}
.note{color:#555}
.legend{display:flex;flex-wrap:wrap;gap:4px 18px;margin:6px 0 2px 76px}
.legend i,i.sw{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:-1px;
border-radius:2px}
svg.plot{display:block;font-size:12px;max-width:100%;height:auto}
svg text{fill:#333}
.plot-area{stroke:none}
.grid{stroke:#dedede;stroke-width:1;fill:none}
.axis{stroke:#777;stroke-width:1;fill:none}
.axis-title{font-size:13px}
.no-data{font-size:15px;fill:#666}
footer{margin:30px 0 10px;color:#777;font-size:12px}
)";

}  // namespace

std::string head(std::string_view title, std::string_view extra_css) {
  std::string o = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  o += "<title>" + xml_escape(title, false) + "</title>\n";
  o += "<style>" + std::string(css) + std::string(extra_css) + "</style>\n</head>\n<body>\n";
  return o;
}

std::string foot(std::string_view footer_html) {
  return "<footer>" + std::string(footer_html) + "</footer>\n</body>\n</html>\n";
}

std::string table_open(std::string_view table_class) {
  return table_class.empty()
             ? "<div class=\"table-box\"><table>"
             : "<div class=\"table-box\"><table class=\"" + std::string(table_class) + "\">";
}

}  // namespace itlfleet::metrics::page
