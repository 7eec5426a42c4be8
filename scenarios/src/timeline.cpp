// The operator's timeline: `do:` strings are CUCM CLI commands (or admin page
// actions) matched against a fixed table of verbs.

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <sstream>

#include "itlfleet/plan/plan_limits.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "itlfleet/sim/cluster_itl.hpp"
#include "itlfleet/sim/duration_text.hpp"
#include "itlfleet/sim/pki.hpp"
#include "itlfleet/sim/sftp_target.hpp"
#include "sections.hpp"

namespace itlfleet::scenarios {
namespace detail {
namespace {

using plan::action_kind;

/// What `on:` means for a verb.
enum class target {
  none,              ///< no `on:` (cluster-wide or phone actions)
  publisher,         ///< a node; omitted: the publisher
  all_tftp,          ///< a TFTP node; omitted or "all": every TFTP node (empty `node`)
  each_tftp,         ///< a TFTP node; omitted or "all": one action per TFTP node
  each_tvs,          ///< a TVS node; omitted or "all": one action per TVS node
  each_callmanager,  ///< a CallManager node; omitted or "all": one action per such node
  each_node,         ///< a node; omitted or "all": one action per node
};

/// What a verb's reader has: the words after the verb (as many as the verb
/// takes), the `do:` value to fail at, the entry's other keys and the plan
/// read so far.
struct verb_input {
  std::string_view verb;                 ///< the verb's words, for messages
  const std::vector<std::string>& args;  ///< the words after the verb
  const value_ref& command;              ///< `do:`
  const map_reader& keys;                ///< `to:`, `password:`, `fraction:` ...
  const plan::run_plan& so_far;          ///< the plan read so far (cluster, fleet)
};

/// Reads and checks a verb's arguments into their type (plan::action_args):
/// the one place they are parsed; it fails (throws) with the position.
using verb_reader = plan::action_args (*)(const verb_input&);

struct verb {
  std::string_view words;  ///< as the CLI spells them; matched case-insensitively
  action_kind kind;
  int nargs;
  std::string_view arg_help;  ///< "<host> <user> <path>"
  verb_reader read;           ///< its arguments, typed
  target on;
  bool takes_for = false;       ///< outages: `for: <duration>` (required)
  bool takes_group = false;     ///< phone actions: `group:`, `fraction:`
  bool takes_to = false;        ///< file get: `to: <sftp path>` (required)
  bool takes_password = false;  ///< set password: `password:` (required)
  bool canonical = true;        ///< false for aliases (not listed in messages)
  bool takes_rate = false;      ///< by hand: `rate:` phones per hour (optional)
};

// --- the readers, one per kind of argument ---------------------------------------

plan::action_args no_arguments(const verb_input&) {
  return plan::no_arguments{};
}

plan::action_args remote_key(const verb_input& in) {
  return plan::remote_key_source{in.args[0], in.args[1], in.args[2]};
}

plan::action_args certificate(const verb_input& in) {
  const auto purpose = sim::parse_purpose(in.args[0]);  // case-insensitive
  if (!purpose) {
    in.command.fail("unknown certificate '" + in.args[0] +
                    "' in 'set cert regen'; expected CallManager, TVS, CAPF or ITLRecovery");
  }
  return plan::regen_certificate{*purpose};
}

plan::action_args host_name(const verb_input& in) {
  for (const auto& n : in.so_far.cluster.nodes) {
    if (!n.publisher && n.host == in.args[0]) {
      in.command.fail("new host name '" + in.args[0] + "' is already the name of node '" + n.host +
                      "'");
    }
  }
  return plan::new_host_name{in.args[0]};
}

plan::action_args domain_name(const verb_input& in) {
  if (in.args[0].size() > plan::limits::max_domain_bytes) {
    in.command.fail("expected a domain of at most " +
                    std::to_string(plan::limits::max_domain_bytes) +
                    " bytes (it goes into certificate names of at most " +
                    std::to_string(plan::limits::max_common_name_bytes) + "), got " +
                    std::to_string(in.args[0].size()));
  }
  return plan::new_domain{in.args[0]};
}

plan::action_args password(const verb_input& in) {
  value_ref pw = in.keys.require("password");
  std::string text = pw.string();
  if (text.empty()) pw.fail("expected a non-empty password");
  return plan::security_password{std::move(text)};
}

plan::action_args sftp_path(const verb_input& in) {
  value_ref to = in.keys.require("to");
  std::string path = to.string();
  if (auto target = sim::parse_sftp_target(path); !target) to.fail(target.err().message);
  return plan::sftp_destination{std::move(path)};
}

/// `<a>,<b>,...`, split at every comma (empty names included, then refused).
plan::action_args tftp_servers(const verb_input& in) {
  // One DHCP scope per group: a share of a group cannot have its own.
  if (in.keys.has("fraction")) {
    in.keys.get("fraction")
        .fail("'fraction' does not apply to '" + std::string(in.verb) +
              "'; the option is set for a whole group (or the fleet)");
  }
  const std::string& list = in.args[0];
  std::vector<std::string> hosts;
  for (std::size_t start = 0; start <= list.size();) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    hosts.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  // Named as declared, as everywhere in a scenario.
  std::vector<plan::node_index> nodes;
  for (auto h = hosts.begin(); h != hosts.end(); ++h) {
    if (h->empty())
      in.command.fail("expected TFTP node names separated by commas, got '" + list + "'");
    nodes.push_back(check_node(in.command, in.so_far, *h, "tftp"));
    if (std::find(hosts.begin(), h, *h) != h)
      in.command.fail("TFTP node '" + *h + "' is listed twice in '" + list + "'");
  }
  return plan::tftp_server_list{std::move(nodes)};
}

plan::action_args fault(const verb_input& in) {
  const std::string name = to_lower(in.args[0]);
  if (name == "reset-transfer")
    return plan::cluster_fault_choice{sim::cluster_fault::reset_transfer};
  if (name == "sftp-auth") return plan::cluster_fault_choice{sim::cluster_fault::sftp_auth};
  in.command.fail("unknown fault '" + name + "'; expected reset-transfer or sftp-auth");
}

plan::action_args release(const verb_input& in) {
  const auto version = sim::cucm_version::parse(in.args[0]);
  if (!version) in.command.fail("'" + std::string(in.verb) + "': " + version.err().message);
  return plan::target_release{*version};
}

plan::action_args true_or_false(const verb_input& in) {
  const std::string value = to_lower(in.args[0]);
  if (value != "true" && value != "false") {
    in.command.fail("expected true or false for '" + std::string(in.verb) + "', got '" + value +
                    "'");
  }
  return plan::parameter_switch{value == "true"};
}

// A new verb: one row here (its words, arguments and reader, target and the
// keys it takes), one action_kind, one case in the engine's run_action.
// clang-format off
constexpr std::array<verb, 33> verbs = {{
    {"boot-all", action_kind::boot_all, 0, "", no_arguments, target::none, false, true},
    {"set cert regen", action_kind::cert_regen, 1, "<CallManager|TVS|CAPF|ITLRecovery>", certificate, target::publisher},
    {"utils itl reset localkey", action_kind::itl_reset_localkey, 0, "", no_arguments, target::publisher},
    {"utils itl reset remotekey", action_kind::itl_reset_remotekey, 3, "<host> <user> <path>", remote_key, target::publisher},
    {"restart tftp", action_kind::restart_tftp, 0, "", no_arguments, target::all_tftp},
    {"utils service restart Cisco Tftp", action_kind::restart_tftp, 0, "", no_arguments, target::all_tftp,
     false, false, false, false, false},
    {"restart tvs", action_kind::restart_tvs, 0, "", no_arguments, target::each_tvs},
    {"utils service restart Cisco Trust Verification Service", action_kind::restart_tvs, 0, "",
     no_arguments, target::each_tvs, false, false, false, false, false},
    {"restart callmanager", action_kind::restart_callmanager, 0, "", no_arguments, target::each_callmanager},
    {"utils service restart Cisco CallManager", action_kind::restart_callmanager, 0, "",
     no_arguments, target::each_callmanager, false, false, false, false, false},
    {"reset all devices", action_kind::reset_all_devices, 0, "", no_arguments, target::none},
    {"reset devices", action_kind::reset_devices, 0, "", no_arguments, target::none, false, true},
    {"set network hostname", action_kind::rename_publisher, 1, "<new host>", host_name, target::publisher},
    {"set network domain", action_kind::change_domain, 1, "<new domain>", domain_name, target::each_node},
    {"set password user security", action_kind::change_security_password, 0, "", password, target::none,
     false, false, false, true},
    {"file get tftp ITLRecovery.p12", action_kind::backup_itlrecovery, 0, "", sftp_path, target::publisher,
     false, false, true},
    {"tftp outage", action_kind::tftp_outage, 0, "", no_arguments, target::each_tftp, true},
    {"tvs outage", action_kind::tvs_outage, 0, "", no_arguments, target::each_tvs, true},
    {"delete itl", action_kind::delete_itl, 0, "", no_arguments, target::none, false, true, false, false, true,
     true},
    {"factory reset", action_kind::factory_reset, 0, "", no_arguments, target::none, false, true, false, false,
     true, true},
    {"utils disaster_recovery backup", action_kind::drs_backup, 0, "", no_arguments, target::none},
    {"utils disaster_recovery restore", action_kind::drs_restore, 0, "", no_arguments, target::none},
    {"rebuild publisher", action_kind::rebuild_publisher, 0, "", password, target::none, false, false, false,
     true},
    {"set dhcp option 150", action_kind::set_option_150, 1, "<tftp node>[,<tftp node>...]", tftp_servers,
     target::none, false, true},
    {"inject fault", action_kind::inject_fault, 1, "<reset-transfer|sftp-auth>", fault, target::publisher},
    {"clear fault", action_kind::clear_fault, 1, "<reset-transfer|sftp-auth>", fault, target::publisher},
    {"restore previous itl", action_kind::restore_previous_itl, 0, "", no_arguments, target::each_tftp},
    {"upgrade cluster", action_kind::upgrade_cluster, 1, "<version>", release, target::none},
    {"set enterprise parameter rollback-pre-8", action_kind::set_rollback_pre8, 1, "<true|false>",
     true_or_false, target::none},
    {"utils ctl set-cluster mixed-mode", action_kind::ctl_set_mixed_mode, 0, "", no_arguments, target::publisher},
    {"utils ctl update CTLFile", action_kind::ctl_update, 0, "", no_arguments, target::publisher},
    {"utils ctl reset localkey", action_kind::ctl_reset_localkey, 0, "", no_arguments, target::publisher},
    {"utils ctl set-cluster non-secure-mode", action_kind::ctl_set_non_secure_mode, 0, "", no_arguments,
     target::publisher},
}};
// clang-format on

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  for (std::string w; in >> w;) out.push_back(std::move(w));
  return out;
}

std::string spaced(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string verb_words(const verb& v) {
  return std::string(v.words);
}

/// The verb with its argument placeholders, for lists of valid commands.
std::string verb_display(const verb& v) {
  if (v.arg_help.empty()) return verb_words(v);
  return verb_words(v) + " " + std::string(v.arg_help);
}

std::string valid_verbs() {
  std::vector<std::string> names;
  for (const auto& v : verbs) {
    if (v.canonical) names.push_back(verb_display(v));
  }
  return join(names);
}

/// The verb whose words are the longest prefix of `words`, if any.
const verb* match(const std::vector<std::string>& words) {
  const verb* best = nullptr;
  std::size_t best_len = 0;
  for (const auto& v : verbs) {
    auto vw = split_words(v.words);
    if (vw.size() > words.size() || vw.size() <= best_len) continue;
    bool same = true;
    for (std::size_t i = 0; i < vw.size() && same; ++i)
      same = to_lower(words[i]) == to_lower(vw[i]);
    if (same) {
      best = &v;
      best_len = vw.size();
    }
  }
  return best;
}

std::string keys_taken(const verb& v) {
  std::vector<std::string_view> keys = {"at", "do"};
  if (v.on != target::none) keys.push_back("on");
  if (v.takes_for) keys.push_back("for");
  if (v.takes_group) {
    keys.push_back("group");
    keys.push_back("fraction");
  }
  if (v.takes_to) keys.push_back("to");
  if (v.takes_password) keys.push_back("password");
  if (v.takes_rate) keys.push_back("rate");
  return join(keys);
}

/// One timeline entry: its actions and its `do:` value (for later messages).
struct entry {
  std::vector<plan::action> actions;
  value_ref command;
};

/// Reads one entry, resolving the node and group it names to their indices
/// (a node by the name it was declared with, also after a rename: `on:`
/// names no node by a name it takes during the run). Verbs that act on one
/// node at a time (outages, domain change) expand `on: all` (or no `on:`) to
/// one action per matching node, so the engine always gets an explicit node
/// for them.
entry read_action(const value_ref& item, plan::run_plan& plan) {
  map_reader m(item, item.path,
               {"at", "do", "on", "for", "group", "fraction", "to", "password", "rate"});
  plan::action a;
  a.line = item.mark.line + 1;

  value_ref at = m.require("at");
  a.at = at.duration(plan::sim_duration{0}, plan::limits::max_duration);
  if (a.at > plan.end) {
    at.fail("expected a time no later than end (" +
            sim::format_sim_time(plan.end, sim::below_second::units) + "), got '" +
            at.node.Scalar() + "'");
  }

  value_ref d = m.require("do");
  std::string text = d.string();
  auto words = split_words(text);
  const verb* v = match(words);
  if (v == nullptr) {
    d.fail("unknown command '" + text + "'; expected one of: " + valid_verbs());
  }
  a.kind = v->kind;
  // Keep the command as written (blanks collapsed) for logs.
  a.text = spaced(words);
  std::size_t verb_len = split_words(v->words).size();
  std::vector<std::string> args(words.begin() + static_cast<std::ptrdiff_t>(verb_len), words.end());
  if (static_cast<int>(args.size()) != v->nargs) {
    std::string expected =
        v->nargs == 0   ? "no arguments"
        : v->nargs == 1 ? "1 argument " + std::string(v->arg_help)
                        : std::to_string(v->nargs) + " arguments " + std::string(v->arg_help);
    d.fail("'" + verb_words(*v) + "' takes " + expected + ", got " + std::to_string(args.size()) +
           (args.empty() ? "" : " ('" + spaced(args) + "')"));
  }

  // Keys that do not belong to this verb are mistakes, not decoration.
  auto reject = [&](std::string_view key, bool allowed) {
    if (!allowed && m.has(key)) {
      m.get(key).fail("'" + std::string(key) + "' does not apply to '" + verb_words(*v) +
                      "'; it takes: " + keys_taken(*v));
    }
  };
  reject("on", v->on != target::none);
  reject("for", v->takes_for);
  reject("group", v->takes_group);
  reject("fraction", v->takes_group);
  reject("to", v->takes_to);
  reject("password", v->takes_password);
  reject("rate", v->takes_rate);

  a.args = v->read({v->words, args, d, m, plan});

  // on:
  bool all = false;
  std::string_view service;
  const auto& nodes = plan.cluster.nodes;
  // read_cluster checked there is exactly one.
  const auto publisher = static_cast<plan::node_index>(
      std::find_if(nodes.begin(), nodes.end(), [](const auto& n) { return n.publisher; }) -
      nodes.begin());
  if (v->on != target::none) {
    std::string on;
    value_ref onv = m.get("on");
    if (m.has("on")) on = onv.string();
    all = !m.has("on") || on == "all";
    if (v->on == target::all_tftp || v->on == target::each_tftp) service = "tftp";
    if (v->on == target::each_tvs) service = "tvs";
    if (v->on == target::each_callmanager) service = "callmanager";
    if (v->on == target::publisher) {
      if (on == "all") onv.fail("expected one node for '" + verb_words(*v) + "', not 'all'");
      a.node = m.has("on") ? check_node(onv, plan, on) : publisher;
      if (v->kind == action_kind::rename_publisher && a.node != publisher) {
        onv.fail("only the publisher can be renamed here ('" + nodes[publisher].host +
                 "'); subscriber renames are not modelled");
      }
    } else if (!all) {
      a.node = check_node(onv, plan, on, service);
    }
  }

  // The reset ITL is copied from the publisher to the other TFTP nodes: only
  // their copy can fail.
  if (const auto* f = std::get_if<plan::cluster_fault_choice>(&a.args);
      f != nullptr && f->fault == sim::cluster_fault::reset_transfer) {
    // A fault's verb targets one node (the publisher when `on:` is not given).
    const plan::node_plan& n = nodes[*a.node];
    if (n.publisher || !n.tftp)
      d.fail("fault reset-transfer needs `on:` a subscriber that runs tftp, got '" + n.host + "'");
  }
  if (v->takes_for)
    a.length = m.require("for").duration(plan::sim_duration{1}, plan::limits::max_duration);
  if (v->takes_group) {
    if (m.has("group")) {
      value_ref g = m.get("group");
      a.group = check_group(g, plan, g.string());
    }
    if (m.has("fraction")) a.fraction = m.get("fraction").number(0.0, 1.0);
  }
  if (v->takes_rate && m.has("rate"))
    a.rate_per_hour =
        m.get("rate").number(plan::limits::min_manual_rate, plan::limits::max_manual_rate);

  bool expand = all && (v->on == target::each_tftp || v->on == target::each_tvs ||
                        v->on == target::each_callmanager || v->on == target::each_node);
  if (!expand) return {{a}, d};
  std::vector<plan::action> out;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const plan::node_plan& n = nodes[i];
    if ((service == "tftp" && !n.tftp) || (service == "tvs" && !n.tvs) ||
        (service == "callmanager" && !n.callmanager))
      continue;
    out.push_back(a);
    out.back().node = static_cast<plan::node_index>(i);
  }
  if (out.empty()) item.fail("no node runs " + std::string(service) + " for '" + a.text + "'");
  return {std::move(out), d};
}

/// Each node's FQDN as renames and domain changes leave it, played in time
/// order (nodes keep the plan's order: an action's node is its index).
struct node_names {
  explicit node_names(const plan::run_plan& plan) : nodes(plan.cluster.nodes) {
    for (const auto& n : nodes) {
      hosts.push_back(n.host);
      domains.push_back(plan.cluster.domain);
    }
  }
  /// Applies a rename or domain change; the index of the node it renamed.
  std::optional<std::size_t> apply(const plan::action& a) {
    if (a.kind != action_kind::rename_publisher && a.kind != action_kind::change_domain)
      return std::nullopt;
    const std::size_t i = *a.node;  // read_action resolved it: both verbs name one node
    if (const auto* r = std::get_if<plan::new_host_name>(&a.args)) hosts[i] = r->host;
    if (const auto* d = std::get_if<plan::new_domain>(&a.args)) domains[i] = d->domain;
    return i;
  }
  std::string fqdn(std::size_t i) const { return hosts[i] + "." + domains[i]; }

