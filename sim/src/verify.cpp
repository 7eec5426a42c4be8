#include "itlfleet/sim/verify.hpp"

#include <algorithm>
#include <cctype>

namespace itlfleet::sim {

std::string verification::describe() const {
  switch (status) {
    case verify_status::verified:
      return "verified";
    case verify_status::signer_not_found:
      return "the signer (serial number and issuer in the header) is not a SAST/TFTP record "
             "of the trusting file";
    case verify_status::bad_signature:
      return "the signature does not verify with the signer's public key";
    case verify_status::unusable_key:
      return "the signer record's certificate or public key cannot be read, or they disagree";
    case verify_status::unsupported_digest:
      return "the digest algorithm is not SHA-1, SHA-256 or SHA-512";
  }
  return "unknown";
}

std::vector<cert_role> signer_roles_for(file_kind kind) {
  if (kind == file_kind::signed_file) return {cert_role::tftp, cert_role::ccm_tftp};
  return {cert_role::sast, cert_role::tftp, cert_role::ccm_tftp};
}

std::string normalise_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  bool after_separator = false;
  for (char ch : name) {
    if (ch == '\0') break;
    if (ch == ',' || ch == ';') {
      out.push_back(';');
      after_separator = true;
      continue;
    }
    if (after_separator && ch == ' ') continue;
    after_separator = false;
    out.push_back(ch);
  }
  return out;
}

std::optional<std::size_t> find_signer(const trust_file& trusting, const signer_id& signer,
                                       const std::vector<cert_role>& roles) {
  const std::string issuer = normalise_name(text_of(signer.ca_name));
  for (std::size_t i = 0; i < trusting.records.size(); ++i) {
    const record& r = trusting.records[i];
    const auto fn = r.function();
    if (!fn) continue;
    const bool role_ok = std::any_of(roles.begin(), roles.end(), [&](cert_role role) {
      return *fn == static_cast<std::uint16_t>(role);
    });
    if (!role_ok) continue;
    if (r.serial() != signer.serial) continue;
    if (normalise_name(r.issuer()) != issuer) continue;
    return i;
  }
  return std::nullopt;
}

namespace {

/// The signer record's key: from PUBLICKEY when present (a 0.5 us PKCS#1
/// decode), else from the certificate (OpenSSL 3 decodes a certificate's key
/// through its provider machinery: ~100 us, most of a verification).
result<rsa_key> key_of(const record& r) {
  const bytes* pk = r.public_key();
  const bytes* der = r.certificate();
  // A record whose PUBLICKEY is not its certificate's key contradicts itself:
  // nobody can tell which key the signer holds, so it vouches for nothing
  // (only a forger writes one). Compared on the DER, without decoding.
  if (pk && der && certificate_public_key_pkcs1(*der) != *pk) {
    return error{"the record's PUBLICKEY is not the key of its CERTIFICATE"};
  }
  if (pk) {
    if (auto key = rsa_key::from_public_pkcs1(*pk)) return key;
  }
  if (der) {
    auto cert = certificate::from_der(*der);
    if (!cert) return cert.err();
    return cert->public_key();
  }
  return error{"record has neither a usable PUBLICKEY nor a CERTIFICATE"};
}

bool digest_supported(digest_algorithm d) {
  return d == digest_algorithm::sha1 || d == digest_algorithm::sha256 ||
         d == digest_algorithm::sha512;
}

}  // namespace

bool verify_signature(const trust_file& f, const rsa_key& key) {
  if (!digest_supported(f.header.digest) || !key.valid()) return false;
  return rsa_verify(key, f.header.digest, signing_preimage(f), f.header.signature);
}

verification verify_with(const trust_file& f, const trust_file& trusting) {
  return verify_with(f, trusting, signer_roles_for(f.kind));
}

verification verify_with(const trust_file& f, const trust_file& trusting,
                         const std::vector<cert_role>& roles) {
  verification v;
  if (!digest_supported(f.header.digest)) {
    v.status = verify_status::unsupported_digest;
    return v;
  }
  v.signer_record = find_signer(trusting, f.header.signer, roles);
  if (!v.signer_record) {
    v.status = verify_status::signer_not_found;
    return v;
  }
  auto key = key_of(trusting.records[*v.signer_record]);
  if (!key) {
    v.status = verify_status::unusable_key;
    return v;
  }
  v.status = verify_signature(f, *key) ? verify_status::verified : verify_status::bad_signature;
  return v;
}

}  // namespace itlfleet::sim
