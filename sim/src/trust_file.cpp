#include "itlfleet/sim/trust_file.hpp"

#include <openssl/evp.h>

#include <array>
#include <cassert>
#include <limits>
#include <span>
#include <string>

namespace itlfleet::sim {

std::string role_name(std::uint16_t role) {
  switch (static_cast<cert_role>(role)) {
    case cert_role::sast:
      return "System Administrator Security Token";
    case cert_role::ccm:
      return "CCM";
    case cert_role::ccm_tftp:
      return "CCM+TFTP";
    case cert_role::tftp:
      return "TFTP";
    case cert_role::capf:
      return "CAPF";
    case cert_role::app_server:
      return "APP-SERVER";
    case cert_role::tvs:
      return "TVS";
  }
  return std::to_string(role);
}

std::string_view digest_name(digest_algorithm d) {
  switch (d) {
    case digest_algorithm::sha1:
      return "SHA-1";
    case digest_algorithm::sha256:
      return "SHA-256";
    case digest_algorithm::sha512:
      return "SHA-512";
  }
  // Parsing keeps whatever DIGESTALGORITHM byte the file holds.
  return "unknown";
}

std::optional<std::uint8_t> modulus_code(int key_bits) {
  switch (key_bits) {
    case 512:
      return 0;
    case 1024:
      return 1;
    case 2048:
      return 2;
    case 4096:
      return 3;
    default:
      return std::nullopt;
  }
}

int modulus_bits(std::uint8_t code) {
  switch (code) {
    case 0:
      return 512;
    case 1:
      return 1024;
    case 2:
      return 2048;
    case 3:
      return 4096;
    default:
      return 0;
  }
}

// ---------------------------------------------------------------- record

const bytes* record::find(record_tag t) const {
  for (const auto& f : fields) {
    if (f.tag == t) return &f.value;
  }
  return nullptr;
}

namespace {

std::string text_field(const record& r, record_tag t) {
  const bytes* v = r.find(t);
  return v ? text_of(*v) : std::string{};
}

constexpr std::size_t tlv_overhead = 3;         // tag + 16-bit length
constexpr std::size_t record_length_size = 5;   // the RECORDLENGTH element
constexpr std::size_t signature_info_len = 15;  // DIGESTALGORITHM + SIGNATUREALGOINFO
constexpr std::size_t signature_algo_len = 8;   // SIGNATUREALGORITHM + SIGNATUREMODULUS
constexpr std::size_t sha1_size = 20;

}  // namespace

std::string record::subject() const {
  return text_field(*this, record_tag::subject_name);
}
std::string record::issuer() const {
  return text_field(*this, record_tag::issuer_name);
}
std::string record::dns_name() const {
  return text_field(*this, record_tag::dns_name);
}

std::optional<std::uint16_t> record::function() const {
  const bytes* v = find(record_tag::function);
  if (!v || v->size() != 2) return std::nullopt;
  return get_u16(v->data());
}

bytes record::serial() const {
  const bytes* v = find(record_tag::serial_number);
  return v ? *v : bytes{};
}

std::optional<bytes> record::cert_sha1() const {
  // A CERTHASH only counts as a SHA-1 when HASH ALGORITHM says so (or is
  // absent, as CUCM never writes anything else) and it has SHA-1's size.
  if (const bytes* hash = find(record_tag::cert_hash); hash && hash->size() == sha1_size) {
    const bytes* algo = find(record_tag::hash_algorithm);
    if (!algo || (algo->size() == 1 && (*algo)[0] == 1)) return *hash;
  }
  if (const bytes* cert = certificate()) {
    bytes md(EVP_MAX_MD_SIZE);
    unsigned int md_len = 0;
    if (EVP_Digest(cert->data(), cert->size(), md.data(), &md_len, EVP_sha1(), nullptr) != 1) {
      return std::nullopt;
    }
    md.resize(md_len);
    return md;
  }
  return std::nullopt;
}

std::size_t record::encoded_size() const {
  std::size_t n = record_length_size;
  for (const auto& f : fields) n += tlv_overhead + f.value.size();
  return n;
}

// ---------------------------------------------------------------- writing

namespace {

void put_tlv(bytes& out, std::uint8_t tag, byte_view value) {
  assert(value.size() <= 0xFFFF);
  out.push_back(tag);
  put_u16(out, static_cast<std::uint16_t>(value.size()));
  out.insert(out.end(), value.begin(), value.end());
}

void put_tlv_header(bytes& out, std::uint8_t tag, std::size_t length) {
  assert(length <= 0xFFFF);
  out.push_back(tag);
  put_u16(out, static_cast<std::uint16_t>(length));
}

std::uint8_t raw(header_tag t) {
  return static_cast<std::uint8_t>(t);
}
std::uint8_t raw(record_tag t) {
  return static_cast<std::uint8_t>(t);
}

std::size_t signer_id_len(const signer_id& s) {
  return 3 * tlv_overhead + s.name.size() + s.serial.size() + s.ca_name.size();
}

/// Bytes one top-level header element takes. SIGNER_VERSION without a value
/// is skipped, consistently with write_element().
std::size_t element_size(const file_header& h, header_tag t) {
  switch (t) {
    case header_tag::version:
    case header_tag::header_length:
      return tlv_overhead + 2;
    case header_tag::signer_id:
      return tlv_overhead + signer_id_len(h.signer);
    case header_tag::signature_info:
      return tlv_overhead + signature_info_len;
    case header_tag::signature:
      return tlv_overhead + h.signature.size();
    case header_tag::padding:
      return 1;
    case header_tag::filename:
      return tlv_overhead + h.filename.size();
    case header_tag::timestamp:
      return tlv_overhead + 4;
    case header_tag::signer_version:
      return h.signer_version ? tlv_overhead + 2 : 0;
    default:
      // Nested tags never appear in a layout.
      assert(false && "nested header tag in layout");
      return 0;
  }
}

void write_element(bytes& out, const file_header& h, header_tag t) {
  switch (t) {
    case header_tag::version:
      put_tlv_header(out, raw(t), 2);
      out.push_back(h.version_major);
      out.push_back(h.version_minor);
      return;
    case header_tag::header_length:
      put_tlv_header(out, raw(t), 2);
      put_u16(out, h.header_length);
      return;
    case header_tag::signer_id:
      put_tlv_header(out, raw(t), signer_id_len(h.signer));
      for (const auto child : h.signer_id_layout) {
        const bytes& value = child == header_tag::signer_name     ? h.signer.name
                             : child == header_tag::serial_number ? h.signer.serial
                                                                  : h.signer.ca_name;
        put_tlv(out, raw(child), value);
      }
      return;
    case header_tag::signature_info:
      put_tlv_header(out, raw(t), signature_info_len);
      for (const auto child : h.signature_info_layout) {
        if (child == header_tag::digest_algorithm) {
          put_tlv_header(out, raw(child), 1);
          out.push_back(static_cast<std::uint8_t>(h.digest));
          continue;
        }
        put_tlv_header(out, raw(child), signature_algo_len);
        for (const auto inner : h.signature_algo_layout) {
          put_tlv_header(out, raw(inner), 1);
          out.push_back(inner == header_tag::signature_algorithm ? h.signature_algorithm
                                                                 : h.signature_modulus);
        }
      }
      return;
    case header_tag::signature:
      put_tlv(out, raw(t), h.signature);
      return;
    case header_tag::padding:
      out.push_back(raw(t));
      return;
    case header_tag::filename:
      put_tlv(out, raw(t), h.filename);
      return;
    case header_tag::timestamp:
      put_tlv_header(out, raw(t), 4);
      put_u32(out, h.timestamp);
      return;
    case header_tag::signer_version:
      if (h.signer_version) put_tlv(out, raw(t), *h.signer_version);
      return;
    default:
      assert(false && "nested header tag in layout");
      return;
  }
}

std::vector<header_tag> canonical_tags(const file_header& h) {
  std::vector<header_tag> tags;
  tags.reserve(12);
  tags.push_back(header_tag::version);
  tags.push_back(header_tag::header_length);
  if (h.signer_version) tags.push_back(header_tag::signer_version);
  for (const auto t : {header_tag::signer_id, header_tag::signature_info, header_tag::signature,
                       header_tag::filename, header_tag::timestamp}) {
    tags.push_back(t);
  }
  return tags;
}

void write_record(bytes& out, const record& r) {
  put_tlv_header(out, raw(record_tag::record_length), 2);
  const std::size_t size = r.encoded_size();
  assert(size <= 0xFFFF);
  put_u16(out, static_cast<std::uint16_t>(size));
  for (const auto& f : r.fields) put_tlv(out, raw(f.tag), f.value);
}

bytes write_file(const trust_file& f, bool with_signature) {
  // A header filled in by hand without canonical_layout() still serialises
  // to something a phone can read rather than to nothing.
  const file_header* h = &f.header;
  file_header laid_out;
  if (h->layout.empty()) {
    laid_out = f.header;
    canonical_layout(laid_out);
    h = &laid_out;
  }

  std::size_t total = header_size(*h);
  if (f.kind == file_kind::trust_list) {
    for (const auto& r : f.records) total += r.encoded_size();
  } else {
    total += f.payload.size();
  }
  bytes out;
  out.reserve(total);
  for (const auto t : h->layout) {
    if (t == header_tag::signature && !with_signature) continue;
    write_element(out, *h, t);
  }
  if (f.kind == file_kind::trust_list) {
    for (const auto& r : f.records) write_record(out, r);
  } else {
    out.insert(out.end(), f.payload.begin(), f.payload.end());
  }
  return out;
}

}  // namespace

std::size_t header_size(const file_header& h) {
  if (h.layout.empty()) {
    std::size_t n = 0;
    for (const auto t : canonical_tags(h)) n += element_size(h, t);
    return n + (4 - n % 4) % 4;
  }
  std::size_t n = 0;
  for (const auto t : h.layout) n += element_size(h, t);
  return n;
}

void canonical_layout(file_header& h) {
  h.layout = canonical_tags(h);
  h.signer_id_layout = file_header{}.signer_id_layout;
  h.signature_info_layout = file_header{}.signature_info_layout;
  h.signature_algo_layout = file_header{}.signature_algo_layout;
  std::size_t n = 0;
  for (const auto t : h.layout) n += element_size(h, t);
  // Phones read the records from a 4-byte aligned offset, as CUCM writes them.
  while (n % 4 != 0) {
    h.layout.push_back(header_tag::padding);
    ++n;
  }
  assert(n <= 0xFFFF);
  h.header_length = static_cast<std::uint16_t>(n);
}

bytes serialise(const trust_file& f) {
  return write_file(f, true);
}

bytes signing_preimage(const trust_file& f) {
  return write_file(f, false);
}

// ---------------------------------------------------------------- parsing

namespace {

std::string_view header_tag_name(std::uint8_t tag) {
  switch (tag) {
    case 1:
      return "VERSION";
    case 2:
      return "HEADERLENGTH";
    case 3:
      return "SIGNERID";
    case 4:
      return "SIGNERNAME";
    case 5:
      return "SERIALNUMBER";
    case 6:
      return "CANAME";
    case 7:
      return "SIGNATUREINFO";
    case 8:
      return "DIGESTALGORITHM";
    case 9:
      return "SIGNATUREALGOINFO";
    case 10:
      return "SIGNATUREALGORITHM";
    case 11:
      return "SIGNATUREMODULUS";
    case 12:
      return "SIGNATURE";
    case 13:
      return "PADDING";
    case 14:
      return "FILENAME";
    case 15:
      return "TIMESTAMP";
    case 28:
      return "SIGNER_VERSION";
    default:
      return "unknown";
  }
}

std::string_view record_tag_name(std::uint8_t tag) {
  switch (tag) {
    case 1:
      return "RECORDLENGTH";
    case 2:
      return "DNSNAME";
    case 3:
      return "SUBJECTNAME";
    case 4:
      return "FUNCTION";
    case 5:
      return "ISSUERNAME";
    case 6:
      return "SERIALNUMBER";
    case 7:
      return "PUBLICKEY";
    case 8:
      return "SIGNATURE";
    case 9:
      return "CERTIFICATE";
    case 10:
      return "IPADDRESS";
    case 11:
      return "CERTHASH";
    case 12:
      return "HASH ALGORITHM";
    default:
      return "unknown";
  }
}

std::string str(std::size_t n) {
  return std::to_string(n);
}

/// The span an element must fit in, named for error messages.
struct bounds {
  std::size_t end;
  std::string_view name;  ///< "the file", "the header", "SIGNERID", ...
};

/// One element as found in the input. Value bytes are [value_at, end()).
struct tlv {
  std::size_t at = 0;  ///< offset of the tag byte
  std::size_t length = 0;
  std::size_t value_at() const { return at + tlv_overhead; }
  std::size_t end() const { return value_at() + length; }
};

/// What the parsing helpers return: empty on success, so each step reads
/// `if (auto e = step()) return e;`.
using failure = std::optional<error>;

class parser {
 public:
  explicit parser(byte_view data) : d_(data) {}

