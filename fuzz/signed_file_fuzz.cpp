// libFuzzer target: the signed-file parser (sim::parse_signed_file), and the
// check a phone makes on a `SEP<MAC>.cnf.xml.sgn`: find the signer in its
// installed ITL and verify the signature. The installed ITL is a fixed one,
// fuzz/corpus/trust_list/itl-10.0-pub.tlv, embedded at build time; the seed
// corpus holds .sgn files that it verifies and files it does not know.
//
// Properties beyond "no crash, no leak, no UB":
// - an error carries an offset inside the input and says what was "expected";
// - an accepted file serialises back to the input byte for byte and re-parses
//   to the same value; its payload is everything after HEADERLENGTH;
// - the signing preimage is the file without its SIGNATURE element;
// - verification names a signer record exactly when it found one.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "fuzz_check.hpp"
#include "itlfleet/sim/bytes.hpp"
#include "itlfleet/sim/trust_file.hpp"
#include "itlfleet/sim/verify.hpp"

namespace itlfleet::fuzz {
extern const unsigned char trust_anchor_itl[];
extern const std::size_t trust_anchor_itl_size;
}  // namespace itlfleet::fuzz

using namespace itlfleet;
using namespace itlfleet::sim;

namespace {

const trust_file& installed_itl() {
  static const trust_file itl = [] {
    auto parsed = parse_trust_list(byte_view(fuzz::trust_anchor_itl, fuzz::trust_anchor_itl_size));
    ITLFLEET_FUZZ_CHECK(parsed.ok(), "the embedded trust anchor is a valid ITL");
    return std::move(parsed).value();
  }();
  return itl;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const byte_view input(data, size);
  auto parsed = parse_signed_file(input);
  if (!parsed) {
    const error& e = parsed.err();
    ITLFLEET_FUZZ_CHECK(e.offset.has_value(), "a parse error has an offset");
    ITLFLEET_FUZZ_CHECK(*e.offset <= size, "a parse error's offset is inside the input");
    ITLFLEET_FUZZ_CHECK(e.message.rfind("expected", 0) == 0,
                        "a parse error says what was expected");
    return 0;
  }

  const trust_file& f = *parsed;
  ITLFLEET_FUZZ_CHECK(f.kind == file_kind::signed_file, "parse_signed_file yields a signed file");
  ITLFLEET_FUZZ_CHECK(f.header.header_length <= size, "HEADERLENGTH is inside the file");
  ITLFLEET_FUZZ_CHECK(
      f.payload.size() == size - f.header.header_length &&
          std::equal(f.payload.begin(), f.payload.end(), data + f.header.header_length),
      "the payload is everything after HEADERLENGTH");

  const bytes out = serialise(f);
  ITLFLEET_FUZZ_CHECK(out.size() == size && std::equal(out.begin(), out.end(), data),
                      "serialise(parse(x)) == x");
  auto again = parse_signed_file(out);
  ITLFLEET_FUZZ_CHECK(again.ok() && *again == f, "parse(serialise(f)) == f");

  const bytes preimage = signing_preimage(f);
  ITLFLEET_FUZZ_CHECK(preimage.size() == size - 3 - f.header.signature.size(),
                      "the signing preimage leaves out exactly the SIGNATURE element");

  const trust_file& itl = installed_itl();
  const verification v = verify_with(f, itl);
  (void)v.describe();
  ITLFLEET_FUZZ_CHECK(
      v.signer_record.has_value() == (v.status != verify_status::signer_not_found &&
                                      v.status != verify_status::unsupported_digest),
      "a signer record is named exactly when one was found");
  if (v.signer_record) {
    ITLFLEET_FUZZ_CHECK(*v.signer_record < itl.records.size(), "the signer record exists");
    ITLFLEET_FUZZ_CHECK(itl.records[*v.signer_record].serial() == f.header.signer.serial,
                        "the signer record has the header's serial number");
  }
  return 0;
}
