#pragma once
/// A run plan: everything one simulated run needs — the cluster, the fleet,
/// the operator's timeline and the expectations to check. The scenarios
/// library builds it from YAML; the engines execute it. Plain values only
/// (itlfleet::plan links nothing but sim, so every floor above can hold one).

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "itlfleet/sim/cluster.hpp"
#include "itlfleet/sim/cluster_itl.hpp"
#include "itlfleet/sim/phone_state.hpp"
#include "itlfleet/sim/pki.hpp"

namespace itlfleet::plan {

/// Simulated time: microseconds since the start of the run.
using sim_duration = std::chrono::microseconds;
using sim_time = std::chrono::microseconds;

/// How the engines index what a plan lists, so that its limits
/// (plan_limits.hpp) follow the types: a phone or a timeline entry in 32
/// bits, a node in 8 (engine::event carries both).
using entry_index = std::uint32_t;
using node_index = std::uint8_t;
/// A fleet group's place in run_plan::fleet (a phone's group is 16 bits:
/// sim::phone::group).
using group_index = std::uint16_t;

/// Modelled TFTP service of every TFTP node (a node may have its own:
/// node_plan::own_tftp).
struct tftp_model {
  /// Concurrent transfers a node serves; requests past it are refused.
  int max_serving_count = 2500;
  sim_duration rtt = std::chrono::milliseconds(2);
  int block_size = 512;  ///< real phones negotiate nothing: 512-byte blocks
  double loss = 0.0;     ///< probability that one block (or its ACK) is lost
  /// How long a phone waits before resending a lost block or an unanswered request.
  sim_duration retransmit_timeout = std::chrono::seconds(1);
  /// Server CPU per block; with n transfers active a block costs max(rtt, n * block_cost).
  sim_duration block_cost = std::chrono::microseconds(20);
  /// A server whose throughput falls past a concurrency (tftpd-hpa forks a
  /// process per transfer): with n transfers active, past `knee` each block
  /// costs block_cost + knee_slowdown x (n - knee) of server time. Zero
  /// knee_slowdown (the default): no knee. docs/model.md.
  int knee = 0;
  sim_duration knee_slowdown{};
  /// Whether a node serves ITLSEP<MAC>.tlv (CTLSEP<MAC>.tlv) besides
  /// ITLFile.tlv (CTLFile.tlv). CUCM does; false models a plain TFTP server
  /// holding the cluster-wide files only, and phones fall back to them.
  bool per_device_itl = true;
  bool per_device_ctl = true;
};

/// Modelled HTTP 6970 service of every TFTP node, when a scenario gives
/// `cluster.http` (or a calibration of an HTTP server does). Without it,
/// phones fetching over HTTP meet the TFTP station, as they always did
/// (docs/model.md, "HTTP 6970 station").
struct http_model {
  /// One network round trip: the TCP connect takes one, the request and
  /// its answer another.
  sim_duration rtt = std::chrono::milliseconds(2);
  /// A worker's time per request (lookup and sending the file).
  sim_duration request_cost = std::chrono::microseconds(500);
  /// Requests worked on at once; the others wait in arrival order.
  int workers = 8;
  /// Requests in the server, worked on or waiting; more are refused (503).
  int max_serving_count = 2500;
};

/// Which calibration (`itlfleet calibrate`'s calibration.yaml) the server
/// models were taken from; the run's outputs name it (metrics::calibration_ref).
struct tftp_calibration_ref {
  std::string file;    ///< as named in the scenario or on the command line
  std::string server;  ///< its `# server:` header line: the servers measured
  std::string date;    ///< its `# date:` header line: when
};

/// Modelled TVS service of every TVS node.
struct tvs_model {
  sim_duration handshake = std::chrono::milliseconds(3);  ///< TLS handshake cost
  sim_duration query = std::chrono::microseconds(200);    ///< one QUERY_CERT
  int concurrency = 200;                                  ///< parallel sessions per node
  /// A phone gives up on a TVS that has not answered within this time.
  sim_duration timeout = std::chrono::seconds(10);
  sim_duration answer_ttl = std::chrono::hours(24);  ///< how long phones cache an answer
};

/// One node of the cluster, and the server models it has of its own.
struct node_plan {
  std::string host;  ///< short host name, e.g. "cucm-pub"
  bool publisher = false;
  bool tftp = true;
  bool tvs = true;
  bool callmanager = true;
  /// The node's own server models (its `tftp:`, `http:`, `tvs:` or
  /// `calibration:` in a scenario, or `run --calibration NODE=FILE`),
  /// complete; none: the cluster's. Only the server's side of them is the
  /// node's: what phones do (block size, retransmit timeout, TVS timeout
  /// and answer TTL) and which files are served stay the cluster's
  /// (node_tftp_model, node_tvs_model).
  std::optional<tftp_model> own_tftp = std::nullopt;
  std::optional<http_model> own_http = std::nullopt;
  std::optional<tvs_model> own_tvs = std::nullopt;
  /// The calibration the node's own models were taken from, if any.
  std::optional<tftp_calibration_ref> calibration = std::nullopt;
};

/// How phones retry (defaults follow observed phone behaviour).
struct phone_model {
  int tftp_attempts = 3;  ///< per server, before moving to the next TFTP server
  sim_duration tftp_backoff = std::chrono::seconds(5);        ///< wait after a refused request
  sim_duration unreachable_retry = std::chrono::seconds(60);  ///< restart of a failed boot
  /// The largest ITL a phone loads; a bigger one fails like a bad signature
  /// (64 KB: field reports, docs/model.md "ITL too large").
  int max_itl_bytes = 65535;
};

struct cluster_plan {
  /// The release at the start, read once (sim::cucm_version::parse) by the
  /// loader: before 10.0 no ITLRecovery; from 12.0 ITLRecovery signs.
  sim::cucm_version version{10, 0};
  std::string domain = "example.lab";
  bool hold_timer = true;  ///< CUCM 10.0(1)'s refusal of a second regeneration
  sim_duration hold_time = std::chrono::minutes(5);
  int key_bits = 1024;
  std::string security_password = "itlfleet-cluster";
  /// Phones registered to a node whose ITL changed are reset automatically.
  bool auto_reset = true;
  /// `set cert regen` (CallManager, TVS, CAPF) takes effect at once: ITLs
  /// rebuilt, TVS presents its new certificate, the node's phones reset (the
  /// technote's account, the default). False (`manual`): only at `restart
  /// tftp` / `restart tvs`. ITLRecovery always waits for `restart tftp`.
  bool regen_restarts_automatic = true;
  std::vector<node_plan> nodes;
  tftp_model tftp;
  /// The calibration `tftp`, `http` and `tvs` were taken from (`run
  /// --calibration FILE`, every node's); none: the scenario's settings or
  /// the defaults. A node's own: node_plan::calibration.
  std::optional<tftp_calibration_ref> tftp_calibration;
  /// The HTTP 6970 model; none: HTTP fetches meet the TFTP station.
  std::optional<http_model> http;
  tvs_model tvs;
  /// Mixed mode at the start: every TFTP node serves a tokenless CTL (10.0 and later).
  bool mixed_mode = false;
  /// A phone holding a CTL accepts a new ITL only through the CTL (true), or
  /// through the CTL, then its installed ITL and TVS (false). docs/model.md.
  bool itl_check_with_ctl_only = true;
  /// The tokenless CTL lists the publisher's ITLRecovery certificate (SAST)
  /// from 10.0 (true) or, the default, from 12.0. docs/model.md.
  bool ctl_itlrecovery_from_10 = false;
};

/// The TFTP model node `n` serves by: its own (node_plan::own_tftp) or the
/// cluster's, with the cluster's phone side (block size, retransmit
/// timeout) and per-device files.
inline tftp_model node_tftp_model(const cluster_plan& c, std::size_t n) {
  const std::optional<tftp_model>& own = c.nodes[n].own_tftp;
  if (!own) return c.tftp;
  tftp_model m = *own;
  m.block_size = c.tftp.block_size;
  m.retransmit_timeout = c.tftp.retransmit_timeout;
  m.per_device_itl = c.tftp.per_device_itl;
  m.per_device_ctl = c.tftp.per_device_ctl;
  return m;
}

/// The HTTP 6970 model of node `n`: its own, else the cluster's; none:
/// its phones fetching over HTTP meet its TFTP station.
inline std::optional<http_model> node_http_model(const cluster_plan& c, std::size_t n) {
  return c.nodes[n].own_http ? c.nodes[n].own_http : c.http;
}

/// The TVS model of node `n`: its own or the cluster's, with the cluster's
/// phone side (timeout, answer TTL).
inline tvs_model node_tvs_model(const cluster_plan& c, std::size_t n) {
  const std::optional<tvs_model>& own = c.nodes[n].own_tvs;
  if (!own) return c.tvs;
  tvs_model m = *own;
  m.timeout = c.tvs.timeout;
  m.answer_ttl = c.tvs.answer_ttl;
  return m;
}

/// Whether any node has a server model of its own.
inline bool has_node_models(const cluster_plan& c) {
  return std::any_of(c.nodes.begin(), c.nodes.end(),
                     [](const node_plan& n) { return n.own_tftp || n.own_http || n.own_tvs; });
}

/// Which ITL a phone holds when the run starts.
enum class installed_itl {
  current,  ///< its TFTP node's ITL at the start of the run
  none,     ///< new or factory-reset phone: first ITL is taken on faith
  pre_10,   ///< installed before the upgrade to 10.0: no ITLRecovery record
};

/// Which CTL a phone holds when the run starts.
enum class installed_ctl {
  automatic,  ///< current when the cluster starts in mixed mode, else none
  current,    ///< the CTL its TFTP node serves at the start (needs mixed mode)
  none,       ///< no CTL: the first one is taken on faith
};

/// How a group's phones fetch their files from a TFTP node. The virtual
/// engine models both the same way; the live engine speaks the protocol.
enum class fetch_protocol {
  tftp,  ///< UDP port 69, 512-byte blocks: every phone model
  http,  ///< TCP port 6970: newer firmware tries it before TFTP
};

struct fleet_group {
  std::string name;
  std::uint64_t count = 0;
  /// Picks the device family (sim::find_family): what the phones do with
  /// trust lists, and whether they fetch over HTTP by default.
  std::string model = "CP-8861";
  std::string firmware = "12.8(1)";
  std::vector<std::string> tftp;  ///< TFTP node hosts, primary first
  /// TVS node hosts in order; empty: every TVS node (unless callmanager_group).
  std::vector<std::string> tvs;
  /// CUCM's CallManager group of the phones: 1-3 CallManager nodes in order.
  /// When given (and `tvs` is empty), the phones ask the TVS of those of its
  /// nodes that run TVS, in that order, and no other: possibly none.
  std::vector<std::string> callmanager_group;
  installed_itl itl = installed_itl::current;
  /// The scenario's `fetch:`, overriding the family's and firmware's default
  /// (sim::device_family::fetches_over_http); empty: that default.
  std::optional<fetch_protocol> fetch;
  int line = 0;  ///< where it was declared, for messages
  installed_ctl ctl = installed_ctl::automatic;
};

struct boot_plan {
  sim_duration spread = std::chrono::seconds(60);  ///< boot-all spreads power-on uniformly
  sim_duration reboot = std::chrono::seconds(90);  ///< time from reset to the first request
  sim_duration reboot_jitter = std::chrono::seconds(10);
  sim_duration reset_spread = std::chrono::seconds(30);  ///< how CUCM staggers device resets
};

enum class action_kind {
  boot_all,                  ///< power on every phone (spread over boot.spread)
  itl_reset_localkey,        ///< utils itl reset localkey
  itl_reset_remotekey,       ///< utils itl reset remotekey <host> <user> <path>
  cert_regen,                ///< set cert regen <CallManager|TVS|CAPF|ITLRecovery>
  restart_tftp,              ///< restart the TFTP service of a node (or all)
  restart_tvs,               ///< restart the TVS service of a node
  restart_callmanager,       ///< restart the CallManager service of a node
  reset_all_devices,         ///< Enterprise Parameters > Reset
  reset_devices,             ///< Reset of chosen phones (Bulk Administration, a device pool)
  rename_publisher,          ///< set network hostname <new> on the publisher
  change_domain,             ///< set network domain <new>
  change_security_password,  ///< set password user security
  backup_itlrecovery,        ///< file get tftp ITLRecovery.p12 (to an SFTP path)
  tftp_outage,               ///< TFTP service of a node down for `length`
  tvs_outage,                ///< TVS service of a node down for `length`
  delete_itl,                ///< Settings > Security > Trust List > delete, on selected phones
  factory_reset,             ///< factory reset of selected phones
  drs_backup,                ///< utils disaster_recovery backup (not a key backup)
  drs_restore,               ///< utils disaster_recovery restore: the backed-up keys back
  rebuild_publisher,         ///< the publisher reinstalled with new keys
  set_option_150,            ///< DHCP option 150 of a group: its TFTP servers, from the next boot
  inject_fault,          ///< inject fault <reset-transfer|sftp-auth> (a known fault of the reset)
  clear_fault,           ///< clear fault <reset-transfer|sftp-auth>
  restore_previous_itl,  ///< restore previous itl: a TFTP node serves its ITL from before
  upgrade_cluster,       ///< upgrade cluster <version>: every node to a later release
  set_rollback_pre8,     ///< set enterprise parameter rollback-pre-8 <true|false>
  ctl_set_mixed_mode,    ///< utils ctl set-cluster mixed-mode
  ctl_update,            ///< utils ctl update CTLFile
  ctl_reset_localkey,    ///< utils ctl reset localkey
  ctl_set_non_secure_mode,  ///< utils ctl set-cluster non-secure-mode
};

/// The arguments of a timeline verb, typed: the scenario loader reads and
/// checks them once, when it reads the verb (scenarios/src/timeline.cpp, one
/// reader per verb in its verb table); the engines take them as they are.
/// Verbs without arguments carry `no_arguments`.
struct no_arguments {
  friend bool operator==(const no_arguments&, const no_arguments&) = default;
};
/// `utils itl reset remotekey <host> <user> <path>`: where the backed-up
/// ITLRecovery key is fetched from.
struct remote_key_source {
  std::string host, user, path;
  friend bool operator==(const remote_key_source&, const remote_key_source&) = default;
};
/// `set cert regen <CallManager|TVS|CAPF|ITLRecovery>`.
struct regen_certificate {
  sim::cert_purpose purpose = sim::cert_purpose::callmanager;
  friend bool operator==(const regen_certificate&, const regen_certificate&) = default;
};
/// `set network hostname <new host>`.
struct new_host_name {
  std::string host;
  friend bool operator==(const new_host_name&, const new_host_name&) = default;
};
/// `set network domain <new domain>`.
struct new_domain {
  std::string domain;
  friend bool operator==(const new_domain&, const new_domain&) = default;
};
/// `set password user security` and `rebuild publisher` (`password:`): the
/// cluster's security password from then on.
struct security_password {
  std::string password;  ///< not empty
  friend bool operator==(const security_password&, const security_password&) = default;
};
/// `file get tftp ITLRecovery.p12` (`to:`): the SFTP path the key is copied to.
struct sftp_destination {
  std::string path;  ///< sim::parse_sftp_target accepts it
  friend bool operator==(const sftp_destination&, const sftp_destination&) = default;
};
/// `set dhcp option 150 <a>,<b>,...`: a group's TFTP nodes, primary first.
struct tftp_server_list {
  /// Indices into cluster_plan::nodes, of TFTP nodes, each once: the loader
  /// resolved the names as declared (check_plan: in range, not empty).
  std::vector<node_index> nodes;
  friend bool operator==(const tftp_server_list&, const tftp_server_list&) = default;
};
/// `inject fault` / `clear fault <reset-transfer|sftp-auth>`.
struct cluster_fault_choice {
  sim::cluster_fault fault = sim::cluster_fault::reset_transfer;
  friend bool operator==(const cluster_fault_choice&, const cluster_fault_choice&) = default;
};
/// `upgrade cluster <version>`: the release every node goes to.
struct target_release {
  sim::cucm_version version;
  friend bool operator==(const target_release&, const target_release&) = default;
};
/// `set enterprise parameter rollback-pre-8 <true|false>`.
struct parameter_switch {
  bool on = false;
  friend bool operator==(const parameter_switch&, const parameter_switch&) = default;
};

using action_args = std::variant<no_arguments, remote_key_source, regen_certificate, new_host_name,
                                 new_domain, security_password, sftp_destination, tftp_server_list,
                                 cluster_fault_choice, target_release, parameter_switch>;

/// Whether `args` is what a `kind` action carries (check_plan asks, for a
/// plan built in code; the loader builds only such pairs).
bool args_fit(action_kind kind, const action_args& args);

/// One timeline entry. What it names is resolved by the loader (scenarios/src/
/// timeline.cpp) once, to indices: the engines look no name up.
struct action {
  sim_time at{0};
  action_kind kind = action_kind::boot_all;
  /// The target node: an index into cluster_plan::nodes; none: the
  /// publisher, or every node, as the verb says. A scenario names a node as
  /// declared, also after `set network hostname` renamed it (the index stays
  /// its own); logs give the name it has when the action runs.
  std::optional<node_index> node;
  action_args args;        ///< the verb's arguments, typed and checked (no_arguments: none)
  sim_duration length{0};  ///< outages
  /// Phone actions: an index into run_plan::fleet; none: the whole fleet.
  std::optional<group_index> group;
  double fraction = 1.0;  ///< phone actions: share of the selected phones
  /// delete itl / factory reset by hand: technicians visit the selected
  /// phones that show a trust failure, this many per hour in all; 0: every
  /// selected phone at once.
  double rate_per_hour = 0;
  std::string text;  ///< the command as written, for logs
  int line = 0;
};

enum class comparison { eq, ne, lt, le, gt, ge };

/// What an expectation can name: counts of phones (fleet or one group; also
/// as a share of it) or fleet-wide counters of events (absolute only).
struct metric_def {
  std::string_view name;
  bool counts_events;
};
/// Every metric a scenario may expect. How each is read is metrics'
/// counter_table.hpp, whose rows take these names (and check, at compile
/// time, that each is read).
inline constexpr auto expectation_metrics = std::to_array<metric_def>({
    {sim::state_name(sim::phone_state::offline), false},
    {sim::state_name(sim::phone_state::booting), false},
    {sim::state_name(sim::phone_state::trusted), false},
    {sim::state_name(sim::phone_state::locked), false},
    {sim::state_name(sim::phone_state::no_itl), false},
    {sim::state_name(sim::phone_state::unreachable), false},
    {sim::state_name(sim::phone_state::config_rejected), false},
    {"stale", false},
    {"unrecoverable", false},
    {"recovered", false},
    {"ever_locked", false},
    {"refused_commands", true},
    {"device_resets", true},
    {"tftp_refusals", true},
    {"tftp_timeouts", true},
    {"tvs_queries", true},
    {"tvs_failures", true},
    {"backup_alerts", true},
    {"ctl_installs", true},
    {"ctl_update_failures", true},
    {"itl_fallbacks", true},
    {"ctl_fallbacks", true},
});
/// The metric's index in `expectation_metrics`, or nothing for an unknown name.
constexpr std::optional<std::size_t> find_metric(std::string_view name) {
  for (std::size_t i = 0; i < expectation_metrics.size(); ++i)
    if (expectation_metrics[i].name == name) return i;
  return std::nullopt;
}

/// One checked statement, e.g. "locked == 0 at 20m" or "recovered >= 99.5% at end".
struct expectation {
  std::string
      metric;  ///< offline, booting, trusted, locked, no_itl, unreachable, stale, unrecoverable,
               ///< recovered, ever_locked, refused_commands, tftp_refusals, backup_alerts
  comparison op = comparison::eq;
  double value = 0;
  bool percent = false;        ///< of the fleet (of ever_locked for `recovered`)
  std::optional<sim_time> at;  ///< empty: at the end of the run
  bool by = false;             ///< holds at some sample no later than `at`
  std::string group;           ///< restrict counts to one fleet group
  std::string text;            ///< as written, for reports
  int line = 0;
};

struct run_plan {
  std::string name;
  std::string description;
  std::string source;  ///< file name or "builtin:<name>"
  std::uint64_t seed = 1;
  cluster_plan cluster;
  std::vector<fleet_group> fleet;
  boot_plan boot;
  phone_model phone;
  std::vector<action> timeline;
  std::vector<expectation> expect;
  sim_duration end = std::chrono::minutes(60);           ///< the run stops here
  sim_duration sample_every = std::chrono::seconds(10);  ///< time-series resolution

  /// Phones in all groups; saturates instead of wrapping, so counts too
  /// large to add up never look like a small (or empty) fleet.
  std::uint64_t fleet_size() const {
    std::uint64_t n = 0;
    for (const auto& g : fleet) {
      if (__builtin_add_overflow(n, g.count, &n)) return std::numeric_limits<std::uint64_t>::max();
    }
    return n;
  }
};

}  // namespace itlfleet::plan
