#include "itlfleet/sim/cluster.hpp"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <set>
#include <utility>

#include "itlfleet/sim/itl_builder.hpp"
#include "itlfleet/sim/rollback_itl.hpp"
#include "itlfleet/sim/sftp_target.hpp"
#include "itlfleet/sim/verify.hpp"

namespace itlfleet::sim {
namespace {

// The one configuration file a node serves (the first phone's): the signer
// is what the trust decision looks at, the device inside does not matter.
constexpr std::uint64_t representative_mac = first_phone_mac;

constexpr const char* recovery_p12_path = "/usr/local/cm/tftp/ITLRecovery.p12";

// The prompts of `utils itl reset`, as the technote's output shows them (the
// SFTP client's debug lines included).
constexpr std::string_view admin_prompt = "Enter CCM Administrator password :\n";
constexpr std::string_view sftp_prompt =
    "Enter Sftp password :Processing token in else 0 tac\ncount is 1\n"
    "Processing token in else 0 tac\ncount is 1\n";

// CUCM 10.0(1) introduced the hold timer together with ITLRecovery.
bool has_hold_timer(const cucm_version& v) {
  return v.major >= 10;
}

// Two builds of a file are the same file to a phone when everything but the
// timestamp (and so the signature) matches: a rebuild with nothing new must
// not look like a new ITL, or every TFTP restart would reset the fleet.
bool same_content(const trust_file& a, const trust_file& b) {
  return a.kind == b.kind && a.records == b.records && a.payload == b.payload &&
         a.header.signer == b.header.signer && a.header.filename == b.header.filename &&
         a.header.digest == b.header.digest && a.header.version_major == b.header.version_major &&
         a.header.version_minor == b.header.version_minor;
}

std::string hold_minutes(std::int64_t seconds) {
  const std::int64_t minutes = std::max<std::int64_t>(1, (seconds + 59) / 60);
  return std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
}

std::string regenerated_text(std::string_view purpose) {
  const std::string p(purpose);
  return "WARNING: This operation will overwrite any CA signed certificate previously imported "
         "for " +
         p +
         "\nProceed with regeneration (yes|no)? yes\n"
         "Successfully Regenerated Certificate for " +
         p +
         ".\nPlease do a backup of the server as soon as possible. Failure to do so can stale "
         "the cluster in case of a crash.\n"
         "You must restart services related to " +
         p + " for the regenerated certificates to become active.";
}

// The technote's words for the TFTP restart of `utils itl reset`; the same
// shape for the other services is ours.
/// The TFTP restarts `utils itl reset` performs on each node, as the
/// technote's output shows them.
std::string reset_restart_text(const std::string& host) {
  return "Restarting Cisco Tftp service on host " + host +
         "\nCisco Tftp service restarted on host " + host;
}

/// What `utils service restart <service>` prints: the service manager's
/// lines (not in the technote; docs/model.md).
std::string service_restart_text(std::string_view service) {
  const std::string s(service);
  return "Do not press Ctrl+C while the service is restarting. If the service has not restarted "
         "properly, execute the same command again.\n"
         "Service Manager is running\n" +
         s + "[STOPPING]\n" + s + "[STARTING]\n" + s + "[STARTED]";
}

constexpr std::string_view tvs_service = "Cisco Trust Verification Service";

}  // namespace

cluster::cluster(cluster_config config, identity_factory& factory, file_store& files)
    : config_(std::move(config)), factory_(&factory), files_(&files) {}

result<cluster> cluster::create(cluster_config config, identity_factory& factory,
                                file_store& files) {
  if (config.nodes.empty()) return failure("cluster: no nodes configured");
  std::size_t publishers = 0, publisher = 0;
  bool any_tftp = false, any_tvs = false;
  for (std::size_t i = 0; i < config.nodes.size(); ++i) {
    const node_config& n = config.nodes[i];
    if (n.host.empty()) return failure("cluster: node " + std::to_string(i) + " has no host name");
    for (std::size_t j = 0; j < i; ++j) {
      if (iequals(config.nodes[j].host, n.host)) {
        return failure("cluster: host name '" + n.host + "' is used by two nodes");
      }
    }
    if (n.publisher) {
      ++publishers;
      publisher = i;
    }
    any_tftp = any_tftp || n.tftp;
    any_tvs = any_tvs || n.tvs;
  }
  if (publishers != 1) {
    return failure("cluster: exactly one node must be the publisher, found " +
                   std::to_string(publishers));
  }
  if (!any_tftp) return failure("cluster: no node runs the TFTP service");
  if (!any_tvs) return failure("cluster: no node runs TVS");
  if (config.mixed_mode && !config.version.has_itl_recovery()) {
    return failure(
        "cluster: mixed mode without USB tokens (tokenless CTL) needs CUCM 10.0 or later");
  }

  cluster c(std::move(config), factory, files);
  c.publisher_ = publisher;
  c.nodes_.resize(c.config_.nodes.size());
  for (std::size_t i = 0; i < c.nodes_.size(); ++i) {
    c.nodes_[i].config = c.config_.nodes[i];
    c.nodes_[i].domain = c.config_.domain;
  }
  const std::string publisher_fqdn = c.fqdn(publisher);
  c.recovery_cn_ = cucm_common_name(cert_purpose::itlrecovery, publisher_fqdn, publisher_fqdn);
  const bool with_recovery = c.config_.version.has_itl_recovery();
  for (std::size_t i = 0; i < c.nodes_.size(); ++i) {
    node_state& n = c.nodes_[i];
    // Each node has its own ITLRecovery certificate named after itself (the
    // technote); only the publisher's is used. Distinct names also keep the
    // deterministic factory from handing every node the same key.
    n.recovery_cn = i == publisher
                        ? c.recovery_cn_
                        : cucm_common_name(cert_purpose::itlrecovery, c.fqdn(i), c.fqdn(i));
    n.callmanager = c.make_identity(i, cert_purpose::callmanager);
    n.tvs = c.make_identity(i, cert_purpose::tvs);
    n.capf = c.make_identity(i, cert_purpose::capf);
    // Before 10.0 there is no ITLRecovery key anywhere.
    if (with_recovery) n.itlrecovery = c.make_identity(i, cert_purpose::itlrecovery);
    n.tvs_presented = n.tvs;
  }
  c.reset_key_ = c.nodes_[publisher].itlrecovery;
  c.refresh_tvs_trust();
  if (c.config_.mixed_mode) {
    c.mixed_mode_ = true;
    c.ctl_file_ = files.intern(c.build_ctl(0));
  }
  for (std::size_t i : c.tftp_nodes()) c.rebuild(i, 0);
  return c;
}

std::string cluster::fqdn(std::size_t i) const {
  return node_fqdn(nodes_[i].config.host, nodes_[i].domain);
}

std::optional<std::size_t> cluster::find_node(std::string_view host) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (iequals(nodes_[i].config.host, host) || iequals(fqdn(i), host)) return i;
  }
  return std::nullopt;
}

