// `itlfleet serve SCENARIO`: the scenario's cluster as real servers on
// loopback (TFTP, HTTP 6970 and TVS per node, each node on its own address),
// playing the timeline's administrator actions on schedule, until stopped.

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "cli_support.hpp"
#include "commands.hpp"
#include "endpoint_list.hpp"
#include "itlfleet/engine/live_engine.hpp"
#include "itlfleet/host/key_cache.hpp"
#include "itlfleet/metrics/report.hpp"
#include "itlfleet/plan/plan_limits.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "stop_signals.hpp"

namespace itlfleet::app {
namespace {

struct serve_options {
  std::string scenario;
  std::optional<std::uint64_t> seed;
  double time_scale = 1.0;
  std::optional<std::uint32_t> threads;  ///< default one per core
  std::uint16_t tftp_port = 69;
  std::uint16_t http_port = 6970;
  std::uint16_t tvs_port = 2445;
  std::string listen;  ///< addresses, one per node; empty: the nodes' loopback addresses
  bool once = false;
  engine::server_settings limits;  ///< only the limits against hostile peers are read
  std::uint32_t tvs_session_lifetime_s = 120;
  double tftp_block_cost_ms = 0;
  std::uint32_t tftp_knee = 0;
  double tftp_knee_slowdown_ms = 0;
  std::optional<int> tftp_serving_count;
  double http_request_cost_ms = 0;
  std::optional<std::size_t> http_workers;
  std::size_t http_serving_count = 0;
  double tvs_handshake_cost_ms = 0;
  double tvs_query_cost_ms = 0;
  std::optional<std::size_t> tvs_concurrency;
};

std::chrono::microseconds from_ms(double ms) {
  return std::chrono::microseconds(std::llround(ms * 1000));
}

/// The slower HTTP and TVS servers asked for: workers are on when a count
/// or a cost is given (one worker unless told).
void set_slower_servers(const serve_options& o, engine::server_settings& s) {
  if (o.http_workers || o.http_request_cost_ms > 0) s.http_workers = o.http_workers.value_or(1);
  s.http_request_cost = from_ms(o.http_request_cost_ms);
  s.http_serving_count = o.http_serving_count;
  if (o.tvs_concurrency || o.tvs_handshake_cost_ms > 0 || o.tvs_query_cost_ms > 0)
    s.tvs_workers = o.tvs_concurrency.value_or(1);
  s.tvs_handshake_cost = from_ms(o.tvs_handshake_cost_ms);
  s.tvs_query_cost = from_ms(o.tvs_query_cost_ms);
}

int serve(const serve_options& o) {
  auto plan = scenarios::load(o.scenario);
  if (!plan) {
    print_error(plan.err().to_string());
    return exit_bad_input;
  }
  if (o.seed) plan->seed = *o.seed;
  if (o.tftp_serving_count) {
    // Every node's, also those with models of their own.
    plan->cluster.tftp.max_serving_count = *o.tftp_serving_count;
    for (auto& n : plan->cluster.nodes)
      if (n.own_tftp) n.own_tftp->max_serving_count = *o.tftp_serving_count;
  }
  std::vector<boost::asio::ip::address> listen;
  if (!o.listen.empty()) {
    auto parsed = parse_endpoint_list(o.listen, 0);
    if (!parsed) {
      print_error("--listen: " + parsed.err().message);
      return exit_bad_input;
    }
    for (const auto& hp : *parsed) {
      if (hp.port != 0) {
        print_error("--listen: " + hp.address.to_string() +
                    ": give addresses only; the ports are --tftp-port, --http-port, --tvs-port");
        return exit_bad_input;
      }
      listen.push_back(hp.address);
    }
    if (listen.size() != plan->cluster.nodes.size()) {
      print_error("--listen: give one address per node (" +
                  std::to_string(plan->cluster.nodes.size()) +
                  ", in the scenario's node order), got " + std::to_string(listen.size()));
      return exit_bad_input;
    }
  }
  // The cluster alone: phone actions of the timeline find no phones.
  for (auto& g : plan->fleet) g.count = 0;

  std::printf("itlfleet serve %s (%s): %zu nodes, seed %llu, timeline of %s at time scale %g\n",
              plan->name.c_str(), plan->source.c_str(), plan->cluster.nodes.size(),
              static_cast<unsigned long long>(plan->seed),
              metrics::format_sim_time(plan->end.count()).c_str(), o.time_scale);
  std::fflush(stdout);
  engine::run_options ro;
  ro.key_cache = host::default_key_store();
  ro.phone_log = false;
  engine::live_options lo;
  lo.time_scale = o.time_scale;
  lo.threads = o.threads.value_or(0);
  lo.servers.tftp_port = o.tftp_port;
  lo.servers.http_port = o.http_port;
  lo.servers.tvs_port = o.tvs_port;
  lo.servers.listen = std::move(listen);
  lo.servers.http_max_connections = o.limits.http_max_connections;
  lo.servers.tvs_max_handshakes = o.limits.tvs_max_handshakes;
  lo.servers.tvs_max_per_source = o.limits.tvs_max_per_source;
  lo.servers.tvs_session_lifetime = std::chrono::seconds(o.tvs_session_lifetime_s);
  lo.servers.tftp_block_cost = from_ms(o.tftp_block_cost_ms);
  lo.servers.tftp_knee = o.tftp_knee;
  lo.servers.tftp_knee_slowdown = from_ms(o.tftp_knee_slowdown_ms);
  set_slower_servers(o, lo.servers);
  lo.keep_serving = !o.once;
  lo.on_notice = [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  // The first SIGINT or SIGTERM ends the serving (or the timeline) and
  // prints the log; a second one quits at once.
  stop_signals signals;
  ro.stop_requested = &stop_signals::received;
  auto r = engine::run_live(*plan, ro, lo);
  if (!r) {
    print_error(plan->source + ": " + r.err().to_string());
    return exit_bad_input;
  }
  std::printf("\n%s", r->event_log.c_str());
  return exit_ok;
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto o = std::make_shared<serve_options>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve a scenario's cluster on loopback: TFTP, HTTP 6970 and TVS per node (node n on "
      "127.0.(1+n/254).(1+n%254)), applying the timeline's administrator actions on schedule");
  cmd->add_option("scenario", o->scenario, "A built-in scenario name or a scenario YAML file")
      ->required();
  cmd->add_option("--seed", o->seed, "PKI seed (default: the scenario's)")
      ->check(unsigned_integer());
  cmd->add_option("--time-scale", o->time_scale,
                  "Wall seconds per scenario second for the timeline")
      ->check(CLI::Range(0.0001, 100.0))
      ->capture_default_str();
  cmd->add_option("--threads", o->threads,
                  "Threads to serve on (default: one per core): node n's servers on thread "
                  "n mod (N - 1), one thread for the timeline; a node's servers share one thread")
      ->check(CLI::Range(1u, engine::max_live_threads))
      ->type_name("N");
  cmd->add_option("--tftp-port", o->tftp_port, "UDP port of every node's TFTP server (0: any)")
      ->check(unsigned_integer())
      ->capture_default_str();
  cmd->add_option("--http-port", o->http_port, "TCP port of every node's HTTP file server (0: any)")
      ->check(unsigned_integer())
      ->capture_default_str();
  cmd->add_option("--tvs-port", o->tvs_port, "TCP port of every node's TVS server (0: any)")
      ->check(unsigned_integer())
      ->capture_default_str();
  cmd->add_option("--listen", o->listen,
                  "Addresses to serve on instead of loopback, one per node in the scenario's "
                  "node order (e.g. a bridge's address that shards in other network namespaces "
                  "or pods reach; 0.0.0.0 for every address of the host, one node only)");
  cmd->add_option("--http-connections", o->limits.http_max_connections,
                  "Open HTTP connections per node, idle ones included; more are answered 503 "
                  "and closed")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  cmd->add_option("--tvs-handshakes", o->limits.tvs_max_handshakes,
                  "TVS connections in their TLS handshake per node, a pool apart from the "
                  "scenario's sessions; more are closed")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  cmd->add_option("--tvs-per-source", o->limits.tvs_max_per_source,
                  "TVS connections open at once from one source address")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  cmd->add_option("--tvs-session-lifetime", o->tvs_session_lifetime_s,
                  "Seconds a TVS session may last, however busy; then it is closed")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  cmd->add_option("--tftp-block-cost", o->tftp_block_cost_ms,
                  "Milliseconds of server time per TFTP DATA packet, all transfers taking turns: "
                  "a slower server, saturating like the virtual engine's station (0: none)")
      ->check(CLI::Range(0.0, 1000.0))
      ->capture_default_str();
  cmd->add_option("--tftp-knee", o->tftp_knee,
                  "TFTP transfers in progress past which each DATA packet costs "
                  "--tftp-knee-slowdown more per transfer: a server whose throughput falls past a "
                  "concurrency, like the station's cluster.tftp.knee")
      ->check(CLI::Range(0, plan::limits::max_serving_count))
      ->capture_default_str();
  cmd->add_option("--tftp-knee-slowdown", o->tftp_knee_slowdown_ms,
                  "Milliseconds added to each TFTP DATA packet's server time per transfer in "
                  "progress past --tftp-knee (0: no knee)")
      ->check(CLI::Range(0.0, 1000.0))
      ->capture_default_str();
  cmd->add_option("--tftp-serving-count", o->tftp_serving_count,
                  "TFTP Maximum Serving Count of every node, also of those with models of "
                  "their own (default: each node's, else cluster.tftp.max_serving_count)")
      ->check(CLI::Range(1, plan::limits::max_serving_count));
  cmd->add_option("--http-request-cost", o->http_request_cost_ms,
                  "Milliseconds of server time per HTTP request, requests taking turns on "
                  "--http-workers: a slower server, like the virtual engine's HTTP station (0: "
                  "none)")
      ->check(CLI::Range(0.0, 1000.0))
      ->capture_default_str();
  cmd->add_option("--http-workers", o->http_workers,
                  "Requests the slower HTTP server works on at once; the others wait their turn "
                  "(default 1 with --http-request-cost)")
      ->check(CLI::Range(1, plan::limits::max_http_workers));
  cmd->add_option("--http-serving-count", o->http_serving_count,
                  "HTTP requests served or waiting at once per node; more are answered 503 "
                  "(default: the TFTP serving count)")
      ->check(CLI::Range(1, plan::limits::max_serving_count));
  cmd->add_option("--tvs-handshake-cost", o->tvs_handshake_cost_ms,
                  "Milliseconds a slower TVS spends on each connection before its TLS handshake, "
                  "in a turn of --tvs-concurrency (0: none)")
      ->check(CLI::Range(0.0, 1000.0))
      ->capture_default_str();
  cmd->add_option("--tvs-query-cost", o->tvs_query_cost_ms,
                  "Milliseconds a slower TVS spends on each query before answering (0: none)")
      ->check(CLI::Range(0.0, 1000.0))
      ->capture_default_str();
  cmd->add_option("--tvs-concurrency", o->tvs_concurrency,
                  "Connections the slower TVS works on at once (a handshake and a query each); "
                  "the others wait their turn, and one whose turn is over 5 s away is closed "
                  "(default 1 with a TVS cost)")
      ->check(CLI::Range(1, plan::limits::max_tvs_concurrency));
  cmd->add_flag("--once", o->once, "Stop at the end of the timeline instead of serving on");
  cmd->footer(
      "Runs until SIGINT or SIGTERM (or the timeline's end with --once), then prints the "
      "administrator's log and what each server did; a second signal quits at once (130 or "
      "143).\nExit status: 0 served, 2 bad scenario, options or a port that cannot be bound.");
  cmd->callback([o] { finish(serve(*o)); });
}

}  // namespace itlfleet::app
