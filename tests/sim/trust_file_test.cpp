// The header under test comes first: it must compile on its own.
#include "itlfleet/sim/trust_file.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "itlfleet/sim/bytes.hpp"

namespace itlfleet::sim {
namespace {

// Names and serials from the seed's `show itl` (CUCM 10.0 publisher).
constexpr std::string_view pub_name = "CN=test10pub.joemar2.lab;OU=tac;O=cisco;L=rtp;ST=nc;C=US";
constexpr std::string_view sub_name = "CN=test10sub.joemar2.lab;OU=tac;O=cisco;L=rtp;ST=nc;C=US";
constexpr std::string_view capf_name = "CN=CAPF-75638ad9;OU=tac;O=cisco;L=rtp;ST=nc;C=US";
// The seed prints this 68-character name but counts SUBJECTNAME 66 and
// SIGNERNAME 66 (65 characters and the NUL); the byte count is what the file
// holds and what the worked example adds up, so the name is cut to fit.
constexpr std::string_view recovery_name =
    std::string_view("CN=ITLRECOVERY_test10pub.joemar2.lab;OU=tac;O=cisco;L=rtp;ST=nc;C=US")
        .substr(0, 65);
constexpr std::string_view pub_serial = "61:40:52:E9:1E:E9:7C:77:9B:7B:5E:81:0A:B1:46:A5";
constexpr std::string_view capf_serial = "42:BF:37:77:9B:16:AF:1C:D2:30:88:C2:17:24:9D:AA";
constexpr std::string_view tvs_serial = "76:59:84:D8:B7:30:60:63:36:E5:C7:B6:A7:DD:B9:D6";
constexpr std::string_view recovery_serial = "6E:3F:65:C2:97:B3:E0:1F:E7:42:81:AB:52:CC:55:DC";
constexpr std::string_view sub_serial = "67:D1:A1:9E:F8:AB:91:E6:C0:A6:10:35:26:30:EE:02";

/// Stand-in key, signature and certificate bytes: only their sizes matter here.
bytes filler(std::size_t n, std::uint8_t salt) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 31 + salt);
  return b;
}

bytes u16_bytes(std::uint16_t v) {
  bytes b;
  put_u16(b, v);
  return b;
}

/// A record shaped like CUCM's: the whole certificate, or its hash.
record cucm_record(std::string_view name, std::string_view serial, cert_role role,
                   std::size_t key_size, std::size_t sig_size, std::size_t cert_size,
                   bool hash_only) {
  record r;
  r.fields = {
      {record_tag::dns_name, bytes{0, 0}},
      {record_tag::subject_name, to_bytes(name, true)},
      {record_tag::function, u16_bytes(static_cast<std::uint16_t>(role))},
      {record_tag::issuer_name, to_bytes(name, true)},
      {record_tag::serial_number, from_hex(serial)},
      {record_tag::public_key, filler(key_size, 1)},
      {record_tag::signature, filler(sig_size, 2)},
  };
  if (hash_only) {
    r.fields.push_back({record_tag::cert_hash, filler(20, 3)});
    r.fields.push_back({record_tag::hash_algorithm, bytes{1}});
  } else {
    r.fields.push_back({record_tag::certificate, filler(cert_size, 4)});
  }
  return r;
}

file_header seed_header(std::string_view signer, std::string_view serial) {
  file_header h;
  h.signer = {to_bytes(signer, true), from_hex(serial), to_bytes(signer, true)};
  h.signature = filler(128, 9);
  h.filename = to_bytes("ITLFile.tlv", true);
  h.timestamp = 1393439067;  // Wed Feb 26 10:24:27 PST 2014
  canonical_layout(h);
  return h;
}

/// The seed's ITL: six records, signed by the CallManager certificate.
trust_file seed_itl() {
  trust_file f;
  f.header = seed_header(pub_name, pub_serial);
  f.records = {
      cucm_record(pub_name, pub_serial, cert_role::sast, 140, 128, 684, false),
      cucm_record(pub_name, pub_serial, cert_role::tftp, 140, 128, 684, false),
      cucm_record(capf_name, capf_serial, cert_role::capf, 140, 128, 0, true),
      cucm_record(pub_name, tvs_serial, cert_role::tvs, 140, 128, 0, true),
      cucm_record(recovery_name, recovery_serial, cert_role::sast, 140, 128, 692, false),
      cucm_record(sub_name, sub_serial, cert_role::tvs, 270, 256, 0, true),
  };
  return f;
}