file_id cluster::pre10_itl(std::size_t node) {
  node_state& n = nodes_[node];
  if (!n.config.tftp) return no_file;
  const node_itl_inputs in = itl_inputs(node, false);
  const std::vector<itl_entry> entries = node_itl_entries(in);
  std::vector<record> records;
  records.reserve(entries.size());
  for (const itl_entry& e : entries) records.push_back(make_record(e));
  if (n.pre10_itl != no_file && files_->get(n.pre10_itl).parsed.records == records) {
    return n.pre10_itl;
  }
  // The served ITL's timestamp, not a clock: the same cluster state always
  // yields the same pre-10 file.
  build_options options;
  options.timestamp = files_->get(n.served_itl).parsed.header.timestamp;
  n.pre10_itl = files_->intern(build_trust_list(entries, node_itl_signer(in), options));
  return n.pre10_itl;
}

std::optional<certificate> cluster::tvs_lookup(const signer_id& signer) const {
  const std::string issuer = normalise_name(text_of(signer.ca_name));
  for (const tvs_trusted& t : tvs_trust_) {
    if (t.serial == signer.serial && t.issuer == issuer) return t.cert;
  }
  return std::nullopt;
}

std::vector<certificate> cluster::tvs_trust_store() const {
  std::vector<certificate> out;
  out.reserve(tvs_trust_.size());
  for (const tvs_trusted& t : tvs_trust_) out.push_back(t.cert);
  return out;
}

bool cluster::reset_recovers(file_id itl) const {
  if (itl == no_file || !reset_key_.cert.valid()) return false;
  const stored_file& f = files_->get(itl);
  if (!f.has_recovery_record) return false;
  const bytes& der = reset_key_.cert.der();
  return std::any_of(f.parsed.records.begin(), f.parsed.records.end(), [&](const record& r) {
    const bytes* cert = r.certificate();
    return is_recovery_record(r) && cert != nullptr && *cert == der;
  });
}