  const std::vector<plan::node_plan>& nodes;
  std::vector<std::string> hosts, domains;
};

/// Renames and domain changes regenerate certificates named after the node's
/// new FQDN (`sim::cluster`): played in time order, each must still fit in an
/// X.509 common name. The ITLRecovery certificate keeps its first name.
void check_renamed_certificates(const std::vector<std::pair<plan::action, value_ref>>& actions,
                                const plan::run_plan& plan) {
  node_names names(plan);
  for (const auto& [a, where] : actions) {
    const auto i = names.apply(a);
    if (!i) continue;
    const std::string fqdn = names.fqdn(*i);
    if (fqdn.size() > plan::limits::max_common_name_bytes) {
      where.fail("'" + a.text + "' on " + names.nodes[*i].host + " makes its certificate name '" +
                 fqdn + "' " + std::to_string(fqdn.size()) + " bytes long; X.509 allows at most " +
                 std::to_string(plan::limits::max_common_name_bytes) +
                 " in a common name (<host>.<domain>)");
    }
  }
}

/// Upgrades in time order: each to a later release than the cluster runs
/// then, and the first one into 10.0 creates ITLRecovery certificates named
/// ITLRECOVERY_<host>.<domain> after the names of that moment, which must
/// fit in a common name.
void check_upgrades(const std::vector<std::pair<plan::action, value_ref>>& actions,
                    const plan::run_plan& plan) {
  sim::cucm_version running = plan.cluster.version;
  node_names names(plan);
  const auto& nodes = plan.cluster.nodes;
  for (const auto& [a, where] : actions) {
    names.apply(a);
    if (a.kind != action_kind::upgrade_cluster) continue;
    const sim::cucm_version to = std::get<plan::target_release>(a.args).version;
    if (!(running < to)) {
      where.fail("'" + a.text + "' at " + sim::format_sim_time(a.at, sim::below_second::units) +
                 ": the cluster runs " + running.to_string() +
                 " then; an upgrade goes to a later release (" +
                 (to == running ? "same release" : "a downgrade") + ")");
    }
    if (to.has_itl_recovery() && !running.has_itl_recovery()) {
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        const std::string fqdn = names.fqdn(i);
        const std::string cn = sim::cucm_common_name(sim::cert_purpose::itlrecovery, fqdn, fqdn);
        if (cn.size() > plan::limits::max_common_name_bytes) {
          where.fail("'" + a.text + "' creates the ITLRecovery certificate '" + cn + "' of " +
                     nodes[i].host + ", " + std::to_string(cn.size()) +
                     " bytes long; X.509 allows at most " +
                     std::to_string(plan::limits::max_common_name_bytes) +
                     " in a common name (ITLRECOVERY_<host>.<domain>)");
        }
      }
    }
    running = to;
  }
}

}  // namespace

void read_timeline(const value_ref& list, plan::run_plan& plan) {
  // Each action with its `do:`, for messages about what it does in time order.
  std::vector<std::pair<plan::action, value_ref>> read;
  for (const auto& item : list.sequence("a list of timeline entries")) {
    auto entry = read_action(item, plan);
    for (auto& a : entry.actions) read.emplace_back(std::move(a), entry.command);
  }
  // Entries may be written in any order; equal times keep the written order.
  std::stable_sort(read.begin(), read.end(),
                   [](const auto& a, const auto& b) { return a.first.at < b.first.at; });
  check_renamed_certificates(read, plan);
  check_upgrades(read, plan);
  for (auto& [a, where] : read) plan.timeline.push_back(std::move(a));
}

}  // namespace detail

std::string_view verb_name(plan::action_kind kind) {
  // The verb table is the one place a verb is spelled: its canonical entry.
  for (const detail::verb& v : detail::verbs)
    if (v.kind == kind && v.canonical) return v.words;
  return "?";
}

}  // namespace itlfleet::scenarios
