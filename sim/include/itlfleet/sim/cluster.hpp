#pragma once
/// A CUCM cluster as its administrator sees it: nodes with their
/// certificates, the ITL and signed configs each TFTP node serves, the TVS
/// trust store, and the CLI operations of the technote with CUCM's own
/// messages. A value with operations: no sockets, no clock (callers pass the
/// simulated time in seconds).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "itlfleet/sim/cluster_itl.hpp"
#include "itlfleet/sim/file_store.hpp"
#include "itlfleet/sim/pki.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::sim {

// cucm_version (ITLRecovery from 10.0, ITLRecovery signs from 12.0) lives in
// cluster_itl.hpp with the ITL layout rule; the hold timer comes with 10.0(1).

struct node_config {
  std::string host;
  bool publisher = false;
  bool tftp = true;
  bool tvs = true;
  bool callmanager = true;
};

/// When a CallManager, TVS or CAPF regeneration reaches the phones:
/// automatic (the default, the technote's account: CUCM rebuilds the ITLs,
/// TVS presents its new certificate and the phones are reset at the
/// command), or manual, for clusters whose administrators hold the service
/// restarts back (nothing changes for phones until `restart tftp` /
/// `restart tvs`). ITLRecovery waits for the TFTP restart either way.
enum class regen_restart : std::uint8_t { manual, automatic };

/// Faults of the bulk reset an administrator may meet (domain.md).
enum class cluster_fault : std::uint8_t { reset_transfer, sftp_auth };

struct cluster_config {
  cucm_version version;
  std::string domain = "example.lab";
  std::vector<node_config> nodes;  ///< exactly one publisher
  bool hold_timer = true;
  /// 0 or more; a run plan's range for it is plan::limits::hold_time_problem.
  std::int64_t hold_seconds = 300;
  regen_restart regen_restarts = regen_restart::automatic;
  std::string security_password = "itlfleet-cluster";
  std::uint32_t epoch_unix = 1767225600;  ///< wall time of simulated second 0, for file timestamps
  /// The cluster starts in mixed mode: every TFTP node serves a tokenless CTL
  /// from the start (CUCM 10.0 and later).
  bool mixed_mode = false;
  /// The CTL lists the ITLRecovery certificate as SAST from 10.0 rather
  /// than from 12.0 (the default; docs/model.md).
  bool ctl_itlrecovery_from_10 = false;
};

/// What a CLI command printed and what it changed that the fleet notices.
struct command_output {
  bool ok = true;
  std::string text;                      ///< the CLI's output, line by line
  std::vector<std::size_t> itl_changed;  ///< TFTP nodes now serving a different ITL
  bool resets_devices = false;           ///< CUCM resets the phones of those nodes itself

  /// A command CUCM refused, with its answer; nothing changed.
  static command_output refused(std::string text) {
    command_output out;
    out.ok = false;
    out.text = std::move(text);
    return out;
  }
};

class cluster {
 public:
  /// Builds every node's identities and ITL. `factory` and `files` must
  /// outlive the cluster.
  static result<cluster> create(cluster_config config, identity_factory& factory,
                                file_store& files);

  // --- what phones see -------------------------------------------------------
  std::size_t node_count() const { return nodes_.size(); }
  const node_config& node(std::size_t i) const { return nodes_[i].config; }
  std::string fqdn(std::size_t i) const;
  std::optional<std::size_t> find_node(std::string_view host) const;
  std::size_t publisher() const { return publisher_; }
  const cluster_config& config() const { return config_; }
  /// The store holding every file the cluster built.
  const file_store& files() const { return *files_; }

  /// The ITL a TFTP node serves now (ITLFile.tlv and every ITLSEP<MAC>.tlv).
  file_id served_itl(std::size_t node) const { return nodes_[node].served_itl; }
  /// The signed configuration the node serves (one per node: the signer is
  /// what matters to the trust decision, not the device name inside).
  file_id served_config(std::size_t node) const { return nodes_[node].served_config; }
  /// The signed configuration `device` (SEP<MAC>) gets from TFTP node
  /// `node` now: its XML names the node's CallManager group (this node
  /// first, then the others), signed by the node's CallManager key.
  /// served_config() is this file for a representative device.
  trust_file device_config(std::size_t node, const std::string& device, std::int64_t now) const;
  /// A node's current identity for a purpose (certificate and key), e.g. to
  /// write the PKI out or to run the node's servers.
  const identity& node_identity(std::size_t node, cert_purpose purpose) const;

  /// The ITL the node served before the upgrade to 10.0: same certificates,
  /// no ITLRecovery record. For phones whose ITL predates 10.0.
  file_id pre10_itl(std::size_t node);

