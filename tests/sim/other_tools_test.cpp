// ITLs as other tools write them, built byte by byte rather than by our
// writer: the children of SIGNERID and SIGNATUREINFO in other orders, and
// SIGNER_VERSION right after HEADERLENGTH. A phone takes these files, so the
// parser must; the writer must give back the same bytes, and the signature
// must cover exactly the bytes the other tool signed.

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "itlfleet/sim/show_itl.hpp"
#include "itlfleet/sim/trust_file.hpp"

namespace itlfleet::sim {
namespace {

void put(bytes& out, std::initializer_list<std::uint8_t> b) {
  out.insert(out.end(), b.begin(), b.end());
}

void put_u16(bytes& out, std::size_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void put_tlv(bytes& out, std::uint8_t tag, const bytes& value) {
  out.push_back(tag);
  put_u16(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
}

bytes text(const std::string& s) {
  bytes b(s.begin(), s.end());
  b.push_back(0);
  return b;
}

struct hand_built {
  bytes file;
  std::size_t signature_at = 0;  ///< the SIGNATURE element (tag byte)
  std::size_t signature_size = 0;
};

/// VERSION, HEADERLENGTH, SIGNER_VERSION, SIGNERID {SIGNERNAME, CANAME,
/// SERIALNUMBER}, SIGNATUREINFO {SIGNATUREALGOINFO {MODULUS, ALGORITHM},
/// DIGESTALGORITHM}, SIGNATURE, FILENAME, TIMESTAMP, padding, one record.
hand_built other_tool_itl() {
  const bytes name = text("CN=tool.example.com;O=Example");
  const bytes ca = text("CN=Example CA");
  const bytes serial = {0x0A, 0x0B, 0x0C};
  const bytes signature(128, 0xA5);
  const bytes filename = text("ITLFile.tlv");

  bytes h;
  put(h, {1, 0, 2, 1, 2});   // VERSION 1.2
  put(h, {2, 0, 2, 0, 0});   // HEADERLENGTH, filled in below
  put(h, {28, 0, 2, 1, 1});  // SIGNER_VERSION 1.1
  h.push_back(3);            // SIGNERID
  put_u16(h, 3 * 3 + name.size() + ca.size() + serial.size());
  put_tlv(h, 4, name);
  put_tlv(h, 6, ca);
  put_tlv(h, 5, serial);
  put(h, {7, 0, 15});                           // SIGNATUREINFO
  put(h, {9, 0, 8, 11, 0, 1, 1, 10, 0, 1, 0});  // ALGOINFO {MODULUS 1, ALGORITHM RSA}
  put(h, {8, 0, 1, 1});                         // DIGESTALGORITHM SHA-1
  hand_built out;
  out.signature_at = h.size();
  put_tlv(h, 12, signature);
  out.signature_size = 3 + signature.size();
  put_tlv(h, 14, filename);
  put(h, {15, 0, 4, 0x65, 0x00, 0x00, 0x01});  // TIMESTAMP
  while (h.size() % 4 != 0) h.push_back(13);   // PADDING
  h[8] = static_cast<std::uint8_t>(h.size() >> 8);
  h[9] = static_cast<std::uint8_t>(h.size());

  bytes rec;
  put_tlv(rec, 3, name);      // SUBJECTNAME
  put(rec, {4, 0, 2, 0, 0});  // FUNCTION: SAST
  put_tlv(rec, 5, ca);        // ISSUERNAME
  put_tlv(rec, 6, serial);    // SERIALNUMBER
  put(h, {1, 0, 2});          // RECORDLENGTH
  put_u16(h, 5 + rec.size());
  h.insert(h.end(), rec.begin(), rec.end());
  out.file = h;
  return out;
}

TEST(OtherTools, signer_id_and_signature_info_in_another_order_parse) {
  const hand_built itl = other_tool_itl();
  const auto parsed = parse_trust_list(itl.file);
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  const file_header& h = parsed->header;
  EXPECT_EQ(h.signer.name, text("CN=tool.example.com;O=Example"));
  EXPECT_EQ(h.signer.ca_name, text("CN=Example CA"));
  EXPECT_EQ(h.signer.serial, (bytes{0x0A, 0x0B, 0x0C}));
  ASSERT_TRUE(h.signer_version.has_value());
  EXPECT_EQ(*h.signer_version, (std::array<std::uint8_t, 2>{1, 1}));
  EXPECT_EQ(h.digest, digest_algorithm::sha1);
  EXPECT_EQ(h.signature_algorithm, 0);
  EXPECT_EQ(h.signature_modulus, 1);
  EXPECT_EQ(h.signature.size(), 128u);
  ASSERT_EQ(parsed->records.size(), 1u);
  // The record names the signer by serial and issuer, whatever the order.
  EXPECT_EQ(parsed->records[0].serial(), h.signer.serial);
}

TEST(OtherTools, are_written_back_byte_for_byte_and_signed_over_the_same_bytes) {
  const hand_built itl = other_tool_itl();
  const auto parsed = parse_trust_list(itl.file);
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_EQ(serialise(*parsed), itl.file);
  // What the other tool signed: the file without its SIGNATURE element.
  bytes signed_bytes = itl.file;
  signed_bytes.erase(
      signed_bytes.begin() + static_cast<std::ptrdiff_t>(itl.signature_at),
      signed_bytes.begin() + static_cast<std::ptrdiff_t>(itl.signature_at + itl.signature_size));
  EXPECT_EQ(signing_preimage(*parsed), signed_bytes);
}

TEST(OtherTools, canonical_layout_writes_cucm_order_again) {
  auto parsed = parse_trust_list(other_tool_itl().file);
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  trust_file f = *parsed;
  canonical_layout(f.header);
  const bytes canonical = serialise(f);
  const auto again = parse_trust_list(canonical);
  ASSERT_TRUE(again) << again.err().to_string();
  EXPECT_EQ(again->header.signer, parsed->header.signer);
  // SIGNERID's first child is SIGNERNAME then SERIALNUMBER, as CUCM writes.
  const std::size_t signer_id_at = 15;  // after VERSION, HEADERLENGTH, SIGNER_VERSION
  ASSERT_EQ(canonical[signer_id_at], 3);
  const std::size_t name_len = get_u16(&canonical[signer_id_at + 4]);
  EXPECT_EQ(canonical[signer_id_at + 3], 4);
  EXPECT_EQ(canonical[signer_id_at + 3 + 3 + name_len], 5);
}

TEST(OtherTools, itl_show_prints_signer_version) {
  const show_report report = show_trust_list(other_tool_itl().file, {});
  ASSERT_TRUE(report.parsed) << report.text;
  EXPECT_NE(report.text.find("28 SIGNER_VERSION 2 1.1\n"), std::string::npos) << report.text;
  EXPECT_NE(report.text.find("4 SIGNERNAME 30 CN=tool.example.com;O=Example\n"), std::string::npos)
      << report.text;
  EXPECT_NE(report.json.find("\"signer_version\": \"1.1\""), std::string::npos) << report.json;
}

}  // namespace
}  // namespace itlfleet::sim
