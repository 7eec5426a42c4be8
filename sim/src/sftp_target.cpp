#include "itlfleet/sim/sftp_target.hpp"

#include <algorithm>
#include <cctype>

namespace itlfleet::sim {
namespace {

constexpr std::string_view scheme = "sftp://";
constexpr std::string_view form = "sftp://[user@]host[:port]/dir/file or /dir/file";

bool host_char(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.';
}

bool user_char(unsigned char c) {
  return std::isgraph(c) && c != '@' && c != ':' && c != '/';
}

/// An absolute path naming a file, without blanks.
result<std::string> check_path(std::string_view p) {
  if (p.empty() || p.front() != '/')
    return failure("expected an absolute path (" + std::string(form) + "), got '" + std::string(p) +
                   "'");
  if (p.back() == '/') return failure("the path '" + std::string(p) + "' names no file");
  if (std::any_of(p.begin(), p.end(), [](unsigned char c) { return !std::isgraph(c); }))
    return failure("the path '" + std::string(p) + "' contains blanks or control characters");
  return std::string(p);
}

}  // namespace

result<sftp_target> parse_sftp_target(std::string_view to) {
  if (to.size() > max_sftp_target_bytes)
    return failure("expected at most " + std::to_string(max_sftp_target_bytes) +
                   " characters, got " + std::to_string(to.size()));
  sftp_target t;
  if (to.substr(0, scheme.size()) != scheme) {
    auto path = check_path(to);
    if (!path) return path.err();
    t.path = std::move(*path);
    return t;
  }
  std::string_view rest = to.substr(scheme.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos)
    return failure("expected a path after the host (" + std::string(form) + ")");
  std::string_view authority = rest.substr(0, slash);
  if (const std::size_t at = authority.find('@'); at != std::string_view::npos) {
    const std::string_view user = authority.substr(0, at);
    if (user.empty() || user.size() > 64 ||
        !std::all_of(user.begin(), user.end(), [](unsigned char c) { return user_char(c); }))
      return failure(
          "expected a user name of 1 to 64 characters without '@', ':', '/' or "
          "blanks before '@', got '" +
          std::string(user) + "'");
    t.user = std::string(user);
    authority.remove_prefix(at + 1);
  }
  if (const std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    const bool digits =
        !port.empty() && port.size() <= 5 &&
        std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); });
    const unsigned long value = digits ? std::stoul(std::string(port)) : 0;
    if (value < 1 || value > 65535)
      return failure("expected a port from 1 to 65535, got '" + std::string(port) + "'");
    t.port = static_cast<std::uint16_t>(value);
    authority = authority.substr(0, colon);
  }
  if (authority.empty() || authority.size() > 253 || authority.front() == '-' ||
      authority.front() == '.' ||
      !std::all_of(authority.begin(), authority.end(),
                   [](unsigned char c) { return host_char(c); }))
    return failure(
        "expected an SFTP server name or IPv4 address (letters, digits, '-' and "
        "'.'), got '" +
        std::string(authority) + "'");
  t.host = std::string(authority);
  auto path = check_path(rest.substr(slash));
  if (!path) return path.err();
  t.path = std::move(*path);
  return t;
}

std::string sftp_get_dialogue(const sftp_target& t) {
  // The technote answers the port prompt with Enter (the default, 22).
  const std::string port = t.port == 22 ? "" : " " + std::to_string(t.port);
  return "SFTP server IP: " + t.host + "\nSFTP server port [22]:" + port + "\nUser ID: " + t.user +
         "\nPassword: *****\nDownload directory: " + t.directory() + "\n";
}

}  // namespace itlfleet::sim