  /// The certificate the node's TVS presents in its TLS handshake: the one
  /// it loaded at its last start, which a regeneration does not change until
  /// the service restarts.
  const certificate& tvs_certificate(std::size_t node) const {
    return nodes_[node].tvs_presented.cert;
  }
  /// The key pair behind it, for a real TLS server.
  const identity& tvs_identity(std::size_t node) const { return nodes_[node].tvs_presented; }
  /// True when a bulk reset could recover a phone that installed `itl`: the
  /// ITL holds the certificate of the key `utils itl reset` signs with now.
  /// An ITL without ITLRecovery record, or with the record of a key the
  /// cluster no longer has, cannot be recovered.
  bool reset_recovers(file_id itl) const;
  /// True when some bulk operation can bring back a locked phone that holds
  /// `itl` and `ctl` (no_file: none): without a CTL, reset_recovers(itl);
  /// with one, the CTL must list the reset key (SAST, TFTP or CCM+TFTP), or
  /// under `itl_check_with_ctl: ctl-itl-tvs` the ITL must, or a TVS the ITL
  /// lists must still be up with its certificate so that `utils ctl update
  /// CTLFile` gets the phone a CTL that lists today's signers.
  bool bulk_recovers(file_id itl, file_id ctl, bool itl_via_ctl_only) const;
  /// TVS's lookup of a signer (serial + issuer) in its trust stores
  /// (CallManager-trust, Phone-SAST-trust): the certificate it vouches for, or
  /// nothing when TVS would answer "invalid".
  std::optional<certificate> tvs_lookup(const signer_id& signer) const;
  /// The same trust stores asked about a whole certificate (TVS VERIFY): true
  /// when that exact certificate is in them.
  bool tvs_vouches_for(const certificate& cert) const;
  /// Every certificate TVS vouches for now: what a real TVS server answers from.
  std::vector<certificate> tvs_trust_store() const;

  // --- the administrator's CLI -----------------------------------------------
  /// utils itl reset localkey (on `node`, which must be the publisher).
  command_output itl_reset_localkey(std::size_t node, std::int64_t now);
  /// utils itl reset remotekey <host> <user> <path>: fetches ITLRecovery.p12
  /// from the SFTP store, opens it with the cluster security password and
  /// replaces the publisher's ITLRecovery key with it everywhere: the reset
  /// ITL, later localkey resets, the ITLs TFTP rebuilds and (12.x) their
  /// signer. A key older than the publisher's own is the point of the
  /// command: it is the one the phones still trust.
  command_output itl_reset_remotekey(std::size_t node, const std::string& host,
                                     const std::string& user, const std::string& path,
                                     std::int64_t now);
  /// set cert regen <CallManager|TVS|CAPF|ITLRecovery> with the hold timer.
  /// With regen_restarts automatic (the default) a CallManager, TVS or CAPF
  /// regeneration rebuilds the ITLs that list the certificate, makes TVS
  /// present the new one and resets the phones at once; with manual, only
  /// the certificate store changes until the service restarts below.
  command_output cert_regen(std::size_t node, cert_purpose purpose, std::int64_t now);
  /// Restart of the Cisco Tftp service: rebuilds the node's ITL and config
  /// from the certificate store, signed by its CallManager key (ITLRecovery
  /// on 12.x). When a CallManager, TVS or CAPF regeneration changed the ITL,
  /// CUCM resets the node's phones.
  command_output restart_tftp(std::size_t node, std::int64_t now);
  /// Restart of Cisco Trust Verification Service: TVS presents the
  /// certificate now in the store.
  command_output restart_tvs(std::size_t node);
  /// Restart of the Cisco CallManager service. The phones re-register; no
  /// trust file or certificate the phones check changes (the TFTP service
  /// signs what they download).
  command_output restart_callmanager(std::size_t node);
  /// set network hostname on the publisher: CallManager, TVS and CAPF are
  /// regenerated under the new name; the ITLRecovery entry keeps the old one.
  command_output rename_publisher(const std::string& new_host, std::int64_t now);
  /// set network domain on one node: its certificates are regenerated.
  command_output change_domain(std::size_t node, const std::string& new_domain, std::int64_t now);
  /// set password user security: re-arms the "not backed up" alert.
  command_output change_security_password(const std::string& new_password);
  /// file get tftp ITLRecovery.p12 to an SFTP path (publisher only):
  /// `sftp_path` is a scenario's `to:` (sim/sftp_target.hpp), whose parts
  /// answer the SFTP prompts the output shows; the file is stored under its path.
  command_output backup_itlrecovery(std::size_t node, const std::string& sftp_path);
  /// Known faults of the bulk reset, injected (on) or cleared: the transfer
  /// of the reset ITL to a subscriber TFTP node fails (CSCun18578: that node
  /// keeps serving its own ITL), or remotekey's SFTP login fails with "bad
  /// authentication type" (CSCun19112; `node` unused).
  command_output set_fault(cluster_fault f, std::size_t node, bool on);
  /// The administrator copies back the ITLFile.tlv the node served before its
  /// last change (from a backup of the TFTP directory): it is served until
  /// the next TFTP restart. No phone is reset.
  command_output restore_previous_itl(std::size_t node);
  /// A DRS backup of the cluster: every node's keys and certificates
  /// (CallManager, TVS, CAPF, ITLRecovery) and the key `utils itl reset`
  /// signs with. It does not count as a backup of ITLRecovery.p12, so the
  /// daily alert goes on.
  command_output drs_backup(std::int64_t now);
  /// utils disaster_recovery restore: puts back the keys and certificates of
  /// the last DRS backup, rebuilds every ITL and config from them, TVS
  /// presents its restored certificate, and the cluster's restart resets the
  /// phones. Phones that still trust the backed-up keys recover. Refused
  /// without a backup. Node names and domains stay as they are.
  command_output drs_restore(std::int64_t now);
  /// The publisher reinstalled (rebuilt, or restored without its keys):
  /// CallManager, TVS, CAPF and ITLRecovery are new keys under the same
  /// names, the security password is the one given at the install (empty:
  /// unchanged), the key counts as not backed up, every ITL is rebuilt and
  /// the phones are reset as the cluster comes back.
  command_output rebuild_publisher(const std::string& security_password, std::int64_t now);

