#pragma once
/// Which certificates a tokenless CTL (mixed mode, CUCM 10.0(1) and later)
/// holds, and its per-device name: the one place for the CTL layout rule, as
/// cluster_itl.hpp is for the ITL. The cluster builds the CTL with it at
/// `utils ctl set-cluster mixed-mode` and `utils ctl update CTLFile`.
///
/// Record order (our decision; the technote does not describe the CTL):
///   1. the signer's certificate as SAST (tokenless: the publisher's CallManager)
///   2. from 12.0, the publisher's ITLRecovery certificate as SAST
///   3. every node's CallManager certificate, in node order: CCM+TFTP for a
///      node running CallManager and TFTP, CCM or TFTP for one running only one
///      of them; a node running neither is left out
///   4. the publisher's CAPF (full certificate)
/// TVS certificates are not in a CTL (Cisco's certificate regeneration guide:
/// "TVS is not referenced in CTL").

#include <optional>
#include <string>
#include <vector>

#include "itlfleet/sim/crypto.hpp"
#include "itlfleet/sim/itl_builder.hpp"

namespace itlfleet::sim {

/// Everything a CTL is made of. Values, cheap to copy.
struct ctl_inputs {
  /// The SAST the file is signed with at build time (the publisher's CallManager).
  certificate sast;
  /// The publisher's ITLRecovery certificate: a second SAST from 12.0, else empty.
  std::optional<certificate> itlrecovery;
  struct node_entry {
    certificate callmanager;
    bool runs_callmanager = true;
    bool runs_tftp = true;
  };
  std::vector<node_entry> nodes;  ///< in node order
  certificate publisher_capf;
};

/// The CTL's records, in the order of the file comment.
std::vector<itl_entry> ctl_entries(const ctl_inputs& in);

/// "CTL" + device + ".tlv": the name a phone asks for (CTLFile.tlv is the same file).
std::string ctl_name_for(const std::string& device);

}  // namespace itlfleet::sim
