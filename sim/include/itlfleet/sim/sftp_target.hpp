#pragma once
/// Where `file get tftp ITLRecovery.p12` saves the recovery key, and the SFTP
/// dialogue CUCM prints for it. A scenario's `to:` is either a URL,
/// `sftp://[user@]host[:port]/dir/file`, whose parts answer CUCM's prompts,
/// or a bare absolute path, for which the cluster answers with defaults
/// (docs/model.md, "CLI texts and their sources").

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "itlfleet/sim/result.hpp"

namespace itlfleet::sim {

struct sftp_target {
  std::string host;         ///< "SFTP server IP": a name or an address; empty: not given
  std::uint16_t port = 22;  ///< "SFTP server port [22]"
  std::string user;         ///< "User ID"; empty: not given
  std::string path;         ///< the file on the server, absolute: the SFTP store's key

  /// "Download directory": the path up to and with its last '/'.
  std::string directory() const { return path.substr(0, path.rfind('/') + 1); }
};

/// The longest `to:` accepted (CUCM's prompts take a line each).
inline constexpr std::size_t max_sftp_target_bytes = 1024;

/// Parses a `to:` value. Errors say what was expected, for the loader to
/// report at the key's file:line: a host of letters, digits, '-' and '.',
/// a port 1-65535, a user without '@', ':', '/' or blanks, and a path that
/// starts with '/' and names a file.
result<sftp_target> parse_sftp_target(std::string_view to);

/// CUCM's prompts between "Would you like to proceed [y/n]? y" and the
/// transfer, answered from `t`, one line each: "SFTP server IP: ",
/// "SFTP server port [22]:", "User ID: ", "Password: *****",
/// "Download directory: " (the technote's text; a port other than 22 is
/// typed after its prompt).
std::string sftp_get_dialogue(const sftp_target& t);

}  // namespace itlfleet::sim
