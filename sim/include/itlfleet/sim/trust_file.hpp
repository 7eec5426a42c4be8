#pragma once
/// The TLV trust files of Security by Default: ITL and CTL files (a signed
/// header followed by one record per certificate) and signed `.sgn` files (the
/// same header followed by the original file). Byte layout: docs/formats.md.
///
/// Parsing keeps everything needed to write the file back byte for byte:
/// serialise(parse(x)) == x for every file parse accepts.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "itlfleet/sim/bytes.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::sim {

/// Header element tags.
enum class header_tag : std::uint8_t {
  version = 1,
  header_length = 2,
  signer_id = 3,
  signer_name = 4,
  serial_number = 5,
  ca_name = 6,
  signature_info = 7,
  digest_algorithm = 8,
  signature_algo_info = 9,
  signature_algorithm = 10,
  signature_modulus = 11,
  signature = 12,
  padding = 13,
  filename = 14,
  timestamp = 15,
  signer_version = 28,
};

/// Record element tags.
enum class record_tag : std::uint8_t {
  record_length = 1,
  dns_name = 2,
  subject_name = 3,
  function = 4,
  issuer_name = 5,
  serial_number = 6,
  public_key = 7,
  signature = 8,
  certificate = 9,
  ip_address = 10,
  cert_hash = 11,
  hash_algorithm = 12,
};

enum class digest_algorithm : std::uint8_t { sha1 = 1, sha256 = 2, sha512 = 3 };

/// FUNCTION codes of a record: what the certificate is trusted for.
enum class cert_role : std::uint16_t {
  sast = 0,
  ccm = 1,
  ccm_tftp = 2,
  tftp = 3,
  capf = 4,
  app_server = 7,
  tvs = 21,
};

/// The name CUCM's `show itl` prints for a role ("System Administrator
/// Security Token", "TFTP", ...), or the number for codes it does not name.
std::string role_name(std::uint16_t role);
std::string_view digest_name(digest_algorithm d);  // "SHA-1", "SHA-256", "SHA-512"

/// SIGNATUREMODULUS code for a key size: 0/1/2/3 for 512/1024/2048/4096 bits.
std::optional<std::uint8_t> modulus_code(int key_bits);
int modulus_bits(std::uint8_t code);  // 0 when unknown

/// One TLV element of a record, value as stored (strings keep their NUL).
struct record_field {
  record_tag tag;
  bytes value;
  bool operator==(const record_field&) const = default;
};

/// One certificate of a trust list. Fields are kept in file order; the
/// RECORDLENGTH element is computed, not stored.
struct record {
  std::vector<record_field> fields;

  const bytes* find(record_tag t) const;
  std::string subject() const;
  std::string issuer() const;
  std::string dns_name() const;
  std::optional<std::uint16_t> function() const;
  bool has_role(cert_role r) const { return function() == static_cast<std::uint16_t>(r); }
  bytes serial() const;
  const bytes* certificate() const { return find(record_tag::certificate); }
  const bytes* public_key() const { return find(record_tag::public_key); }
  /// SHA-1 of the certificate: the CERTHASH element, or computed from CERTIFICATE.
  std::optional<bytes> cert_sha1() const;

  /// Size of the serialised record including its RECORDLENGTH element.
  std::size_t encoded_size() const;
  bool operator==(const record&) const = default;
};

/// Who signed the file: matched against records by serial number and issuer.
struct signer_id {
  bytes name;     ///< SIGNERNAME, raw with NUL
  bytes serial;   ///< SERIALNUMBER, raw big-endian
  bytes ca_name;  ///< CANAME, raw with NUL
  bool operator==(const signer_id&) const = default;
};

/// The signed header shared by ITL, CTL and .sgn files.
struct file_header {
  std::uint8_t version_major = 1;
  std::uint8_t version_minor = 2;
  std::uint16_t header_length = 0;  ///< offset of the first record / payload
  signer_id signer;
  digest_algorithm digest = digest_algorithm::sha1;
  std::uint8_t signature_algorithm = 0;  ///< 0 = RSA
  std::uint8_t signature_modulus = 1;    ///< see modulus_code()
  bytes signature;
  bytes filename;  ///< raw with NUL
  std::uint32_t timestamp = 0;
  std::optional<std::array<std::uint8_t, 2>> signer_version;
  /// Top-level header tags in file order, one PADDING entry per padding byte;
  /// serialise() writes the elements in exactly this order.
  std::vector<header_tag> layout;
  /// The children of SIGNERID, SIGNATUREINFO and SIGNATUREALGOINFO in file
  /// order. Other tools write them in other orders than CUCM (e.g. SIGNERNAME,
  /// CANAME, SERIALNUMBER); phones accept any order, and serialise() gives
  /// back the bytes it was given.
  std::array<header_tag, 3> signer_id_layout = {header_tag::signer_name, header_tag::serial_number,
                                                header_tag::ca_name};
  std::array<header_tag, 2> signature_info_layout = {header_tag::digest_algorithm,
                                                     header_tag::signature_algo_info};
  std::array<header_tag, 2> signature_algo_layout = {header_tag::signature_algorithm,
                                                     header_tag::signature_modulus};
  bool operator==(const file_header&) const = default;
};

enum class file_kind { trust_list, signed_file };

/// A parsed ITL/CTL (records) or .sgn (payload).
struct trust_file {
  file_kind kind = file_kind::trust_list;
  file_header header;
  std::vector<record> records;  ///< trust lists only
  bytes payload;                ///< signed files only: the original file
  bool operator==(const trust_file&) const = default;
};

/// Phones cannot load a trust file larger than this (more than ~39 certificates).
inline constexpr std::size_t max_trust_file_size = 65535;

/// Parses an ITL or CTL file. Errors carry the byte offset and what was
/// expected there; nothing throws.
result<trust_file> parse_trust_list(byte_view data);
/// Parses a signed `.sgn` file (header + original file).
result<trust_file> parse_signed_file(byte_view data);

/// Writes the file back. For a parsed file this reproduces the input exactly.
bytes serialise(const trust_file& f);

/// Lays the header out as CUCM does (VERSION, HEADERLENGTH, [SIGNER_VERSION],
/// SIGNERID, SIGNATUREINFO, SIGNATURE, FILENAME, TIMESTAMP, PADDING) and sets
/// header_length. Call after changing any header field's size.
void canonical_layout(file_header& h);

/// Size in bytes of the header as laid out (before padding is recomputed).
std::size_t header_size(const file_header& h);

/// The bytes a signature covers: the serialised file without the SIGNATURE
/// element (tag, length and value).
bytes signing_preimage(const trust_file& f);

}  // namespace itlfleet::sim
