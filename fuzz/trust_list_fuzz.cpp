// libFuzzer target: the ITL/CTL parser (sim::parse_trust_list) and what
// `itlfleet itl show` does with a file it was handed.
//
// Properties beyond "no crash, no leak, no UB":
// - an error carries an offset inside the input and says what was "expected";
// - an accepted file serialises back to the input byte for byte, re-parses to
//   the same value, and is at most max_trust_file_size bytes with a record;
// - the same header parses as a .sgn header, whose payload is the records;
// - the signing preimage is the file without its SIGNATURE element;
// - `show itl` reports parsed exactly when the parser accepts the file.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "itlfleet/sim/bytes.hpp"
#include "itlfleet/sim/show_itl.hpp"
#include "itlfleet/sim/trust_file.hpp"
#include "itlfleet/sim/verify.hpp"

using namespace itlfleet;
using namespace itlfleet::sim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const byte_view input(data, size);
  auto parsed = parse_trust_list(input);

  const show_report report = show_trust_list(input, show_options{.modified_unix = 0});
  ITLFLEET_FUZZ_CHECK(report.parsed == parsed.ok(), "show itl parses as parse_trust_list does");
  ITLFLEET_FUZZ_CHECK(!report.verified || report.parsed, "show itl verifies only parsed files");

  if (!parsed) {
    const error& e = parsed.err();
    ITLFLEET_FUZZ_CHECK(e.offset.has_value(), "a parse error has an offset");
    ITLFLEET_FUZZ_CHECK(*e.offset <= size, "a parse error's offset is inside the input");
    ITLFLEET_FUZZ_CHECK(e.message.rfind("expected", 0) == 0,
                        "a parse error says what was expected");
    return 0;
  }

  const trust_file& f = *parsed;
  ITLFLEET_FUZZ_CHECK(size <= max_trust_file_size, "accepted trust lists fit a phone");
  ITLFLEET_FUZZ_CHECK(!f.records.empty(), "accepted trust lists have a record");
  ITLFLEET_FUZZ_CHECK(f.kind == file_kind::trust_list, "parse_trust_list yields a trust list");

  const bytes out = serialise(f);
  ITLFLEET_FUZZ_CHECK(out.size() == size && std::equal(out.begin(), out.end(), data),
                      "serialise(parse(x)) == x");
  auto again = parse_trust_list(out);
  ITLFLEET_FUZZ_CHECK(again.ok() && *again == f, "parse(serialise(f)) == f");

  // ITL, CTL and .sgn share the header: as a .sgn the records are the payload.
  auto as_signed = parse_signed_file(input);
  ITLFLEET_FUZZ_CHECK(as_signed.ok(), "a trust list's header is a valid .sgn header");
  ITLFLEET_FUZZ_CHECK(as_signed->header == f.header, "same header either way");
  ITLFLEET_FUZZ_CHECK(as_signed->payload.size() == size - f.header.header_length,
                      ".sgn payload starts at HEADERLENGTH");

  const bytes preimage = signing_preimage(f);
  ITLFLEET_FUZZ_CHECK(preimage.size() == size - 3 - f.header.signature.size(),
                      "the signing preimage leaves out exactly the SIGNATURE element");

  // Everything show itl and the verifier read from records, on hostile values.
  for (const record& r : f.records) {
    (void)r.subject();
    (void)r.issuer();
    (void)r.dns_name();
    (void)r.serial();
    if (auto fn = r.function()) (void)role_name(*fn);
    if (auto sha1 = r.cert_sha1()) ITLFLEET_FUZZ_CHECK(sha1->size() == 20, "SHA-1 is 20 bytes");
  }
  (void)digest_name(f.header.digest);
  const verification v = verify_with(f, f);
  (void)v.describe();
  ITLFLEET_FUZZ_CHECK(v.ok() == report.verified, "show itl's verdict is self-verification's");
  return 0;
}