bool cluster::bulk_recovers(file_id itl, file_id ctl, bool itl_via_ctl_only) const {
  if (ctl == no_file) return reset_recovers(itl);
  // The reset ITL meets the CTL first: a CTL that lists the reset key as
  // SAST (12.x lists ITLRecovery) takes it, with or without `utils ctl reset`.
  if (reset_key_.cert.valid()) {
    const bytes& der = reset_key_.cert.der();
    for (const record& r : files_->get(ctl).parsed.records) {
      const bytes* cert = r.certificate();
      if (cert != nullptr && *cert == der &&
          (r.has_role(cert_role::sast) || r.has_role(cert_role::tftp) ||
           r.has_role(cert_role::ccm_tftp)))
        return true;
    }
  }
  // ctl-itl-tvs: then the installed ITL, as without a CTL.
  if (!itl_via_ctl_only && reset_recovers(itl)) return true;
  // `utils ctl update CTLFile`: the new CTL, signed by the current
  // CallManager key, gets in through a TVS the phone's ITL still lists, and
  // lists the keys that sign the ITL and configs now.
  if (itl == no_file) return false;
  const std::vector<bytes>& trusted = files_->get(itl).tvs_hashes;
  return std::any_of(nodes_.begin(), nodes_.end(), [&](const node_state& n) {
    return n.config.tvs &&
           std::find(trusted.begin(), trusted.end(), n.tvs_presented.cert.sha1()) != trusted.end();
  });
}

bool cluster::tvs_vouches_for(const certificate& cert) const {
  return std::any_of(tvs_trust_.begin(), tvs_trust_.end(),
                     [&](const tvs_trusted& t) { return t.cert.der() == cert.der(); });
}

// --- the administrator's CLI -------------------------------------------------

command_output cluster::itl_reset_localkey(std::size_t node, std::int64_t now) {
  if (!config_.version.has_itl_recovery()) {
    return command_output::refused(
        "Invalid command: utils itl reset is available from CUCM 10.0(1)");
  }
  if (node >= nodes_.size() || node != publisher_)
    return command_output::refused("This is not a Publisher Node");
  const node_state& pub = nodes_[publisher_];
  const trust_file content = pub.served_itl != no_file
                                 ? files_->get(pub.served_itl).parsed
                                 : build_itl(publisher_, true, timestamp(now));
  command_output out = reset_with(content, reset_key_, now);
  out.text = std::string(admin_prompt) + out.text;
  return out;
}

command_output cluster::itl_reset_remotekey(std::size_t node, const std::string& host,
                                            const std::string& user, const std::string& path,
                                            std::int64_t now) {
  if (!config_.version.has_itl_recovery()) {
    return command_output::refused(
        "Invalid command: utils itl reset is available from CUCM 10.0(1)");
  }
  if (node >= nodes_.size() || node != publisher_)
    return command_output::refused("This is not a Publisher Node");
  if (host.empty()) return command_output::refused("Invalid SFTP server: the host name is empty");
  if (user.empty()) return command_output::refused("Invalid SFTP user: the user name is empty");
  const std::string prompt(sftp_prompt);
  if (sftp_auth_fault_) {
    // CSCun19112: the SFTP server offers an authentication method CUCM's
    // client does not take; nothing is fetched.
    return command_output::refused(prompt + "Error: SFTP connection to " + host +
                                   " failed: bad authentication type");
  }
  const auto it = sftp_.find(path);
  if (it == sftp_.end())
    return command_output::refused(prompt + "File not found on " + host + ": " + path);
  auto opened = read_pkcs12(it->second, config_.security_password);
  if (!opened) {
    return command_output::refused(
        prompt + "Unable to open " + path + ": " + opened.err().message +
        ". The ITLRecovery.p12 file was made under another cluster security password.");
  }
  // The fetched key replaces the publisher's ITLRecovery key everywhere (the
  // technote: "replaces"): later localkey resets sign with it, the ITLs TFTP
  // rebuilds carry its certificate, and on 12.x it signs them. An older key
  // than the publisher's own is what this command is for: the key the
  // phones' ITLs still hold after a rebuild or a regeneration.
  node_state& pub = nodes_[publisher_];
  const bool replaced = opened->cert.der() != pub.itlrecovery.cert.der();
  pub.itlrecovery = identity{opened->key, opened->cert};
  reset_key_ = pub.itlrecovery;
  // The key the cluster holds now is the one saved on the SFTP server, under
  // the current security password: it counts as backed up.
  backed_up_ = true;
  refresh_tvs_trust();
  // The reset ITL is built from the certificate store, so that it carries the
  // replaced key's certificate: a phone that takes it can be recovered again
  // with the same key (our decision, docs/model.md).
  command_output out = reset_with(build_itl(publisher_, true, timestamp(now)), reset_key_, now);
  const std::string note = replaced ? "The ITLRecovery key of " + pub.config.host +
                                          " was replaced by the key in " + path + "\n"
                                    : "";
  out.text = prompt + std::string(admin_prompt) + note + out.text;
  return out;
}

