#pragma once
/// Building and signing trust files: ITLs from certificates and roles, signed
/// `.sgn` configs, and re-signing an ITL with another key (the bulk reset).

#include <cstdint>
#include <string>
#include <vector>

#include "itlfleet/sim/crypto.hpp"
#include "itlfleet/sim/pki.hpp"
#include "itlfleet/sim/trust_file.hpp"

namespace itlfleet::sim {

/// One record to put in a trust list.
struct itl_entry {
  certificate cert;
  cert_role role = cert_role::sast;
  /// CUCM writes CAPF and TVS records with CERTHASH + HASH ALGORITHM instead
  /// of the whole certificate.
  bool hash_only = false;
  std::string dns_name;  ///< empty: the two-byte empty DNSNAME CUCM writes
};

/// The record CUCM writes for a certificate in a role.
record make_record(const itl_entry& e);

struct build_options {
  std::string filename = "ITLFile.tlv";
  std::uint32_t timestamp = 0;
  digest_algorithm digest = digest_algorithm::sha1;
  std::uint8_t version_major = 1, version_minor = 2;
};

/// A signed ITL/CTL with the given records, signed by `signer`.
trust_file build_trust_list(const std::vector<itl_entry>& entries, const identity& signer,
                            const build_options& options);

/// A signed file: `payload` behind a VERSION 1.0 header signed by `signer`.
trust_file build_signed_file(byte_view payload, const identity& signer,
                             const build_options& options);

/// Sets the header's signer fields from `signer`, re-lays the header out and
/// signs: the same records, a new signature. This is `utils itl reset`'s
/// "strip the signature and re-sign with the ITLRecovery key".
void sign_with(trust_file& f, const identity& signer, std::uint32_t timestamp);

/// The first phone's MAC: Cisco's 00:1E:7A OUI, then the phone's index
/// (runs, exports and the cluster's representative config all count from it).
inline constexpr std::uint64_t first_phone_mac = 0x001E7A000000ull;
/// Phones whose MACs fit under the OUI: 001E7A000000 to 001E7AFFFFFF.
inline constexpr std::uint64_t phone_mac_count = 0x1000000ull;

/// The per-phone names CUCM serves: ITLSEP<MAC>.tlv, SEP<MAC>.cnf.xml.sgn.
std::string device_name(std::uint64_t mac);  ///< "SEP" + 12 upper-case hex digits
std::string itl_name_for(const std::string& device);
std::string config_name_for(const std::string& device);

/// A phone's XML configuration: its device name and the TVS servers of its
/// CallManager group, which is all the trust model needs from it.
std::string phone_config_xml(const std::string& device, const std::vector<std::string>& tvs_hosts);

}  // namespace itlfleet::sim
