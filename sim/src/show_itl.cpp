#include "itlfleet/sim/show_itl.hpp"

#include <cstdio>
#include <ctime>

#include "itlfleet/sim/crypto.hpp"
#include "itlfleet/sim/json.hpp"
#include "itlfleet/sim/trust_file.hpp"
#include "itlfleet/sim/verify.hpp"

namespace itlfleet::sim {
namespace {

// CUCM prints the signature as unpadded lower-case hex bytes, eight a line.
std::string signature_lines(const bytes& sig) {
  std::string out;
  for (std::size_t i = 0; i < sig.size(); ++i) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%x", sig[i]);
    out += buf;
    out += (i % 8 == 7 || i + 1 == sig.size()) ? "\n" : " ";
  }
  return out;
}

std::string signer_version_text(const std::array<std::uint8_t, 2>& v) {
  return std::to_string(v[0]) + "." + std::to_string(v[1]);
}

std::string serial_text(const bytes& serial) {
  return to_hex(serial, ":", true);
}

std::string time_text(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %d %H:%M:%S UTC %Y", &tm);
  return buf;
}

std::size_t field_length(const record& r, record_tag t) {
  const bytes* v = r.find(t);
  return v ? v->size() : 0;
}

void text_record(std::string& out, const record& r, std::size_t index, bool is_signer,
                 const std::string& label) {
  out += label + " Record #:" + std::to_string(index + 1) + "\n----\n";
  out += "BYTEPOS TAG LENGTH VALUE\n------- --- ------ -----\n";
  out += "1 RECORDLENGTH 2 " + std::to_string(r.encoded_size()) + "\n";
  for (const auto& f : r.fields) {
    const std::string len = std::to_string(f.value.size());
    switch (f.tag) {
      case record_tag::dns_name:
        out += "2 DNSNAME " + len + (r.dns_name().empty() ? "" : " " + r.dns_name()) + "\n";
        break;
      case record_tag::subject_name:
        out += "3 SUBJECTNAME " + len + " " + r.subject() + "\n";
        break;
      case record_tag::function:
        out += "4 FUNCTION " + len + " " + role_name(r.function().value_or(0xFFFF)) + "\n";
        break;
      case record_tag::issuer_name:
        out += "5 ISSUERNAME " + len + " " + r.issuer() + "\n";
        break;
      case record_tag::serial_number:
        out += "6 SERIALNUMBER " + len + " " + serial_text(f.value) + "\n";
        break;
      case record_tag::public_key:
        out += "7 PUBLICKEY " + len + "\n";
        break;
      case record_tag::signature:
        out += "8 SIGNATURE " + len + "\n";
        break;
      case record_tag::certificate:
        // CUCM puts the hash's caption on a line of its own.
        out +=
            "9 CERTIFICATE " + len + " " + to_hex(sha1(f.value), " ", true) + "\n(SHA1 Hash HEX)\n";
        break;
      case record_tag::ip_address:
        out += "10 IPADDRESS " + len + " " + to_hex(f.value, ".") + "\n";
        break;
      case record_tag::cert_hash:
        out += "11 CERTHASH " + len + " " + to_hex(f.value, " ", true) + "\n";
        break;
      case record_tag::hash_algorithm:
        out += "12 HASH ALGORITHM " + len + " " +
               std::string(f.value.empty()   ? "?"
                           : f.value[0] == 1 ? "SHA-1"
                                             : "unknown") +
               "\n";
        break;
      case record_tag::record_length:
        break;
    }
  }
  if (r.has_role(cert_role::sast)) {
    out += is_signer ? "This etoken was used to sign the " + label + " file.\n"
                     : "This etoken was not used to sign the " + label + " file.\n";
  }
  out += "\n";
}

void json_record(json_writer& j, const record& r, std::size_t index, bool is_signer) {
  j.begin_object();
  j.key("index").value(static_cast<std::uint64_t>(index + 1));
  j.key("length").value(static_cast<std::uint64_t>(r.encoded_size()));
  j.key("dns_name").value(r.dns_name());
  j.key("subject").value(r.subject());
  j.key("function").value(static_cast<std::uint64_t>(r.function().value_or(0xFFFF)));
  j.key("function_name").value(role_name(r.function().value_or(0xFFFF)));
  j.key("issuer").value(r.issuer());
  j.key("serial").value(serial_text(r.serial()));
  j.key("public_key_length")
      .value(static_cast<std::uint64_t>(field_length(r, record_tag::public_key)));
  j.key("signature_length")
      .value(static_cast<std::uint64_t>(field_length(r, record_tag::signature)));
  if (const bytes* cert = r.certificate()) {
    j.key("certificate_length").value(static_cast<std::uint64_t>(cert->size()));
  }
  if (auto h = r.cert_sha1()) j.key("certificate_sha1").value(to_hex(*h));
  j.key("signed_this_file").value(is_signer);
  j.end_object();
}

}  // namespace