command_output cluster::cert_regen(std::size_t node, cert_purpose purpose, std::int64_t now) {
  if (node >= nodes_.size()) return command_output::refused("Invalid node " + std::to_string(node));
  if (purpose == cert_purpose::itlrecovery && !config_.version.has_itl_recovery()) {
    return command_output::refused(
        "Invalid certificate name ITLRecovery: ITLRecovery exists from CUCM 10.0(1)");
  }
  const node_state& n = nodes_[node];
  if (has_hold_timer(config_.version) && config_.hold_timer && n.last_regen_at &&
      now - *n.last_regen_at < config_.hold_seconds) {
    return command_output::refused(
        std::string(purpose_name(n.last_regen)) + " certificate was modified in the last " +
        hold_minutes(config_.hold_seconds) + ". Please re-try regenerating " +
        std::string(purpose_name(purpose)) + " certificate at a later time");
  }
  return regenerate(node, purpose, now);
}

command_output cluster::restart_tftp(std::size_t node, std::int64_t now) {
  if (node >= nodes_.size()) return command_output::refused("Invalid node " + std::to_string(node));
  const std::string& host = nodes_[node].config.host;
  if (!nodes_[node].config.tftp) {
    return command_output::refused("Cisco Tftp service is not activated on host " + host);
  }
  command_output out;
  out.text = service_restart_text("Cisco Tftp");
  // Only a regeneration's new certificates make CUCM reset the phones; a
  // restart that replaces a reset ITL (or an ITLRecovery change) does not.
  const bool regenerated = nodes_[node].regen_pending;
  if (rebuild(node, now)) {
    out.itl_changed.push_back(node);
    out.resets_devices = regenerated;
  }
  return out;
}

command_output cluster::restart_tvs(std::size_t node) {
  if (node >= nodes_.size()) return command_output::refused("Invalid node " + std::to_string(node));
  node_state& n = nodes_[node];
  if (!n.config.tvs) {
    return command_output::refused(std::string(tvs_service) + " is not activated on host " +
                                   n.config.host);
  }
  n.tvs_presented = n.tvs;
  command_output out;
  out.text = service_restart_text(tvs_service);
  return out;
}

command_output cluster::restart_callmanager(std::size_t node) {
  if (node >= nodes_.size()) return command_output::refused("Invalid node " + std::to_string(node));
  const node_state& n = nodes_[node];
  if (!n.config.callmanager) {
    return command_output::refused("Cisco CallManager service is not activated on host " +
                                   n.config.host);
  }
  command_output out;
  out.text = service_restart_text("Cisco CallManager");
  return out;
}

command_output cluster::rename_publisher(const std::string& new_host, std::int64_t now) {
  node_state& pub = nodes_[publisher_];
  const std::string old_host = pub.config.host;
  if (new_host.empty()) return command_output::refused("Invalid hostname: empty");
  if (new_host == old_host) return command_output::refused("The hostname is already " + new_host);
  if (auto other = find_node(new_host); other && *other != publisher_) {
    return command_output::refused("Invalid hostname " + new_host +
                                   ": used by another node of the cluster");
  }
  pub.config.host = new_host;
  config_.nodes[publisher_].host = new_host;
  // The hostname is in the CN of CallManager, TVS and CAPF; ITLRecovery keeps
  // its install-time name on purpose. No hold timer guards the rename itself,
  // but its regenerations start one: a `set cert regen` on the node within
  // the hold time is refused like after any other.
  for (cert_purpose p : {cert_purpose::callmanager, cert_purpose::tvs, cert_purpose::capf}) {
    renew(publisher_, p);
  }
  pub.last_regen_at = now;
  pub.last_regen = cert_purpose::callmanager;
  // The rename restarts every service of the node itself.
  pub.tvs_presented = pub.tvs;
  refresh_tvs_trust();
  command_output out;
  out.itl_changed = rebuild_all(now);
  out.resets_devices = true;
  out.text = "Changing hostname from " + old_host + " to " + new_host +
             "\nRegenerated certificates CallManager, TVS, CAPF for " + fqdn(publisher_);
  if (config_.version.has_itl_recovery()) {
    out.text += "\nITLRecovery certificate unchanged: CN=" + recovery_cn_;
  }
  out.text += "\nRestarting services; the phones of the cluster are reset.";
  return out;
}

