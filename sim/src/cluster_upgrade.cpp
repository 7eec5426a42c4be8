// The cluster's release as a timeline event, and the enterprise parameter
// "Prepare Cluster for Rollback to pre-8.0". Both change what every TFTP
// node serves; docs/model.md says where each rule comes from. The command
// texts are ours (CUCM's upgrade runs for hours through many screens and the
// parameter is a web page): they say what changed, not what CUCM prints.

#include <utility>

#include "itlfleet/sim/cluster.hpp"

namespace itlfleet::sim {
namespace {

std::string host_list(const std::vector<std::string>& hosts) {
  std::string out;
  for (const auto& h : hosts) out += (out.empty() ? "" : ", ") + h;
  return out;
}

}  // namespace

command_output cluster::upgrade(const cucm_version& to, std::int64_t now) {
  const cucm_version from = config_.version;
  if (to == from) {
    return command_output::refused("Upgrade refused: the cluster already runs " + from.to_string() +
                                   "; an upgrade needs a later release");
  }
  if (to < from) {
    return command_output::refused(
        "Upgrade refused: " + to.to_string() + " is older than the running " + from.to_string() +
        "; a downgrade is a switch-version back to the inactive partition, which is "
        "not modelled");
  }
  const bool creates_recovery = !from.has_itl_recovery() && to.has_itl_recovery();
  config_.version = to;

  command_output out;
  out.text = "Upgrading the cluster from " + from.to_string() + " to " + to.to_string();
  if (creates_recovery) {
    // Made at the upgrade, so named after each node's FQDN as it is now (a
    // rename before the upgrade is in the name); fixed from then on.
    const std::string publisher_fqdn = fqdn(publisher_);
    recovery_cn_ = cucm_common_name(cert_purpose::itlrecovery, publisher_fqdn, publisher_fqdn);
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      node_state& n = nodes_[i];
      n.recovery_cn = i == publisher_
                          ? recovery_cn_
                          : cucm_common_name(cert_purpose::itlrecovery, fqdn(i), fqdn(i));
      n.itlrecovery = make_identity(i, cert_purpose::itlrecovery);
    }
    reset_key_ = nodes_[publisher_].itlrecovery;
    // A new recovery key nobody has saved: the daily alert starts.
    backed_up_ = false;
    out.text +=
        "\nCreated the ITLRecovery certificate of every node; the publisher's (CN=" + recovery_cn_ +
        ") goes into every ITL";
  }
  if (!from.recovery_signs_itl() && to.recovery_signs_itl()) {
    out.text += "\nITL files are now signed by the ITLRecovery key (CallManager stays a SAST)";
  }
  if (to.major >= 10 && from.major < 10) {
    out.text += "\nThe certificate regeneration hold timer now applies";
  }
  refresh_tvs_trust();
  out.itl_changed = rebuild_all(now);
  // switch-version reboots every node: each phone loses its registration
  // and, back on a node, downloads its ITL and config again.
  out.resets_devices = true;
  std::vector<std::string> hosts;
  hosts.push_back(nodes_[publisher_].config.host);
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (i != publisher_) hosts.push_back(nodes_[i].config.host);
  }
  out.text += "\nSwitched version and rebooted " + host_list(hosts) +
              "; every registered phone re-registers";
  return out;
}

command_output cluster::set_rollback_pre8(bool on, std::int64_t now) {
  const std::string value = on ? "True" : "False";
  command_output out;
  out.text = "Enterprise Parameters: Prepare Cluster for Rollback to pre-8.0 = " + value;
  if (on == rollback_pre8_) {
    out.text += "\nThe parameter already had this value; nothing changed";
    return out;
  }
  rollback_pre8_ = on;
  out.itl_changed = rebuild_all(now);
  out.text += on ? "\nUpdate successful. TFTP nodes now serve ITL files with empty TVS and TFTP "
                   "sections; reset the devices so that the phones download them"
                 : "\nUpdate successful. TFTP nodes serve the normal ITL files again; reset the "
                   "devices so that the phones download them";
  return out;
}

}  // namespace itlfleet::sim
