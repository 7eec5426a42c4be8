#pragma once
/// Signature verification of trust files: against the file's own records
/// (what `show itl` reports) and against an installed ITL (what a phone does
/// before it falls back to TVS).

#include <optional>
#include <string>
#include <vector>

#include "itlfleet/sim/crypto.hpp"
#include "itlfleet/sim/trust_file.hpp"

namespace itlfleet::sim {

enum class verify_status {
  verified,
  signer_not_found,    ///< no record with the header's serial + issuer in an allowed role
  bad_signature,       ///< signer found, signature does not verify
  unusable_key,        ///< the signer's key is unreadable, or PUBLICKEY and CERTIFICATE differ
  unsupported_digest,  ///< DIGESTALGORITHM is not SHA-1/256/512
};

struct verification {
  verify_status status = verify_status::signer_not_found;
  std::optional<std::size_t> signer_record;  ///< index into the trusting file's records
  bool ok() const { return status == verify_status::verified; }
  std::string describe() const;
};

/// Roles a signer may hold: an ITL/CTL must be signed by a SAST or TFTP
/// record, a signed config by a TFTP record.
std::vector<cert_role> signer_roles_for(file_kind kind);

/// Normalises a distinguished name for comparison: "CN=a,OU=b" and
/// "CN=a;OU=b" compare equal (separators and spaces after them).
std::string normalise_name(std::string_view name);

/// Finds the record of `trusting` that names `signer` (serial + issuer) in one of `roles`.
std::optional<std::size_t> find_signer(const trust_file& trusting, const signer_id& signer,
                                       const std::vector<cert_role>& roles);

/// Verifies `f` with the signer record found in `trusting` (pass `f` itself
/// for self-verification).
verification verify_with(const trust_file& f, const trust_file& trusting);
/// The same with the signer's allowed roles given: a new CTL must be signed
/// by a SAST record of the installed CTL, nothing else.
verification verify_with(const trust_file& f, const trust_file& trusting,
                         const std::vector<cert_role>& roles);

/// Verifies `f` with an explicit signer key (the TVS path: the phone learnt
/// the signer is valid, the signature must still match).
bool verify_signature(const trust_file& f, const rsa_key& key);

}  // namespace itlfleet::sim
