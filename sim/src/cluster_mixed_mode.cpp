// The cluster's `utils ctl` commands: mixed mode with a tokenless CTL. The
// technote we follow only names the feature; the behaviour and every text
// here are our model of it (docs/model.md, "Mixed mode and the CTL"), and the
// texts are marked there as invented.

#include "itlfleet/sim/cluster.hpp"
#include "itlfleet/sim/cluster_ctl.hpp"

namespace itlfleet::sim {
namespace {

/// What a `utils ctl` command that wrote a new CTLFile.tlv adds to its answer.
constexpr const char* restart_advice =
    "\nPlease Restart the TFTP and Cisco CallManager services on all nodes in the cluster that "
    "run these services";

}  // namespace

std::optional<command_output> cluster::ctl_refusal(std::size_t node, bool needs_ctl) const {
  if (node >= nodes_.size()) return command_output::refused("Invalid node " + std::to_string(node));
  // The same answer as `utils itl reset` on a subscriber.
  if (node != publisher_) return command_output::refused("This is not a Publisher Node");
  if (!config_.version.has_itl_recovery()) {
    return command_output::refused(
        "Tokenless CTL is available from CUCM 10.0(1); this cluster runs " +
        config_.version.to_string() +
        ". Use the Cisco CTL Client with USB tokens to set mixed mode.");
  }
  if (needs_ctl && ctl_file_ == no_file) {
    return command_output::refused(
        "The cluster is not in Mixed Mode: there is no CTL file. Run utils ctl set-cluster "
        "mixed-mode first.");
  }
  return std::nullopt;
}

trust_file cluster::build_ctl(std::int64_t now) const {
  const node_state& pub = nodes_[publisher_];
  ctl_inputs in;
  in.sast = pub.callmanager.cert;
  // From 12.0 the CTL carries the recovery key that `utils ctl reset localkey`
  // signs with (domain notes: "from 12.x it also carries an ITLRecovery
  // entry"); `ctl_itlrecovery_from_10` models clusters whose 10.x/11.x CTL
  // lists it too, as `utils ctl reset localkey` existing from 10.0 suggests.
  if (config_.version.recovery_signs_itl() ||
      (config_.ctl_itlrecovery_from_10 && config_.version.has_itl_recovery()))
    in.itlrecovery = reset_key_.cert;
  for (const node_state& n : nodes_) {
    in.nodes.push_back({n.callmanager.cert, n.config.callmanager, n.config.tftp});
  }
  in.publisher_capf = pub.capf.cert;
  build_options options;
  options.filename = "CTLFile.tlv";
  options.timestamp = timestamp(now);
  return build_trust_list(ctl_entries(in), pub.callmanager, options);
}

command_output cluster::write_ctl(std::int64_t now, std::string text) {
  ctl_file_ = files_->intern(build_ctl(now));
  command_output out;
  out.text = std::move(text) + restart_advice;
  return out;
}

command_output cluster::ctl_set_mixed_mode(std::size_t node, std::int64_t now) {
  if (auto refusal = ctl_refusal(node, false)) return *refusal;
  if (mixed_mode_) return command_output::refused("The cluster is already in Mixed Mode");
  mixed_mode_ = true;
  return write_ctl(
      now,
      "This operation will set the cluster to Mixed mode. Do you want to continue? (y/n):y\n"
      "Moving Cluster to Mixed Mode\nCluster set to Mixed Mode");
}

command_output cluster::ctl_update(std::size_t node, std::int64_t now) {
  if (auto refusal = ctl_refusal(node, true)) return *refusal;
  return write_ctl(now,
                   "This operation updates the CTLFile. Do you want to continue? (y/n):y\n"
                   "Updating CTL file\nCTL file Updated");
}

command_output cluster::ctl_set_non_secure_mode(std::size_t node, std::int64_t now) {
  if (auto refusal = ctl_refusal(node, true)) return *refusal;
  if (!mixed_mode_) return command_output::refused("The cluster is already in Non Secure Mode");
  // The CTL stays: CUCM rebuilds it (the security mode changed) and keeps
  // serving it, and phones that hold one go on checking against it.
  mixed_mode_ = false;
  return write_ctl(
      now,
      "This operation will set the cluster to non secure mode. Do you want to continue? "
      "(y/n):y\nMoving Cluster to Non Secure Mode\nCluster set to Non Secure Mode");
}

command_output cluster::ctl_reset_localkey(std::size_t node, std::int64_t now) {
  if (auto refusal = ctl_refusal(node, true)) return *refusal;
  // The CTL as written, re-signed: the same records, the recovery key's
  // signature. A phone accepts it only if its installed CTL lists that key
  // as a SAST, which CUCM's CTLs do from 12.0.
  trust_file ctl = files_->get(ctl_file_).parsed;
  sign_with(ctl, reset_key_, timestamp(now));
  ctl_file_ = files_->intern(ctl);
  command_output out;
  out.text =
      "This operation re-signs the CTL file with the local ITLRecovery key. Do you want to "
      "continue? (y/n):y\nThe reset CTL file was generated successfully\n"
      "Please Restart the TFTP service on all nodes in the cluster that run it, then reset all "
      "devices";
  return out;
}

}  // namespace itlfleet::sim
