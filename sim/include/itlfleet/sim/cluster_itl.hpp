#pragma once
/// Which certificates a TFTP node of a CUCM cluster puts in its ITL, and
/// which key signs it, by CUCM release. The one place for that rule: `cluster
/// export` writes files with it and the simulation engine rebuilds ITLs with it
/// after every certificate regeneration or TFTP restart.
///
/// Record order, as in the seed's `show itl` of a 10.0 publisher:
///   1. the node's CallManager as SAST (full certificate)
///   2. the node's CallManager as TFTP (full certificate)
///   3. the publisher's CAPF (hash only)
///   4. the node's own TVS (hash only; left out when the node runs no TVS)
///   5. the publisher's ITLRecovery as SAST (full certificate; 10.0 and later)
///   6. the TVS of every other TVS node, in node order (hash only)

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "itlfleet/sim/crypto.hpp"
#include "itlfleet/sim/itl_builder.hpp"
#include "itlfleet/sim/pki.hpp"
#include "itlfleet/sim/result.hpp"
#include "itlfleet/sim/trust_file.hpp"

namespace itlfleet::sim {

/// A CUCM release, as far as ITL contents and signing depend on it.
struct cucm_version {
  int major = 10;
  int minor = 0;

  /// Every caller's reading of a release: "10.0", "12.5(1)SU3": major.minor, then . ( or end.
  static result<cucm_version> parse(std::string_view text);
  std::string to_string() const;  ///< "major.minor"

  /// 10.0 and later put the publisher's ITLRecovery certificate in every ITL.
  bool has_itl_recovery() const { return major >= 10; }
  /// 12.0 and later sign ITLs with the ITLRecovery key (CallManager stays as
  /// the secondary SAST); 10.x and 11.x sign with the node's CallManager key.
  bool recovery_signs_itl() const { return major >= 12; }

  friend auto operator<=>(const cucm_version&, const cucm_version&) = default;
};

/// Everything one TFTP node's ITL is made of. Values, cheap to copy: the
/// certificates share their OpenSSL objects.
struct node_itl_inputs {
  /// The TFTP node's own CallManager identity: records 1-2, and the signer before 12.0.
  identity callmanager;
  /// The node's own TVS certificate; nullopt when the node runs no TVS.
  std::optional<certificate> own_tvs;
  certificate publisher_capf;
  /// The publisher's ITLRecovery identity: a record from 10.0, the signer
  /// from 12.0. May be empty before 10.0.
  identity publisher_itlrecovery;
  /// TVS certificates of every TVS node of the cluster, in node order. The
  /// node's own (same DER as `own_tvs`) is skipped, so passing the whole
  /// cluster's list is the intended use.
  std::vector<certificate> cluster_tvs;
  cucm_version version;
};

/// The records of the node's ITL, in CUCM's order (see the file comment).
std::vector<itl_entry> node_itl_entries(const node_itl_inputs& in);

/// The identity that signs the node's ITL in normal operation (not during a
/// bulk `utils itl reset`, which re-signs with ITLRecovery whatever the release).
const identity& node_itl_signer(const node_itl_inputs& in);

/// The node's signed ITL: node_itl_entries() signed by node_itl_signer().
trust_file build_node_itl(const node_itl_inputs& in, const build_options& options = {});

}  // namespace itlfleet::sim
