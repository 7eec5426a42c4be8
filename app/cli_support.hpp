#pragma once
/// Helpers the subcommands share: exit codes, error output and file I/O whose
/// messages name the file.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "itlfleet/host/files.hpp"
#include "itlfleet/sim/bytes.hpp"
#include "itlfleet/sim/result.hpp"

namespace CLI {
class Validator;
}

namespace itlfleet::app {

/// Exit codes of the trust-file commands (documented in their --help).
enum exit_code : int {
  exit_ok = 0,         ///< verified / accepted / written
  exit_rejected = 1,   ///< well-formed input that does not verify or is not accepted
  exit_bad_input = 2,  ///< unreadable or malformed input, bad option values, I/O failure
};

/// Ends the running subcommand with `code`; does nothing for 0. CLI11 turns
/// the exception into main's return value and prints nothing for it.
void finish(int code);

/// For options held in unsigned integers: only decimal digits, at most
/// 18446744073709551615. CLI11 alone would read "-1" as that maximum and
/// "18446744073709551616" as it too, running silently with a value nobody
/// typed.
CLI::Validator unsigned_integer();

/// `--shard K/N` (run, sweep): "K/N" with 0 <= K < N <= 1,000,000.
bool parse_shard(const std::string& s, std::uint32_t& k, std::uint32_t& n);

/// Prints "itlfleet: <message>" on stderr, control bytes shown as `\xNN`.
void print_error(std::string_view message);

// Whole files, errors naming the file (host/files.hpp).
using host::read_file;
using host::read_text_file;
using host::write_file;

/// True when `data` starts with VERSION 1.0, the version of signed `.sgn`
/// files (trust lists carry 1.2). Decides how a file of unknown kind is read,
/// so that a truncated ITL is reported as a broken ITL, not taken for a .sgn.
bool has_signed_file_version(byte_view data);

/// The file's modification time in Unix seconds, if it can be read.
std::optional<std::int64_t> modified_unix(const std::filesystem::path& path);

}  // namespace itlfleet::app