trust_file signed_config() {
  trust_file f;
  f.kind = file_kind::signed_file;
  f.header = seed_header(pub_name, pub_serial);
  f.header.version_minor = 0;
  f.header.filename = to_bytes("SEP001122334455.cnf.xml.sgn", true);
  canonical_layout(f.header);
  const std::string xml = "<device><deviceProtocol>SIP</deviceProtocol></device>\n";
  f.payload = to_bytes(xml);
  return f;
}

/// Parses `data`, checks it re-serialises to the same bytes, returns the file.
trust_file roundtrip(const bytes& data, file_kind kind) {
  auto parsed = kind == file_kind::trust_list ? parse_trust_list(data) : parse_signed_file(data);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.err().to_string());
  if (!parsed.ok()) return {};
  EXPECT_EQ(serialise(*parsed), data);
  return std::move(parsed).value();
}

// ---------------------------------------------------------------- bytes

TEST(Bytes, to_bytes_appends_nul_on_request) {
  EXPECT_EQ(to_bytes("ab"), (bytes{'a', 'b'}));
  EXPECT_EQ(to_bytes("ab", true), (bytes{'a', 'b', 0}));
  EXPECT_EQ(to_bytes("", true), (bytes{0}));
}

TEST(Bytes, text_of_stops_at_first_nul) {
  EXPECT_EQ(text_of(bytes{'C', 'N', 0, 'x'}), "CN");
  EXPECT_EQ(text_of(bytes{'a', 'b'}), "ab");
  EXPECT_EQ(text_of(bytes{}), "");
  EXPECT_EQ(text_of(bytes{0, 0}), "");
}

TEST(Bytes, to_hex_formats_with_separator_and_case) {
  const bytes b{0x01, 0xab, 0xff};
  EXPECT_EQ(to_hex(b), "01abff");
  EXPECT_EQ(to_hex(b, " "), "01 ab ff");
  EXPECT_EQ(to_hex(b, ":", true), "01:AB:FF");
  EXPECT_EQ(to_hex(bytes{}, ":"), "");
}

TEST(Bytes, from_hex_ignores_separators_and_rejects_garbage) {
  EXPECT_EQ(from_hex("01abFF"), (bytes{0x01, 0xab, 0xff}));
  EXPECT_EQ(from_hex("61:40:52"), (bytes{0x61, 0x40, 0x52}));
  EXPECT_EQ(from_hex("9d 7d a7"), (bytes{0x9d, 0x7d, 0xa7}));
  EXPECT_EQ(from_hex(pub_serial).size(), 16u);
  EXPECT_TRUE(from_hex("abc").empty());
  EXPECT_TRUE(from_hex("zz").empty());
  EXPECT_TRUE(from_hex("").empty());
}

TEST(Bytes, from_hex_reads_show_itl_signature_dump_without_leading_zeros) {
  EXPECT_EQ(from_hex("8f d4 0 cb"), (bytes{0x8f, 0xd4, 0x00, 0xcb}));
}

TEST(Bytes, to_hex_and_from_hex_roundtrip) {
  const bytes b = filler(300, 7);
  EXPECT_EQ(from_hex(to_hex(b, ":", true)), b);
}

// ---------------------------------------------------------------- names

TEST(TrustFile, role_names_match_show_itl) {
  EXPECT_EQ(role_name(0), "System Administrator Security Token");
  EXPECT_EQ(role_name(1), "CCM");
  EXPECT_EQ(role_name(2), "CCM+TFTP");
  EXPECT_EQ(role_name(3), "TFTP");
  EXPECT_EQ(role_name(4), "CAPF");
  EXPECT_EQ(role_name(7), "APP-SERVER");
  EXPECT_EQ(role_name(21), "TVS");
  EXPECT_EQ(role_name(5), "5");
  EXPECT_EQ(role_name(65535), "65535");
}

