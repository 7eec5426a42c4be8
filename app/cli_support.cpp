#include "cli_support.hpp"

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <iostream>

#include "itlfleet/sim/utf8.hpp"

namespace itlfleet::app {

void finish(int code) {
  if (code != exit_ok) throw CLI::RuntimeError(code);
}

CLI::Validator unsigned_integer() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::uint64_t value = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        const bool digits_only = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
          return c >= '0' && c <= '9';
        });
        if (!digits_only) return "expected a whole number of 0 or more, got '" + text + "'";
        if (ec == std::errc::result_out_of_range || ptr != end)
          return "'" + text + "' is past the largest value, 18446744073709551615";
        return {};
      },
      "UINT", "unsigned integer");
}

void print_error(std::string_view message) {
  // Messages quote names from files and scenarios; a terminal shows their
  // control bytes instead of obeying them.
  std::cerr << "itlfleet: " << terminal_safe(message) << std::endl;
}

bool has_signed_file_version(byte_view data) {
  // VERSION element: tag 1, length 2, major 1, minor 0.
  return data.size() >= 5 && data[0] == 1 && data[1] == 0 && data[2] == 2 && data[3] == 1 &&
         data[4] == 0;
}

std::optional<std::int64_t> modified_unix(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return static_cast<std::int64_t>(st.st_mtime);
}

bool parse_shard(const std::string& s, std::uint32_t& k, std::uint32_t& n) {
  const auto slash = s.find('/');
  if (slash == std::string::npos) return false;
  try {
    std::size_t used = 0;
    const unsigned long kk = std::stoul(s.substr(0, slash), &used);
    if (used != slash) return false;
    const unsigned long nn = std::stoul(s.substr(slash + 1), &used);
    if (used != s.size() - slash - 1 || nn == 0 || kk >= nn || nn > 1'000'000) return false;
    k = static_cast<std::uint32_t>(kk);
    n = static_cast<std::uint32_t>(nn);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace itlfleet::app
