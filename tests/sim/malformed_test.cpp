// Malformed trust files: every one must be refused with the byte offset where
// it stopped making sense and a message saying what was expected there.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "itlfleet/sim/bytes.hpp"
#include "itlfleet/sim/trust_file.hpp"

namespace itlfleet::sim {
namespace {

// A deliberately small file so offsets can be worked out by hand:
//
//   0 VERSION 1.2                        5 HEADERLENGTH 72
//  10 SIGNERID (len 21)                 13 SIGNERNAME "CN=a\0"
//  21 SERIALNUMBER 01 02                26 CANAME "CN=b\0"
//  34 SIGNATUREINFO (len 15)            37 DIGESTALGORITHM, value at 40
//  41 SIGNATUREALGOINFO (len 8)         44 SIGNATUREALGORITHM, value at 47
//  48 SIGNATUREMODULUS, value at 51     52 SIGNATURE (4 bytes)
//  59 FILENAME "f\0"                    64 TIMESTAMP
//  71 PADDING                           72 first record (43 bytes)
//
// Record at r:   r RECORDLENGTH 43,  r+5 DNSNAME (2),  r+10 SUBJECTNAME "CN=c\0",
// r+18 FUNCTION, r+23 ISSUERNAME "CN=d\0", r+31 SERIALNUMBER (2), r+36 CERTIFICATE (4).
constexpr std::size_t signer_id_at = 10, signer_name_at = 13, serial_at = 21, ca_name_at = 26;
constexpr std::size_t signature_info_at = 34, digest_at = 37, algo_info_at = 41;
constexpr std::size_t modulus_at = 48, signature_at = 52, filename_at = 59, timestamp_at = 64;
constexpr std::size_t header_len = 72, record_len = 43, first = 72, second = first + record_len;
constexpr std::size_t subject_off = 10, function_off = 18, issuer_off = 23, cert_off = 36;

record small_record(std::uint16_t role) {
  record r;
  r.fields = {
      {record_tag::dns_name, bytes{0, 0}},
      {record_tag::subject_name, to_bytes("CN=c", true)},
      {record_tag::function, bytes{0, static_cast<std::uint8_t>(role)}},
      {record_tag::issuer_name, to_bytes("CN=d", true)},
      {record_tag::serial_number, bytes{1, 2}},
      {record_tag::certificate, bytes{0x30, 0x02, 0x05, 0x00}},
  };
  return r;
}

trust_file small_itl() {
  trust_file f;
  f.header.signer = {to_bytes("CN=a", true), bytes{1, 2}, to_bytes("CN=b", true)};
  f.header.signature = bytes{0xAA, 0xBB, 0xCC, 0xDD};
  f.header.filename = to_bytes("f", true);
  f.header.timestamp = 0x01020304;
  canonical_layout(f.header);
  f.records = {small_record(0), small_record(3)};
  return f;
}

bytes itl_bytes() {
  return serialise(small_itl());
}

bytes sgn_bytes() {
  trust_file f = small_itl();
  f.kind = file_kind::signed_file;
  f.header.version_minor = 0;
  f.records.clear();
  f.payload = to_bytes("<xml/>");
  return serialise(f);
}

bytes with_header(const file_header& h) {
  trust_file f = small_itl();
  f.header = h;
  return serialise(f);
}

/// Rebuilds the small ITL with a hand-made layout (elements missing, repeated
/// or reordered), HEADERLENGTH kept consistent.
bytes with_layout(std::vector<header_tag> layout) {
  file_header h = small_itl().header;
  h.layout = std::move(layout);
  h.header_length = static_cast<std::uint16_t>(header_size(h));
  return with_header(h);
}

void set_u16(bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

/// Parsing must fail at `offset` with a message that says what was expected
/// and mentions `word`.
void expect_error(const result<trust_file>& r, std::size_t offset, const std::string& word) {
  ASSERT_FALSE(r.ok()) << "parsed a malformed file";
  const error& e = r.err();
  ASSERT_TRUE(e.offset.has_value()) << e.message;
  EXPECT_EQ(*e.offset, offset) << e.to_string();
  EXPECT_EQ(e.message.rfind("expected", 0), 0u) << e.message;
  EXPECT_NE(e.message.find(word), std::string::npos) << e.message << " (wanted '" << word << "')";
}

void expect_itl_error(const bytes& data, std::size_t offset, const std::string& word) {
  expect_error(parse_trust_list(data), offset, word);
}

TEST(Malformed, small_fixture_has_the_documented_layout) {
  const bytes d = itl_bytes();
  ASSERT_EQ(d.size(), header_len + 2 * record_len);
  EXPECT_EQ(get_u16(&d[8]), header_len);
  EXPECT_EQ(d[signer_id_at], 3);
  EXPECT_EQ(d[signer_name_at], 4);
  EXPECT_EQ(d[serial_at], 5);
  EXPECT_EQ(d[ca_name_at], 6);
  EXPECT_EQ(d[signature_info_at], 7);
  EXPECT_EQ(d[digest_at], 8);
  EXPECT_EQ(d[algo_info_at], 9);
  EXPECT_EQ(d[modulus_at], 11);
  EXPECT_EQ(d[signature_at], 12);
  EXPECT_EQ(d[filename_at], 14);
  EXPECT_EQ(d[timestamp_at], 15);
  EXPECT_EQ(d[71], 13);
  EXPECT_EQ(d[first], 1);
  EXPECT_EQ(d[first + subject_off], 3);
  EXPECT_EQ(d[first + function_off], 4);
  EXPECT_EQ(d[first + issuer_off], 5);
  EXPECT_EQ(d[first + cert_off], 9);
  EXPECT_EQ(d[second], 1);
  EXPECT_TRUE(parse_trust_list(d).ok());
  EXPECT_TRUE(parse_signed_file(sgn_bytes()).ok());
}

// ---------------------------------------------------------------- start of file

TEST(Malformed, empty_input_expects_version) {
  expect_itl_error({}, 0, "VERSION");
  expect_error(parse_signed_file({}), 0, "VERSION");
}

TEST(Malformed, first_element_not_version) {
  bytes d = itl_bytes();
  d[0] = 2;
  expect_itl_error(d, 0, "VERSION");
}

TEST(Malformed, version_of_wrong_length) {
  bytes d = itl_bytes();
  set_u16(d, 1, 3);
  expect_itl_error(d, 1, "VERSION length 2");
}

TEST(Malformed, truncated_inside_version) {
  const bytes d{1, 0, 2, 1};
  expect_itl_error(d, 1, "VERSION");
  expect_itl_error(bytes{1, 0}, 0, "VERSION");
  expect_itl_error(bytes{1}, 0, "VERSION");
}

TEST(Malformed, trust_list_with_version_2_is_refused_but_signed_file_is_not) {
  bytes d = itl_bytes();
  d[3] = 2;
  expect_itl_error(d, 3, "1.x");
  bytes s = sgn_bytes();
  s[3] = 2;
  EXPECT_TRUE(parse_signed_file(s).ok());
}

TEST(Malformed, truncated_after_version) {
  const bytes d{1, 0, 2, 1, 2};
  expect_itl_error(d, 5, "HEADERLENGTH");
}

TEST(Malformed, second_element_not_header_length) {
  bytes d = itl_bytes();
  d[5] = 3;
  expect_itl_error(d, 5, "HEADERLENGTH");
}

TEST(Malformed, header_length_element_of_wrong_length) {
  bytes d = itl_bytes();
  set_u16(d, 6, 4);
  expect_itl_error(d, 6, "HEADERLENGTH length 2");
}

TEST(Malformed, truncated_inside_header_length) {
  const bytes d{1, 0, 2, 1, 2, 2, 0, 2, 0};
  expect_itl_error(d, 6, "HEADERLENGTH");
}

// ---------------------------------------------------------------- HEADERLENGTH

TEST(Malformed, header_length_below_ten) {
  bytes d = itl_bytes();
  set_u16(d, 8, 9);
  expect_itl_error(d, 8, "HEADERLENGTH of at least 10");
}

TEST(Malformed, header_longer_than_file) {
  bytes d = itl_bytes();
  set_u16(d, 8, static_cast<std::uint16_t>(d.size() + 1));
  expect_itl_error(d, 8, "within the file");
  bytes s = sgn_bytes();
  set_u16(s, 8, 0xFFFF);
  expect_error(parse_signed_file(s), 8, "within the file");
}

TEST(Malformed, header_length_inside_an_element) {
  bytes d = itl_bytes();
  set_u16(d, 8, 60);  // one byte into FILENAME
  expect_itl_error(d, filename_at, "FILENAME");
  set_u16(d, 8, 62);  // FILENAME's value would run past the header
  expect_itl_error(d, filename_at + 1, "end within the header");
}

TEST(Malformed, header_length_before_mandatory_element) {
  bytes d = itl_bytes();
  set_u16(d, 8, filename_at);  // an element boundary, but FILENAME is then missing
  expect_itl_error(d, filename_at, "FILENAME");
}

TEST(Malformed, header_length_equal_to_file_leaves_no_records) {
  const bytes d = with_header(small_itl().header);
  const bytes header_only(d.begin(), d.begin() + header_len);
  expect_itl_error(header_only, header_len, "at least one record");
  // A signed file may carry an empty payload.
  EXPECT_TRUE(parse_signed_file(header_only).ok());
}

// ---------------------------------------------------------------- header elements

TEST(Malformed, unknown_header_tag) {
  bytes d = itl_bytes();
  d[timestamp_at] = 16;
  expect_itl_error(d, timestamp_at, "header element");
}

TEST(Malformed, nested_tag_at_top_level_of_header) {
  bytes d = itl_bytes();
  d[timestamp_at] = 4;  // SIGNERNAME outside SIGNERID
  expect_itl_error(d, timestamp_at, "header element");
}

TEST(Malformed, record_tag_in_header_is_not_a_header_element) {
  bytes d = itl_bytes();
  d[timestamp_at] = 0;
  expect_itl_error(d, timestamp_at, "got tag 0");
}

TEST(Malformed, duplicate_filename) {
  const bytes d =
      with_layout({header_tag::version, header_tag::header_length, header_tag::signer_id,
                   header_tag::signature_info, header_tag::signature, header_tag::filename,
                   header_tag::filename, header_tag::timestamp});
  expect_itl_error(d, filename_at + 5, "single FILENAME");
}

TEST(Malformed, duplicate_version_inside_header) {
  const bytes d = with_layout({header_tag::version, header_tag::header_length, header_tag::version,
                               header_tag::signer_id, header_tag::signature_info,
                               header_tag::signature, header_tag::filename});
  expect_itl_error(d, 10, "single VERSION");
}

TEST(Malformed, duplicate_header_length_inside_header) {
  const bytes d =
      with_layout({header_tag::version, header_tag::header_length, header_tag::signer_id,
                   header_tag::signature_info, header_tag::signature, header_tag::filename,
                   header_tag::header_length});
  expect_itl_error(d, filename_at + 5, "single HEADERLENGTH");
}

TEST(Malformed, duplicate_signer_version) {
  file_header h = small_itl().header;
  h.signer_version = std::array<std::uint8_t, 2>{1, 1};
  h.layout = {header_tag::version,        header_tag::header_length, header_tag::signer_version,
              header_tag::signer_version, header_tag::signer_id,     header_tag::signature_info,
              header_tag::signature,      header_tag::filename};
  h.header_length = static_cast<std::uint16_t>(header_size(h));
  expect_itl_error(with_header(h), 15, "single SIGNER_VERSION");
}

TEST(Malformed, missing_signature) {
  const bytes d =
      with_layout({header_tag::version, header_tag::header_length, header_tag::signer_id,
                   header_tag::signature_info, header_tag::filename, header_tag::timestamp});
  expect_itl_error(d, 10 + 24 + 18 + 5 + 7, "SIGNATURE element");
}

TEST(Malformed, missing_signer_id) {
  const bytes d =
      with_layout({header_tag::version, header_tag::header_length, header_tag::signature_info,
                   header_tag::signature, header_tag::filename, header_tag::timestamp});
  expect_itl_error(d, 10 + 18 + 7 + 5 + 7, "SIGNERID");
}

TEST(Malformed, missing_signature_info) {
  const bytes d = with_layout({header_tag::version, header_tag::header_length,
                               header_tag::signer_id, header_tag::signature, header_tag::filename});
  expect_itl_error(d, 10 + 24 + 7 + 5, "SIGNATUREINFO");
}

TEST(Malformed, missing_filename) {
  const bytes d =
      with_layout({header_tag::version, header_tag::header_length, header_tag::signer_id,
                   header_tag::signature_info, header_tag::signature});
  expect_itl_error(d, 10 + 24 + 18 + 7, "FILENAME");
}

TEST(Malformed, header_of_only_version_and_length) {
  const bytes d = with_layout({header_tag::version, header_tag::header_length});
  expect_itl_error(d, 10, "SIGNERID");
}

TEST(Malformed, empty_signature) {
  file_header h = small_itl().header;
  h.signature.clear();
  canonical_layout(h);
  expect_itl_error(with_header(h), signature_at + 1, "non-empty SIGNATURE");
}

TEST(Malformed, signature_overruns_header) {
  bytes d = itl_bytes();
  set_u16(d, signature_at + 1, 200);
  expect_itl_error(d, signature_at + 1, "end within the header");
}

TEST(Malformed, signature_overruns_file) {
  // Runs off the header and the file alike; the header is the tighter bound.
  bytes d = itl_bytes();
  set_u16(d, signature_at + 1, 0xFFFF);
  expect_itl_error(d, signature_at + 1, "SIGNATURE (length 65535)");
}

TEST(Malformed, timestamp_of_wrong_length) {
  bytes d = itl_bytes();
  set_u16(d, timestamp_at + 1, 3);
  expect_itl_error(d, timestamp_at + 1, "TIMESTAMP length 4");
}

TEST(Malformed, signer_version_of_wrong_length) {
  file_header h = small_itl().header;
  h.signer_version = std::array<std::uint8_t, 2>{1, 1};
  canonical_layout(h);
  bytes d = with_header(h);
  ASSERT_EQ(d[10], 28);
  set_u16(d, 11, 1);
  expect_itl_error(d, 11, "SIGNER_VERSION length 2");
}

// ---------------------------------------------------------------- SIGNERID

TEST(Malformed, signer_id_overruns_header) {
  bytes d = itl_bytes();
  set_u16(d, signer_id_at + 1, 0xFFF0);
  expect_itl_error(d, signer_id_at + 1, "SIGNERID");
}

TEST(Malformed, signer_id_shorter_than_children) {
  bytes d = itl_bytes();
  set_u16(d, signer_id_at + 1, 20);
  expect_itl_error(d, ca_name_at + 1, "CANAME (length 5) to end within SIGNERID");
}

TEST(Malformed, signer_id_longer_than_children) {
  bytes d = itl_bytes();
  set_u16(d, signer_id_at + 1, 22);
  expect_itl_error(d, signature_info_at, "SIGNERID (length 22) to end after its 3 elements");
}

TEST(Malformed, signer_id_child_twice) {
  // Order inside SIGNERID is free (other tools differ), duplicates are not.
  bytes d = itl_bytes();
  d[serial_at] = 4;
  expect_itl_error(d, serial_at, "single SIGNERNAME inside SIGNERID");
}

TEST(Malformed, unknown_tag_inside_signer_id) {
  bytes d = itl_bytes();
  d[serial_at] = 28;  // SIGNER_VERSION belongs to the header, not inside SIGNERID
  expect_itl_error(d, serial_at,
                   "one of SIGNERNAME (tag 4), SERIALNUMBER (tag 5), CANAME (tag 6) inside "
                   "SIGNERID, got tag 28");
}

TEST(Malformed, signer_id_without_children) {
  const bytes d{1, 0, 2, 1, 2, 2, 0, 2, 0, 13, 3, 0, 0};
  expect_itl_error(d, 13, "SIGNERNAME, SERIALNUMBER, CANAME inside SIGNERID, but SIGNERID ends");
}

TEST(Malformed, signer_id_missing_ca_name) {
  bytes d = itl_bytes();
  set_u16(d, signer_id_at + 1, 13);  // stops after SERIALNUMBER
  // The parser then looks for CANAME at the end of SIGNERID.
  expect_itl_error(d, ca_name_at, "CANAME inside SIGNERID, but SIGNERID ends");
}

TEST(Malformed, zero_length_signer_name) {
  file_header h = small_itl().header;
  h.signer.name.clear();
  canonical_layout(h);
  expect_itl_error(with_header(h), signer_name_at + 1, "NUL-terminated SIGNERNAME");
}

TEST(Malformed, signer_name_without_nul) {
  file_header h = small_itl().header;
  h.signer.name = to_bytes("CN=a");
  canonical_layout(h);
  expect_itl_error(with_header(h), signer_name_at + 3 + 3, "SIGNERNAME to end in a NUL");
}

TEST(Malformed, zero_length_ca_name) {
  file_header h = small_itl().header;
  h.signer.ca_name.clear();
  canonical_layout(h);
  expect_itl_error(with_header(h), ca_name_at + 1, "NUL-terminated CANAME");
}

TEST(Malformed, empty_signer_serial) {
  file_header h = small_itl().header;
  h.signer.serial.clear();
  canonical_layout(h);
  expect_itl_error(with_header(h), serial_at + 1, "non-empty signer SERIALNUMBER");
}

TEST(Malformed, zero_length_filename) {
  file_header h = small_itl().header;
  h.filename.clear();
  canonical_layout(h);
  expect_itl_error(with_header(h), filename_at + 1, "NUL-terminated FILENAME");
}

TEST(Malformed, filename_without_nul) {
  bytes d = itl_bytes();
  d[filename_at + 4] = 'x';
  expect_itl_error(d, filename_at + 4, "FILENAME to end in a NUL");
}

// ---------------------------------------------------------------- SIGNATUREINFO

TEST(Malformed, signature_info_length_14) {
  bytes d = itl_bytes();
  set_u16(d, signature_info_at + 1, 14);
  expect_itl_error(d, signature_info_at + 1, "SIGNATUREINFO length 15");
}

TEST(Malformed, signature_info_length_16) {
  bytes d = itl_bytes();
  set_u16(d, signature_info_at + 1, 16);
  expect_itl_error(d, signature_info_at + 1, "SIGNATUREINFO length 15");
}

TEST(Malformed, digest_algorithm_of_wrong_length) {
  bytes d = itl_bytes();
  set_u16(d, digest_at + 1, 2);
  expect_itl_error(d, digest_at + 1, "DIGESTALGORITHM length 1");
}

TEST(Malformed, signature_algo_info_of_wrong_length) {
  bytes d = itl_bytes();
  set_u16(d, algo_info_at + 1, 7);
  expect_itl_error(d, algo_info_at + 1, "SIGNATUREALGOINFO length 8");
}

TEST(Malformed, signature_info_children_in_wrong_place) {
  bytes d = itl_bytes();
  d[digest_at] = 9;  // SIGNATUREALGOINFO where DIGESTALGORITHM (length 1) stands
  expect_itl_error(d, digest_at + 1, "SIGNATUREALGOINFO length 8, got 1");
}

TEST(Malformed, signature_modulus_tag_wrong) {
  bytes d = itl_bytes();
  d[modulus_at] = 10;
  expect_itl_error(d, modulus_at, "single SIGNATUREALGORITHM inside SIGNATUREALGOINFO");
}

TEST(Malformed, signature_modulus_of_wrong_length) {
  bytes d = itl_bytes();
  set_u16(d, modulus_at + 1, 0);
  expect_itl_error(d, modulus_at + 1, "SIGNATUREMODULUS length 1");
}

TEST(Malformed, unknown_digest_code_is_kept_for_the_verifier) {
  bytes d = itl_bytes();
  d[digest_at + 3] = 7;
  const auto r = parse_trust_list(d);
  ASSERT_TRUE(r.ok()) << r.err().to_string();
  EXPECT_EQ(static_cast<int>(r->header.digest), 7);
  EXPECT_EQ(serialise(*r), d);
}

// ---------------------------------------------------------------- records

TEST(Malformed, record_not_starting_with_record_length) {
  bytes d = itl_bytes();
  d[first] = 2;
  expect_itl_error(d, first, "RECORDLENGTH (tag 1) first");
}

TEST(Malformed, record_length_element_of_wrong_length) {
  bytes d = itl_bytes();
  set_u16(d, first + 1, 4);
  expect_itl_error(d, first + 1, "RECORDLENGTH length 2");
}

TEST(Malformed, record_length_below_five) {
  bytes d = itl_bytes();
  set_u16(d, first + 3, 4);
  expect_itl_error(d, first + 3, "RECORDLENGTH of at least 5");
}

TEST(Malformed, record_length_past_end_of_file) {
  bytes d = itl_bytes();
  set_u16(d, second + 3, record_len + 1);
  expect_itl_error(d, second + 3, "RECORDLENGTH (44) within the file");
}

TEST(Malformed, record_length_one_short_splits_last_field) {
  bytes d = itl_bytes();
  set_u16(d, first + 3, record_len - 1);
  expect_itl_error(d, first + cert_off + 1, "CERTIFICATE (length 4) to end within the record");
}

TEST(Malformed, record_length_one_long_swallows_next_record_tag) {
  bytes d = itl_bytes();
  set_u16(d, first + 3, record_len + 1);
  expect_itl_error(d, second, "single RECORDLENGTH");
}

TEST(Malformed, record_length_short_by_a_whole_field_leaves_stray_bytes) {
  bytes d = itl_bytes();
  set_u16(d, second + 3, record_len - 7);
  // The last record ends before its CERTIFICATE, which cannot start a record.
  expect_itl_error(d, second + cert_off, "RECORDLENGTH (tag 1) first in the record, got tag 9");
}

TEST(Malformed, record_of_only_record_length_is_accepted) {
  // Nothing says a record must name anything; the verifier finds no signer in it.
  trust_file f = small_itl();
  f.records.push_back(record{});
  const bytes d = serialise(f);
  const auto r = parse_trust_list(d);
  ASSERT_TRUE(r.ok()) << r.err().to_string();
  EXPECT_EQ(serialise(*r), d);
}

TEST(Malformed, trailing_bytes_after_last_record) {
  bytes d = itl_bytes();
  d.push_back(1);
  d.push_back(0);
  expect_itl_error(d, d.size() - 2, "RECORDLENGTH to have a tag and a 2-byte length");
}

TEST(Malformed, trailing_padding_after_last_record) {
  bytes d = itl_bytes();
  d.push_back(13);
  expect_itl_error(d, d.size() - 1, "RECORDLENGTH (tag 1) first");
}

TEST(Malformed, unknown_record_tag) {
  bytes d = itl_bytes();
  d[first + cert_off] = 13;
  expect_itl_error(d, first + cert_off, "record field (tag 2 to 12), got tag 13");
}

TEST(Malformed, record_tag_zero) {
  bytes d = itl_bytes();
  d[first + cert_off] = 0;
  expect_itl_error(d, first + cert_off, "got tag 0");
}

TEST(Malformed, header_only_tag_in_record) {
  bytes d = itl_bytes();
  d[first + cert_off] = 28;  // SIGNER_VERSION means nothing in a record
  expect_itl_error(d, first + cert_off, "got tag 28");
}

TEST(Malformed, duplicate_record_field) {
  trust_file f = small_itl();
  f.records[0].fields.push_back({record_tag::subject_name, to_bytes("CN=e", true)});
  expect_itl_error(serialise(f), first + record_len, "single SUBJECTNAME");
}

TEST(Malformed, function_of_three_bytes) {
  trust_file f = small_itl();
  f.records[1].fields[2].value = bytes{0, 0, 3};
  expect_itl_error(serialise(f), second + function_off + 1, "FUNCTION length 2");
}

TEST(Malformed, function_of_one_byte) {
  trust_file f = small_itl();
  f.records[0].fields[2].value = bytes{3};
  expect_itl_error(serialise(f), first + function_off + 1, "FUNCTION length 2");
}

TEST(Malformed, hash_algorithm_of_two_bytes) {
  trust_file f = small_itl();
  f.records[0].fields.push_back({record_tag::hash_algorithm, bytes{0, 1}});
  expect_itl_error(serialise(f), first + record_len + 1, "HASH ALGORITHM length 1");
}

TEST(Malformed, zero_length_subject_name) {
  trust_file f = small_itl();
  f.records[0].fields[1].value.clear();
  expect_itl_error(serialise(f), first + subject_off + 1, "NUL-terminated SUBJECTNAME");
}

TEST(Malformed, zero_length_issuer_name) {
  trust_file f = small_itl();
  f.records[1].fields[3].value.clear();
  expect_itl_error(serialise(f), second + issuer_off + 1, "NUL-terminated ISSUERNAME");
}

TEST(Malformed, subject_name_without_nul) {
  bytes d = itl_bytes();
  d[first + subject_off + 7] = 'x';
  expect_itl_error(d, first + subject_off + 7, "SUBJECTNAME to end in a NUL");
}

TEST(Malformed, field_length_overruns_record) {
  bytes d = itl_bytes();
  set_u16(d, first + subject_off + 1, 100);
  expect_itl_error(d, first + subject_off + 1, "SUBJECTNAME (length 100) to end within the record");
}

TEST(Malformed, field_length_overruns_file) {
  bytes d = itl_bytes();
  set_u16(d, second + cert_off + 1, 0xFFFF);
  expect_itl_error(d, second + cert_off + 1, "CERTIFICATE (length 65535)");
}

// ---------------------------------------------------------------- size

TEST(Malformed, trust_list_over_64_kb) {
  trust_file f = small_itl();
  f.records[0].fields.back().value.resize(65535 - 60);
  const bytes d = serialise(f);
  ASSERT_GT(d.size(), max_trust_file_size);
  expect_itl_error(d, max_trust_file_size, "64 KB");
}

TEST(Malformed, trust_list_one_byte_over_the_limit) {
  trust_file f = small_itl();
  auto& cert = f.records[0].fields.back().value;
  cert.resize(cert.size() + max_trust_file_size - itl_bytes().size());
  bytes d = serialise(f);
  ASSERT_EQ(d.size(), max_trust_file_size);
  EXPECT_TRUE(parse_trust_list(d).ok());
  d.push_back(0);
  expect_itl_error(d, max_trust_file_size, "phones cannot load a trust list over 64 KB");
}

// ---------------------------------------------------------------- truncation

TEST(Malformed, trust_list_truncated_anywhere_but_a_record_boundary_fails) {
  const bytes d = itl_bytes();
  for (std::size_t n = 0; n < d.size(); ++n) {
    const bytes cut(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(n));
    const auto r = parse_trust_list(cut);
    if (n == second) {
      // One whole record is still a valid trust list.
      ASSERT_TRUE(r.ok()) << r.err().to_string();
      EXPECT_EQ(r->records.size(), 1u);
      continue;
    }
    ASSERT_FALSE(r.ok()) << "truncated to " << n << " bytes";
    ASSERT_TRUE(r.err().offset.has_value());
    EXPECT_LE(*r.err().offset, n) << "truncated to " << n << ": " << r.err().to_string();
    EXPECT_EQ(r.err().message.rfind("expected", 0), 0u) << r.err().message;
  }
}

TEST(Malformed, signed_file_truncated_inside_header_fails) {
  const bytes d = sgn_bytes();
  for (std::size_t n = 0; n < header_len; ++n) {
    const bytes cut(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(n));
    const auto r = parse_signed_file(cut);
    ASSERT_FALSE(r.ok()) << "truncated to " << n << " bytes";
    EXPECT_LE(*r.err().offset, n) << r.err().to_string();
  }
  // Past the header a shorter payload is still a signed file (the signature catches it).
  for (std::size_t n = header_len; n <= d.size(); ++n) {
    const bytes cut(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_TRUE(parse_signed_file(cut).ok()) << n;
  }
}

TEST(Malformed, error_to_string_names_the_byte) {
  const auto r = parse_trust_list(bytes{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().to_string().rfind("byte 0: expected", 0), 0u) << r.err().to_string();
}

}  // namespace
}  // namespace itlfleet::sim