TEST(TrustFile, digest_names) {
  EXPECT_EQ(digest_name(digest_algorithm::sha1), "SHA-1");
  EXPECT_EQ(digest_name(digest_algorithm::sha256), "SHA-256");
  EXPECT_EQ(digest_name(digest_algorithm::sha512), "SHA-512");
  EXPECT_EQ(digest_name(static_cast<digest_algorithm>(9)), "unknown");
}

TEST(TrustFile, modulus_codes_map_key_sizes_both_ways) {
  for (const int bits : {512, 1024, 2048, 4096}) {
    const auto code = modulus_code(bits);
    ASSERT_TRUE(code.has_value()) << bits;
    EXPECT_EQ(modulus_bits(*code), bits);
  }
  EXPECT_EQ(modulus_code(1024), 1);
  EXPECT_EQ(modulus_code(2048), 2);
  EXPECT_FALSE(modulus_code(3072).has_value());
  EXPECT_EQ(modulus_bits(4), 0);
}

// ---------------------------------------------------------------- sizes

TEST(TrustFile, seed_names_have_the_seed_lengths) {
  EXPECT_EQ(to_bytes(pub_name, true).size(), 57u);
  EXPECT_EQ(to_bytes(capf_name, true).size(), 49u);
  EXPECT_EQ(to_bytes(recovery_name, true).size(), 66u);
}

TEST(TrustFile, worked_example_header_is_324_bytes) {
  const file_header h = seed_header(pub_name, pub_serial);
  EXPECT_EQ(h.header_length, 324);
  EXPECT_EQ(header_size(h), 324u);
  EXPECT_EQ(std::count(h.layout.begin(), h.layout.end(), header_tag::padding), 1);
}

TEST(TrustFile, recovery_signed_header_is_344_bytes) {
  const file_header h = seed_header(recovery_name, recovery_serial);
  EXPECT_EQ(h.header_length, 344);
  EXPECT_EQ(std::count(h.layout.begin(), h.layout.end(), header_tag::padding), 3);
}

TEST(TrustFile, canonical_layout_is_cucm_order) {
  const file_header h = seed_header(pub_name, pub_serial);
  const std::vector<header_tag> expected{header_tag::version,   header_tag::header_length,
                                         header_tag::signer_id, header_tag::signature_info,
                                         header_tag::signature, header_tag::filename,
                                         header_tag::timestamp, header_tag::padding};
  EXPECT_EQ(h.layout, expected);
}

TEST(TrustFile, canonical_layout_puts_signer_version_after_header_length) {
  file_header h = seed_header(pub_name, pub_serial);
  h.signer_version = std::array<std::uint8_t, 2>{1, 1};
  canonical_layout(h);
  EXPECT_EQ(h.layout[2], header_tag::signer_version);
  EXPECT_EQ(h.header_length, 328);  // 323 + 5 = 328, already aligned
  EXPECT_EQ(std::count(h.layout.begin(), h.layout.end(), header_tag::padding), 0);
}

TEST(TrustFile, seed_record_sizes_match_show_itl) {
  const trust_file f = seed_itl();
  const std::vector<std::size_t> expected{1115, 1115, 439, 455, 1141, 713};
  ASSERT_EQ(f.records.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(f.records[i].encoded_size(), expected[i]) << "record " << i + 1;
  }
}

TEST(TrustFile, seed_itl_is_5302_bytes_and_5322_after_reset) {
  trust_file f = seed_itl();
  EXPECT_EQ(serialise(f).size(), 5302u);
  f.header = seed_header(recovery_name, recovery_serial);
  EXPECT_EQ(serialise(f).size(), 5322u);
}

// ---------------------------------------------------------------- bytes on the wire

TEST(TrustFile, serialised_header_starts_as_cucm_writes_it) {
  const bytes data = serialise(seed_itl());
  const bytes start(data.begin(), data.begin() + 13);
  // VERSION 1.2, HEADERLENGTH 324, SIGNERID 139
  EXPECT_EQ(start, (bytes{1, 0, 2, 1, 2, 2, 0, 2, 0x01, 0x44, 3, 0, 139}));
  EXPECT_EQ(data[13], 4);  // SIGNERNAME
  EXPECT_EQ(get_u16(&data[14]), 57);
  EXPECT_EQ(data[323], 0x0D);  // the one PADDING byte
  EXPECT_EQ(data[324], 1);     // first RECORDLENGTH
  EXPECT_EQ(get_u16(&data[327]), 1115);
}

