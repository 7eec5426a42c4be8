// The scenario loader: document structure, cluster, fleet, boot and phone
// sections, and the public load functions.

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_map>

#include "itlfleet/plan/plan_limits.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "itlfleet/sim/cluster_itl.hpp"
#include "itlfleet/sim/device_family.hpp"
#include "itlfleet/sim/duration_text.hpp"
#include "itlfleet/sim/firmware.hpp"
#include "itlfleet/sim/pki.hpp"
#include "sections.hpp"

namespace itlfleet::scenarios {
namespace detail {
namespace {

namespace limits = plan::limits;
using plan::sim_duration;
constexpr sim_duration zero{0};
constexpr sim_duration positive{1};  // "greater than 0" for value_ref::duration
constexpr sim_duration forever = limits::max_duration;
constexpr sim_duration exchange = limits::max_exchange;

/// "cucm-pub" from "scenarios/cucm-pub.yaml" or "builtin:cucm-pub".
std::string stem(const std::string& source_name) {
  std::string s = source_name;
  if (s.starts_with("builtin:")) return s.substr(8);
  s = std::filesystem::path(s).filename().string();
  for (std::string_view ext : {".yaml", ".yml"}) {
    if (s.size() > ext.size() && s.ends_with(ext)) return s.substr(0, s.size() - ext.size());
  }
  return s;
}

bool has_space(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

/// A word: non-empty and without blanks (host names, domains, passwords).
std::string read_word(const value_ref& v, std::string_view what) {
  std::string s = v.string();
  if (s.empty() || has_space(s)) v.fail("expected " + std::string(what) + ", got '" + s + "'");
  return s;
}

/// Where a model's keys are read: the cluster's (every key) or a node's
/// own (the server's side only: what phones do is the same for every node).
enum class model_scope { cluster, node };

/// Fails at the first key of `m` that only the cluster takes, when reading
/// a node's model (`what`), naming where to give it instead.
void refuse_phone_keys(const value_ref& v, std::string_view what, model_scope scope,
                       std::string_view cluster_key,
                       std::initializer_list<std::string_view> phone_keys) {
  if (scope != model_scope::node || !v.node.IsMap()) return;
  for (auto it = v.node.begin(); it != v.node.end(); ++it) {
    const YAML::Node k = it->first;
    if (!k.IsScalar()) continue;
    for (std::string_view p : phone_keys) {
      if (k.Scalar() != p) continue;
      const bool files = k.Scalar().starts_with("per_device");
      v.src->fail(k.Mark(), "'" + k.Scalar() + "' in " + std::string(what) +
                                " is not a node's own: it is " +
                                (files ? "which files every node serves"
                                       : "how phones behave, the same towards every node") +
                                "; set it in " + std::string(cluster_key));
    }
  }
}

void read_tftp_model(const value_ref& v, std::string_view what, plan::tftp_model& t,
                     model_scope scope = model_scope::cluster) {
  refuse_phone_keys(v, what, scope, "cluster.tftp",
                    {"block_size", "retransmit_timeout", "per_device_itl", "per_device_ctl"});
  const std::vector<std::string_view> server = {"max_serving_count", "rtt",  "loss",
                                                "block_cost",        "knee", "knee_slowdown"};
  const std::vector<std::string_view> all = {
      "max_serving_count", "rtt",  "block_size",    "loss",           "retransmit_timeout",
      "block_cost",        "knee", "knee_slowdown", "per_device_itl", "per_device_ctl"};
  map_reader m(v, what, scope == model_scope::node ? server : all);
  m.opt("max_serving_count", t.max_serving_count, 1, limits::max_serving_count);
  m.opt("rtt", t.rtt, zero, exchange);
  // RFC 2348 block sizes; real phones use 512.
  m.opt("block_size", t.block_size, limits::min_block_size, limits::max_block_size);
  if (m.has("loss")) t.loss = m.get("loss").number(0.0, limits::max_loss);
  m.opt("retransmit_timeout", t.retransmit_timeout, positive, exchange);
  m.opt("block_cost", t.block_cost, zero, exchange);
  // A throughput that falls past `knee` transfers in progress (docs/model.md).
  m.opt("knee", t.knee, 0, limits::max_serving_count);
  m.opt("knee_slowdown", t.knee_slowdown, zero, exchange);
  m.opt("per_device_itl", t.per_device_itl);
  m.opt("per_device_ctl", t.per_device_ctl);
}

/// `cluster.http`: present, it gives phones fetching over HTTP a station of
/// their own (plan::http_model's defaults for what it leaves out). Every
/// key is the server's, so a node's own takes the same.
void read_http_model(const value_ref& v, std::string_view what,
                     std::optional<plan::http_model>& into) {
  plan::http_model h = into.value_or(plan::http_model{});
  map_reader m(v, what, {"rtt", "request_cost", "workers", "max_serving_count"});
  m.opt("rtt", h.rtt, zero, exchange);
  m.opt("request_cost", h.request_cost, zero, exchange);
  m.opt("workers", h.workers, 1, limits::max_http_workers);
  m.opt("max_serving_count", h.max_serving_count, 1, limits::max_serving_count);
  into = h;
}

void read_tvs_model(const value_ref& v, std::string_view what, plan::tvs_model& t,
                    model_scope scope = model_scope::cluster) {
  refuse_phone_keys(v, what, scope, "cluster.tvs", {"timeout", "ttl"});
  const std::vector<std::string_view> server = {"handshake", "query", "concurrency"};
  const std::vector<std::string_view> all = {"handshake", "query", "concurrency", "timeout", "ttl"};
  map_reader m(v, what, scope == model_scope::node ? server : all);
  m.opt("handshake", t.handshake, zero, exchange);
  m.opt("query", t.query, zero, exchange);
  m.opt("concurrency", t.concurrency, 1, limits::max_tvs_concurrency);
  m.opt("timeout", t.timeout, positive, exchange);
  m.opt("ttl", t.answer_ttl, zero, forever);
}

/// The value of a calibration file's `# key: value` header line, or "unknown".
std::string header_value(const std::string& text, std::string_view key) {
  const std::string prefix = "# " + std::string(key) + ": ";
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    const std::string_view line(text.data() + at, end - at);
    if (line.starts_with(prefix)) return std::string(line.substr(prefix.size()));
    at = end + 1;
  }
  return "unknown";
}

/// The server models a calibration is read onto: the cluster's, or one
/// node's own (then `scope` is node and only the server's keys are taken).
struct model_target {
  plan::tftp_model& tftp;
  std::optional<plan::http_model>& http;
  plan::tvs_model& tvs;
  model_scope scope;
};

/// A calibration read: which it was, and which services it held.
struct calibration_read {
  plan::tftp_calibration_ref ref;
  bool tftp = false;
  bool http = false;
  bool tvs = false;
};

/// Reads the calibration file at `path` (named `shown` in messages and
/// outputs) onto `into`: its tftp, http and tvs settings (one at least)
/// override those models'.
calibration_read read_calibration_file(const std::string& path, const std::string& shown,
                                       model_target into) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw load_failure{shown + ": cannot read calibration: no such file or not readable"};
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  const source src(shown);
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    src.fail(e.mark, "YAML syntax error: " + e.msg);
  }
  if (!doc.IsDefined() || doc.IsNull())
    src.fail(YAML::Mark(), "the calibration is empty; expected a mapping with tftp, http or tvs");
  const value_ref root{&src, doc, "", doc.Mark()};
  map_reader m(root, "the calibration", {"tftp", "http", "tvs"});
  if (!m.has("tftp") && !m.has("http") && !m.has("tvs"))
    root.fail("expected tftp, http or tvs settings in the calibration");
  const bool node = into.scope == model_scope::node;
  if (m.has("tftp"))
    read_tftp_model(m.get("tftp"), node ? "a node's tftp" : "cluster.tftp", into.tftp, into.scope);
  if (m.has("http"))
    read_http_model(m.get("http"), node ? "a node's http" : "cluster.http", into.http);
  if (m.has("tvs"))
    read_tvs_model(m.get("tvs"), node ? "a node's tvs" : "cluster.tvs", into.tvs, into.scope);
  return {
      plan::tftp_calibration_ref{shown, header_value(text, "server"), header_value(text, "date")},
      m.has("tftp"), m.has("http"), m.has("tvs")};
}

/// A node's own server models, starting from the cluster's (`c`) where it
/// has none yet: its `calibration:` first, then its `tftp:`, `http:` and
/// `tvs:` keys on top.
struct own_models {
  plan::tftp_model tftp;
  std::optional<plan::http_model> http;
  plan::tvs_model tvs;
  explicit own_models(const plan::cluster_plan& c, const plan::node_plan& n)
      : tftp(n.own_tftp.value_or(c.tftp)),
        http(n.own_http ? n.own_http : c.http),
        tvs(n.own_tvs.value_or(c.tvs)) {}
};

/// Fails at `where` when a certificate name of the node is longer than
/// X.509 allows (limits::common_name_problem).
void check_common_names(const value_ref& where, const std::string& host, const std::string& domain,
                        bool itl_recovery) {
  if (auto p = limits::common_name_problem(host, domain, itl_recovery))
    where.fail(*p + ": shorten the host name or cluster.domain");
}

/// A node's own server models: the cluster's, then its `calibration:`
/// (relative to the scenario file), then its `tftp:`, `http:` and `tvs:`
/// keys on top. Only what it gives becomes its own.
void read_node_models(const map_reader& m, const plan::run_plan& plan, plan::node_plan& n) {
  const plan::cluster_plan& c = plan.cluster;
  own_models own(c, n);
  const model_target target{own.tftp, own.http, own.tvs, model_scope::node};
  if (m.has("calibration")) {
    const value_ref where = m.get("calibration");
    const std::string file = where.string();
    std::filesystem::path path(file);
    if (path.is_relative() && !plan.source.starts_with("builtin:"))
      path = std::filesystem::path(plan.source).parent_path() / path;
    const calibration_read cal = read_calibration_file(path.string(), file, target);
    n.calibration = cal.ref;
    if (cal.tftp) n.own_tftp = own.tftp;
    if (cal.http) n.own_http = own.http;
    if (cal.tvs) n.own_tvs = own.tvs;
  }
  if (m.has("tftp")) {
    read_tftp_model(m.get("tftp"), m.get("tftp").path, own.tftp, model_scope::node);
    n.own_tftp = own.tftp;
  }
  if (m.has("http")) {
    read_http_model(m.get("http"), m.get("http").path, own.http);
    n.own_http = own.http;
  }
  if (m.has("tvs")) {
    read_tvs_model(m.get("tvs"), m.get("tvs").path, own.tvs, model_scope::node);
    n.own_tvs = own.tvs;
  }
}

plan::node_plan read_node(const value_ref& v, const plan::run_plan& plan, bool itl_recovery) {
  const plan::cluster_plan& c = plan.cluster;
  map_reader m(v, v.path, {"name", "publisher", "services", "calibration", "tftp", "http", "tvs"});
  plan::node_plan n;
  n.host = read_word(m.require("name"), "a host name");
  if (n.host == "all") m.get("name").fail("'all' is reserved (`on: all` means every node)");
  check_common_names(m.get("name"), n.host, c.domain, itl_recovery);
  m.opt("publisher", n.publisher);
  if (m.has("services")) {
    value_ref services = m.get("services");
    n.tftp = n.tvs = n.callmanager = false;
    for (const auto& s : services.sequence("a list of services (tftp, tvs, callmanager)")) {
      std::string name = to_lower(s.string());
      if (name == "tftp") {
        n.tftp = true;
      } else if (name == "tvs") {
        n.tvs = true;
      } else if (name == "callmanager") {
        n.callmanager = true;
      } else {
        s.fail("unknown service '" + s.node.Scalar() + "'; expected tftp, tvs or callmanager");
      }
    }
  }
  read_node_models(m, plan, n);
  return n;
}

/// Mixed mode at the start and the phones' ITL rule under a CTL.
/// A setting written as one of two words (`first` or `second`); `out` is
/// true for `true_word`. Anything else fails naming both.
void read_one_of_two(map_reader& m, std::string_view key, std::string_view first,
                     std::string_view second, std::string_view true_word, bool& out) {
  if (!m.has(key)) return;
  value_ref v = m.get(key);
  const std::string either = std::string(first) + " or " + std::string(second);
  const std::string s = v.scalar(either);
  if (s != first && s != second)
    v.fail("expected " + std::string(key) + " " + either + ", got '" + s + "'");
  out = s == true_word;
}

void read_mixed_mode(map_reader& m, plan::cluster_plan& c, const std::string& version_text) {
  m.opt("mixed_mode", c.mixed_mode);
  if (c.mixed_mode && !c.version.has_itl_recovery()) {
    m.get("mixed_mode")
        .fail("mixed mode needs version 10.0 or later (tokenless CTL); version " + version_text +
              " sets it with the CTL client and USB tokens, which is not modelled");
  }
  read_one_of_two(m, "itl_check_with_ctl", "ctl", "ctl-itl-tvs", "ctl", c.itl_check_with_ctl_only);
  read_one_of_two(m, "ctl_itlrecovery", "from-12.0", "from-10.0", "from-10.0",
                  c.ctl_itlrecovery_from_10);
}

void read_cluster(const value_ref& v, plan::run_plan& plan) {
  map_reader m(v, "cluster",
               {"version", "domain", "hold_timer", "hold_time", "key_bits", "security_password",
                "auto_reset", "regen_restarts", "nodes", "tftp", "http", "tvs", "mixed_mode",
                "itl_check_with_ctl", "ctl_itlrecovery"});
  plan::cluster_plan& c = plan.cluster;
  // The release as written, for messages; read once, as `cluster export` reads it.
  std::string version_text = c.version.to_string();
  if (m.has("version")) {
    value_ref ver = m.get("version");
    version_text = ver.string();
    auto parsed = sim::cucm_version::parse(version_text);
    if (!parsed) ver.fail(parsed.err().message);
    c.version = *parsed;
  }
  const bool itl_recovery = c.version.has_itl_recovery();
  if (m.has("domain")) {
    value_ref domain = m.get("domain");
    // Checked before the text, whose own limit is longer.
    if (domain.node.IsScalar() && domain.node.Scalar().size() > limits::max_domain_bytes) {
      domain.fail("expected a domain of at most " + std::to_string(limits::max_domain_bytes) +
                  " bytes (it goes into certificate names of at most " +
                  std::to_string(limits::max_common_name_bytes) + "), got " +
                  std::to_string(domain.node.Scalar().size()));
    }
    c.domain = read_word(domain, "a DNS domain");
  }
  m.opt("hold_timer", c.hold_timer);
  if (m.has("hold_time")) {
    // Its one range and message: limits::hold_time_problem (check_plan's too).
    value_ref hold = m.get("hold_time");
    c.hold_time = hold.duration(plan::sim_duration::min(), plan::sim_duration::max());
    if (auto p = limits::hold_time_problem(c.hold_time)) hold.fail(*p);
  }
  if (m.has("key_bits")) {
    value_ref kb = m.get("key_bits");
    std::string s = kb.scalar("1024 or 2048");
    if (s != "1024" && s != "2048") kb.fail("expected key_bits 1024 or 2048, got '" + s + "'");
    c.key_bits = s == "1024" ? 1024 : 2048;
  }
  if (m.has("security_password")) {
    value_ref pw = m.get("security_password");
    c.security_password = pw.string();
    if (c.security_password.empty()) pw.fail("expected a non-empty password");
  }
  m.opt("auto_reset", c.auto_reset);
  read_one_of_two(m, "regen_restarts", "manual", "automatic", "automatic",
                  c.regen_restarts_automatic);
  if (m.has("tftp")) read_tftp_model(m.get("tftp"), "cluster.tftp", c.tftp);
  if (m.has("http")) read_http_model(m.get("http"), "cluster.http", c.http);
  if (m.has("tvs")) read_tvs_model(m.get("tvs"), "cluster.tvs", c.tvs);
  read_mixed_mode(m, c, version_text);

  value_ref nodes = m.require("nodes");
  std::vector<int> lines;
  for (const auto& item : nodes.sequence("a list of nodes")) {
    if (c.nodes.size() == limits::max_nodes) {
      item.fail("expected at most " + std::to_string(limits::max_nodes) +
                " nodes (an ITL holds a record per TVS node and must stay under 64 KB)");
    }
    plan::node_plan n = read_node(item, plan, itl_recovery);
    for (std::size_t i = 0; i < c.nodes.size(); ++i) {
      if (c.nodes[i].host == n.host) {
        item.fail("duplicate node name '" + n.host + "' (first at line " +
                  std::to_string(lines[i]) + ")");
      }
      if (n.publisher && c.nodes[i].publisher) {
        item.fail("second publisher '" + n.host + "' ('" + c.nodes[i].host +
                  "' is already the publisher); expected exactly one node with publisher: true");
      }
    }
    lines.push_back(item.mark.line + 1);
    c.nodes.push_back(std::move(n));
  }
  if (c.nodes.empty()) nodes.fail("expected at least one node");
  if (std::none_of(c.nodes.begin(), c.nodes.end(), [](const auto& n) { return n.publisher; })) {
    nodes.fail("no publisher; expected exactly one node with publisher: true");
  }
  if (std::none_of(c.nodes.begin(), c.nodes.end(), [](const auto& n) { return n.tftp; })) {
    nodes.fail("no node runs tftp; expected at least one node with tftp in its services");
  }
}

plan::installed_itl read_itl(const value_ref& v) {
  std::string s = v.string();
  if (s == "current") return plan::installed_itl::current;
  if (s == "none") return plan::installed_itl::none;
  if (s == "pre-10.0") return plan::installed_itl::pre_10;
  v.fail("expected itl current, none or pre-10.0, got '" + s + "'");
}

plan::installed_ctl read_ctl(const value_ref& v, const plan::cluster_plan& c) {
  std::string s = v.string();
  if (s == "none") return plan::installed_ctl::none;
  if (s != "current") v.fail("expected ctl current or none, got '" + s + "'");
  if (!c.mixed_mode) {
    v.fail(
        "ctl: current needs cluster.mixed_mode: true (a cluster that does not start in mixed "
        "mode serves no CTL)");
  }
  return plan::installed_ctl::current;
}

plan::fetch_protocol read_fetch(const value_ref& v) {
  std::string s = v.string();
  if (s == "tftp") return plan::fetch_protocol::tftp;
  if (s == "http") return plan::fetch_protocol::http;
  v.fail("expected fetch tftp or http, got '" + s + "'");
}

std::vector<std::string> read_node_list(const value_ref& v, const plan::run_plan& plan,
                                        std::string_view service) {
  std::vector<std::string> hosts;
  if (v.node.IsDefined() && v.node.IsScalar()) {
    hosts.push_back(read_word(v, "a node name"));
    check_node(v, plan, hosts.back(), service);
    return hosts;
  }
  for (const auto& item : v.sequence("a list of node names")) {
    std::string h = read_word(item, "a node name");
    check_node(item, plan, h, service);
    if (std::find(hosts.begin(), hosts.end(), h) == hosts.end()) hosts.push_back(std::move(h));
  }
  return hosts;
}

/// `callmanager_group: [a, b, c]`: 1-3 CallManager nodes, in order; not
/// with `tvs:`, which names the TVS servers directly.
void read_callmanager_group(map_reader& m, plan::fleet_group& g, const plan::run_plan& plan) {
  value_ref v = m.get("callmanager_group");
  if (m.has("tvs")) {
    v.fail(
        "give either tvs (the TVS servers) or callmanager_group (whose nodes' TVS the phones "
        "ask), not both");
  }
  g.callmanager_group = read_node_list(v, plan, "callmanager");
  if (g.callmanager_group.empty() || g.callmanager_group.size() > 3) {
    v.fail("expected 1 to 3 CallManager nodes, got " + std::to_string(g.callmanager_group.size()));
  }
}

void read_fleet(const value_ref& v, plan::run_plan& plan) {
  auto items = v.sequence("a list of phone groups");
  if (items.empty()) v.fail("expected at least one phone group (the fleet is empty)");
  std::uint64_t total = 0;
  std::unordered_map<std::string, int> first_line;  // group name -> line
  for (std::size_t gi = 0; gi < items.size(); ++gi) {
    const value_ref& item = items[gi];
    if (gi == limits::max_groups) {
      item.fail("expected at most " + std::to_string(limits::max_groups) + " phone groups");
    }
    map_reader m(item, item.path,
                 {"name", "count", "model", "firmware", "tftp", "tvs", "callmanager_group", "itl",
                  "fetch", "ctl"});
    plan::fleet_group g;
    g.line = item.mark.line + 1;
    g.name = "group-" + std::to_string(gi + 1);
    if (m.has("name")) g.name = read_word(m.get("name"), "a group name");
    // A map, not a scan: a fleet may have tens of thousands of groups.
    if (auto [it, fresh] = first_line.emplace(g.name, g.line); !fresh) {
      (m.has("name") ? m.get("name") : item)
          .fail("duplicate group name '" + g.name + "' (first at line " +
                std::to_string(it->second) + ")");
    }
    value_ref count = m.require("count");
    g.count = count.unsigned_integer(limits::max_phones);
    // Each count is at most max_phones and there are at most max_groups: no overflow.
    total += g.count;
    if (total > limits::max_phones) {
      count.fail("the fleet would have " + std::to_string(total) + " phones; expected at most " +
                 std::to_string(limits::max_phones) + " in all groups together");
    }
    m.opt("model", g.model);
    const sim::device_family* family = sim::find_family(g.model);
    if (!family) {
      (m.has("model") ? m.get("model") : item)
          .fail("unknown model '" + g.model + "'; known models: " + join(sim::known_models()) +
                " (the CP- prefix is optional, any case)");
    }
    if (m.has("firmware")) {
      value_ref fw = m.get("firmware");
      g.firmware = fw.string();
      // DeviceTLInfo depends on it (9.4(1) and later report their ITL).
      if (!sim::firmware_version::parse(g.firmware)) {
        fw.fail("expected a firmware version such as \"12.8(1)\" or \"9.4(1)SR3\", got '" +
                g.firmware + "'");
      }
    }
    if (m.has("tftp")) {
      g.tftp = read_node_list(m.get("tftp"), plan, "tftp");
      if (g.tftp.empty()) m.get("tftp").fail("expected at least one TFTP node");
    } else {
      // Default: every TFTP node in declaration order, as an option 150 list would be.
      for (const auto& n : plan.cluster.nodes) {
        if (n.tftp) g.tftp.push_back(n.host);
      }
    }
    if (m.has("tvs")) g.tvs = read_node_list(m.get("tvs"), plan, "tvs");
    if (m.has("callmanager_group")) read_callmanager_group(m, g, plan);
    if (m.has("itl")) {
      g.itl = read_itl(m.get("itl"));
      if (!family->security_by_default && g.itl != plan::installed_itl::none) {
        m.get("itl").fail("model " + g.model +
                          " has no Security by Default: it never holds an ITL; expected itl "
                          "none or no itl key");
      }
    }
    if (m.has("fetch")) g.fetch = read_fetch(m.get("fetch"));
    if (m.has("ctl")) g.ctl = read_ctl(m.get("ctl"), plan.cluster);
    plan.fleet.push_back(std::move(g));
  }
  if (plan.fleet_size() == 0) v.fail("expected at least one phone (every group has count 0)");
}

void read_boot(const value_ref& v, plan::boot_plan& b) {
  map_reader m(v, "boot", {"spread", "reboot", "reboot_jitter", "reset_spread"});
  m.opt("spread", b.spread, zero, forever);
  m.opt("reboot", b.reboot, zero, forever);
  m.opt("reboot_jitter", b.reboot_jitter, zero, forever);
  m.opt("reset_spread", b.reset_spread, zero, forever);
}

void read_phone(const value_ref& v, plan::phone_model& p) {
  map_reader m(v, "phone", {"tftp_attempts", "tftp_backoff", "unreachable_retry", "max_itl_bytes"});
  m.opt("tftp_attempts", p.tftp_attempts, 1, limits::max_tftp_attempts);
  m.opt("tftp_backoff", p.tftp_backoff, zero, forever);
  m.opt("unreachable_retry", p.unreachable_retry, positive, forever);
  m.opt("max_itl_bytes", p.max_itl_bytes, limits::min_itl_bytes, limits::max_itl_bytes);
}

/// Where the first node of a YAML document starts; builds nothing.
class root_mark final : public YAML::EventHandler {
 public:
  std::optional<YAML::Mark> mark;

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { note(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { note(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                const std::string&) override {
    note(m);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    note(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    note(m);
  }
  void OnMapEnd() override {}

 private:
  void note(const YAML::Mark& m) {
    if (!mark) mark = m;
  }
};

/// The mark of a second document in `text`, if there is one. Not
/// YAML::LoadAll(): yaml-cpp 0.7's loops forever, allocating a null document
/// per turn, on input such as "," (jbeder/yaml-cpp#1319, fixed after 0.8.0);
/// this reads at most two documents.
std::optional<YAML::Mark> second_document(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  root_mark first, second;
  if (!parser.HandleNextDocument(first) || !parser.HandleNextDocument(second)) return std::nullopt;
  return second.mark.value_or(YAML::Mark::null_mark());
}

}  // namespace

std::vector<std::string> node_names(const plan::run_plan& plan) {
  std::vector<std::string> out;
  for (const auto& n : plan.cluster.nodes) out.push_back(n.host);
  return out;
}

plan::node_index check_node(const value_ref& where, const plan::run_plan& plan,
                            const std::string& host, std::string_view service) {
  const auto& nodes = plan.cluster.nodes;
  auto it = std::find_if(nodes.begin(), nodes.end(), [&](const auto& n) { return n.host == host; });
  if (it == nodes.end()) {
    where.fail("unknown node '" + host + "'; defined nodes: " + join(node_names(plan)));
  }
  // read_cluster keeps the count under limits::max_nodes.
  const auto index = static_cast<plan::node_index>(it - nodes.begin());
  if (service.empty()) return index;
  auto runs = [&](const plan::node_plan& n) {
    return service == "tftp" ? n.tftp : service == "tvs" ? n.tvs : n.callmanager;
  };
  if (!runs(*it)) {
    std::vector<std::string> with;
    for (const auto& n : nodes) {
      if (runs(n)) with.push_back(n.host);
    }
    where.fail("node '" + host + "' does not run " + std::string(service) + "; nodes running " +
               std::string(service) + ": " + (with.empty() ? "none" : join(with)));
  }
  return index;
}

plan::group_index check_group(const value_ref& where, const plan::run_plan& plan,
                              const std::string& name) {
  // read_fleet keeps the count under limits::max_groups.
  for (std::size_t g = 0; g < plan.fleet.size(); ++g) {
    if (plan.fleet[g].name == name) return static_cast<plan::group_index>(g);
  }
  std::vector<std::string> names;
  for (const auto& g : plan.fleet) names.push_back(g.name);
  where.fail("unknown group '" + name + "'; fleet groups: " + join(names));
}

plan::run_plan read_plan(const source& src, const YAML::Node& root) {
  value_ref doc{&src, root, "", root.Mark()};
  map_reader m(doc, "the scenario",
               {"name", "description", "seed", "end", "sample", "cluster", "fleet", "boot", "phone",
                "timeline", "expect"});
  plan::run_plan plan;
  plan.source = src.name();
  plan.name = stem(src.name());
  if (m.has("name")) {
    plan.name = read_word(m.get("name"), "a scenario name without blanks");
  } else if (auto problem = limits::text_problem(plan.name, limits::max_text_bytes)) {
    src.fail(YAML::Mark(),
             "the scenario is named after its file, but the file name is not usable: " + *problem +
                 "; give it a name:");
  }
  if (m.has("description"))
    plan.description = m.get("description").text(limits::max_description_bytes);
  m.opt("seed", plan.seed);
  m.opt("end", plan.end, positive, forever);
  m.opt("sample", plan.sample_every, positive, forever);
  if (plan.sample_every > plan.end) {
    m.get("sample").fail("expected a sample interval no longer than end (" +
                         sim::format_sim_time(plan.end, sim::below_second::units) + ")");
  }
  read_cluster(m.require("cluster"), plan);
  read_fleet(m.require("fleet"), plan);
  if (m.has("boot")) read_boot(m.get("boot"), plan.boot);
  if (m.has("phone")) read_phone(m.get("phone"), plan.phone);
  if (m.has("timeline")) read_timeline(m.get("timeline"), plan);
  if (m.has("expect")) read_expectations(m.get("expect"), plan);
  return plan;
}

}  // namespace detail

result<plan::run_plan> load_string(std::string_view yaml, const std::string& source_name) {
  detail::source src(source_name);
  try {
    const std::string text(yaml);
    const YAML::Node doc = YAML::Load(text);  // the first document only
    if (!doc.IsDefined() || doc.IsNull()) {
      return error{
          src.name() + ":1:1: the scenario is empty; expected a mapping with cluster and fleet",
          std::nullopt};
    }
    if (auto second = detail::second_document(text)) {
      src.fail(*second, "expected a single YAML document, found a second one");
    }
    return detail::read_plan(src, doc);
  } catch (const detail::load_failure& f) {
    return error{f.message, std::nullopt};
  } catch (const YAML::Exception& e) {
    // ParserException and friends: yaml-cpp's mark is 0-based; where() prints 1-based.
    std::string m = src.where(e.mark) + ": YAML syntax error: " + e.msg;
    // The usual cause in a scenario: an unquoted comparison such as `locked: >= 9000`,
    // where YAML reads '>' as the start of a folded block.
    // In a block mapping yaml-cpp points just past the '>'.
    for (int back = 0; back <= 1; ++back) {
      int pos = e.mark.pos - back;
      if (pos < 0 || static_cast<std::size_t>(pos) >= yaml.size()) continue;
      char c = yaml[static_cast<std::size_t>(pos)];
      if (std::string_view("><!%@`|&*").find(c) != std::string_view::npos) {
        m += " (a value starting with '" + std::string(1, c) +
             "' must be quoted, e.g. locked: \">= 9000\")";
        break;
      }
    }
    return error{std::move(m), std::nullopt};
  } catch (const std::exception& e) {
    return error{src.name() + ": " + e.what(), std::nullopt};
  }
}

status apply_calibration(plan::run_plan& plan, const std::string& spec) {
  plan::cluster_plan& c = plan.cluster;
  try {
    // NODE=FILE, unless a file has the whole name.
    const auto eq = spec.find('=');
    if (eq == std::string::npos || std::filesystem::exists(spec)) {
      // Every node's: the cluster's models, which no node overrides any more.
      for (plan::node_plan& n : c.nodes) {
        n.own_tftp.reset();
        n.own_http.reset();
        n.own_tvs.reset();
        n.calibration.reset();
      }
      c.tftp_calibration = detail::read_calibration_file(
                               spec, spec, {c.tftp, c.http, c.tvs, detail::model_scope::cluster})
                               .ref;
      return ok();
    }
    const std::string node = spec.substr(0, eq);
    const std::string file = spec.substr(eq + 1);
    const auto it = std::find_if(c.nodes.begin(), c.nodes.end(),
                                 [&](const plan::node_plan& n) { return n.host == node; });
    if (it == c.nodes.end()) {
      std::vector<std::string> names;
      for (const plan::node_plan& n : c.nodes) names.push_back(n.host);
      return error{spec + ": unknown node '" + node + "'; defined nodes: " + detail::join(names) +
                       " (NODE=FILE gives one node its models; a FILE alone, every node)",
                   std::nullopt};
    }
    if (file.empty()) return error{spec + ": expected NODE=FILE, with a file", std::nullopt};
    detail::own_models own(c, *it);
    const auto cal = detail::read_calibration_file(
        file, file, {own.tftp, own.http, own.tvs, detail::model_scope::node});
    if (cal.tftp) it->own_tftp = own.tftp;
    if (cal.http) it->own_http = own.http;
    if (cal.tvs) it->own_tvs = own.tvs;
    it->calibration = cal.ref;
    return ok();
  } catch (const detail::load_failure& f) {
    return error{f.message, std::nullopt};
  }
}

status apply_calibrations(plan::run_plan& plan, const std::vector<std::string>& specs) {
  // Every node's first, then each node's own over it, whatever the order given.
  for (const bool node : {false, true}) {
    for (const std::string& spec : specs) {
      const auto eq = spec.find('=');
      if ((eq != std::string::npos && !std::filesystem::exists(spec)) != node) continue;
      if (auto s = apply_calibration(plan, spec); !s) return s;
    }
  }
  return ok();
}

namespace {

result<std::string> file_text(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return error{path + ": cannot read scenario: is a directory", std::nullopt};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return error{path + ": cannot read scenario: no such file or not readable", std::nullopt};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return error{path + ": cannot read scenario: read error", std::nullopt};
  return text.str();
}

}  // namespace

result<plan::run_plan> load_file(const std::string& path) {
  auto text = file_text(path);
  if (!text) return text.err();
  return load_string(*text, path);
}

result<std::string> scenario_text(std::string_view name_or_path) {
  std::string_view name = name_or_path;
  if (name.starts_with("builtin:")) name.remove_prefix(8);
  if (auto yaml = builtin_yaml(name)) return std::string(*yaml);
  return file_text(std::string(name_or_path));
}

result<plan::run_plan> load(std::string_view name_or_path) {
  std::string_view name = name_or_path;
  bool explicit_builtin = name.starts_with("builtin:");
  if (explicit_builtin) name.remove_prefix(8);
  if (auto yaml = builtin_yaml(name)) return load_string(*yaml, "builtin:" + std::string(name));

  std::string path(name_or_path);
  std::error_code ec;
  if (!explicit_builtin && std::filesystem::exists(path, ec)) return load_file(path);
  return error{"no built-in scenario " + std::string(explicit_builtin ? "" : "or file ") +
                   "named '" + std::string(name) +
                   "'; built-in scenarios: " + detail::join(builtin_names()),
               std::nullopt};
}

}  // namespace itlfleet::scenarios
