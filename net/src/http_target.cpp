#include "itlfleet/net/http_target.hpp"

#include "itlfleet/sim/bytes.hpp"

#include <optional>

namespace itlfleet::net {
namespace {

std::optional<int> hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return std::nullopt;
}

bool is_unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool has_dot_dot_segment(std::string_view name) {
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = name.find_first_of("/\\", start);
    const std::size_t stop = end == std::string_view::npos ? name.size() : end;
    if (name.substr(start, stop - start) == "..") return true;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return false;
}

}  // namespace

result<std::string> file_name_from_target(std::string_view target) {
  if (target.empty() || target.front() != '/') return parse_error(0, "a target starting with '/'");
  target.remove_prefix(1);
  if (const auto query = target.find('?'); query != std::string_view::npos)
    target = target.substr(0, query);

  std::string name;
  name.reserve(target.size());
  for (std::size_t i = 0; i < target.size(); ++i) {
    char c = target[i];
    if (c == '%') {
      const auto hi = i + 1 < target.size() ? hex_value(target[i + 1]) : std::nullopt;
      const auto lo = i + 2 < target.size() ? hex_value(target[i + 2]) : std::nullopt;
      if (!hi || !lo) return parse_error(i + 1, "two hex digits after '%'");
      c = static_cast<char>(*hi * 16 + *lo);
      i += 2;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return parse_error(i + 1, "no control bytes in a file name");
    name.push_back(c);
  }
  if (!name.empty() && (name.front() == '/' || name.front() == '\\'))
    return error{"absolute file name"};
  if (has_dot_dot_segment(name)) return error{"'..' in a file name"};
  return name;
}

std::string target_for_file_name(std::string_view name) {
  std::string target = "/";
  target.reserve(name.size() + 1);
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (is_unreserved(u) || c == '/') {
      target.push_back(c);
    } else {
      target.push_back('%');
      target += to_hex(byte_view(&u, 1), "", true);
    }
  }
  return target;
}

}  // namespace itlfleet::net