  /// The daily RTMT alert while ITLRecovery.p12 has not been saved since the
  /// last password change or regeneration of the publisher's ITLRecovery;
  /// empty when backed up.
  std::optional<std::string> daily_backup_alert() const;

  /// Files on the simulated SFTP server, by path.
  const std::map<std::string, bytes>& sftp_store() const { return sftp_; }

  // --- upgrades and enterprise parameters (cluster_upgrade.cpp) --------------
  /// Upgrade of every node to a later release, switch-version and reboot.
  /// Into 10.0 and later every node gets its ITLRecovery certificate (named
  /// after its FQDN now; the publisher's goes into every ITL and, from 12.0,
  /// signs it) and the hold timer applies. Every TFTP node rebuilds its ITL;
  /// `resets_devices` is set because the reboot drops every registration.
  /// Refused for the release the cluster runs or an earlier one.
  command_output upgrade(const cucm_version& to, std::int64_t now);
  /// Enterprise parameter "Prepare Cluster for Rollback to pre-8.0". True:
  /// every TFTP node serves the rollback ITL (rollback_itl.hpp) from now on,
  /// also after later rebuilds; False: the normal ITL again. No phone is
  /// reset: the administrator resets the devices.
  command_output set_rollback_pre8(bool on, std::int64_t now);
  bool rollback_pre8() const { return rollback_pre8_; }
  // --- mixed mode: the tokenless CTL (cluster_mixed_mode.cpp, docs/model.md) --------
  // A `utils ctl` command writes CTLFile.tlv to the TFTP directories; each TFTP
  // node serves it from its next TFTP restart (as it serves the ITL it built
  // at its last restart). None resets a phone.
  /// The security mode the last `utils ctl set-cluster` (or the start) set.
  bool mixed_mode() const { return mixed_mode_; }
  /// The CTL a TFTP node serves now (CTLFile.tlv and every CTLSEP<MAC>.tlv);
  /// no_file when it serves none.
  file_id served_ctl(std::size_t node) const { return nodes_[node].served_ctl; }
  /// The CTL the TFTP nodes will serve after their next restart.
  file_id written_ctl() const { return ctl_file_; }
  /// utils ctl set-cluster mixed-mode (publisher only, from 10.0): builds the
  /// CTL signed by the publisher's CallManager key.
  command_output ctl_set_mixed_mode(std::size_t node, std::int64_t now);
  /// utils ctl update CTLFile (publisher only, a CTL exists): rebuilds the CTL
  /// from the current certificates, signed by the CallManager key.
  command_output ctl_update(std::size_t node, std::int64_t now);
  /// utils ctl reset localkey (publisher only, a CTL exists): the current CTL
  /// re-signed with the ITLRecovery key `utils itl reset` uses.
  command_output ctl_reset_localkey(std::size_t node, std::int64_t now);
  /// utils ctl set-cluster non-secure-mode (publisher only, mixed mode): the
  /// cluster leaves mixed mode, but the CTL is rebuilt and still served, and
  /// phones keep checking against the CTL they hold.
  command_output ctl_set_non_secure_mode(std::size_t node, std::int64_t now);