command_output cluster::change_domain(std::size_t node, const std::string& new_domain,
                                      std::int64_t now) {
  if (node >= nodes_.size()) return command_output::refused("Invalid node " + std::to_string(node));
  node_state& n = nodes_[node];
  if (new_domain == n.domain) return command_output::refused("The domain is already " + new_domain);
  const std::string old_domain = n.domain;
  n.domain = new_domain;
  std::vector<cert_purpose> renewed = {cert_purpose::callmanager, cert_purpose::tvs};
  if (node == publisher_) renewed.push_back(cert_purpose::capf);
  std::string names;
  for (cert_purpose p : renewed) {
    renew(node, p);
    names += (names.empty() ? "" : ", ") + std::string(purpose_name(p));
  }
  n.tvs_presented = n.tvs;  // the change restarts the node's services
  // Its regenerations start the hold timer, as a rename's do.
  n.last_regen_at = now;
  n.last_regen = cert_purpose::callmanager;
  refresh_tvs_trust();
  command_output out;
  out.itl_changed = rebuild_all(now);
  out.resets_devices = true;
  out.text = "Changing domain of " + n.config.host + " from " + old_domain + " to " + new_domain +
             "\nRegenerated certificates " + names + " for " + fqdn(node) +
             "\nRestarting services; the phones of the cluster are reset.";
  return out;
}

command_output cluster::change_security_password(const std::string& new_password) {
  if (new_password.empty())
    return command_output::refused("The security password must not be empty");
  config_.security_password = new_password;
  // The saved .p12 files stay under the old password, so the key counts as
  // not backed up until the next `file get tftp ITLRecovery.p12`.
  backed_up_ = false;
  command_output out;
  out.text = "Please wait...\nSecurity password changed successfully.";
  return out;
}

command_output cluster::backup_itlrecovery(std::size_t node, const std::string& sftp_path) {
  const std::string gathering = "Please wait while the system is gathering files info ...done.\n";
  if (node >= nodes_.size() || node != publisher_ || !config_.version.has_itl_recovery()) {
    return command_output::refused(gathering + "File not found: ITLRecovery.p12");
  }
  auto target = parse_sftp_target(sftp_path);
  if (!target) return command_output::refused("Invalid download path: " + target.err().message);
  // A bare path answers the server and user prompts with our defaults.
  if (target->host.empty())
    target->host = config_.domain.empty() ? "sftp" : "sftp." + config_.domain;
  if (target->user.empty()) target->user = "admin";
  bytes p12 =
      write_pkcs12(reset_key_.key, reset_key_.cert, config_.security_password, "ITLRecovery");
  char kbytes[32];
  std::snprintf(kbytes, sizeof kbytes, "%.8g", static_cast<double>(p12.size()) / 1024.0);
  command_output out;
  out.text = gathering +
             "Sub-directories were not traversed.\nNumber of files affected: 1\n"
             "Total size in Bytes: " +
             std::to_string(p12.size()) + "\nTotal size in Kbytes: " + kbytes +
             "\nWould you like to proceed [y/n]? y\n" + sftp_get_dialogue(*target) +
             ".\nTransfer completed.\nDownloading file: " + recovery_p12_path;
  sftp_[target->path] = std::move(p12);
  backed_up_ = true;
  return out;
}

command_output cluster::set_fault(cluster_fault f, std::size_t node, bool on) {
  command_output out;
  switch (f) {
    case cluster_fault::reset_transfer:
      if (node >= nodes_.size() || node == publisher_ || !nodes_[node].config.tftp)
        return command_output::refused(
            "The reset ITL transfer fault applies to a subscriber TFTP node");
      nodes_[node].transfer_fault = on;
      out.text = std::string(on ? "Fault injected" : "Fault cleared") +
                 ": the reset ITL transfer to " + nodes_[node].config.host + " fails (CSCun18578)";
      return out;
    case cluster_fault::sftp_auth:
      sftp_auth_fault_ = on;
      out.text = std::string(on ? "Fault injected" : "Fault cleared") +
                 ": SFTP bad authentication type for remotekey (CSCun19112)";
      return out;
  }
  return out;
}

