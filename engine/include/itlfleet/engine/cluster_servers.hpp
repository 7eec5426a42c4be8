#pragma once
/// A cluster's nodes as real servers on loopback: per node a TFTP server
/// (UDP), an HTTP file server (TCP, CUCM's port 6970) and a TVS server (TLS),
/// each node on its own address (net/address_plan.hpp). What they serve comes
/// from a sim::cluster: publish() takes a snapshot of every node's ITL,
/// signed config, TVS certificate and trust store after each operator
/// command, and the servers answer from the newest snapshot.
///
/// Threading: node n's servers run on `executors[n mod executors.size()]`,
/// each of which must be run by one thread (the TFTP server's rule): more
/// executors spread the nodes over more threads. publish(), set_up() and the
/// accessors may be called from any other thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include "itlfleet/engine/plan.hpp"
#include "itlfleet/net/http_file_server.hpp"
#include "itlfleet/net/tftp_server.hpp"
#include "itlfleet/net/tvs_server.hpp"
#include "itlfleet/sim/cluster.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::engine {

/// How the servers listen and time out.
struct server_settings {
  /// Ports every node listens on; 0: one the system picks (tests, live runs
  /// with in-process servers). Real CUCM ports are 69, 6970 and 2445.
  std::uint16_t tftp_port = 0;
  std::uint16_t http_port = 0;
  std::uint16_t tvs_port = 0;
  /// Where node n listens: listen[n] when given (`itlfleet serve --listen`:
  /// an address other hosts or network namespaces reach), else its own
  /// loopback address (net::node_address).
  std::vector<boost::asio::ip::address> listen;
  /// How long the TFTP server waits for an ACK before sending a block again.
  /// A live run scales it with its clock, like the phones' own timeout; the
  /// server clamps it to tftp_server_options::max_timeout (10 s), so a slow
  /// time scale cannot stretch how long a silent peer holds a slot.
  std::chrono::steady_clock::duration tftp_retransmit = std::chrono::seconds(1);
  /// Limits against peers that would hold the servers (per node; see
  /// http_server_options and tvs_server_options). The TFTP serving count
  /// and TVS sessions come from the plan.
  std::size_t http_max_connections = 2048;
  std::size_t tvs_max_handshakes = 256;
  std::size_t tvs_max_per_source = 32;
  std::chrono::milliseconds tvs_session_lifetime{120'000};
  /// Descriptors kept out of the servers' budget for the rest of the process
  /// (log files, metrics, a live fleet's own sockets). The servers' counts
  /// summed over the nodes must fit in the open-file limit minus this; when
  /// they do not, each service gets a proportional share (see
  /// net/descriptor_budget.hpp) and start() says so through `notice`.
  std::uint64_t reserved_descriptors = 256;
  /// Server time per TFTP DATA packet (net::tftp_server_options::block_cost):
  /// `itlfleet serve --tftp-block-cost`, a slower server to calibrate against.
  std::chrono::steady_clock::duration tftp_block_cost{};
  /// A TFTP server whose throughput falls past a concurrency
  /// (net::tftp_server_options::knee, knee_slowdown): `itlfleet serve
  /// --tftp-knee --tftp-knee-slowdown`.
  std::uint32_t tftp_knee = 0;
  std::chrono::steady_clock::duration tftp_knee_slowdown{};
  /// A slower HTTP server (net::http_server_options::workers, request_cost):
  /// `itlfleet serve --http-request-cost --http-workers`; 0 workers: none.
  std::size_t http_workers = 0;
  std::chrono::microseconds http_request_cost{0};
  /// HTTP requests served at once per node (Maximum Serving Count on 6970);
  /// 0: the TFTP serving count, as CUCM's one TFTP service has.
  std::size_t http_serving_count = 0;
  /// A slower TVS (net::tvs_server_options::workers, handshake_cost,
  /// query_cost): `itlfleet serve --tvs-concurrency ...`; 0 workers: none.
  std::size_t tvs_workers = 0;
  std::chrono::microseconds tvs_handshake_cost{0};
  std::chrono::microseconds tvs_query_cost{0};
};

/// One node's listening addresses (unset ports when the node lacks the service).
struct node_endpoints {
  boost::asio::ip::udp::endpoint tftp;
  boost::asio::ip::tcp::endpoint http;
  boost::asio::ip::tcp::endpoint tvs;
};

class cluster_servers {
 public:
  /// Servers for every node of `cluster` as `plan` configures them (serving
  /// count, TVS sessions and TTL); nothing listens until start(). `notice`
  /// receives lines worth logging (e.g. a lowered TLS security level).
  cluster_servers(boost::asio::any_io_executor executor, const sim::cluster& cluster,
                  const run_plan& plan, server_settings settings,
                  std::function<void(const std::string&)> notice)
      : cluster_servers(std::vector<boost::asio::any_io_executor>{std::move(executor)}, cluster,
                        plan, std::move(settings), std::move(notice)) {}
  /// The same with the nodes dealt over `executors` (at least one).
  cluster_servers(std::vector<boost::asio::any_io_executor> executors, const sim::cluster& cluster,
                  const run_plan& plan, server_settings settings,
                  std::function<void(const std::string&)> notice);
  ~cluster_servers();
  cluster_servers(const cluster_servers&) = delete;
  cluster_servers& operator=(const cluster_servers&) = delete;

  /// Starts every node's servers; the first failure (an address in use, a
  /// loopback address that cannot be bound) is the error. First says through
  /// `notice` when the servers' counts do not fit the open-file limit. Call
  /// before the executors run, or from their thread (one executor).
  status start();
  /// Stops every server. Same threading rule as start().
  void stop();

  /// Serves the cluster as it is now (files, TVS certificates, trust store).
  void publish(const sim::cluster& cluster);
  /// Takes one node's TFTP (and HTTP) or TVS service down or up: an outage.
  void set_up(std::size_t node, bool tftp_service, bool up);
  /// `utils service restart Cisco Tftp` on one node: its TFTP and HTTP
  /// servers close their sockets, dropping the transfers in flight, and
  /// listen again at once on the same addresses; says through `notice` how
  /// many transfers were dropped. A service that is down (an outage) stays down.
  void restart_tftp(std::size_t node);

  std::size_t node_count() const { return nodes_.size(); }
  node_endpoints endpoints(std::size_t node) const;
  net::tftp_server_stats tftp_stats(std::size_t node) const;
  net::http_server_stats http_stats(std::size_t node) const;
  net::tvs_server_stats tvs_stats(std::size_t node) const;

 private:
  struct snapshot;
  struct node;
  std::shared_ptr<const snapshot> current(std::size_t node) const;
  net::tvs_verdict answer(const net::tvs_lookup_query& q) const;

  const boost::asio::any_io_executor& executor_of(std::size_t n) const {
    return executors_[n % executors_.size()];
  }

  std::vector<boost::asio::any_io_executor> executors_;
  std::function<void(const std::string&)> notice_;
  std::uint32_t ttl_s_;
  std::string budget_warning_;  ///< empty when the counts fit the open-file limit
  mutable std::mutex mutex_;    ///< guards the snapshots and trust_
  std::vector<std::shared_ptr<const snapshot>> snapshots_;
  std::shared_ptr<const std::vector<sim::certificate>> trust_;
  std::vector<std::unique_ptr<node>> nodes_;
};

}  // namespace itlfleet::engine