  /// Reads the tag-length header at `pos` (whose tag the caller has checked)
  /// and checks that the value fits in `b`. `fixed` is the length the element
  /// must have, if any.
  failure read(std::size_t pos, std::string_view name, const bounds& b, tlv& out,
               std::optional<std::size_t> fixed = std::nullopt) const {
    if (b.end - pos < tlv_overhead) {
      return parse_error(pos, "expected " + std::string(name) +
                                  " to have a tag and a 2-byte length within " +
                                  std::string(b.name) + ", which ends at byte " + str(b.end) +
                                  "; only " + str(b.end - pos) + " byte(s) left");
    }
    out.at = pos;
    out.length = get_u16(&d_[pos + 1]);
    if (fixed && out.length != *fixed) {
      return parse_error(pos + 1, "expected " + std::string(name) + " length " + str(*fixed) +
                                      ", got " + str(out.length));
    }
    if (out.length > b.end - out.value_at()) {
      return parse_error(pos + 1, "expected " + std::string(name) + " (length " + str(out.length) +
                                      ") to end within " + std::string(b.name) + " at byte " +
                                      str(b.end) + ", but it runs to byte " + str(out.end()));
    }
    return std::nullopt;
  }

  /// SIGNERNAME, CANAME, FILENAME, SUBJECTNAME, ISSUERNAME: phones read them
  /// as C strings, so the NUL must be there.
  failure check_string(const tlv& t, std::string_view name) const {
    if (t.length == 0) {
      return parse_error(t.at + 1, "expected a NUL-terminated " + std::string(name) +
                                       " (at least 1 byte), got length 0");
    }
    if (d_[t.end() - 1] != 0) {
      return parse_error(t.end() - 1, "expected " + std::string(name) +
                                          " to end in a NUL byte, got " + str(d_[t.end() - 1]));
    }
    return std::nullopt;
  }

