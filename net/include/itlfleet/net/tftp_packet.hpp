#pragma once
/// TFTP packets (RFC 1350) with option extension (RFC 2347), blksize
/// (RFC 2348), tsize and timeout (RFC 2349). Pure: no sockets, no clocks, so
/// the parser can be fuzzed. All functions are thread-safe (no shared state).
///
///   RRQ/WRQ  | 01/02 | filename 0 | mode 0 | (option 0 value 0)* |
///   DATA     | 03 | block | 0..65464 bytes |
///   ACK      | 04 | block |
///   ERROR    | 05 | code | message 0 |
///   OACK     | 06 | (option 0 value 0)* |
///
/// The parser is liberal where peers differ and strict where a mistake would
/// corrupt a transfer: option names and the mode are case-insensitive;
/// unknown options are kept (a server ignores them); an ERROR message may
/// lack its NUL; but known option values out of their RFC range, duplicate
/// options, truncated fields, unknown opcodes and trailing bytes after an ACK
/// are errors.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "itlfleet/sim/bytes.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::net {

enum class tftp_opcode : std::uint16_t { rrq = 1, wrq = 2, data = 3, ack = 4, error = 5, oack = 6 };

/// RFC 1350 error codes, plus 8 (RFC 2347: option negotiation refused).
enum class tftp_error_code : std::uint16_t {
  not_defined = 0,
  file_not_found = 1,
  access_violation = 2,
  disk_full = 3,
  illegal_operation = 4,
  unknown_tid = 5,
  file_exists = 6,
  no_such_user = 7,
  option_refused = 8,
};

enum class tftp_mode : std::uint8_t { netascii, octet, mail };

/// The default block size (RFC 1350) and the blksize option's range (RFC 2348).
inline constexpr std::uint16_t tftp_default_blksize = 512;
inline constexpr std::uint16_t tftp_min_blksize = 8;
inline constexpr std::uint16_t tftp_max_blksize = 65464;
/// The largest valid packet: a DATA header and a block of tftp_max_blksize.
inline constexpr std::size_t tftp_max_packet = 4 + tftp_max_blksize;

/// The options itlfleet understands; unset = not present in the packet.
struct tftp_options {
  std::optional<std::uint16_t> blksize;  ///< bytes per DATA block, 8..65464
  std::optional<std::uint64_t> tsize;    ///< file size in bytes (0 in a RRQ asking for it)
  std::optional<std::uint8_t> timeout;   ///< retransmission timeout in seconds, 1..255

  bool empty() const { return !blksize && !tsize && !timeout; }
  friend bool operator==(const tftp_options&, const tftp_options&) = default;
};

/// An option this codec does not interpret, kept as sent (name lower-cased).
struct tftp_raw_option {
  std::string name;
  std::string value;
  friend bool operator==(const tftp_raw_option&, const tftp_raw_option&) = default;
};

/// RRQ or WRQ.
struct tftp_request {
  tftp_opcode opcode = tftp_opcode::rrq;  ///< rrq or wrq
  std::string filename;                   ///< non-empty, as sent
  tftp_mode mode = tftp_mode::octet;
  tftp_options options;
  std::vector<tftp_raw_option> unknown_options;
  friend bool operator==(const tftp_request&, const tftp_request&) = default;
};

/// DATA. `payload` views the parsed buffer: it is valid as long as that is.
struct tftp_data {
  std::uint16_t block = 0;
  byte_view payload;
  friend bool operator==(const tftp_data& a, const tftp_data& b) {
    return a.block == b.block &&
           std::equal(a.payload.begin(), a.payload.end(), b.payload.begin(), b.payload.end());
  }
};

struct tftp_ack {
  std::uint16_t block = 0;
  friend bool operator==(const tftp_ack&, const tftp_ack&) = default;
};

/// ERROR. `code` is kept as a number: peers send codes outside 0..8.
struct tftp_error {
  std::uint16_t code = 0;
  std::string message;
  friend bool operator==(const tftp_error&, const tftp_error&) = default;
};

struct tftp_oack {
  tftp_options options;
  std::vector<tftp_raw_option> unknown_options;
  friend bool operator==(const tftp_oack&, const tftp_oack&) = default;
};

using tftp_packet = std::variant<tftp_request, tftp_data, tftp_ack, tftp_error, tftp_oack>;

/// Parses one datagram. Errors carry the byte offset where parsing stopped.
result<tftp_packet> parse_tftp_packet(byte_view datagram);

/// The opcode of a datagram, if it has at least two bytes and a known one.
std::optional<tftp_opcode> peek_tftp_opcode(byte_view datagram);

/// Encodes a packet. Strings are written up to their first NUL; options in
/// the order blksize, tsize, timeout, then unknown ones.
bytes encode_tftp_packet(const tftp_packet& packet);

/// The 4-byte header of a DATA packet (the payload is sent from the file's
/// own bytes with scatter/gather, no copy).
inline std::array<std::uint8_t, 4> tftp_data_header(std::uint16_t block) {
  return {0, 3, static_cast<std::uint8_t>(block >> 8), static_cast<std::uint8_t>(block)};
}

/// A complete ACK packet.
inline std::array<std::uint8_t, 4> tftp_ack_packet(std::uint16_t block) {
  return {0, 4, static_cast<std::uint8_t>(block >> 8), static_cast<std::uint8_t>(block)};
}

/// A complete ERROR packet.
bytes encode_tftp_error(tftp_error_code code, std::string_view message);

/// The most bytes of a peer's own text (a mode, an option name or value, a
/// lookup failure) that an error message quotes: a peer that sends a 60 KB
/// mode string must not get it back, nor fill a log with it.
inline constexpr std::size_t tftp_quote_limit = 64;

/// `text` as error messages quote it: whole when it has at most
/// tftp_quote_limit bytes, else its first bytes (not splitting a UTF-8
/// character) followed by "...(N bytes)" with N its full length.
std::string quote_peer_text(std::string_view text);

/// "octet", "netascii", "mail".
std::string_view to_string(tftp_mode mode);

}  // namespace itlfleet::net