TEST(TrustFile, signature_info_is_15_bytes_with_fixed_children) {
  const bytes data = serialise(seed_itl());
  const std::size_t at = 10 + 3 + 139;  // after SIGNERID
  const bytes info(data.begin() + at, data.begin() + at + 18);
  EXPECT_EQ(info, (bytes{7, 0, 15, 8, 0, 1, 1, 9, 0, 8, 10, 0, 1, 0, 11, 0, 1, 1}));
}

// ---------------------------------------------------------------- roundtrips

TEST(TrustFile, seed_itl_roundtrips) {
  const trust_file f = seed_itl();
  const bytes data = serialise(f);
  const trust_file parsed = roundtrip(data, file_kind::trust_list);
  EXPECT_EQ(parsed, f);
  EXPECT_EQ(parsed.header.header_length, 324);
  EXPECT_EQ(parsed.records.size(), 6u);
}

TEST(TrustFile, recovery_signed_itl_roundtrips) {
  trust_file f = seed_itl();
  f.header = seed_header(recovery_name, recovery_serial);
  const trust_file parsed = roundtrip(serialise(f), file_kind::trust_list);
  EXPECT_EQ(parsed, f);
}

TEST(TrustFile, signed_file_roundtrips) {
  const trust_file f = signed_config();
  const bytes data = serialise(f);
  EXPECT_EQ(data.size(), f.header.header_length + f.payload.size());
  const trust_file parsed = roundtrip(data, file_kind::signed_file);
  EXPECT_EQ(parsed, f);
  EXPECT_EQ(parsed.header.version_major, 1);
  EXPECT_EQ(parsed.header.version_minor, 0);
  EXPECT_TRUE(parsed.records.empty());
}

TEST(TrustFile, signed_file_with_empty_payload_roundtrips) {
  trust_file f = signed_config();
  f.payload.clear();
  EXPECT_EQ(roundtrip(serialise(f), file_kind::signed_file), f);
}

TEST(TrustFile, signed_file_may_have_another_major_version) {
  trust_file f = signed_config();
  f.header.version_major = 2;
  EXPECT_EQ(roundtrip(serialise(f), file_kind::signed_file), f);
}

TEST(TrustFile, third_party_file_with_comma_names_signer_version_and_sha512_roundtrips) {
  const std::string name = "CN=itl-signer,OU=voice,O=Example Corp,C=DE";
  trust_file f;
  f.header.signer = {to_bytes(name, true), bytes{0x01}, to_bytes("CN=Example CA,O=Example", true)};
  f.header.digest = digest_algorithm::sha512;
  f.header.signature_modulus = *modulus_code(2048);
  f.header.signature = filler(256, 5);
  f.header.filename = to_bytes("ITLSEP001122334455.tlv", true);
  f.header.signer_version = std::array<std::uint8_t, 2>{1, 1};
  canonical_layout(f.header);
  record r = cucm_record(name, "01", cert_role::tvs, 270, 256, 900, false);
  // Other tools name the host and carry the whole certificate for TVS.
  r.fields[0].value = to_bytes("cucm.example.com", true);
  f.records = {r, cucm_record(name, "02", cert_role::ccm_tftp, 270, 256, 900, false)};

  const trust_file parsed = roundtrip(serialise(f), file_kind::trust_list);
  EXPECT_EQ(parsed, f);
  EXPECT_EQ(parsed.header.digest, digest_algorithm::sha512);
  ASSERT_TRUE(parsed.header.signer_version.has_value());
  EXPECT_EQ((*parsed.header.signer_version)[1], 1);
  EXPECT_EQ(parsed.records[0].subject(), name);
  EXPECT_EQ(parsed.records[0].dns_name(), "cucm.example.com");
  EXPECT_TRUE(parsed.records[0].has_role(cert_role::tvs));
}

