#include "itlfleet/sim/itl_builder.hpp"

#include <cstdio>

namespace itlfleet::sim {
namespace {

void add_field(record& r, record_tag tag, bytes value) {
  r.fields.push_back({tag, std::move(value)});
}

bytes u16_value(std::uint16_t v) {
  bytes out;
  put_u16(out, v);
  return out;
}

void set_signer(file_header& h, const identity& signer, const build_options& options) {
  h.version_major = options.version_major;
  h.version_minor = options.version_minor;
  h.signer.name = to_bytes(signer.cert.subject(), true);
  h.signer.serial = signer.cert.serial();
  h.signer.ca_name = to_bytes(signer.cert.issuer(), true);
  h.digest = options.digest;
  h.signature_algorithm = 0;
  // An unknown key size keeps 1024's code: the signature length, not this
  // byte, is what verifiers rely on.
  h.signature_modulus = modulus_code(signer.key.bits()).value_or(1);
  h.signature.assign(static_cast<std::size_t>(signer.key.bits() / 8), 0);
  h.filename = to_bytes(options.filename, true);
  h.timestamp = options.timestamp;
  canonical_layout(h);
}

void sign_in_place(trust_file& f, const identity& signer) {
  f.header.signature = rsa_sign(signer.key, f.header.digest, signing_preimage(f));
}

}  // namespace

record make_record(const itl_entry& e) {
  record r;
  // CUCM writes an empty DNS name as two bytes; keep the given name NUL-terminated.
  add_field(r, record_tag::dns_name, e.dns_name.empty() ? bytes{0, 0} : to_bytes(e.dns_name, true));
  add_field(r, record_tag::subject_name, to_bytes(e.cert.subject(), true));
  add_field(r, record_tag::function, u16_value(static_cast<std::uint16_t>(e.role)));
  add_field(r, record_tag::issuer_name, to_bytes(e.cert.issuer(), true));
  add_field(r, record_tag::serial_number, e.cert.serial());
  add_field(r, record_tag::public_key, e.cert.public_key_pkcs1());
  add_field(r, record_tag::signature, e.cert.signature_value());
  if (e.hash_only) {
    add_field(r, record_tag::cert_hash, e.cert.sha1());
    add_field(r, record_tag::hash_algorithm,
              bytes{static_cast<std::uint8_t>(digest_algorithm::sha1)});
  } else {
    add_field(r, record_tag::certificate, e.cert.der());
  }
  return r;
}

trust_file build_trust_list(const std::vector<itl_entry>& entries, const identity& signer,
                            const build_options& options) {
  trust_file f;
  f.kind = file_kind::trust_list;
  f.records.reserve(entries.size());
  for (const auto& e : entries) f.records.push_back(make_record(e));
  set_signer(f.header, signer, options);
  sign_in_place(f, signer);
  return f;
}

trust_file build_signed_file(byte_view payload, const identity& signer,
                             const build_options& options) {
  trust_file f;
  f.kind = file_kind::signed_file;
  f.payload.assign(payload.begin(), payload.end());
  build_options o = options;
  o.version_major = 1;
  o.version_minor = 0;
  set_signer(f.header, signer, o);
  sign_in_place(f, signer);
  return f;
}

void sign_with(trust_file& f, const identity& signer, std::uint32_t timestamp) {
  build_options o;
  o.filename = text_of(f.header.filename);
  o.timestamp = timestamp;
  o.digest = f.header.digest;
  o.version_major = f.header.version_major;
  o.version_minor = f.header.version_minor;
  auto signer_version = f.header.signer_version;
  set_signer(f.header, signer, o);
  if (signer_version) {
    f.header.signer_version = signer_version;
    canonical_layout(f.header);
  }
  sign_in_place(f, signer);
}

std::string device_name(std::uint64_t mac) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%012llX",
                static_cast<unsigned long long>(mac & 0xFFFFFFFFFFFFull));
  return std::string("SEP") + buf;
}

std::string itl_name_for(const std::string& device) {
  return "ITL" + device + ".tlv";
}
std::string config_name_for(const std::string& device) {
  return device + ".cnf.xml.sgn";
}

std::string phone_config_xml(const std::string& device, const std::vector<std::string>& tvs_hosts) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<device>\n";
  xml += "  <deviceProtocol>SIP</deviceProtocol>\n";
  xml += "  <devicePool>\n    <callManagerGroup>\n      <tftpDefault>true</tftpDefault>\n";
  xml += "      <members>\n";
  for (std::size_t i = 0; i < tvs_hosts.size(); ++i) {
    xml += "        <member priority=\"" + std::to_string(i) + "\">\n";
    xml += "          <callManager>\n            <name>" + tvs_hosts[i] + "</name>\n";
    xml +=
        "            <ports><ethernetPhonePort>2000</ethernetPhonePort>"
        "<sipPort>5060</sipPort><securedSipPort>5061</securedSipPort></ports>\n";
    xml += "            <processNodeName>" + tvs_hosts[i] + "</processNodeName>\n";
    xml += "          </callManager>\n        </member>\n";
  }
  xml += "      </members>\n    </callManagerGroup>\n  </devicePool>\n";
  xml += "  <TVS>\n    <members>\n";
  for (std::size_t i = 0; i < tvs_hosts.size(); ++i) {
    xml += "      <member priority=\"" + std::to_string(i) + "\">\n        <port>2445</port>\n";
    xml += "        <address>" + tvs_hosts[i] + "</address>\n      </member>\n";
  }
  xml += "    </members>\n  </TVS>\n";
  xml += "  <name>" + device + "</name>\n";
  xml +=
      "  <webAccess>1</webAccess>\n  <sshAccess>1</sshAccess>\n  <spanToPCPort>1</spanToPCPort>\n";
  xml += "</device>\n";
  return xml;
}

}  // namespace itlfleet::sim
