// libFuzzer target: the TFTP packet codec (net::parse_tftp_packet), which
// every itlfleet TFTP server and client runs on each datagram it receives.
//
// Properties beyond "no crash, no leak, no UB":
// - an error carries an offset no further than the datagram's end;
// - an accepted packet has the opcode peek_tftp_opcode() reads;
// - encoding an accepted packet and parsing the bytes gives the same value
//   (not necessarily the same bytes: option names and the mode are
//   case-insensitive, numbers may have leading zeros, an ERROR message may
//   lack its NUL). The one exception is an ERROR without NUL that already
//   fills the largest datagram: its encoding is one byte too long to parse;
// - parsed option values are within their RFC ranges.
#include <cstddef>
#include <cstdint>
#include <variant>

#include "fuzz_check.hpp"
#include "itlfleet/net/tftp_packet.hpp"
#include "itlfleet/sim/bytes.hpp"

using namespace itlfleet;
using namespace itlfleet::net;

namespace {

tftp_opcode opcode_of(const tftp_packet& p) {
  if (const auto* r = std::get_if<tftp_request>(&p)) return r->opcode;
  if (std::holds_alternative<tftp_data>(p)) return tftp_opcode::data;
  if (std::holds_alternative<tftp_ack>(p)) return tftp_opcode::ack;
  if (std::holds_alternative<tftp_error>(p)) return tftp_opcode::error;
  return tftp_opcode::oack;
}

void check_options(const tftp_options& o) {
  if (o.blksize) {
    ITLFLEET_FUZZ_CHECK(*o.blksize >= tftp_min_blksize && *o.blksize <= tftp_max_blksize,
                        "blksize in 8..65464");
  }
  if (o.timeout) ITLFLEET_FUZZ_CHECK(*o.timeout >= 1, "timeout in 1..255");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const byte_view datagram(data, size);
  auto parsed = parse_tftp_packet(datagram);
  const auto peeked = peek_tftp_opcode(datagram);
  if (!parsed) {
    ITLFLEET_FUZZ_CHECK(parsed.err().offset.has_value(), "a parse error has an offset");
    ITLFLEET_FUZZ_CHECK(*parsed.err().offset <= size, "a parse error's offset is inside the input");
    return 0;
  }

  const tftp_packet& p = *parsed;
  ITLFLEET_FUZZ_CHECK(size <= tftp_max_packet, "accepted datagrams are at most 65468 bytes");
  ITLFLEET_FUZZ_CHECK(peeked && *peeked == opcode_of(p), "peek_tftp_opcode agrees with the parser");
  if (const auto* r = std::get_if<tftp_request>(&p)) {
    ITLFLEET_FUZZ_CHECK(!r->filename.empty(), "a request names a file");
    ITLFLEET_FUZZ_CHECK(r->opcode == tftp_opcode::rrq || r->opcode == tftp_opcode::wrq,
                        "a request is RRQ or WRQ");
    check_options(r->options);
  } else if (const auto* o = std::get_if<tftp_oack>(&p)) {
    check_options(o->options);
  } else if (const auto* d = std::get_if<tftp_data>(&p)) {
    ITLFLEET_FUZZ_CHECK(d->payload.size() == size - 4 && d->payload.data() == data + 4,
                        "DATA's payload views the datagram after its header");
  }

  const bytes encoded = encode_tftp_packet(p);
  const auto* err = std::get_if<tftp_error>(&p);
  if (err != nullptr && encoded.size() > tftp_max_packet) {
    // The documented exception (see the top of this file).
    ITLFLEET_FUZZ_CHECK(encoded.size() == tftp_max_packet + 1 && size == tftp_max_packet,
                        "only a full-size ERROR without NUL outgrows a datagram");
    return 0;
  }
  auto again = parse_tftp_packet(encoded);
  ITLFLEET_FUZZ_CHECK(again.ok(), "an encoded packet parses");
  ITLFLEET_FUZZ_CHECK(*again == p, "parse(encode(p)) == p");
  ITLFLEET_FUZZ_CHECK(encode_tftp_packet(*again) == encoded, "encoding is canonical");
  return 0;
}