TEST(TrustFile, non_canonical_header_order_roundtrips) {
  trust_file f = seed_itl();
  auto& h = f.header;
  h.signer_version = std::array<std::uint8_t, 2>{1, 0};
  // Padding in the middle, TIMESTAMP first, SIGNER_VERSION last.
  h.layout = {header_tag::version,       header_tag::header_length,  header_tag::timestamp,
              header_tag::padding,       header_tag::filename,       header_tag::signature,
              header_tag::padding,       header_tag::signature_info, header_tag::signer_id,
              header_tag::signer_version};
  h.header_length = static_cast<std::uint16_t>(header_size(h));
  const bytes data = serialise(f);
  EXPECT_EQ(data[10], static_cast<std::uint8_t>(header_tag::timestamp));
  const trust_file parsed = roundtrip(data, file_kind::trust_list);
  EXPECT_EQ(parsed, f);
  EXPECT_EQ(parsed.header.layout, h.layout);
}

TEST(TrustFile, header_without_timestamp_or_padding_roundtrips) {
  trust_file f = seed_itl();
  auto& h = f.header;
  h.layout = {header_tag::version,        header_tag::header_length, header_tag::signer_id,
              header_tag::signature_info, header_tag::signature,     header_tag::filename};
  h.timestamp = 0;  // not in the file, so parsing leaves the default
  h.header_length = static_cast<std::uint16_t>(header_size(h));
  EXPECT_EQ(h.header_length, 316);
  EXPECT_EQ(roundtrip(serialise(f), file_kind::trust_list), f);
}

TEST(TrustFile, extra_padding_bytes_roundtrip) {
  trust_file f = seed_itl();
  for (int i = 0; i < 4; ++i) f.header.layout.push_back(header_tag::padding);
  f.header.header_length = static_cast<std::uint16_t>(header_size(f.header));
  EXPECT_EQ(f.header.header_length, 328);
  EXPECT_EQ(roundtrip(serialise(f), file_kind::trust_list), f);
}

TEST(TrustFile, every_dns_name_form_parses) {
  // CUCM writes two bytes for an empty DNSNAME; others write nothing, a
  // host name with its NUL, or one without.
  for (const bytes& dns : {bytes{}, bytes{0, 0}, to_bytes("cucm1", true), to_bytes("cucm1")}) {
    trust_file f = seed_itl();
    f.records[0].fields[0].value = dns;
    const trust_file parsed = roundtrip(serialise(f), file_kind::trust_list);
    EXPECT_EQ(parsed, f);
    EXPECT_EQ(parsed.records[0].dns_name(), text_of(dns));
  }
}

TEST(TrustFile, record_fields_keep_file_order) {
  trust_file f = seed_itl();
  std::reverse(f.records[2].fields.begin(), f.records[2].fields.end());
  const trust_file parsed = roundtrip(serialise(f), file_kind::trust_list);
  EXPECT_EQ(parsed.records[2].fields.front().tag, record_tag::hash_algorithm);
}

TEST(TrustFile, record_may_carry_ip_address) {
  trust_file f = seed_itl();
  f.records[1].fields.push_back({record_tag::ip_address, bytes{10, 0, 0, 1}});
  EXPECT_EQ(roundtrip(serialise(f), file_kind::trust_list), f);
}

TEST(TrustFile, serialise_without_layout_uses_canonical_layout) {
  trust_file f = seed_itl();
  f.header.layout.clear();
  f.header.header_length = 0;
  EXPECT_EQ(header_size(f.header), 324u);
  const bytes data = serialise(f);
  EXPECT_EQ(data, serialise(seed_itl()));
}

TEST(TrustFile, largest_loadable_trust_list_parses) {
  trust_file f = seed_itl();
  const std::size_t size = serialise(f).size();
  // Grow the last certificate-carrying record's certificate to hit 65535 exactly.
  auto& cert = f.records[4].fields.back().value;
  cert.resize(cert.size() + (max_trust_file_size - size));
  const bytes data = serialise(f);
  ASSERT_EQ(data.size(), max_trust_file_size);
  EXPECT_EQ(roundtrip(data, file_kind::trust_list), f);
}

TEST(TrustFile, signed_file_payload_may_exceed_64_kb) {
  trust_file f = signed_config();
  f.payload = filler(100000, 3);
  EXPECT_EQ(roundtrip(serialise(f), file_kind::signed_file), f);
}

// ---------------------------------------------------------------- preimage