void cluster::serve_itl(std::size_t node, file_id itl) {
  node_state& n = nodes_[node];
  if (n.served_itl != no_file) {
    // A few are enough for "put back the file from before the change".
    constexpr std::size_t kept = 16;
    if (n.earlier_itls.size() == kept) n.earlier_itls.erase(n.earlier_itls.begin());
    n.earlier_itls.push_back(n.served_itl);
  }
  n.served_itl = itl;
}

command_output cluster::restore_previous_itl(std::size_t node) {
  if (node >= nodes_.size() || !nodes_[node].config.tftp)
    return command_output::refused("No TFTP service on node " + std::to_string(node));
  node_state& n = nodes_[node];
  if (n.earlier_itls.empty())
    return command_output::refused("No earlier ITLFile.tlv of " + n.config.host + " to restore");
  // The copy is served as it is until the next TFTP restart rebuilds the
  // node's own ITL (like a reset ITL); the configs stay signed by the key
  // TFTP loaded, which the restored ITL may not list.
  n.served_itl = n.earlier_itls.back();
  n.earlier_itls.pop_back();
  command_output out;
  out.itl_changed.push_back(node);
  out.text = "ITLFile.tlv of " + n.config.host +
             " replaced by its copy from before the last "
             "change (timestamp " +
             std::to_string(files_->get(n.served_itl).parsed.header.timestamp) + ")";
  return out;
}

command_output cluster::rebuild_publisher(const std::string& security_password, std::int64_t now) {
  node_state& pub = nodes_[publisher_];
  std::vector<cert_purpose> renewed = {cert_purpose::callmanager, cert_purpose::tvs,
                                       cert_purpose::capf};
  if (config_.version.has_itl_recovery()) renewed.push_back(cert_purpose::itlrecovery);
  std::string names;
  for (cert_purpose p : renewed) {
    renew(publisher_, p);
    names += (names.empty() ? "" : ", ") + std::string(purpose_name(p));
  }
  // A fresh install: no regeneration history, every service started anew.
  pub.last_regen_at.reset();
  pub.tvs_presented = pub.tvs;
  reset_key_ = pub.itlrecovery;
  backed_up_ = false;
  if (!security_password.empty()) config_.security_password = security_password;
  refresh_tvs_trust();
  command_output out;
  // The whole cluster restarts after a publisher reinstall, so every TFTP
  // node rebuilds its ITL (they all list the publisher's TVS, CAPF and
  // ITLRecovery) and the phones are reset.
  out.itl_changed = rebuild_all(now);
  out.resets_devices = true;
  out.text = "Publisher " + pub.config.host + " reinstalled: new " + names + " certificates for " +
             fqdn(publisher_) +
             "\nCluster services restarted; the phones of the cluster are reset.";
  return out;
}

std::optional<std::string> cluster::daily_backup_alert() const {
  if (backed_up_ || !config_.version.has_itl_recovery()) return std::nullopt;
  return "ITLRecovery certificate has not been backed up. Please run 'file get tftp "
         "ITLRecovery.p12' on the publisher " +
         nodes_[publisher_].config.host +
         " and keep the file in a safe place: it is needed to recover phones that no longer "
         "trust the cluster (utils itl reset).";
}

// --- internals -----------------------------------------------------------------

identity cluster::make_identity(std::size_t node, cert_purpose purpose) {
  const node_state& n = nodes_[node];
  std::string cn;
  switch (purpose) {
    case cert_purpose::callmanager:
    case cert_purpose::tvs:
      cn = fqdn(node);
      break;
    case cert_purpose::capf:
      cn = cucm_common_name(cert_purpose::capf, fqdn(node), fqdn(publisher_));
      break;
    case cert_purpose::itlrecovery:
      cn = n.recovery_cn;
      break;
  }
  return factory_->make(purpose, cn, n.generation[static_cast<int>(purpose)]);
}

identity& cluster::identity_of(std::size_t node, cert_purpose purpose) {
  return const_cast<identity&>(std::as_const(*this).node_identity(node, purpose));
}

