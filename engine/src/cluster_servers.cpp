#include "itlfleet/engine/cluster_servers.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <vector>

#include "itlfleet/net/address_plan.hpp"
#include "itlfleet/net/descriptor_budget.hpp"
#include "itlfleet/sim/served_name.hpp"
#include "itlfleet/sim/verify.hpp"

namespace itlfleet::engine {

namespace asio = boost::asio;

/// What one node serves at one moment; immutable once published.
struct cluster_servers::snapshot {
  net::shared_bytes itl;
  net::shared_bytes config;
  net::shared_bytes ctl;  ///< mixed mode only
  bytes tvs_sha1;
};

struct cluster_servers::node {
  std::string host;
  std::unique_ptr<net::tftp_server> tftp;
  std::unique_ptr<net::http_file_server> http;
  std::unique_ptr<net::tvs_server> tvs;
};

namespace {

net::shared_bytes share(const sim::file_store& files, sim::file_id id) {
  if (id == sim::no_file) return nullptr;
  return std::make_shared<const bytes>(files.get(id).raw);
}

/// A node's caps, fitted to the open-file limit.
struct node_caps {
  std::size_t tftp_serving = 0;
  std::size_t http_connections = 0;
  std::size_t http_serving = 0;
  std::size_t tvs_handshakes = 0;
  std::size_t tvs_sessions = 0;
};

/// Every node's caps from its own models (node_tftp_model ...: a node may
/// have its own serving counts and TVS slots), each scaled down by its
/// service's share of the open-file limit when they do not all fit.
struct cluster_caps {
  std::vector<node_caps> nodes;
  std::string warning;  ///< the budget's, when the counts asked for do not fit
};

cluster_caps fit_caps(const sim::cluster& cluster, const run_plan& plan,
                      const server_settings& settings) {
  const std::uint64_t handshakes = settings.tvs_max_handshakes;
  cluster_caps caps;
  caps.nodes.resize(cluster.node_count());
  net::descriptor_counts wanted;
  for (std::size_t n = 0; n < cluster.node_count(); ++n) {
    node_caps& c = caps.nodes[n];
    c.tftp_serving = static_cast<std::size_t>(node_tftp_model(plan.cluster, n).max_serving_count);
    c.http_connections = settings.http_max_connections;
    c.tvs_handshakes = static_cast<std::size_t>(handshakes);
    c.tvs_sessions = static_cast<std::size_t>(node_tvs_model(plan.cluster, n).concurrency);
    if (!net::node_address(static_cast<std::uint32_t>(n))) continue;
    if (cluster.node(n).tftp) {
      wanted.tftp += c.tftp_serving;
      wanted.http += c.http_connections;
    }
    if (cluster.node(n).tvs) wanted.tvs += handshakes + c.tvs_sessions;
  }
  // Listeners: three per node.
  const auto budget = net::budget_descriptors(
      wanted, net::open_file_limit(), settings.reserved_descriptors + 3 * cluster.node_count());
  for (std::size_t n = 0; n < cluster.node_count(); ++n) {
    node_caps& c = caps.nodes[n];
    if (!budget.fits) {
      // Each node the share of its service's grant that it asked for.
      const auto scaled = [](std::uint64_t asked, std::uint64_t granted, std::uint64_t total) {
        // Both at most the open-file limit and a node's counts: no overflow.
        return static_cast<std::size_t>(
            std::max<std::uint64_t>(1, total == 0 ? 0 : granted * asked / total));
      };
      c.tftp_serving = scaled(c.tftp_serving, budget.granted.tftp, wanted.tftp);
      c.http_connections = scaled(c.http_connections, budget.granted.http, wanted.http);
      // TVS's share is split between its two pools as they were asked.
      const std::uint64_t asked = handshakes + c.tvs_sessions;
      const std::uint64_t tvs = scaled(asked, budget.granted.tvs, wanted.tvs);
      const std::uint64_t h =
          std::max<std::uint64_t>(1, tvs * handshakes / std::max<std::uint64_t>(1, asked));
      c.tvs_handshakes = static_cast<std::size_t>(h);
      c.tvs_sessions = static_cast<std::size_t>(std::max<std::uint64_t>(1, tvs - std::min(tvs, h)));
    }
    // HTTP's serving count: serve's flag, else the node's HTTP model, else
    // its TFTP one's (CUCM's one TFTP service serves both).
    const auto http = node_http_model(plan.cluster, n);
    const std::size_t http_serving = settings.http_serving_count > 0 ? settings.http_serving_count
                                     : http ? static_cast<std::size_t>(http->max_serving_count)
                                            : c.tftp_serving;
    c.http_serving = std::min<std::size_t>(http_serving, c.http_connections);
  }
  caps.warning = budget.warning;
  return caps;
}

}  // namespace

cluster_servers::cluster_servers(std::vector<asio::any_io_executor> executors,
                                 const sim::cluster& cluster, const run_plan& plan,
                                 server_settings settings,
                                 std::function<void(const std::string&)> notice)
    : executors_(std::move(executors)),
      notice_(std::move(notice)),
      ttl_s_(static_cast<std::uint32_t>(
          std::chrono::duration_cast<std::chrono::seconds>(plan.cluster.tvs.answer_ttl).count())),
      snapshots_(cluster.node_count()) {
  const cluster_caps fitted = fit_caps(cluster, plan, settings);
  budget_warning_ = fitted.warning;
  publish(cluster);
  for (std::size_t n = 0; n < cluster.node_count(); ++n) {
    auto nd = std::make_unique<node>();
    nd->host = cluster.node(n).host;
    const node_caps& caps = fitted.nodes[n];
    std::optional<asio::ip::address> addr;
    if (n < settings.listen.size())
      addr = settings.listen[n];
    else if (const auto own = net::node_address(static_cast<std::uint32_t>(n)))
      addr = *own;
    if (addr && cluster.node(n).tftp) {
      // Without per-device trust lists (cluster.tftp.per_device_itl,
      // per_device_ctl: false) only ITLFile.tlv and CTLFile.tlv are served.
      const bool per_itl = plan.cluster.tftp.per_device_itl;
      const bool per_ctl = plan.cluster.tftp.per_device_ctl;
      auto lookup = [this, n, per_itl, per_ctl](std::string_view name) -> net::shared_bytes {
        const auto snap = current(n);
        const sim::served_kind kind = sim::classify_served_name(name);
        if ((kind == sim::served_kind::itl && !per_itl && !iequals(name, "ITLFile.tlv")) ||
            (kind == sim::served_kind::ctl && !per_ctl && !iequals(name, "CTLFile.tlv")))
          return nullptr;
        switch (kind) {
          case sim::served_kind::itl:
            return snap->itl;
          case sim::served_kind::config:
            return snap->config;
          case sim::served_kind::ctl:
            return snap->ctl;
          case sim::served_kind::other:
            return nullptr;
        }
        return nullptr;
      };
      net::tftp_server_options t;
      t.max_serving_count = static_cast<std::uint32_t>(caps.tftp_serving);
      t.retransmit_timeout = settings.tftp_retransmit;
      t.block_cost = settings.tftp_block_cost;
      t.knee = settings.tftp_knee;
      t.knee_slowdown = settings.tftp_knee_slowdown;
      nd->tftp = std::make_unique<net::tftp_server>(
          executor_of(n), asio::ip::udp::endpoint(*addr, settings.tftp_port), lookup, t);
      net::http_server_options h;
      h.max_serving_count = caps.http_serving;
      h.max_connections = caps.http_connections;
      h.workers = settings.http_workers;
      h.request_cost = settings.http_request_cost;
      nd->http = std::make_unique<net::http_file_server>(
          executor_of(n), asio::ip::tcp::endpoint(*addr, settings.http_port), lookup, h);
    }
    if (addr && cluster.node(n).tvs) {
      net::tvs_server_options o;
      o.max_sessions = caps.tvs_sessions;
      o.max_handshakes = caps.tvs_handshakes;
      o.max_per_source = settings.tvs_max_per_source;
      o.max_session_lifetime = settings.tvs_session_lifetime;
      o.workers = settings.tvs_workers;
      o.handshake_cost = settings.tvs_handshake_cost;
      o.query_cost = settings.tvs_query_cost;
      o.on_security_lowered = [this, host = nd->host](const net::tvs_tls_security& s) {
        if (notice_) notice_("TVS on " + host + ": " + s.to_string());
      };
      nd->tvs = std::make_unique<net::tvs_server>(
          executor_of(n), asio::ip::tcp::endpoint(*addr, settings.tvs_port),
          cluster.tvs_identity(n), [this](const net::tvs_lookup_query& q) { return answer(q); }, o);
    }
    nodes_.push_back(std::move(nd));
  }
}

cluster_servers::~cluster_servers() = default;

status cluster_servers::start() {
  if (!budget_warning_.empty() && notice_)
    notice_("servers of " + std::to_string(nodes_.size()) +
            " nodes, counts summed: " + budget_warning_);
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    node& nd = *nodes_[n];
    const auto where = [&](const char* what) {
      return std::string(what) + " on " + nd.host + ": ";
    };
    if (nd.tftp)
      if (auto s = nd.tftp->start(); !s) return error{where("TFTP") + s.err().to_string()};
    if (nd.http)
      if (auto s = nd.http->start(); !s) return error{where("HTTP") + s.err().to_string()};
    if (nd.tvs) {
      if (auto s = nd.tvs->start(); !s) return error{where("TVS") + s.err().to_string()};
    }
  }
  return ok();
}