TEST(TrustFile, signing_preimage_drops_exactly_the_signature_element) {
  const trust_file f = seed_itl();
  const bytes data = serialise(f);
  const bytes pre = signing_preimage(f);
  ASSERT_EQ(pre.size(), data.size() - (3 + f.header.signature.size()));
  // SIGNATURE sits after VERSION, HEADERLENGTH, SIGNERID and SIGNATUREINFO.
  const std::size_t at = 10 + 142 + 18;
  EXPECT_EQ(data[at], static_cast<std::uint8_t>(header_tag::signature));
  bytes expected(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(at));
  expected.insert(expected.end(), data.begin() + static_cast<std::ptrdiff_t>(at + 131), data.end());
  EXPECT_EQ(pre, expected);
}

TEST(TrustFile, signing_preimage_keeps_header_length_and_padding) {
  const trust_file f = seed_itl();
  const bytes pre = signing_preimage(f);
  EXPECT_EQ(get_u16(&pre[8]), 324);
  EXPECT_EQ(pre[323 - 131], 0x0D);
}

TEST(TrustFile, signing_preimage_does_not_depend_on_signature_value) {
  trust_file f = seed_itl();
  const bytes before = signing_preimage(f);
  f.header.signature = filler(128, 77);
  EXPECT_EQ(signing_preimage(f), before);
}

TEST(TrustFile, signing_preimage_of_signed_file_covers_payload) {
  const trust_file f = signed_config();
  const bytes pre = signing_preimage(f);
  EXPECT_EQ(pre.size(), serialise(f).size() - 131);
  EXPECT_TRUE(std::equal(f.payload.rbegin(), f.payload.rend(), pre.rbegin()));
}

// ---------------------------------------------------------------- accessors

TEST(Record, accessors_read_fields) {
  const record r = seed_itl().records[0];
  EXPECT_EQ(r.subject(), pub_name);
  EXPECT_EQ(r.issuer(), pub_name);
  EXPECT_EQ(r.dns_name(), "");
  EXPECT_EQ(r.function(), std::optional<std::uint16_t>{0});
  EXPECT_TRUE(r.has_role(cert_role::sast));
  EXPECT_FALSE(r.has_role(cert_role::tftp));
  EXPECT_EQ(r.serial(), from_hex(pub_serial));
  ASSERT_NE(r.certificate(), nullptr);
  EXPECT_EQ(r.certificate()->size(), 684u);
  ASSERT_NE(r.public_key(), nullptr);
  EXPECT_EQ(r.public_key()->size(), 140u);
  EXPECT_EQ(r.find(record_tag::cert_hash), nullptr);
}

TEST(Record, missing_fields_read_as_empty) {
  const record r;
  EXPECT_EQ(r.subject(), "");
  EXPECT_FALSE(r.function().has_value());
  EXPECT_TRUE(r.serial().empty());
  EXPECT_EQ(r.certificate(), nullptr);
  EXPECT_FALSE(r.cert_sha1().has_value());
  EXPECT_EQ(r.encoded_size(), 5u);
}

TEST(Record, cert_sha1_is_computed_from_certificate) {
  record r;
  r.fields = {{record_tag::certificate, to_bytes("abc")}};
  const auto sha1 = r.cert_sha1();
  ASSERT_TRUE(sha1.has_value());
  EXPECT_EQ(to_hex(*sha1), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(Record, cert_sha1_is_the_certhash_when_present) {
  const record r = seed_itl().records[2];  // CAPF: CERTHASH + HASH ALGORITHM 1
  const auto sha1 = r.cert_sha1();
  ASSERT_TRUE(sha1.has_value());
  EXPECT_EQ(*sha1, *r.find(record_tag::cert_hash));
}

TEST(Record, certhash_of_another_algorithm_is_not_a_sha1) {
  record r;
  r.fields = {{record_tag::cert_hash, filler(20, 1)}, {record_tag::hash_algorithm, bytes{2}}};
  EXPECT_FALSE(r.cert_sha1().has_value());
}

TEST(Record, function_of_wrong_size_is_absent) {
  record r;
  r.fields = {{record_tag::function, bytes{1}}};
  EXPECT_FALSE(r.function().has_value());
}

}  // namespace
}  // namespace itlfleet::sim