  bytes value(const tlv& t) const {
    return bytes(d_.begin() + static_cast<std::ptrdiff_t>(t.value_at()),
                 d_.begin() + static_cast<std::ptrdiff_t>(t.end()));
  }

  failure parse_header(file_kind kind, file_header& h) const;
  failure parse_records(std::size_t pos, std::vector<record>& out) const;

 private:
  /// One element a container must hold exactly once, with its fixed length if any.
  struct child_spec {
    header_tag tag;
    std::optional<std::size_t> fixed;
  };
  /// A `found` entry not filled in yet.
  static constexpr std::size_t no_child = std::numeric_limits<std::size_t>::max();
  /// Reads the children of a container in whatever order they come: each of
  /// `specs` exactly once, nothing else, filling `found` (parallel to
  /// `specs`) and `order` (tags in file order).
  failure read_children(const tlv& outer, std::string_view container,
                        std::span<const child_spec> specs, std::span<tlv> found,
                        std::span<header_tag> order) const;
  failure parse_signer_id(const tlv& t, file_header& h) const;
  failure parse_signature_info(const tlv& t, file_header& h) const;
  failure parse_record(std::size_t pos, record& r, std::size_t& end) const;

  byte_view d_;
};

failure parser::read_children(const tlv& outer, std::string_view container,
                              std::span<const child_spec> specs, std::span<tlv> found,
                              std::span<header_tag> order) const {
  const bounds b{outer.end(), container};
  std::size_t pos = outer.value_at();
  for (std::size_t n = 0; n < specs.size(); ++n) {
    if (pos >= b.end) {
      std::string missing;
      for (std::size_t k = 0; k < specs.size(); ++k) {
        if (found[k].length != no_child) continue;
        missing += (missing.empty() ? "" : ", ") + std::string(header_tag_name(raw(specs[k].tag)));
      }
      return parse_error(pos, "expected " + missing + " inside " + std::string(container) +
                                  ", but " + std::string(container) + " ends at byte " +
                                  str(b.end));
    }
    std::size_t k = 0;
    while (k < specs.size() && d_[pos] != raw(specs[k].tag)) ++k;
    if (k == specs.size()) {
      std::string allowed;
      for (const auto& spec : specs) {
        allowed += (allowed.empty() ? "" : ", ") + std::string(header_tag_name(raw(spec.tag))) +
                   " (tag " + str(raw(spec.tag)) + ")";
      }
      return parse_error(pos, "expected one of " + allowed + " inside " + std::string(container) +
                                  ", got tag " + str(d_[pos]));
    }
    const std::string_view name = header_tag_name(raw(specs[k].tag));
    if (found[k].length != no_child) {
      return parse_error(pos, "expected a single " + std::string(name) + " inside " +
                                  std::string(container) + ", found another one");
    }
    if (auto e = read(pos, name, b, found[k], specs[k].fixed)) return e;
    order[n] = specs[k].tag;
    pos = found[k].end();
  }
  if (pos != outer.end()) {
    return parse_error(pos, "expected " + std::string(container) + " (length " + str(outer.length) +
                                ") to end after its " + str(specs.size()) + " elements at byte " +
                                str(pos) + ", but it ends at byte " + str(outer.end()));
  }
  return std::nullopt;
}

failure parser::parse_signer_id(const tlv& outer, file_header& h) const {
  static constexpr std::array<child_spec, 3> specs = {{
      {header_tag::signer_name, std::nullopt},
      {header_tag::serial_number, std::nullopt},
      {header_tag::ca_name, std::nullopt},
  }};
  std::array<tlv, 3> found;
  for (auto& f : found) f.length = no_child;
  if (auto e = read_children(outer, "SIGNERID", specs, found, h.signer_id_layout)) return e;
  const auto& [name, serial, ca] = found;
  if (auto e = check_string(name, "SIGNERNAME")) return e;
  if (serial.length == 0) {
    return parse_error(serial.at + 1, "expected a non-empty signer SERIALNUMBER, got length 0");
  }
  if (auto e = check_string(ca, "CANAME")) return e;
  h.signer.name = value(name);
  h.signer.serial = value(serial);
  h.signer.ca_name = value(ca);
  return std::nullopt;
}

failure parser::parse_signature_info(const tlv& outer, file_header& h) const {
  // Lengths are fixed (the container's was checked to be 15), so each child
  // is checked for its tag and length wherever it stands.
  static constexpr std::array<child_spec, 2> info_specs = {{
      {header_tag::digest_algorithm, 1},
      {header_tag::signature_algo_info, signature_algo_len},
  }};
  static constexpr std::array<child_spec, 2> algo_specs = {{
      {header_tag::signature_algorithm, 1},
      {header_tag::signature_modulus, 1},
  }};
  std::array<tlv, 2> info;
  std::array<tlv, 2> algo;
  for (auto& f : info) f.length = no_child;
  for (auto& f : algo) f.length = no_child;
  if (auto e = read_children(outer, "SIGNATUREINFO", info_specs, info, h.signature_info_layout))
    return e;
  if (auto e =
          read_children(info[1], "SIGNATUREALGOINFO", algo_specs, algo, h.signature_algo_layout))
    return e;
  // DIGESTALGORITHM is kept as found; verification reports unknown codes.
  h.digest = static_cast<digest_algorithm>(d_[info[0].value_at()]);
  h.signature_algorithm = d_[algo[0].value_at()];
  h.signature_modulus = d_[algo[1].value_at()];
  return std::nullopt;
}

failure parser::parse_header(file_kind kind, file_header& h) const {
  if (d_.empty()) return parse_error(0, "expected a VERSION element (tag 1), got an empty file");
  const bounds file{d_.size(), "the file"};

  tlv t;
  if (d_[0] != raw(header_tag::version)) {
    return parse_error(0, "expected VERSION (tag 1) as the first element, got tag " + str(d_[0]));
  }
  if (auto e = read(0, "VERSION", file, t, 2)) return e;
  h.version_major = d_[3];
  h.version_minor = d_[4];
  if (kind == file_kind::trust_list && h.version_major != 1) {
    return parse_error(3, "expected trust list VERSION 1.x, got " + str(h.version_major) + "." +
                              str(h.version_minor));
  }

  constexpr std::size_t fixed_start = 10;  // VERSION + HEADERLENGTH
  if (d_.size() <= 5) {
    return parse_error(d_.size(), "expected HEADERLENGTH (tag 2) after VERSION, got end of file");
  }
  if (d_[5] != raw(header_tag::header_length)) {
    return parse_error(5, "expected HEADERLENGTH (tag 2) after VERSION, got tag " + str(d_[5]));
  }
  if (auto e = read(5, "HEADERLENGTH", file, t, 2)) return e;
  h.header_length = get_u16(&d_[8]);
  if (h.header_length < fixed_start) {
    return parse_error(8, "expected HEADERLENGTH of at least 10 (VERSION and HEADERLENGTH), got " +
                              str(h.header_length));
  }
  if (h.header_length > d_.size()) {
    return parse_error(8, "expected HEADERLENGTH (" + str(h.header_length) +
                              ") within the file, which has " + str(d_.size()) + " bytes");
  }

  h.layout.clear();
  h.layout.reserve(16);
  h.layout.push_back(header_tag::version);
  h.layout.push_back(header_tag::header_length);

  const bounds header{h.header_length, "the header (HEADERLENGTH)"};
  std::uint32_t seen = 0;  // bit per top-level tag (all < 32)
  std::size_t pos = fixed_start;
  while (pos < h.header_length) {
    const std::uint8_t tag = d_[pos];
    if (tag == raw(header_tag::padding)) {
      h.layout.push_back(header_tag::padding);
      ++pos;
      continue;
    }
    switch (static_cast<header_tag>(tag)) {
      case header_tag::version:
      case header_tag::header_length:
      case header_tag::signer_id:
      case header_tag::signature_info:
      case header_tag::signature:
      case header_tag::filename:
      case header_tag::timestamp:
      case header_tag::signer_version:
        break;
      default:
        return parse_error(pos,
                           "expected a header element (SIGNERID, SIGNATUREINFO, SIGNATURE, "
                           "FILENAME, TIMESTAMP, SIGNER_VERSION or PADDING), got tag " +
                               str(tag));
    }
    const std::string_view name = header_tag_name(tag);
    const std::uint32_t bit = std::uint32_t{1} << tag;
    if ((seen & bit) != 0 || tag == raw(header_tag::version) ||
        tag == raw(header_tag::header_length)) {
      return parse_error(pos, "expected a single " + std::string(name) +
                                  " element in the header, found another one");
    }
    seen |= bit;

    std::optional<std::size_t> fixed;
    if (tag == raw(header_tag::signature_info)) fixed = signature_info_len;
    if (tag == raw(header_tag::timestamp)) fixed = 4;
    if (tag == raw(header_tag::signer_version)) fixed = 2;
    if (auto e = read(pos, name, header, t, fixed)) return e;

    switch (static_cast<header_tag>(tag)) {
      case header_tag::signer_id:
        if (auto e = parse_signer_id(t, h)) return e;
        break;
      case header_tag::signature_info:
        if (auto e = parse_signature_info(t, h)) return e;
        break;
      case header_tag::signature:
        if (t.length == 0) {
          return parse_error(pos + 1, "expected a non-empty SIGNATURE, got length 0");
        }
        h.signature = value(t);
        break;
      case header_tag::filename:
        if (auto e = check_string(t, "FILENAME")) return e;
        h.filename = value(t);
        break;
      case header_tag::timestamp:
        h.timestamp = get_u32(&d_[t.value_at()]);
        break;
      case header_tag::signer_version:
        h.signer_version = std::array<std::uint8_t, 2>{d_[t.value_at()], d_[t.value_at() + 1]};
        break;
      default:
        break;
    }
    h.layout.push_back(static_cast<header_tag>(tag));
    pos = t.end();
  }

  for (const auto mandatory : {header_tag::signer_id, header_tag::signature_info,
                               header_tag::signature, header_tag::filename}) {
    if ((seen & (std::uint32_t{1} << raw(mandatory))) == 0) {
      return parse_error(h.header_length, "expected a " +
                                              std::string(header_tag_name(raw(mandatory))) +
                                              " element in the header before HEADERLENGTH (" +
                                              str(h.header_length) + ")");
    }
  }
  return std::nullopt;
}

failure parser::parse_record(std::size_t pos, record& r, std::size_t& end) const {
  const bounds file{d_.size(), "the file"};
  tlv t;
  if (d_[pos] != raw(record_tag::record_length)) {
    return parse_error(
        pos, "expected RECORDLENGTH (tag 1) first in the record, got tag " + str(d_[pos]));
  }
  if (auto e = read(pos, "RECORDLENGTH", file, t, 2)) return e;
  const std::size_t length = get_u16(&d_[t.value_at()]);
  if (length < record_length_size) {
    return parse_error(t.value_at(),
                       "expected RECORDLENGTH of at least 5 (its own element), got " + str(length));
  }
  if (length > d_.size() - pos) {
    return parse_error(t.value_at(), "expected RECORDLENGTH (" + str(length) +
                                         ") within the file, but the record at byte " + str(pos) +
                                         " would run to byte " + str(pos + length) + " of " +
                                         str(d_.size()));
  }
  end = pos + length;
  const bounds rec{end, "the record (RECORDLENGTH)"};

  r.fields.reserve(10);
  std::uint32_t seen = 0;
  std::size_t at = t.end();
  while (at < end) {
    const std::uint8_t tag = d_[at];
    if (tag == raw(record_tag::record_length)) {
      return parse_error(at, "expected a single RECORDLENGTH, first in the record, found another");
    }
    if (tag < raw(record_tag::dns_name) || tag > raw(record_tag::hash_algorithm)) {
      return parse_error(at, "expected a record field (tag 2 to 12), got tag " + str(tag));
    }
    const std::string_view name = record_tag_name(tag);
    const std::uint32_t bit = std::uint32_t{1} << tag;
    if ((seen & bit) != 0) {
      return parse_error(
          at, "expected a single " + std::string(name) + " in the record, found another one");
    }
    seen |= bit;

    std::optional<std::size_t> fixed;
    if (tag == raw(record_tag::function)) fixed = 2;
    if (tag == raw(record_tag::hash_algorithm)) fixed = 1;
    if (auto e = read(at, name, rec, t, fixed)) return e;
    if (tag == raw(record_tag::subject_name) || tag == raw(record_tag::issuer_name)) {
      if (auto e = check_string(t, name)) return e;
    }
    r.fields.push_back(record_field{static_cast<record_tag>(tag), value(t)});
    at = t.end();
  }
  return std::nullopt;
}

failure parser::parse_records(std::size_t pos, std::vector<record>& out) const {
  if (pos == d_.size()) {
    return parse_error(pos, "expected at least one record after the header, got end of file");
  }
  // CUCM's records are rarely under 400 bytes; a guess saves regrowth.
  out.reserve((d_.size() - pos) / 400 + 1);
  while (pos < d_.size()) {
    record r;
    std::size_t end = 0;
    if (auto e = parse_record(pos, r, end)) return e;
    out.push_back(std::move(r));
    pos = end;
  }
  return std::nullopt;
}

}  // namespace

result<trust_file> parse_trust_list(byte_view data) {
  if (data.size() > max_trust_file_size) {
    return parse_error(max_trust_file_size,
                       "expected a trust list of at most 65535 bytes (phones cannot load a "
                       "trust list over 64 KB), got " +
                           str(data.size()) + " bytes");
  }
  const parser p(data);
  trust_file f;
  f.kind = file_kind::trust_list;
  if (auto e = p.parse_header(file_kind::trust_list, f.header)) return std::move(*e);
  if (auto e = p.parse_records(f.header.header_length, f.records)) return std::move(*e);
  return f;
}

result<trust_file> parse_signed_file(byte_view data) {
  const parser p(data);
  trust_file f;
  f.kind = file_kind::signed_file;
  if (auto e = p.parse_header(file_kind::signed_file, f.header)) return std::move(*e);
  f.payload.assign(data.begin() + f.header.header_length, data.end());
  return f;
}

}  // namespace itlfleet::sim