void cluster_servers::stop() {
  for (auto& nd : nodes_) {
    if (nd->tftp) nd->tftp->stop();
    if (nd->http) nd->http->stop();
    if (nd->tvs) nd->tvs->stop();
  }
}

void cluster_servers::publish(const sim::cluster& cluster) {
  std::vector<std::shared_ptr<const snapshot>> next(cluster.node_count());
  const sim::file_store& files = cluster.files();
  for (std::size_t n = 0; n < cluster.node_count(); ++n) {
    auto s = std::make_shared<snapshot>();
    if (cluster.node(n).tftp) {
      s->itl = share(files, cluster.served_itl(n));
      s->config = share(files, cluster.served_config(n));
      s->ctl = share(files, cluster.served_ctl(n));
    }
    if (cluster.node(n).tvs) s->tvs_sha1 = cluster.tvs_certificate(n).sha1();
    next[n] = std::move(s);
  }
  auto trust = std::make_shared<const std::vector<sim::certificate>>(cluster.tvs_trust_store());
  std::vector<std::size_t> regenerated;
  {
    std::lock_guard lock(mutex_);
    for (std::size_t n = 0; n < next.size(); ++n) {
      // Keep the bytes already published when nothing changed, so transfers
      // and caches see the same pointer.
      if (snapshots_[n] && snapshots_[n]->tvs_sha1 != next[n]->tvs_sha1) regenerated.push_back(n);
      snapshots_[n] = std::move(next[n]);
    }
    trust_ = std::move(trust);
  }
  // A regenerated TVS certificate is presented from the next handshake on.
  for (std::size_t n : regenerated) {
    if (n < nodes_.size() && nodes_[n]->tvs) {
      auto r = nodes_[n]->tvs->set_credentials(cluster.tvs_identity(n));
      if (!r && notice_) notice_("TVS on " + nodes_[n]->host + ": " + r.err().to_string());
    }
  }
}

