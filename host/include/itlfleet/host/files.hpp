#pragma once
/// Whole files read and written, with errors that name the file and the
/// system's reason: what the CLI's commands and the cluster export share.

#include <filesystem>
#include <string>

#include "itlfleet/sim/bytes.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::host {

/// The whole file; errors name the file and the system's reason. Past 256 MiB
/// is an error: nothing read legitimately comes near it, and a mistaken path
/// (a disk image, /dev/zero) must not exhaust memory.
result<bytes> read_file(const std::filesystem::path& path);
result<std::string> read_text_file(const std::filesystem::path& path);

/// Writes `data` to `path`, replacing it, with permissions `perms`.
status write_file(const std::filesystem::path& path, byte_view data, std::filesystem::perms perms);

}  // namespace itlfleet::host
