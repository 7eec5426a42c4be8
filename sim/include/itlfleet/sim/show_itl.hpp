#pragma once
/// `show itl` as CUCM prints it: checksums, length, header elements, every
/// record, which etoken signed the file, and whether it verified — plus the
/// same facts as JSON for tools.

#include <cstdint>
#include <optional>
#include <string>

#include "itlfleet/sim/bytes.hpp"

namespace itlfleet::sim {

struct show_options {
  /// The file's modification time (Unix seconds) for "last modified on";
  /// the line is left out when unknown. Printed in UTC.
  std::optional<std::int64_t> modified_unix;
  std::string file_label = "ITL";  ///< "ITL" or "CTL" in the headings
};

struct show_report {
  std::string text;       ///< the `show itl` text (or the parse error)
  std::string json;       ///< the same facts as a JSON document
  bool parsed = false;    ///< the file is a well-formed trust list
  bool verified = false;  ///< and its signature verifies with its own signer record
};

/// Parses, verifies and formats a trust list. Never throws; a malformed file
/// gives a report whose text says where and what was expected.
show_report show_trust_list(byte_view raw, const show_options& options = {});

}  // namespace itlfleet::sim