 private:
  struct node_state {
    node_config config;
    std::string domain;
    /// CN of this node's ITLRecovery certificate, fixed at install: a rename
    /// or domain change must not move the recovery key.
    std::string recovery_cn;
    identity callmanager, tvs, capf, itlrecovery;  ///< the certificate store
    identity tvs_presented;                        ///< what the running TVS service loaded
    identity tftp_signer;  ///< the CallManager key TFTP loaded at its last (re)build
    /// A CallManager, TVS or CAPF regeneration changed what this TFTP node's
    /// ITL should hold since its last build: the next rebuild resets phones.
    bool regen_pending = false;
    bool transfer_fault = false;        ///< cluster_fault::reset_transfer injected here
    std::vector<file_id> earlier_itls;  ///< what it served before, oldest first (a few)
    int generation[4] = {0, 0, 0, 0};   ///< per cert_purpose
    std::optional<std::int64_t> last_regen_at;
    cert_purpose last_regen = cert_purpose::callmanager;
    file_id served_itl = no_file;
    file_id served_config = no_file;
    file_id pre10_itl = no_file;
    file_id served_ctl = no_file;  ///< loaded at the last TFTP restart
  };
  /// A certificate TVS vouches for, with its lookup fields precomputed.
  struct tvs_trusted {
    bytes serial;
    std::string issuer;  ///< normalise_name() form
    certificate cert;
  };

  cluster(cluster_config config, identity_factory& factory, file_store& files);
  identity make_identity(std::size_t node, cert_purpose purpose);
  identity& identity_of(std::size_t node, cert_purpose purpose);
  /// Generation++ and a new identity for the purpose; no ITL is rebuilt.
  void renew(std::size_t node, cert_purpose purpose);
  void refresh_tvs_trust();
  node_itl_inputs itl_inputs(std::size_t node, bool with_recovery) const;
  trust_file build_itl(std::size_t node, bool with_recovery, std::uint32_t timestamp) const;
  /// Rebuilds the node's ITL and config from current certificates; true when
  /// the served ITL changed. Unchanged content keeps the served file (and its
  /// timestamp), so phones see no new ITL.
  bool rebuild(std::size_t node, std::int64_t now);
  std::vector<std::size_t> rebuild_all(std::int64_t now);
  std::uint32_t timestamp(std::int64_t now) const;
  std::vector<std::size_t> tftp_nodes() const;
  command_output regenerate(std::size_t node, cert_purpose purpose, std::int64_t now);
  /// The TFTP nodes whose ITL lists the certificate a regeneration changed.
  std::vector<std::size_t> itls_listing(std::size_t node, cert_purpose purpose) const;
  /// The node serves `itl` now; the one it served before is kept for
  /// restore_previous_itl().
  void serve_itl(std::size_t node, file_id itl);
  /// Signs `reset_itl` with `recovery` and serves it from every TFTP node.
  command_output reset_with(trust_file reset_itl, const identity& recovery, std::int64_t now);

  cluster_config config_;
  identity_factory* factory_;
  file_store* files_;
  std::vector<node_state> nodes_;
  std::size_t publisher_ = 0;
  /// The key `utils itl reset` signs with: the publisher's ITLRecovery until
  /// a remotekey reset replaces it.
  identity reset_key_;
  std::string recovery_cn_;  ///< keeps the name the publisher had at install
  bool backed_up_ = false;
  bool sftp_auth_fault_ = false;  ///< cluster_fault::sftp_auth injected
  std::map<std::string, bytes> sftp_;
  std::vector<tvs_trusted> tvs_trust_;  ///< rebuilt whenever a trusted identity changes
  bool rollback_pre8_ = false;          ///< "Prepare Cluster for Rollback to pre-8.0" is True

  // DRS (cluster_drs.cpp).
  struct drs_image {
    struct node_keys {
      identity callmanager, tvs, capf, itlrecovery;
    };
    std::vector<node_keys> nodes;  ///< indexed like nodes_
    identity reset_key;
    std::int64_t taken_at = 0;
  };
  std::optional<drs_image> drs_image_;  ///< the last `utils disaster_recovery backup`

  // Mixed mode (cluster_mixed_mode.cpp).
  /// The refusal for a `utils ctl` command on `node`, if any; `needs_ctl`:
  /// the command works on an existing CTL (mixed mode now or before).
  std::optional<command_output> ctl_refusal(std::size_t node, bool needs_ctl) const;
  /// The CTL from the current certificates, signed by the publisher's CallManager key.
  trust_file build_ctl(std::int64_t now) const;
  /// Builds and serves a new CTLFile.tlv; `text` is the command's answer,
  /// to which CUCM's restart advice is added.
  command_output write_ctl(std::int64_t now, std::string text);
  bool mixed_mode_ = false;
  file_id ctl_file_ = no_file;  ///< CTLFile.tlv as written to the TFTP directories
};

}  // namespace itlfleet::sim
