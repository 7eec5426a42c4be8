// DRS backup and restore: the technote's first way out of a lockout is to
// put back the keys the phones still trust (docs/model.md, "DRS backup and
// restore").

#include "itlfleet/sim/cluster.hpp"

namespace itlfleet::sim {

command_output cluster::drs_backup(std::int64_t now) {
  drs_image image;
  image.taken_at = now;
  image.reset_key = reset_key_;
  for (const node_state& n : nodes_) {
    image.nodes.push_back({n.callmanager, n.tvs, n.capf, n.itlrecovery});
  }
  drs_image_ = std::move(image);
  // The alert watches ITLRecovery.p12 only (domain.md: "a DRS backup does
  // not stop it").
  command_output out;
  out.text = "Backup initiated successfully\nStatus: SUCCESS";
  return out;
}

command_output cluster::drs_restore(std::int64_t now) {
  if (!drs_image_) {
    return command_output::refused(
        "No backup found: run utils disaster_recovery backup before a restore");
  }
  const drs_image& image = *drs_image_;
  for (std::size_t i = 0; i < nodes_.size() && i < image.nodes.size(); ++i) {
    node_state& n = nodes_[i];
    n.callmanager = image.nodes[i].callmanager;
    n.tvs = image.nodes[i].tvs;
    n.capf = image.nodes[i].capf;
    n.itlrecovery = image.nodes[i].itlrecovery;
    // The restore ends with every node restarted: TVS loads the restored
    // certificate, and the hold timer starts anew.
    n.tvs_presented = n.tvs;
    n.last_regen_at.reset();
  }
  reset_key_ = image.reset_key;
  refresh_tvs_trust();
  rebuild_all(now);
  // The restore restarts every node: the phones of every TFTP node are
  // reset and fetch the rebuilt files, whether or not the ITL bytes changed
  // (after `restore previous itl` only the configs do).
  command_output out;
  out.itl_changed = tftp_nodes();
  out.resets_devices = true;
  out.text =
      "Restore initiated successfully\n"
      "Restoring the keys and certificates of the backup taken at " +
      std::to_string(image.taken_at) +
      " s\nStatus: SUCCESS\nRestarting the nodes of the cluster; the phones are reset.";
  return out;
}

}  // namespace itlfleet::sim