show_report show_trust_list(byte_view raw, const show_options& options) {
  show_report report;
  const std::string& label = options.file_label;
  std::string& out = report.text;
  out += "The checksum value of the " + label + " file:\n";
  out += to_hex(md5(raw)) + "(MD5)\n";
  out += to_hex(sha1(raw)) + "(SHA1)\n\n";
  out += "Length of " + label + " file: " + std::to_string(raw.size()) + "\n";
  if (options.modified_unix) {
    out +=
        "The " + label + " File was last modified on " + time_text(*options.modified_unix) + "\n";
  }
  out += "\nParse " + label + " File\n----------------\n\n";

  json_writer j;
  j.begin_object();
  j.key("length").value(static_cast<std::uint64_t>(raw.size()));
  j.key("md5").value(to_hex(md5(raw)));
  j.key("sha1").value(to_hex(sha1(raw)));

  auto parsed = parse_trust_list(raw);
  if (!parsed) {
    out += "The " + label + " file could not be parsed: " + parsed.err().to_string() + "\n";
    j.key("parsed").value(false);
    j.key("error").value(parsed.err().to_string());
    j.key("verified").value(false);
    j.end_object();
    report.json = j.str();
    return report;
  }
  report.parsed = true;
  const trust_file& f = *parsed;
  const file_header& h = f.header;
  const verification v = verify_with(f, f);
  report.verified = v.ok();
  // The etoken line names the SAST record the header points at, even when a
  // TFTP record with the same certificate comes first or the signature fails.
  const auto signing_sast = find_signer(f, h.signer, {cert_role::sast});

  out +=
      "Version: " + std::to_string(h.version_major) + "." + std::to_string(h.version_minor) + "\n";
  out += "HeaderLength: " + std::to_string(h.header_length) + " (BYTES)\n\n";
  out += "BYTEPOS TAG LENGTH VALUE\n------- --- ------ -----\n";
  // CUCM's own files carry no SIGNER_VERSION, so its `show itl` has no line
  // for it; files from other tools do, and the version says who signed how.
  if (h.signer_version)
    out += "28 SIGNER_VERSION 2 " + signer_version_text(*h.signer_version) + "\n";
  const std::size_t signer_id_len =
      9 + h.signer.name.size() + h.signer.serial.size() + h.signer.ca_name.size();
  out += "3 SIGNERID 2 " + std::to_string(signer_id_len) + "\n";
  out +=
      "4 SIGNERNAME " + std::to_string(h.signer.name.size()) + " " + text_of(h.signer.name) + "\n";
  out += "5 SERIALNUMBER " + std::to_string(h.signer.serial.size()) + " " +
         serial_text(h.signer.serial) + "\n";
  out += "6 CANAME " + std::to_string(h.signer.ca_name.size()) + " " + text_of(h.signer.ca_name) +
         "\n";
  out += "7 SIGNATUREINFO 2 15\n8 DIGESTALGORTITHM 1\n9 SIGNATUREALGOINFO 2 8\n";
  out += "10 SIGNATUREALGORTITHM 1\n11 SIGNATUREMODULUS 1\n";
  out += "12 SIGNATURE " + std::to_string(h.signature.size()) + "\n" + signature_lines(h.signature);
  out += "14 FILENAME " + std::to_string(h.filename.size()) + "\n";
  out += "15 TIMESTAMP 4\n\n";

  j.key("parsed").value(true);
  j.key("version").value(std::to_string(h.version_major) + "." + std::to_string(h.version_minor));
  j.key("header_length").value(static_cast<std::uint64_t>(h.header_length));
  if (h.signer_version) j.key("signer_version").value(signer_version_text(*h.signer_version));
  j.key("signer").begin_object();
  j.key("name").value(text_of(h.signer.name));
  j.key("serial").value(serial_text(h.signer.serial));
  j.key("ca_name").value(text_of(h.signer.ca_name));
  j.end_object();
  j.key("digest").value(digest_name(h.digest));
  j.key("signature_length").value(static_cast<std::uint64_t>(h.signature.size()));
  j.key("filename").value(text_of(h.filename));
  j.key("timestamp").value(static_cast<std::uint64_t>(h.timestamp));
  j.key("records").begin_array();
  for (std::size_t i = 0; i < f.records.size(); ++i) {
    const bool is_signer = signing_sast == i;
    text_record(out, f.records[i], i, is_signer, label);
    json_record(j, f.records[i], i, is_signer);
  }
  j.end_array();
  if (v.ok()) {
    out += "The " + label + " file was verified successfully.\n";
  } else {
    out += "The " + label + " file was not verified: " + v.describe() + ".\n";
  }
  j.key("verified").value(v.ok());
  j.key("verification").value(v.describe());
  j.key("signer_record");
  if (v.signer_record) {
    j.value(static_cast<std::uint64_t>(*v.signer_record + 1));
  } else {
    j.null();
  }
  j.end_object();
  report.json = j.str();
  return report;
}

}  // namespace itlfleet::sim
