#include "itlfleet/plan/plan_limits.hpp"

#include "itlfleet/sim/cluster_itl.hpp"
#include "itlfleet/sim/pki.hpp"

namespace itlfleet::plan::limits {
namespace {

/// The first problem found, named by the scenario key it comes from.
class checker {
 public:
  void fail(const std::string& what) {
    if (!problem_) problem_ = what;
  }
  void count(std::string_view key, std::int64_t value, std::int64_t min, std::int64_t max) {
    if (value < min || value > max) {
      fail(std::string(key) + " is " + std::to_string(value) + "; expected " + std::to_string(min) +
           " to " + std::to_string(max));
    }
  }
  void duration(std::string_view key, sim_duration d, sim_duration min, sim_duration max) {
    if (d < min || d > max) {
      fail(std::string(key) + " is " + std::to_string(d.count()) + "us; expected " +
           std::to_string(min.count()) + "us to " + std::to_string(max.count()) + "us");
    }
  }
  void text(std::string_view key, std::string_view s, std::size_t max_bytes,
            bool multiline = false) {
    if (auto p = text_problem(s, max_bytes, multiline)) fail(std::string(key) + ": " + *p);
  }
  void common_names(std::string_view key, const std::string& host, const std::string& domain,
                    bool itl_recovery) {
    if (auto p = common_name_problem(host, domain, itl_recovery))
      fail(std::string(key) + ": " + *p);
  }
  status result() const {
    if (problem_) return error{"run plan: " + *problem_};
    return ok();
  }

