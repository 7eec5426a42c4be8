#pragma once
/// The TVS wire protocol (TCP port 2445, inside TLS): encoding and parsing of
/// one message. Pure functions, no I/O; safe from any thread.
///
/// A message is a 10-byte header followed by TLV elements:
///
///   byte 0     0x57 protocol id
///   byte 1     version, 1
///   byte 2     command (tvs_command)
///   byte 3     reserved, 0 on send, ignored on receive
///   bytes 4-7  session id, u32 big-endian; a response echoes the request's
///   bytes 8-9  payload length, u16 big-endian (the bytes after the header)
///   payload    elements: tag (1 byte), length (u16 big-endian), value
///
/// Element numbers 1, 2, 7, 8 and 9 are those of the open-source
/// usecallmanager tvsd/tvsc, which define commands 3/4 (QUERY) but implement
/// only VERIFY and so assign no numbers for issuer and serial. Our decision:
/// QUERY_CERT carries subject 3, issuer 5 and serial 6, the numbers of the
/// same fields in an ITL record (SUBJECTNAME 3, ISSUERNAME 5, SERIALNUMBER 6);
/// subject and issuer are NUL-terminated strings as in ITL records (the
/// parser accepts them with or without the NUL). A valid QUERY_CERT response
/// returns the certificate found in element 2.
///
/// The parser is liberal: elements in any order, unknown tags skipped. It is
/// strict where a guess would be wrong: wrong protocol id or version, unknown
/// command, payload length different from the bytes given, a truncated or
/// duplicated element, a known element of the wrong size, an oversized message.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "itlfleet/sim/bytes.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::net {

inline constexpr std::uint8_t tvs_protocol_id = 0x57;
inline constexpr std::uint8_t tvs_protocol_version = 1;
inline constexpr std::size_t tvs_header_size = 10;
/// The largest payload the header's 2-byte length can say.
inline constexpr std::size_t tvs_max_payload = 65535;
/// Default cap on a whole message (header + payload), in bytes: every
/// payload length the header can say. A TVS message holds at most two
/// certificates and a few names, a few KiB in practice; servers may set a
/// lower cap (tvs_server_options::max_message).
inline constexpr std::size_t tvs_default_max_message = tvs_header_size + tvs_max_payload;

enum class tvs_command : std::uint8_t {
  verify_request = 1,  ///< the whole signer certificate is sent
  verify_response = 2,
  query_request = 3,  ///< subject, issuer and serial of the signer are sent
  query_response = 4,
};

/// Element tags. See the header comment for where each number comes from.
namespace tvs_tag {
inline constexpr std::uint8_t device_name = 1;  ///< 0x01, then e.g. "CP-8861-SEP001E7A000001"
inline constexpr std::uint8_t certificate = 2;  ///< X.509 DER
inline constexpr std::uint8_t subject = 3;      ///< string, NUL-terminated
inline constexpr std::uint8_t issuer = 5;       ///< string, NUL-terminated (our numbering)
inline constexpr std::uint8_t serial = 6;       ///< raw big-endian bytes (our numbering)
inline constexpr std::uint8_t status = 7;       ///< 1 byte, tvs_status
inline constexpr std::uint8_t roles = 8;        ///< one byte per role (ITL FUNCTION codes)
inline constexpr std::uint8_t ttl = 9;          ///< u32 seconds
}  // namespace tvs_tag

enum class tvs_status : std::uint8_t { valid = 0, invalid = 1 };

/// True for the commands a client sends (1 and 3).
constexpr bool is_request(tvs_command c) {
  return c == tvs_command::verify_request || c == tvs_command::query_request;
}
/// The response command that answers `request` (1 -> 2, 3 -> 4).
constexpr tvs_command response_to(tvs_command request) {
  return static_cast<tvs_command>(static_cast<std::uint8_t>(request) + 1);
}

/// One message. Absent elements are nullopt; present ones are encoded in tag
/// order. Strings hold the text only (no 0x01 prefix, no NUL).
struct tvs_message {
  tvs_command command = tvs_command::verify_request;
  std::uint32_t session_id = 0;

  std::optional<std::string> device_name;
  std::optional<bytes> certificate;
  std::optional<std::string> subject;
  std::optional<std::string> issuer;
  std::optional<bytes> serial;
  std::optional<tvs_status> status;
  std::optional<bytes> roles;
  std::optional<std::uint32_t> ttl;

  friend bool operator==(const tvs_message&, const tvs_message&) = default;
};

/// What the fixed header says.
struct tvs_header {
  tvs_command command = tvs_command::verify_request;
  std::uint32_t session_id = 0;
  std::uint16_t payload_length = 0;
  /// Header plus payload, in bytes.
  std::size_t message_size() const { return tvs_header_size + payload_length; }
};

/// Reads the first tvs_header_size bytes of `data` (more are ignored), so a
/// stream reader learns how many payload bytes follow. Errors: fewer than 10
/// bytes, wrong protocol id or version, unknown command, a message larger
/// than `max_message` bytes.
result<tvs_header> parse_tvs_header(byte_view data,
                                    std::size_t max_message = tvs_default_max_message);

/// Parses exactly one whole message: `data.size()` must equal 10 + the
/// header's payload length.
result<tvs_message> parse_tvs_message(byte_view data,
                                      std::size_t max_message = tvs_default_max_message);

/// Encodes `m`. Errors: an element longer than 65535 bytes, or a message
/// larger than `max_message`.
result<bytes> encode_tvs_message(const tvs_message& m,
                                 std::size_t max_message = tvs_default_max_message);

}  // namespace itlfleet::net