void cluster_servers::set_up(std::size_t n, bool tftp_service, bool up) {
  // The TFTP server's start/stop belong on its executor's thread.
  asio::post(executor_of(n), [this, n, tftp_service, up] {
    node& nd = *nodes_[n];
    auto apply = [&](auto& server) {
      if (!server) return;
      if (up) {
        if (auto s = server->start(); !s && notice_)
          notice_("restarting a service on " + nd.host + ": " + s.err().to_string());
      } else {
        server->stop();
      }
    };
    if (tftp_service) {
      apply(nd.tftp);
      apply(nd.http);
    } else {
      apply(nd.tvs);
    }
  });
}

void cluster_servers::restart_tftp(std::size_t n) {
  // On the node's own thread, where its servers run.
  asio::post(executor_of(n), [this, n] {
    node& nd = *nodes_[n];
    if (!nd.tftp || !nd.tftp->running()) return;
    const std::uint64_t before = nd.tftp->stats().aborted;
    const std::uint64_t connections = nd.http->stats().open_connections;
    nd.tftp->stop();
    nd.http->stop();
    const std::uint64_t dropped = nd.tftp->stats().aborted - before;
    status up = nd.tftp->start();
    if (up) up = nd.http->start();
    if (!notice_) return;
    notice_(up ? "TFTP service on " + nd.host + " restarted: " + std::to_string(dropped) +
                     " TFTP transfers in flight dropped, " + std::to_string(connections) +
                     " HTTP connections closed"
               : "restarting TFTP on " + nd.host + ": " + up.err().to_string());
  });
}

node_endpoints cluster_servers::endpoints(std::size_t n) const {
  node_endpoints e;
  const node& nd = *nodes_[n];
  if (nd.tftp) e.tftp = nd.tftp->local_endpoint();
  if (nd.http) e.http = nd.http->local_endpoint();
  if (nd.tvs) e.tvs = nd.tvs->local_endpoint();
  return e;
}

net::tftp_server_stats cluster_servers::tftp_stats(std::size_t n) const {
  return nodes_[n]->tftp ? nodes_[n]->tftp->stats() : net::tftp_server_stats{};
}
net::http_server_stats cluster_servers::http_stats(std::size_t n) const {
  return nodes_[n]->http ? nodes_[n]->http->stats() : net::http_server_stats{};
}
net::tvs_server_stats cluster_servers::tvs_stats(std::size_t n) const {
  return nodes_[n]->tvs ? nodes_[n]->tvs->stats() : net::tvs_server_stats{};
}

std::shared_ptr<const cluster_servers::snapshot> cluster_servers::current(std::size_t n) const {
  std::lock_guard lock(mutex_);
  return snapshots_[n];
}

net::tvs_verdict cluster_servers::answer(const net::tvs_lookup_query& q) const {
  std::shared_ptr<const std::vector<sim::certificate>> trust;
  {
    std::lock_guard lock(mutex_);
    trust = trust_;
  }
  net::tvs_verdict v;
  const sim::certificate* found = nullptr;
  if (!q.certificate.empty()) {
    for (const auto& c : *trust)
      if (c.der() == q.certificate) found = &c;
  } else {
    const std::string issuer = sim::normalise_name(q.issuer);
    for (const auto& c : *trust)
      if (c.serial() == q.serial && sim::normalise_name(c.issuer()) == issuer) found = &c;
  }
  if (!found) return v;
  v.valid = true;
  v.ttl = ttl_s_;
  // Roles as the ITL records them: ITLRecovery is a SAST; a CallManager
  // certificate signs (SAST) and serves TFTP files.
  const bool recovery = sim::names_itlrecovery(found->subject());
  v.roles = recovery ? bytes{0} : bytes{0, 3};
  if (q.certificate.empty()) v.certificate = found->der();
  return v;
}

}  // namespace itlfleet::engine