void cluster::renew(std::size_t node, cert_purpose purpose) {
  ++nodes_[node].generation[static_cast<int>(purpose)];
  identity_of(node, purpose) = make_identity(node, purpose);
}

void cluster::refresh_tvs_trust() {
  tvs_trust_.clear();
  std::set<bytes> seen;  // by SHA-1
  auto trust = [&](const certificate& cert) {
    if (!cert.valid() || !seen.insert(cert.sha1()).second) return;
    tvs_trust_.push_back({cert.serial(), normalise_name(cert.issuer()), cert});
  };
  // CallManager-trust holds the current CallManager certificates; Phone-SAST-
  // trust the ITLRecovery ones and the key a remotekey reset brought in.
  // Regenerated-away certificates are gone from both.
  for (const node_state& n : nodes_) trust(n.callmanager.cert);
  if (config_.version.has_itl_recovery()) {
    for (const node_state& n : nodes_) trust(n.itlrecovery.cert);
    trust(reset_key_.cert);
  }
}

node_itl_inputs cluster::itl_inputs(std::size_t node, bool with_recovery) const {
  const node_state& n = nodes_[node];
  const node_state& pub = nodes_[publisher_];
  node_itl_inputs in;
  in.callmanager = n.callmanager;
  if (n.config.tvs) in.own_tvs = n.tvs.cert;
  in.publisher_capf = pub.capf.cert;
  in.publisher_itlrecovery = pub.itlrecovery;
  for (const node_state& other : nodes_) {
    if (other.config.tvs) in.cluster_tvs.push_back(other.tvs.cert);
  }
  in.version = config_.version;
  // The ITL as a pre-10.0 release built it: no ITLRecovery record, and so the
  // CallManager key signs.
  if (!with_recovery && in.version.has_itl_recovery()) in.version = cucm_version{9, 1};
  return in;
}

trust_file cluster::build_itl(std::size_t node, bool with_recovery, std::uint32_t timestamp) const {
  build_options options;
  options.filename = "ITLFile.tlv";
  options.timestamp = timestamp;
  if (rollback_pre8_) return build_rollback_itl(itl_inputs(node, with_recovery), options);
  return build_node_itl(itl_inputs(node, with_recovery), options);
}

bool cluster::rebuild(std::size_t node, std::int64_t now) {
  node_state& n = nodes_[node];
  if (!n.config.tftp) return false;
  const std::uint32_t ts = timestamp(now);
  const file_id before = n.served_itl;

  trust_file itl = build_itl(node, config_.version.has_itl_recovery(), ts);
  if (before == no_file || !same_content(files_->get(before).parsed, itl)) {
    serve_itl(node, files_->intern(itl));
  }

  n.tftp_signer = n.callmanager;
  trust_file config = device_config(node, device_name(representative_mac), now);
  if (n.served_config == no_file || !same_content(files_->get(n.served_config).parsed, config)) {
    n.served_config = files_->intern(config);
  }
  n.regen_pending = false;
  // The restarted service serves the CTL the CTL provider last wrote.
  n.served_ctl = ctl_file_;
  return n.served_itl != before;
}

trust_file cluster::device_config(std::size_t node, const std::string& device,
                                  std::int64_t now) const {
  // The phone's CallManager group: its own TFTP node first, then the others.
  std::vector<std::string> group;
  for (std::size_t k = 0; k < nodes_.size(); ++k) group.push_back(fqdn((node + k) % nodes_.size()));
  const std::string xml = phone_config_xml(device, group);
  build_options options;
  options.filename = config_name_for(device);
  options.timestamp = timestamp(now);
  // Signed with the key the TFTP service loaded, not a regenerated one it
  // has not restarted for.
  return build_signed_file(as_bytes(xml), nodes_[node].tftp_signer, options);
}

const identity& cluster::node_identity(std::size_t node, cert_purpose purpose) const {
  const node_state& n = nodes_[node];
  switch (purpose) {
    case cert_purpose::callmanager:
      return n.callmanager;
    case cert_purpose::tvs:
      return n.tvs;
    case cert_purpose::capf:
      return n.capf;
    case cert_purpose::itlrecovery:
      return n.itlrecovery;
  }
  assert(false);
  return n.callmanager;
}

std::vector<std::size_t> cluster::rebuild_all(std::int64_t now) {
  std::vector<std::size_t> changed;
  for (std::size_t i : tftp_nodes()) {
    if (rebuild(i, now)) changed.push_back(i);
  }
  return changed;
}

