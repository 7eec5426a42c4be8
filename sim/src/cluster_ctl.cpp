#include "itlfleet/sim/cluster_ctl.hpp"

namespace itlfleet::sim {

std::vector<itl_entry> ctl_entries(const ctl_inputs& in) {
  std::vector<itl_entry> entries;
  entries.reserve(3 + in.nodes.size());
  entries.push_back({in.sast, cert_role::sast, false, {}});
  if (in.itlrecovery) entries.push_back({*in.itlrecovery, cert_role::sast, false, {}});
  for (const ctl_inputs::node_entry& n : in.nodes) {
    if (!n.runs_callmanager && !n.runs_tftp) continue;
    const cert_role role = n.runs_callmanager && n.runs_tftp ? cert_role::ccm_tftp
                           : n.runs_callmanager              ? cert_role::ccm
                                                             : cert_role::tftp;
    entries.push_back({n.callmanager, role, false, {}});
  }
  // A CTL carries the whole CAPF certificate, unlike the ITL's hash-only record.
  entries.push_back({in.publisher_capf, cert_role::capf, false, {}});
  return entries;
}

std::string ctl_name_for(const std::string& device) {
  return "CTL" + device + ".tlv";
}

}  // namespace itlfleet::sim
