#pragma once
/// The live engine: the plan's fleet in real time over real sockets. Every
/// phone runs the same state machine as in the virtual engine (sim/phone.hpp)
/// but fetches its ITL and config over real TFTP (or HTTP on 6970) and asks
/// real TVS servers over TLS, sending from its own loopback address. The
/// servers are the cluster's own, in process (cluster_servers.hpp), or
/// external ones given by address (tftpd-hpa serving `itlfleet cluster
/// export`, a lab CUCM's TVS reached through a tunnel to loopback).
///
/// Threads: one thread runs the fleet itself (the timeline, timers and every
/// phone's state machine, as single-threaded as the virtual engine); the
/// phones' exchanges (TFTP over a udp_mux of their thread's own, HTTP, TLS
/// to TVS) are dealt over the run's threads, phone i on exchange thread
/// i mod P, and hand their outcome back to the fleet's thread; the
/// in-process servers run on the exchange threads too, node n on exchange
/// thread n mod P (see live_options::threads).
///
/// Arrivals are open-loop: phones boot, reset and retry on the scenario's
/// schedule whether or not the servers keep up, so latencies carry no
/// coordinated omission.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include "itlfleet/engine/cluster_servers.hpp"
#include "itlfleet/engine/plan.hpp"
#include "itlfleet/engine/run_types.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::engine {

/// Most threads a live run takes (`--threads`).
inline constexpr std::uint32_t max_live_threads = 256;

struct live_options {
  /// Threads the run uses, 1 to max_live_threads; 0: one per core
  /// (std::thread::hardware_concurrency()). The phones' exchanges take all
  /// of them (never more than one per phone), the first also runs the
  /// fleet, and node n's in-process servers run on exchange thread n mod N:
  /// a thread that serves and sends cannot send faster than it serves (with
  /// servers on threads of their own, a busy machine let phones flood them
  /// into refusals, BENCHMARKS.md "Live mode: threads"). With no fleet
  /// (`itlfleet serve`) the nodes' servers take N - 1 threads of their own.
  std::uint32_t threads = 0;
  /// Wall seconds per scenario second: 0.01 plays a 60-minute timeline in 36 s.
  double time_scale = 1.0;
  /// Servers to use instead of in-process ones, one per node in the plan's
  /// node order (nodes without the service: any value). Empty: in-process.
  std::vector<boost::asio::ip::udp::endpoint> tftp;
  std::vector<boost::asio::ip::tcp::endpoint> http;
  std::vector<boost::asio::ip::tcp::endpoint> tvs;
  /// Ports of the in-process servers (0: chosen by the system); their TFTP
  /// retransmission timeout is set like the phones' (scaled, floored).
  server_settings servers;
  /// Client-side faults: probability that a received TFTP packet is lost,
  /// and a delay before each packet a phone sends.
  double loss = 0.0;
  std::chrono::microseconds delay{0};
  /// Transport timeouts are the plan's scaled by time_scale, but never
  /// shorter than this: a loopback exchange under load needs some time.
  std::chrono::milliseconds min_timeout{200};
  /// The longest a single file transfer may take, in scenario time (scaled
  /// like every scenario time, never under forty retransmission timeouts):
  /// past it the phone gives up on that server's answer, as after a
  /// timeout, and the run counts a protocol error `tftp_deadline`.
  std::chrono::seconds transfer_deadline{60};
  /// After the plan's end, keep the in-process servers up until
  /// run_options::stop_requested answers (`itlfleet serve`, on SIGINT or
  /// SIGTERM); that ends the run normally, not as an interruption.
  bool keep_serving = false;
  /// Lines worth logging as they happen (descriptor limits, TLS levels).
  std::function<void(const std::string&)> on_notice;
};

/// Runs the plan live. Errors are set-up problems (a server that cannot be
/// bound, too few descriptors, a fleet larger than the loopback plan);
/// per-phone failures are outcomes.
result<run_result> run_live(const run_plan& plan, const run_options& options,
                            const live_options& live);

}  // namespace itlfleet::engine