 private:
  std::optional<std::string> problem_;
};

constexpr sim_duration zero{0};
constexpr sim_duration positive{1};

/// The server's side of a TFTP, HTTP or TVS model, the cluster's or a
/// node's own, its keys under `at` ("cluster.tftp").
void check_tftp(checker& c, const std::string& at, const tftp_model& t) {
  c.count(at + ".max_serving_count", t.max_serving_count, 1, max_serving_count);
  c.duration(at + ".rtt", t.rtt, zero, max_exchange);
  if (!(t.loss >= 0 && t.loss <= max_loss))
    c.fail(at + ".loss is " + std::to_string(t.loss) + "; expected 0 to 0.99");
  c.duration(at + ".block_cost", t.block_cost, zero, max_exchange);
  c.count(at + ".knee", t.knee, 0, max_serving_count);
  c.duration(at + ".knee_slowdown", t.knee_slowdown, zero, max_exchange);
}

void check_http(checker& c, const std::string& at, const http_model& h) {
  c.duration(at + ".rtt", h.rtt, zero, max_exchange);
  c.duration(at + ".request_cost", h.request_cost, zero, max_exchange);
  c.count(at + ".workers", h.workers, 1, max_http_workers);
  c.count(at + ".max_serving_count", h.max_serving_count, 1, max_serving_count);
}

void check_tvs(checker& c, const std::string& at, const tvs_model& t) {
  c.duration(at + ".handshake", t.handshake, zero, max_exchange);
  c.duration(at + ".query", t.query, zero, max_exchange);
  c.count(at + ".concurrency", t.concurrency, 1, max_tvs_concurrency);
}

/// The strings among a verb's arguments (they go into outputs and certificates).
std::vector<const std::string*> texts(const action_args& args) {
  std::vector<const std::string*> out;
  if (const auto* r = std::get_if<remote_key_source>(&args)) out = {&r->host, &r->user, &r->path};
  if (const auto* h = std::get_if<new_host_name>(&args)) out = {&h->host};
  if (const auto* d = std::get_if<new_domain>(&args)) out = {&d->domain};
  if (const auto* p = std::get_if<security_password>(&args)) out = {&p->password};
  if (const auto* s = std::get_if<sftp_destination>(&args)) out = {&s->path};
  return out;
}

/// What an action names, by index: a node and the nodes of a DHCP option
/// 150 list in the cluster, a group in the fleet.
void check_targets(checker& c, const run_plan& plan, const action& a) {
  const std::size_t nodes = plan.cluster.nodes.size();
  const auto node_out = [&](node_index n) {
    c.fail("timeline: '" + a.text + "' names node " + std::to_string(n) + "; the cluster has " +
           std::to_string(nodes) + " nodes");
  };
  if (a.node && *a.node >= nodes) node_out(*a.node);
  if (a.group && *a.group >= plan.fleet.size()) {
    c.fail("timeline: '" + a.text + "' names fleet group " + std::to_string(*a.group) +
           "; the fleet has " + std::to_string(plan.fleet.size()) + " groups");
  }
  if (const auto* l = std::get_if<tftp_server_list>(&a.args)) {
    if (l->nodes.empty()) c.fail("timeline: '" + a.text + "': expected at least one TFTP node");
    for (node_index n : l->nodes)
      if (n >= nodes) node_out(n);
  }
}

}  // namespace

status check_plan(const run_plan& plan) {
  checker c;
  c.text("name", plan.name, max_text_bytes);
  c.text("description", plan.description, max_description_bytes, true);
  c.duration("end", plan.end, positive, max_duration);
  c.duration("sample", plan.sample_every, positive, plan.end);

  const cluster_plan& cl = plan.cluster;
  const bool itl_recovery = cl.version.has_itl_recovery();
  c.text("cluster.domain", cl.domain, max_domain_bytes);
  if (auto p = hold_time_problem(cl.hold_time)) c.fail("cluster.hold_time: " + *p);
  if (cl.nodes.size() > max_nodes) {
    c.fail("cluster.nodes: " + std::to_string(cl.nodes.size()) + " nodes; expected at most " +
           std::to_string(max_nodes));
  }
  for (const node_plan& n : cl.nodes) {
    c.text("cluster.nodes.name", n.host, max_common_name_bytes);
    c.common_names("cluster.nodes.name", n.host, cl.domain, itl_recovery);
  }
  check_tftp(c, "cluster.tftp", cl.tftp);
  c.count("cluster.tftp.block_size", cl.tftp.block_size, min_block_size, max_block_size);
  c.duration("cluster.tftp.retransmit_timeout", cl.tftp.retransmit_timeout, positive, max_exchange);
  if (const auto& h = cl.http) check_http(c, "cluster.http", *h);
  check_tvs(c, "cluster.tvs", cl.tvs);
  c.duration("cluster.tvs.timeout", cl.tvs.timeout, positive, max_exchange);
  for (std::size_t i = 0; i < cl.nodes.size(); ++i) {
    // A node's own models: the server's side (node_tftp_model ...).
    const node_plan& n = cl.nodes[i];
    const std::string at = "cluster.nodes[" + std::to_string(i) + "] (" + n.host + ").";
    if (n.own_tftp) check_tftp(c, at + "tftp", *n.own_tftp);
    if (n.own_http) check_http(c, at + "http", *n.own_http);
    if (n.own_tvs) check_tvs(c, at + "tvs", *n.own_tvs);
  }
  c.duration("cluster.tvs.ttl", cl.tvs.answer_ttl, zero, max_duration);

  if (plan.fleet.size() > max_groups) {
    c.fail("fleet: " + std::to_string(plan.fleet.size()) + " groups; expected at most " +
           std::to_string(max_groups));
  }
  std::uint64_t total = 0;
  for (const fleet_group& g : plan.fleet) {
    c.text("fleet.name", g.name, max_text_bytes);
    c.text("fleet.model", g.model, max_text_bytes);
    c.text("fleet.firmware", g.firmware, max_text_bytes);
    if (g.count > max_phones) {
      c.fail("fleet '" + g.name + "': count " + std::to_string(g.count) + "; expected at most " +
             std::to_string(max_phones));
    } else if ((total += g.count) > max_phones) {
      c.fail("fleet: " + std::to_string(total) + " phones or more; expected at most " +
             std::to_string(max_phones));
    }
    if (g.tftp.size() > node_index_bound || g.tvs.size() > node_index_bound ||
        g.callmanager_group.size() > node_index_bound) {
      c.fail("fleet '" + g.name + "': a server list longer than " +
             std::to_string(node_index_bound));
    }
  }

  const boot_plan& b = plan.boot;
  c.duration("boot.spread", b.spread, zero, max_duration);
  c.duration("boot.reboot", b.reboot, zero, max_duration);
  c.duration("boot.reboot_jitter", b.reboot_jitter, zero, max_duration);
  c.duration("boot.reset_spread", b.reset_spread, zero, max_duration);
  c.count("phone.tftp_attempts", plan.phone.tftp_attempts, 1, max_tftp_attempts);
  c.duration("phone.tftp_backoff", plan.phone.tftp_backoff, zero, max_duration);
  c.duration("phone.unreachable_retry", plan.phone.unreachable_retry, positive, max_duration);

  // Timeline entries are indexed by entry_index.
  if (plan.timeline.size() > max_of<entry_index>) c.fail("timeline: too many entries");
  for (const action& a : plan.timeline) {
    c.duration("timeline.at", a.at, zero, plan.end);
    c.duration("timeline.for", a.length, zero, max_duration);
    if (!(a.fraction >= 0 && a.fraction <= 1)) c.fail("timeline.fraction: expected 0 to 1");
    c.text("timeline.do", a.text, max_text_bytes);
    if (!args_fit(a.kind, a.args)) {
      c.fail("timeline: '" + a.text + "': its arguments are not those of its verb");
      continue;
    }
    for (const std::string* arg : texts(a.args)) c.text("timeline.do", *arg, max_text_bytes);
    check_targets(c, plan, a);
  }
  for (const expectation& e : plan.expect) {
    if (e.at) c.duration("expect.at", *e.at, zero, plan.end);
  }

  // The ITL size limit, and upgrades: each to a later release than the one
  // before it, and from 10.0 ITLRecovery names that fit.
  c.count("phone.max_itl_bytes", plan.phone.max_itl_bytes, min_itl_bytes, max_itl_bytes);
  sim::cucm_version running = cl.version;
  // Names as they are at each upgrade: renames and domain changes before it count.
  std::vector<std::string> hosts, domains;
  for (const node_plan& n : cl.nodes) {
    hosts.push_back(n.host);
    domains.push_back(cl.domain);
  }
  for (const action& a : plan.timeline) {
    if (a.node && *a.node < cl.nodes.size()) {
      if (const auto* r = std::get_if<new_host_name>(&a.args)) hosts[*a.node] = r->host;
      if (const auto* d = std::get_if<new_domain>(&a.args)) domains[*a.node] = d->domain;
    }
    const auto* upgrade = std::get_if<target_release>(&a.args);
    if (a.kind != action_kind::upgrade_cluster || upgrade == nullptr) continue;
    const sim::cucm_version& to = upgrade->version;
    if (!(running < to)) {
      c.fail("timeline: '" + a.text + "': the cluster already runs " + running.to_string() +
             "; expected a later release");
    }
    if (to.has_itl_recovery() && !running.has_itl_recovery()) {
      for (std::size_t i = 0; i < hosts.size(); ++i)
        c.common_names("timeline.upgrade", hosts[i], domains[i], true);
    }
    running = to;
  }
  return c.result();
}

}  // namespace itlfleet::plan::limits