std::uint32_t cluster::timestamp(std::int64_t now) const {
  return static_cast<std::uint32_t>(std::int64_t{config_.epoch_unix} + now);
}

std::vector<std::size_t> cluster::tftp_nodes() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].config.tftp) out.push_back(i);
  }
  return out;
}

std::vector<std::size_t> cluster::itls_listing(std::size_t node, cert_purpose purpose) const {
  switch (purpose) {
    case cert_purpose::callmanager:
      // A node's CallManager certificate is in its own ITL only.
      if (nodes_[node].config.tftp) return {node};
      return {};
    case cert_purpose::tvs:
      // Every ITL lists every TVS node.
      if (nodes_[node].config.tvs) return tftp_nodes();
      return {};
    case cert_purpose::capf:
    case cert_purpose::itlrecovery:
      // Only the publisher's CAPF and ITLRecovery are in the ITLs.
      if (node == publisher_) return tftp_nodes();
      return {};
  }
  return {};
}

command_output cluster::regenerate(std::size_t node, cert_purpose purpose, std::int64_t now) {
  renew(node, purpose);
  node_state& n = nodes_[node];
  n.last_regen_at = now;
  n.last_regen = purpose;
  command_output out;
  out.text = regenerated_text(purpose_name(purpose));
  const std::vector<std::size_t> listing = itls_listing(node, purpose);
  if (purpose == cert_purpose::itlrecovery) {
    // No ITL changes and no phone resets until the TFTP service restarts, and
    // then the administrator resets the devices (the technote). The
    // publisher's key is the cluster's recovery key: any saved copy is now
    // stale, so the daily "not backed up" alert is back until the next
    // `file get tftp ITLRecovery.p12` (a subscriber's key is used nowhere).
    if (node == publisher_) {
      reset_key_ = n.itlrecovery;
      backed_up_ = false;
    }
  } else {
    // The store has the new certificate; the ITLs that list it change at
    // their node's next TFTP restart, and that change resets the phones.
    for (std::size_t i : listing) nodes_[i].regen_pending = true;
  }
  refresh_tvs_trust();
  if (config_.regen_restarts == regen_restart::automatic && purpose != cert_purpose::itlrecovery) {
    // As if every related service restarted with the regeneration.
    if (purpose == cert_purpose::tvs) n.tvs_presented = n.tvs;
    for (std::size_t i : listing) {
      if (rebuild(i, now)) out.itl_changed.push_back(i);
    }
    out.resets_devices = true;
  }
  return out;
}

command_output cluster::reset_with(trust_file reset_itl, const identity& recovery,
                                   std::int64_t now) {
  const std::uint32_t ts = timestamp(now);
  const node_state& pub = nodes_[publisher_];
  sign_with(reset_itl, recovery, ts);
  const file_id reset_id = files_->intern(reset_itl);

  // The publisher first, as CUCM lists and restarts it.
  std::vector<std::size_t> order;
  if (pub.config.tftp) order.push_back(publisher_);
  for (std::size_t i : tftp_nodes()) {
    if (i != publisher_) order.push_back(i);
  }

  command_output out;
  std::string hosts;
  for (std::size_t i : order) {
    hosts += (hosts.empty() ? "'" : ", '") + nodes_[i].config.host + "'";
  }
  out.text =
      "Locating active Tftp servers in the cluster.....\n"
      "Following is the list of Active tftp servers in the cluster\n[" +
      hosts +
      "]\nThe reset ITL file was generated successfully\n"
      "Transferring new reset ITL file to the TFTP server nodes in the cluster.....";
  for (std::size_t i : order) {
    const std::string& host = nodes_[i].config.host;
    if (i != publisher_ && nodes_[i].transfer_fault) {
      // CSCun18578: the copy to this node fails; it keeps serving its own ITL.
      out.text += "\nFailed to transfer reset ITL to node " + host;
      continue;
    }
    if (i != publisher_) out.text += "\nSuccessfully transferred reset ITL to node " + host;
    out.text += "\n" + reset_restart_text(host);
    // The restart serves the transferred file as is: the reset ITL stays
    // until a later restart or regeneration rebuilds the node's own.
    nodes_[i].served_ctl = ctl_file_;  // the restart loads the CTL last written too
    if (nodes_[i].served_itl != reset_id) {
      serve_itl(i, reset_id);
      out.itl_changed.push_back(i);
    }
  }
  return out;
}

}  // namespace itlfleet::sim
