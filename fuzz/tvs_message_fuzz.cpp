// libFuzzer target: the TVS message codec (net::parse_tvs_header and
// net::parse_tvs_message), which the TVS server runs on every request and the
// client on every answer.
//
// Properties beyond "no crash, no leak, no UB":
// - an error carries an offset no further than the input's end;
// - an accepted message has a header that parse_tvs_header accepts and whose
//   size is the input's;
// - encoding an accepted message and parsing the bytes gives the same value
//   (not the same bytes: unknown tags are dropped, a missing 0x01 prefix or
//   NUL is added). The encoding can be up to 3 bytes longer than the input
//   (device name prefix, subject and issuer NULs), so it is encoded and
//   re-parsed without a size cap; payload lengths still fit in 16 bits.
#include <cstddef>
#include <cstdint>
#include <limits>

#include "fuzz_check.hpp"
#include "itlfleet/net/tvs_message.hpp"
#include "itlfleet/sim/bytes.hpp"

using namespace itlfleet;
using namespace itlfleet::net;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const byte_view input(data, size);
  auto header = parse_tvs_header(input);
  auto parsed = parse_tvs_message(input);
  if (!header) {
    ITLFLEET_FUZZ_CHECK(!parsed.ok(), "no message without a valid header");
    ITLFLEET_FUZZ_CHECK(header.err().offset && *header.err().offset <= size,
                        "a header error's offset is inside the input");
  }
  if (!parsed) {
    ITLFLEET_FUZZ_CHECK(parsed.err().offset && *parsed.err().offset <= size,
                        "a parse error's offset is inside the input");
    return 0;
  }

  const tvs_message& m = *parsed;
  ITLFLEET_FUZZ_CHECK(header.ok(), "a parsed message has a valid header");
  ITLFLEET_FUZZ_CHECK(header->message_size() == size, "the header's size is the message's");
  ITLFLEET_FUZZ_CHECK(header->command == m.command && header->session_id == m.session_id,
                      "header and message agree");
  ITLFLEET_FUZZ_CHECK(size <= tvs_default_max_message, "accepted messages are within the cap");

  constexpr std::size_t no_cap = std::numeric_limits<std::size_t>::max();
  auto encoded = encode_tvs_message(m, no_cap);
  ITLFLEET_FUZZ_CHECK(encoded.ok(), "a parsed message encodes");
  ITLFLEET_FUZZ_CHECK(encoded->size() <= size + 3, "the encoding adds at most 3 bytes");
  auto again = parse_tvs_message(*encoded, no_cap);
  ITLFLEET_FUZZ_CHECK(again.ok(), "an encoded message parses");
  ITLFLEET_FUZZ_CHECK(*again == m, "parse(encode(m)) == m");
  auto twice = encode_tvs_message(*again, no_cap);
  ITLFLEET_FUZZ_CHECK(twice.ok() && *twice == *encoded, "encoding is canonical");
  return 0;
}
