#include "itlfleet/engine/live_engine.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <thread>
#include <unordered_map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "fleet_run.hpp"
#include "itlfleet/engine/plan_schedule.hpp"
#include "itlfleet/engine/rng.hpp"
#include "itlfleet/engine/scaled_clock.hpp"
#include "itlfleet/net/address_plan.hpp"
#include "itlfleet/net/http_client.hpp"
#include "itlfleet/net/tftp_client.hpp"
#include "itlfleet/net/tvs_client.hpp"
#include "itlfleet/net/tvs_tls.hpp"
#include "itlfleet/net/udp_mux.hpp"
#include "itlfleet/sim/cluster_ctl.hpp"
#include "itlfleet/sim/itl_builder.hpp"
#include "itlfleet/sim/requested_name.hpp"
#include "itlfleet/sim/trust_file.hpp"
#include "itlfleet/sim/verify.hpp"

namespace itlfleet::engine {
namespace {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;
using sim::phone_action;
using sim::phone_action_kind;
using sim::phone_event_kind;

constexpr std::int64_t day_us = 24LL * 3600 * 1'000'000;

/// What a phone's download ended with, whichever protocol carried it.
/// `server_error`: the server broke the protocol, sent an unexpected error,
/// a file over its cap or too slowly; `local_limit`: the load generator
/// could not send it (docs/model.md, "Live mode").
enum class fetch_outcome { ok, not_found, refused, no_answer, server_error, local_limit };

/// A download as an exchange thread hands it back to the fleet's thread.
struct fetch_result {
  fetch_outcome outcome = fetch_outcome::no_answer;
  bytes data;
  std::string kind, detail;  ///< why it failed (protocol_errors' kind, the peer's text)
  std::int64_t took_us = 0;  ///< scenario microseconds
};

/// A TVS exchange as an exchange thread hands it back.
struct tvs_exchange {
  net::tvs_client_result result;
  std::int64_t took_us = 0;  ///< scenario microseconds
};

/// Sums the exchange threads' UDP figures (counts and peaks alike: each
/// thread's peak is its own, their sum bounds the process's).
net::udp_mux_stats& operator+=(net::udp_mux_stats& a, const net::udp_mux_stats& b) {
  a.sockets += b.sockets;
  a.exchanges += b.exchanges;
  a.peak_exchanges += b.peak_exchanges;
  a.kernel_drops += b.kernel_drops;
  a.unmatched += b.unmatched;
  a.queue_drops += b.queue_drops;
  a.send_would_block += b.send_would_block;
  return a;
}

/// Largest file a live phone accepts, by what it asked for: a trust list is
/// at most 64 KB (sim::max_trust_file_size) and a little margin; a config
/// is small XML and its signature.
constexpr std::size_t max_trust_list_bytes = sim::max_trust_file_size + 4096;
constexpr std::size_t max_config_bytes = 256 * 1024;

/// Raises the open-file limit to its hard maximum and says what it is. TFTP
/// exchanges share a few sockets (net::udp_mux); HTTP and TVS take a TCP
/// socket per exchange in flight, and what cannot get one is counted as the
/// load generator's limit, never as a server failure.
std::string raise_descriptor_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return "";
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit want = lim;
    want.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0) lim = want;
  }
  return "open-file limit " + std::to_string(lim.rlim_cur) +
         " (TFTP phones share a few sockets; HTTP and TVS exchanges take one each while in "
         "flight; an exchange that finds none is counted under load_generator and sent again)";
}

/// Open descriptors of this process (entries of /proc/self/fd), 0 where unknown.
std::uint64_t open_descriptors() {
  std::error_code ec;
  std::uint64_t n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec))
    ++n;
  return n;
}

/// Log lines that can come by the thousand: one per key at most every 10 s
/// of wall time, with the number left out since the last.
class rate_limited_notices {
 public:
  void note(const std::string& key, const std::string& line,
            const std::function<void(const std::string&)>& out) {
    if (!out) return;
    entry& e = keys_[key];
    const auto now = clock::now();
    if (e.printed && now - e.last < std::chrono::seconds(10)) {
      ++e.left_out;
      return;
    }
    out(e.left_out == 0 ? line
                        : line + " (and " + std::to_string(e.left_out) + " more since the last)");
    e = {true, now, 0};
  }

 private:
  struct entry {
    bool printed = false;
    clock::time_point last{};
    std::uint64_t left_out = 0;
  };
  std::map<std::string, entry> keys_;
};

/// Sockets the phones' UDP exchanges share (net::udp_mux's spread), and as
/// many again for a second exchange from one address.
constexpr std::size_t shared_udp_sockets = 8;

std::string endpoint_text(const auto& e) {
  const auto a = e.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(e.port());
}

class live_run final : public fleet_run {
 public:
  live_run(const run_plan& plan, const run_options& options, const live_options& live,
           sim::file_store& files, sim::cluster& cluster)
      : fleet_run(plan, options, files, cluster),
        live_(live),
        clock_(live.time_scale, clock::now(), plan.end.count()),
        tls_(net::make_tvs_client_context()),
        longest_tvs_us_(cluster.node_count(), 0),
        fetches_(cluster.node_count()) {
    engine_name_ = "live";
  }
  ~live_run() override { shut_down(); }

  status setup();
  result<run_result> run();

 private:
  // --- fleet_run's hooks --------------------------------------------------------
  void perform(std::uint32_t i, const phone_action& a) override;
  void schedule_boot(std::uint32_t i, std::int64_t delay_us) override {
    at_phone(i, phones_[i].epoch, delay_us, phone_event_kind::boot);
  }
  void schedule_reset(std::uint32_t i, std::int64_t delay_us) override {
    later(delay_us, [this, i] { deliver(i, {phone_event_kind::reset, sim::no_file, {}}); });
  }
  void schedule_manual(std::uint32_t i, manual_action m, std::int64_t delay_us) override {
    later(delay_us, [this, i, m] {
      deliver(i, {m == manual_action::delete_itl ? phone_event_kind::delete_itl
                                                 : phone_event_kind::factory_reset,
                  sim::no_file,
                  {}});
    });
  }
  void outage(std::size_t node, service s, std::int64_t length_us) override;
  void tftp_restarted(std::size_t node) override;
  /// Descriptors the load generator may hold at once (see the definition).
  std::uint64_t load_generator_descriptors(const server_settings& settings) const;
  void cluster_changed() override {
    if (servers_) servers_->publish(cluster_);
  }
  metrics::node_load load_of(std::size_t node) const override;
  const std::vector<metrics::server_figures>* server_figures() override;
  void before_sample() override;

  // --- time ---------------------------------------------------------------------
  /// Brings now_ to the scenario time the wall clock says (never backwards,
  /// never past the end).
  void advance();
  /// Runs `fn` on the engine thread after `delay_us` of scenario time.
  void later(std::int64_t delay_us, std::function<void()> fn);
  /// Delivers `kind` to phone `i` after `delay_us` if its epoch is still `epoch`.
  void at_phone(std::uint32_t i, std::uint32_t epoch, std::int64_t delay_us, phone_event_kind kind);
  /// Runs `fn` at scenario time `at_us` (sets now_ to it, as the virtual engine would).
  void at(std::int64_t at_us, std::function<void()> fn);
  void spawn(asio::awaitable<void> task);
  /// A bug, not an outcome (an exception out of a coroutine): stops the run
  /// and reports it. On the fleet's thread.
  void fail(std::exception_ptr e);

  /// Scenario microseconds since wall time `t`: every time a live run
  /// reports is on the scenario clock.
  std::int64_t scenario_us_since(clock::time_point t) const {
    return clock_.scenario_us_between(t, clock::now());
  }

  // --- the phone's exchanges -------------------------------------------------------
  // start_* run on the fleet's thread and take what the exchange needs from
  // the phone; the exchange runs on phone i's exchange thread, reads only
  // what setup() fixed, and its *_done runs back on the fleet's thread.
  /// `what` is request_itl, request_config or request_ctl; `name` the file
  /// it asks for (sim::requested_name).
  void start_fetch(std::uint32_t i, std::uint32_t epoch, std::uint8_t node, phone_action_kind what,
                   std::string name);
  asio::awaitable<fetch_result> download(asio::ip::address from, std::size_t node, bool http,
                                         std::string name, std::size_t cap, std::uint64_t seed,
                                         net::udp_mux& mux);
  void fetch_done(std::uint32_t i, std::uint32_t epoch, std::uint8_t node, phone_action_kind what,
                  const std::string& name, fetch_result r);
  void start_tvs(std::uint32_t i, std::uint32_t epoch, std::uint8_t node);
  asio::awaitable<tvs_exchange> query_tvs(asio::ip::address from, std::size_t node,
                                          net::tvs_client_request req);
  void tvs_done(std::uint32_t i, std::uint32_t epoch, std::uint8_t node, tvs_exchange x);
  /// Runs `exchange` on phone i's exchange thread and `done` with its
  /// result on the fleet's thread.
  template <class T, class Done>
  void exchange(std::uint32_t i, asio::awaitable<T> exchange, Done done);
  std::size_t exchange_context_of(std::uint32_t i) const { return i % muxes_.size(); }
  void fetched(std::uint32_t i, phone_action_kind what, fetch_outcome o, const bytes& data);
  /// The load generator could not send phone i's exchange (`why`: a
  /// net::tftp_failure's name): counts it, says so (rate-limited) and
  /// sends it again after the phone's TFTP backoff; the phone waits.
  void local_limit(std::uint32_t i, std::uint32_t epoch, std::string_view why,
                   const std::string& detail, std::function<void()> again);
  /// A server broke the protocol (or answered with an error, too much, too
  /// slowly): counted by server and kind, logged (rate-limited).
  void protocol_error(const std::string& server, const std::string& kind,
                      const std::string& detail);
  bool current(std::uint32_t i, std::uint32_t epoch) const {
    return !done_ && phones_[i].epoch == epoch;
  }
  /// Where phone i sends from to `server`: its own loopback address to a
  /// server on loopback; to any other, the unspecified address, so the
  /// kernel sends from the host's own address toward it (a load generator
  /// in a pod or a network namespace, behind one address as phones behind
  /// a NAT would be).
  asio::ip::address address_of(std::uint32_t i, const asio::ip::address& server) const {
    if (!server.is_loopback()) return asio::ip::address_v4::any();
    return *net::phone_address(global_id(i));
  }

  /// Ends the run: nothing more is sent or delivered.
  void stop();
  /// Asks run_options::stop_requested every 100 ms of wall time; on a
  /// reason, interrupts the timeline (or ends the serving after it) and stops.
  asio::awaitable<void> watch_for_stop();
  /// Stops every thread and then the servers; idempotent.
  void shut_down();
  /// The phones' UDP figures summed over the exchange threads (each read on
  /// its own thread while they run).
  net::udp_mux_stats mux_stats();
  /// Lays the run's threads out (live_options::threads) and makes the
  /// exchange threads' sockets; returns the server threads' executors.
  result<std::vector<asio::any_io_executor>> lay_out_threads(bool in_process);
  /// What each in-process server did, for the log.
  void report_server_stats();

  const live_options& live_;
  /// Scenario <-> wall time; started again when run() starts.
  scaled_clock clock_;
  asio::ssl::context tls_;
  net::tftp_get_options tftp_options_;
  net::http_get_options http_options_;
  std::chrono::milliseconds tvs_timeout_{};
  rate_limited_notices notices_;
  std::vector<node_endpoints> endpoints_;
  std::vector<std::int64_t> longest_tvs_us_;  ///< per node, scenario microseconds
  /// Per node, the phones' TFTP downloads in progress (first DATA block to
  /// the end) and their peak: an external server's concurrent transfers as
  /// its clients see them, since it reports none itself. Requests refused or
  /// still waiting for the server are not transfers yet, as in the station.
  /// Atomic: a phone's download runs on its exchange thread.
  struct fetch_count {
    std::atomic<std::uint64_t> now{0}, peak{0};
  };
  std::vector<fetch_count> fetches_;
  std::vector<metrics::server_figures> figures_;  ///< per node, refreshed at each sample
  /// Certificates TVS vouched for, by DER: parsed once, keyed in the oracle.
  std::unordered_map<std::string, std::pair<sim::certificate, std::uint32_t>> vouched_;
  bool done_ = false;
  bool timeline_done_ = false;  ///< the plan's end was reached

  // One io_context per thread, each run by that thread alone; contexts_[0]
  // by the caller of run(): the fleet, and the first exchange context.
  // Destroyed last, with the coroutines they hold.
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  asio::io_context& io() { return *contexts_[0]; }
  std::optional<cluster_servers> servers_;
  std::exception_ptr failure_;
  /// Per exchange context (contexts_[k] for k < muxes_.size()): its phones'
  /// TFTP exchanges over a few sockets; their state lives on in the
  /// coroutines still holding an exchange until the context goes.
  std::vector<std::unique_ptr<net::udp_mux>> muxes_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;  ///< for contexts_[1..]
  bool servers_stopped_ = false;
};

status live_run::setup() {
  if (!(live_.time_scale > 0)) return error{"time scale must be positive"};
  if (auto s = setup_fleet(); !s) return s;
  if (!phones_.empty() &&
      !net::phone_address(global_id(static_cast<std::uint32_t>(phones_.size() - 1))))
    return error{"a live fleet has at most " + std::to_string(net::max_live_phones) +
                 " phones (one loopback address each, 127.16.0.1-127.31.255.254)"};
  if (cluster_.node_count() > net::max_live_nodes)
    return error{"a live cluster has at most " + std::to_string(net::max_live_nodes) + " nodes"};
  const std::string limit = raise_descriptor_limit();
  if (live_.on_notice && !limit.empty()) live_.on_notice(limit);

  const bool external = !live_.tftp.empty() || !live_.tvs.empty() || !live_.http.empty();
  auto server_executors = lay_out_threads(!external);
  if (!server_executors) return server_executors.err();
  if (external) {
    const std::size_t n = cluster_.node_count();
    bool uses_tftp = false, uses_http = false;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      // External servers without --http: phones whose family and firmware
      // try HTTP 6970 first find nothing there and use TFTP, as real phones
      // do; a scenario's explicit `fetch: http` still needs --http.
      if (live_.http.empty() && !plan_.fleet[g].fetch) groups_[g].fetch = fetch_protocol::tftp;
      uses_tftp = uses_tftp || groups_[g].fetch == fetch_protocol::tftp;
      uses_http = uses_http || groups_[g].fetch == fetch_protocol::http;
    }
    auto check = [&](bool needed, std::size_t given, const char* what) -> status {
      if (!needed || given == n) return ok();
      return error{std::string("external ") + what + " servers: give one address per node (" +
                   std::to_string(n) + ", in the scenario's node order), got " +
                   std::to_string(given)};
    };
    if (auto s = check(uses_tftp, live_.tftp.size(), "TFTP"); !s) return s;
    if (auto s = check(uses_http, live_.http.size(), "HTTP"); !s) return s;
    if (auto s = check(true, live_.tvs.size(), "TVS"); !s) return s;
    endpoints_.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
      if (k < live_.tftp.size()) endpoints_[k].tftp = live_.tftp[k];
      if (k < live_.http.size()) endpoints_[k].http = live_.http[k];
      if (k < live_.tvs.size()) endpoints_[k].tvs = live_.tvs[k];
    }
  }

  auto scaled = [&](auto d) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.wall(d.count()));
    return std::max(live_.min_timeout, ms);
  };
  tftp_options_.timeout = scaled(plan_.cluster.tftp.retransmit_timeout);
  if (!external) {
    server_settings settings = live_.servers;
    settings.tftp_retransmit = tftp_options_.timeout;
    settings.reserved_descriptors += load_generator_descriptors(settings);
    servers_.emplace(std::move(*server_executors), cluster_, plan_, settings, live_.on_notice);
    if (auto s = servers_->start(); !s) return s;
    for (std::size_t k = 0; k < cluster_.node_count(); ++k)
      endpoints_.push_back(servers_->endpoints(k));
    for (std::size_t k = 0; k < cluster_.node_count() && live_.on_notice; ++k) {
      const node_endpoints& e = endpoints_[k];
      std::string line = cluster_.node(k).host + ":";
      if (e.tftp.port() != 0)
        line += " TFTP udp " + e.tftp.address().to_string() + ":" + std::to_string(e.tftp.port()) +
                ", HTTP tcp " + e.http.address().to_string() + ":" + std::to_string(e.http.port());
      if (e.tvs.port() != 0)
        line += std::string(e.tftp.port() != 0 ? "," : "") + " TVS tls " +
                e.tvs.address().to_string() + ":" + std::to_string(e.tvs.port());
      live_.on_notice(line);
    }
  }
  // A whole transfer may take the scenario's transfer deadline, but never
  // less than forty of the phone's (floored) retransmission timeouts: a
  // trust list of 128 blocks may wait out a few of them under load.
  tftp_options_.deadline = std::max<clock::duration>(clock_.wall(live_.transfer_deadline.count()),
                                                     40 * tftp_options_.timeout);
  tftp_options_.loss = live_.loss;
  tftp_options_.delay = live_.delay;
  // A phone waits for TVS as long as the model says; HTTP like three TFTP tries.
  tvs_timeout_ = scaled(plan_.cluster.tvs.timeout);
  http_options_.timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(4 * tftp_options_.timeout);
  return ok();
}

std::uint64_t live_run::load_generator_descriptors(const server_settings& settings) const {
  // The phones' side of every exchange, kept out of the servers' budget:
  // the shared UDP sockets, and a TCP socket per HTTP or TVS exchange in
  // flight. Each of those has one of the in-process servers' connections at
  // the other end, so the servers' TCP counts bound them (past those, an
  // exchange is refused); never more than one per phone. Not a socket per
  // phone: at 50,000 phones under a 20,000 limit that left the servers one
  // slot each.
  std::uint64_t tcp = 0;
  for (std::size_t n = 0; n < cluster_.node_count(); ++n) {
    if (cluster_.node(n).tftp) tcp += settings.http_max_connections;
    if (cluster_.node(n).tvs)
      tcp += settings.tvs_max_handshakes +
             static_cast<std::uint64_t>(node_tvs_model(plan_.cluster, n).concurrency);
  }
  return 2 * shared_udp_sockets * std::max<std::size_t>(1, muxes_.size()) +
         std::min<std::uint64_t>(phones_.size(), tcp);
}

void live_run::report_server_stats() {
  if (!servers_ || !live_.on_notice) return;
  for (std::size_t k = 0; k < cluster_.node_count(); ++k) {
    const auto t = servers_->tftp_stats(k);
    const auto h = servers_->http_stats(k);
    const auto v = servers_->tvs_stats(k);
    live_.on_notice(
        cluster_.node(k).host + ": TFTP " + std::to_string(t.files_served) + " files served, " +
        std::to_string(t.refused) + " refused, " + std::to_string(t.not_found) + " not found, " +
        std::to_string(t.retransmissions) + " retransmissions, " + std::to_string(t.malformed) +
        " malformed; HTTP " + std::to_string(h.served) + " served, " + std::to_string(h.refused) +
        " refused; TVS " + std::to_string(v.handshakes_ok) + " handshakes, " +
        std::to_string(v.queries_valid) + " valid, " + std::to_string(v.queries_invalid) +
        " invalid answers");
  }
}

result<std::vector<asio::any_io_executor>> live_run::lay_out_threads(bool in_process) {
  std::uint32_t n = live_.threads;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  if (n > max_live_threads)
    return error{"threads: " + std::to_string(n) + " is more than a live run takes (1 to " +
                 std::to_string(max_live_threads) + ")"};
  const std::size_t nodes = std::max<std::size_t>(1, cluster_.node_count());
  // Phones' exchanges on every thread, and node n's servers beside them on
  // thread n mod P: a thread that serves and sends cannot send faster than
  // it serves. With no fleet (`itlfleet serve`) the servers take every
  // thread but the fleet's.
  const std::size_t server_threads =
      in_process && n > 1 && phones_.empty() ? std::min<std::size_t>(nodes, n - 1) : 0;
  const std::size_t exchange_threads =
      std::clamp<std::size_t>(n - server_threads, 1, std::max<std::size_t>(1, phones_.size()));
  for (std::size_t k = 0; k < exchange_threads + server_threads; ++k) {
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    // Asio opens a context's own descriptors (epoll, eventfd, timerfd) at
    // its first timer or socket. Open them now, before the servers size
    // their budget from what is open: else a thread's first exchange of a
    // burst may find the phones' exchanges have taken the last of them, and
    // the run fails instead of counting the load generator's limit.
    try {
      asio::steady_timer opens_the_reactor(*contexts_.back());
    } catch (const std::exception& e) {  // boost::system::system_error: no descriptor left
      return error{"live engine: thread " + std::to_string(k) + "'s event loop: " + e.what()};
    }
  }
  for (std::size_t k = 0; k < exchange_threads; ++k)
    muxes_.push_back(
        std::make_unique<net::udp_mux>(contexts_[k]->get_executor(), shared_udp_sockets));
  const std::size_t first = server_threads > 0 ? exchange_threads : 0;
  const std::size_t count = server_threads > 0 ? server_threads : std::min(nodes, exchange_threads);
  std::vector<asio::any_io_executor> servers;
  for (std::size_t k = first; k < first + count; ++k)
    servers.push_back(contexts_[k]->get_executor());
  if (live_.on_notice)
    live_.on_notice(
        std::to_string(contexts_.size()) + " thread(s): " +
        (phones_.empty() ? std::string("the timeline on 1")
                         : "phones' exchanges on " + std::to_string(exchange_threads)) +
        (in_process ? ", in-process servers on " + std::to_string(count) : std::string()));
  return servers;
}

void live_run::shut_down() {
  // Stopped contexts run nothing more: once the threads are joined, no
  // thread runs the servers, whose stop() may then be called from here.
  for (auto& c : contexts_) c->stop();
  work_.clear();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  if (servers_ && !servers_stopped_) {
    servers_->stop();
    servers_stopped_ = true;
  }
}

net::udp_mux_stats live_run::mux_stats() {
  net::udp_mux_stats sum;
  const bool running = !threads_.empty();
  for (std::size_t k = 0; k < muxes_.size(); ++k) {
    if (k == 0 || !running) {
      sum += muxes_[k]->stats();
      continue;
    }
    // A mux is its thread's alone: ask that thread (it never waits on this one).
    std::promise<net::udp_mux_stats> p;
    auto f = p.get_future();
    asio::post(*contexts_[k], [&p, &m = *muxes_[k]] { p.set_value(m.stats()); });
    sum += f.get();
  }
  return sum;
}

void live_run::advance() {
  now_ = clock_.now_us(now_);
}

void live_run::spawn(asio::awaitable<void> task) {
  asio::co_spawn(io(), std::move(task), [this](std::exception_ptr e) {
    if (e) fail(e);
  });
}

void live_run::fail(std::exception_ptr e) {
  if (failure_) return;
  failure_ = e;
  io().stop();
}

template <class T, class Done>
void live_run::exchange(std::uint32_t i, asio::awaitable<T> x, Done done) {
  asio::co_spawn(*contexts_[exchange_context_of(i)], std::move(x),
                 [this, done = std::move(done)](std::exception_ptr e, T r) mutable {
                   asio::post(io(), [this, e, done = std::move(done), r = std::move(r)]() mutable {
                     if (e) return fail(e);
                     done(std::move(r));
                   });
                 });
}

void live_run::later(std::int64_t delay_us, std::function<void()> fn) {
  spawn([](live_run* self, std::int64_t delay, std::function<void()> f) -> asio::awaitable<void> {
    if (delay > 0) {
      asio::steady_timer timer(self->io(), self->clock_.wall(delay));
      co_await timer.async_wait(asio::use_awaitable);
    }
    if (self->done_) co_return;
    self->advance();
    ++self->events_;
    f();
  }(this, delay_us, std::move(fn)));
}

void live_run::at_phone(std::uint32_t i, std::uint32_t epoch, std::int64_t delay_us,
                        phone_event_kind kind) {
  later(delay_us, [this, i, epoch, kind] {
    if (phones_[i].epoch != epoch) return;
    if (kind == phone_event_kind::boot) ++counters_.events().boots;
    deliver(i, {kind, sim::no_file, {}});
  });
}

void live_run::at(std::int64_t at_us, std::function<void()> fn) {
  spawn([](live_run* self, std::int64_t t, std::function<void()> f) -> asio::awaitable<void> {
    asio::steady_timer timer(self->io(), self->clock_.wall_at(t));
    co_await timer.async_wait(asio::use_awaitable);
    if (self->done_) co_return;
    self->now_ = std::max(self->now_, t);
    ++self->events_;
    f();
  }(this, at_us, std::move(fn)));
}

void live_run::perform(std::uint32_t i, const phone_action& a) {
  if (done_) return;
  const sim::phone& p = phones_[i];
  switch (a.kind) {
    case phone_action_kind::none:
      return;
    case phone_action_kind::request_itl:
    case phone_action_kind::request_config:
    case phone_action_kind::request_ctl:
      start_fetch(i, p.epoch, tftp_node(i, a.server), a.kind, sim::requested_name(a, device_of(i)));
      return;
    case phone_action_kind::query_tvs:
      ++counters_.events().tvs_queries;
      start_tvs(i, p.epoch, groups_[p.group].tvs[a.server]);
      return;
    case phone_action_kind::wait:
      return at_phone(i, p.epoch, a.delay_us, phone_event_kind::timer);
    case phone_action_kind::reboot:
      return at_phone(i, p.epoch, reboot_delay(i), phone_event_kind::boot);
  }
}

void live_run::start_fetch(std::uint32_t i, std::uint32_t epoch, std::uint8_t node,
                           phone_action_kind what, std::string name) {
  const std::size_t cap =
      what == phone_action_kind::request_config ? max_config_bytes : max_trust_list_bytes;
  const bool http = groups_[phones_[i].group].fetch == fetch_protocol::http;
  // Losses differ per phone and request but repeat for one seed.
  const std::uint64_t seed =
      hash_draw(plan_.seed, global_id(i), draw::block_loss,
                (std::uint64_t{epoch} << 8) | static_cast<std::uint64_t>(phones_[i].step));
  const auto& server = http ? endpoints_[node].http.address() : endpoints_[node].tftp.address();
  exchange(
      i,
      download(address_of(i, server), node, http, name, cap, seed, *muxes_[exchange_context_of(i)]),
      [this, i, epoch, node, what, name](fetch_result r) {
        fetch_done(i, epoch, node, what, name, std::move(r));
      });
}

asio::awaitable<fetch_result> live_run::download(asio::ip::address from, std::size_t node,
                                                 bool http, std::string name, std::size_t cap,
                                                 std::uint64_t seed, net::udp_mux& mux) {
  fetch_result out;
  const auto started = clock::now();
  fetch_count& in_progress = fetches_[node];
  bool served = false;  // counted in in_progress
  if (http) {
    net::http_get_options ho = http_options_;
    ho.max_size = cap;
    auto r = co_await net::http_get(from, endpoints_[node].http, name, ho);
    out.detail = r.detail;
    switch (r.outcome) {
      case net::http_outcome::ok:
        out.outcome = fetch_outcome::ok;
        out.data = std::move(r.body);
        break;
      case net::http_outcome::not_found:
        out.outcome = fetch_outcome::not_found;
        break;
      case net::http_outcome::refused:
        // 503 is the serving count; any other status is the server's own failure.
        if (r.status == 503) {
          out.outcome = fetch_outcome::refused;
        } else {
          out.outcome = fetch_outcome::server_error;
          out.kind = "http_status_" + std::to_string(r.status);
        }
        break;
      case net::http_outcome::protocol_error:
        out.outcome = fetch_outcome::server_error;
        out.kind = r.too_large ? "http_too_large" : "http_malformed";
        break;
      case net::http_outcome::local_error:
        out.outcome = fetch_outcome::local_limit;
        out.kind = net::to_string(net::local_failure(r.local_error));
        break;
      case net::http_outcome::timeout:
      case net::http_outcome::unreachable:
        break;
    }
  } else {
    net::tftp_get_options o = tftp_options_;
    o.max_size = cap;
    o.on_first_data = [&in_progress, &served] {
      served = true;
      const std::uint64_t now = ++in_progress.now;
      std::uint64_t peak = in_progress.peak.load();
      while (now > peak && !in_progress.peak.compare_exchange_weak(peak, now)) {
      }
    };
    o.seed = seed;
    auto r = co_await net::tftp_get(mux, from, endpoints_[node].tftp, name, o);
    out.detail = r.error_message;
    switch (r.outcome) {
      case net::tftp_outcome::ok:
        out.outcome = fetch_outcome::ok;
        out.data = std::move(r.data);
        break;
      case net::tftp_outcome::not_found:
        out.outcome = fetch_outcome::not_found;
        break;
      case net::tftp_outcome::refused:
        // ERROR 0 is the Maximum Serving Count (docs/model.md); any other
        // code is the server's own failure, kept with its code and text.
        if (r.error_code.value_or(0) == 0) {
          out.outcome = fetch_outcome::refused;
        } else {
          out.outcome = fetch_outcome::server_error;
          out.kind = "tftp_error_" + std::to_string(*r.error_code);
          out.detail = "ERROR " + std::to_string(*r.error_code) + " \"" + r.error_message + "\"";
        }
        break;
      case net::tftp_outcome::timeout:
        if (r.failure == net::tftp_failure::deadline) {
          out.outcome = fetch_outcome::server_error;
          out.kind = "tftp_deadline";
        }
        break;
      case net::tftp_outcome::protocol_error:
        out.outcome = fetch_outcome::server_error;
        out.kind = "tftp_" + std::string(net::to_string(r.failure));
        break;
      case net::tftp_outcome::local_error:
        out.outcome = fetch_outcome::local_limit;
        out.kind = net::to_string(r.failure);
        break;
    }
  }
  if (served) --in_progress.now;
  out.took_us = scenario_us_since(started);
  co_return out;
}

void live_run::fetch_done(std::uint32_t i, std::uint32_t epoch, std::uint8_t node,
                          phone_action_kind what, const std::string& name, fetch_result r) {
  if (r.outcome == fetch_outcome::ok) latency(download_latency).record(r.took_us);
  if (!current(i, epoch)) return;
  advance();
  ++events_;
  if (r.outcome == fetch_outcome::local_limit) {
    return local_limit(i, epoch, r.kind, r.detail, [this, i, epoch, node, what, name] {
      start_fetch(i, epoch, node, what, name);
    });
  }
  if (r.outcome == fetch_outcome::server_error) {
    const bool http = groups_[phones_[i].group].fetch == fetch_protocol::http;
    protocol_error(
        http ? endpoint_text(endpoints_[node].http) : endpoint_text(endpoints_[node].tftp), r.kind,
        device_of(i) + " asking for " + name + ": " + r.detail);
  }
  fetched(i, what, r.outcome, r.data);
}

void live_run::local_limit(std::uint32_t i, std::uint32_t epoch, std::string_view why,
                           const std::string& detail, std::function<void()> again) {
  auto& g = counters_.events().load_generator;
  ++(why == "descriptors" ? g.descriptors_exhausted
     : why == "memory"    ? g.memory_exhausted
                          : g.other_local_errors);
  notices_.note(std::string("local:") + std::string(why),
                "warning: load generator limit (" + std::string(why) + "): " + device_of(i) + ": " +
                    detail + "; not a server failure, sent again after a backoff",
                live_.on_notice);
  later(plan_.phone.tftp_backoff.count(), [this, i, epoch, again = std::move(again)] {
    if (!current(i, epoch)) return;
    ++counters_.events().load_generator.retries;
    again();
  });
}

void live_run::protocol_error(const std::string& server, const std::string& kind,
                              const std::string& detail) {
  ++counters_.events().protocol_errors[{server, kind}];
  notices_.note(server + " " + kind, "server " + server + ": " + kind + ": " + detail,
                live_.on_notice);
}

void live_run::before_sample() {
  if (muxes_.empty()) return;
  const net::udp_mux_stats m = mux_stats();
  auto& g = counters_.events().load_generator;
  g.receive_drops = m.kernel_drops + m.queue_drops;
  g.send_drops = m.send_would_block;
  g.udp_sockets = m.sockets;
  g.peak_descriptors = std::max(g.peak_descriptors, open_descriptors());
}

void live_run::fetched(std::uint32_t i, phone_action_kind what, fetch_outcome o,
                       const bytes& data) {
  auto& ev = counters_.events();
  using requested = metrics::event_totals::requested;
  const bool itl = what == phone_action_kind::request_itl;
  const bool ctl = what == phone_action_kind::request_ctl;
  const requested file = itl ? requested::itl : ctl ? requested::ctl : requested::config;
  switch (o) {
    case fetch_outcome::ok: {
      ev.count_request(file, metrics::event_totals::served);
      ev.bytes_served += data.size();
      auto id = files_.intern_received(data, itl || ctl);
      if (!id) {
        log_.note(now_, device_of(i) + " received a malformed " +
                            (itl   ? "ITL"
                             : ctl ? "CTL"
                                   : "config") +
                            ": " + id.err().to_string());
        return deliver(i, {phone_event_kind::file_corrupt, sim::no_file, {}});
      }
      return deliver(i, {phone_event_kind::file_received, *id, {}});
    }
    case fetch_outcome::not_found:
      return deliver(i, {phone_event_kind::file_missing, sim::no_file, {}});
    case fetch_outcome::refused:
      ev.count_request(file, metrics::event_totals::refused);
      return deliver(i, {phone_event_kind::tftp_refused, sim::no_file, {}});
    case fetch_outcome::server_error:
      // Counted under protocol_errors; to the phone a failed download is
      // one without an answer: it tries again, then another server.
      return deliver(i, {phone_event_kind::tftp_timeout, sim::no_file, {}});
    case fetch_outcome::local_limit:
      return;  // never a phone's event (local_limit)
    case fetch_outcome::no_answer:
      ev.count_request(file, metrics::event_totals::timed_out);
      return deliver(i, {phone_event_kind::tftp_timeout, sim::no_file, {}});
  }
}

void live_run::start_tvs(std::uint32_t i, std::uint32_t epoch, std::uint8_t node) {
  const sim::phone& p = phones_[i];
  const sim::trust_file& f = files_.get(p.pending).parsed;
  const sim::signer_id& signer = f.header.signer;
  net::tvs_client_request req;
  req.device_name = plan_.fleet[p.group].model + "-" + device_of(i);
  // A new ITL carries its signer's certificate (its SAST record): VERIFY it.
  // A signed config carries none: ask by name (QUERY_CERT).
  const std::string issuer = sim::normalise_name(text_of(signer.ca_name));
  for (const sim::record& r : f.records) {
    if (r.certificate() && r.serial() == signer.serial &&
        sim::normalise_name(r.issuer()) == issuer) {
      req.certificate = *r.certificate();
      break;
    }
  }
  if (req.certificate.empty()) {
    req.subject = text_of(signer.name);
    req.issuer = text_of(signer.ca_name);
    req.serial = signer.serial;
  }
  if (p.installed != sim::no_file) req.trusted_server_sha1 = files_.get(p.installed).tvs_hashes;
  req.session_id = global_id(i) + 1;
  exchange(i, query_tvs(address_of(i, endpoints_[node].tvs.address()), node, std::move(req)),
           [this, i, epoch, node](tvs_exchange x) { tvs_done(i, epoch, node, std::move(x)); });
}

asio::awaitable<tvs_exchange> live_run::query_tvs(asio::ip::address from, std::size_t node,
                                                  net::tvs_client_request req) {
  tvs_exchange x;
  const auto started = clock::now();
  // The client context is only read once set up: OpenSSL shares it among threads.
  x.result =
      co_await net::tvs_query(from, endpoints_[node].tvs, tls_, std::move(req), tvs_timeout_);
  x.took_us = scenario_us_since(started);
  co_return x;
}

void live_run::tvs_done(std::uint32_t i, std::uint32_t epoch, std::uint8_t node, tvs_exchange x) {
  const net::tvs_client_result& r = x.result;
  if (r.outcome == net::tvs_outcome::local_error) {
    if (!current(i, epoch)) return;
    advance();
    ++events_;
    --counters_.events().tvs_queries;  // counted again when sent again
    return local_limit(i, epoch, net::to_string(net::local_failure(r.local_error)), r.detail,
                       [this, i, node] {
                         ++counters_.events().tvs_queries;
                         start_tvs(i, phones_[i].epoch, node);
                       });
  }
  // Timed like a download, whether or not the phone still waits for it: the
  // wait for every exchange, the latency of those TVS answered.
  const std::int64_t took = x.took_us;
  longest_tvs_us_[node] = std::max(longest_tvs_us_[node], took);
  if (r.outcome != net::tvs_outcome::unreachable && r.outcome != net::tvs_outcome::protocol_error)
    latency(tvs_latency).record(took);
  if (!current(i, epoch)) return;
  advance();
  ++events_;

  sim::tvs_result answer;
  const bytes server_sha1 = r.server_sha1;
  if (!server_sha1.empty()) answer.server_cert_sha1 = &server_sha1;
  switch (r.outcome) {
    case net::tvs_outcome::valid: {
      auto key = std::string(r.signer_certificate.begin(), r.signer_certificate.end());
      auto it = vouched_.find(key);
      if (it == vouched_.end()) {
        auto cert = sim::certificate::from_der(r.signer_certificate);
        if (!cert) {
          answer.status = sim::tvs_status::invalid;
          break;
        }
        const std::uint32_t k = oracle_.key_of(*cert);
        it = vouched_.emplace(std::move(key), std::make_pair(std::move(*cert), k)).first;
      }
      answer.status = sim::tvs_status::valid;
      answer.signer_cert = &it->second.first;
      answer.signer_key = it->second.second;
      break;
    }
    case net::tvs_outcome::invalid:
      answer.status = sim::tvs_status::invalid;
      break;
    case net::tvs_outcome::untrusted_server:
      protocol_error(endpoint_text(endpoints_[node].tvs), "tvs_untrusted_server",
                     device_of(i) + ": " + r.detail);
      answer.status = sim::tvs_status::invalid;
      break;
    case net::tvs_outcome::protocol_error:
      protocol_error(endpoint_text(endpoints_[node].tvs), "tvs_protocol_error",
                     device_of(i) + ": " + r.detail);
      answer.status = sim::tvs_status::unreachable;
      break;
    case net::tvs_outcome::unreachable:
    case net::tvs_outcome::local_error:
      notices_.note("tvs unreachable " + endpoint_text(endpoints_[node].tvs),
                    "TVS " + endpoint_text(endpoints_[node].tvs) + " unreachable: " + device_of(i) +
                        ": " + r.detail,
                    live_.on_notice);
      answer.status = sim::tvs_status::unreachable;
      break;
  }
  deliver_tvs(i, answer);
}

void live_run::outage(std::size_t node, service s, std::int64_t length_us) {
  if (!servers_) {
    log_.note(now_, "(external servers: the outage is not applied to them)");
    return;
  }
  servers_->set_up(node, s == service::tftp, false);
  later(length_us, [this, node, s] {
    servers_->set_up(node, s == service::tftp, true);
    service_back(node, s);
  });
}

void live_run::tftp_restarted(std::size_t node) {
  // External servers restart when their operator restarts them.
  if (servers_) servers_->restart_tftp(node);
}

const std::vector<metrics::server_figures>* live_run::server_figures() {
  if (!servers_) return nullptr;
  figures_.resize(cluster_.node_count());
  for (std::size_t k = 0; k < figures_.size(); ++k) {
    const auto t = servers_->tftp_stats(k);
    const auto h = servers_->http_stats(k);
    const auto v = servers_->tvs_stats(k);
    metrics::server_figures& f = figures_[k];
    f.node = cluster_.node(k).host;
    f.serving_count =
        static_cast<std::uint64_t>(node_tftp_model(plan_.cluster, k).max_serving_count);
    f.tftp_active = t.active + h.active;
    f.tftp_retransmissions = t.retransmissions;
    f.tftp_malformed = t.malformed;
    f.tls_handshakes_ok = v.handshakes_ok;
    f.tls_handshakes_failed = v.handshakes_failed;
    f.tvs_sessions_active = v.active_sessions;
  }
  return &figures_;
}

metrics::node_load live_run::load_of(std::size_t node) const {
  metrics::node_load l;
  l.node = cluster_.node(node).host;
  if (servers_) {
    l.peak_tftp_transfers =
        servers_->tftp_stats(node).peak_active + servers_->http_stats(node).peak_active;
  } else {
    // An external server: the downloads its clients had in progress at once.
    l.peak_tftp_transfers = fetches_[node].peak;
  }
  l.longest_tvs_wait_us = longest_tvs_us_[node];
  return l;
}

result<run_result> live_run::run() {
  const std::int64_t end = plan_.end.count();
  clock_ = scaled_clock(live_.time_scale, clock::now(), end);
  // The virtual engine's instants (plan_schedule.hpp). Timers due at the
  // same instant fire in no set order, and a regeneration must come before
  // the restart written after it: one timer per instant plays that
  // instant's actions in plan order.
  const plan_schedule schedule = schedule_of(plan_);
  const auto& actions = schedule.actions;
  for (std::size_t first = 0; first < actions.size();) {
    const std::int64_t t = actions[first].at_us;
    std::vector<std::uint32_t> same;
    for (; first < actions.size() && actions[first].at_us == t; ++first)
      same.push_back(actions[first].index);
    at(t, [this, same = std::move(same)] {
      for (std::uint32_t k : same) run_action(k);
    });
  }
  // A sample is stamped with the instant it was due, not the moment a busy
  // loop got to it: every live run of a plan, and every shard of one, then
  // samples at the same times (the virtual engine's), as a merge needs. The
  // sample at the end is the one below that ends the run.
  for (const auto& s : schedule.samples)
    if (const std::int64_t t = s.at_us; t < end)
      at(t, [this, t] {
        const std::int64_t reached = now_;
        now_ = t;
        sample();
        now_ = std::max(reached, t);
      });
  for (std::int64_t t = 0; t <= end; t += day_us) at(t, [this] { daily_alert(); });
  at(end, [this] {
    sample();
    timeline_done_ = true;
    if (!live_.keep_serving) return stop();
    if (live_.on_notice) live_.on_notice("timeline done; serving until SIGINT or SIGTERM");
  });
  spawn(watch_for_stop());
  for (std::size_t k = 1; k < contexts_.size(); ++k) {
    work_.push_back(asio::make_work_guard(*contexts_[k]));
    threads_.emplace_back([c = contexts_[k].get()] { c->run(); });
  }
  io().run();
  // The fleet has ended: the other threads stop where they are.
  shut_down();
  report_server_stats();
  if (live_.on_notice) {
    const net::udp_mux_stats m = mux_stats();
    live_.on_notice("phones' UDP: " + std::to_string(m.sockets) + " shared sockets, " +
                    std::to_string(m.peak_exchanges) + " exchanges at the peak; datagrams lost: " +
                    std::to_string(m.kernel_drops) + " on full socket receive queues, " +
                    std::to_string(m.queue_drops) + " on full exchange queues, " +
                    std::to_string(m.send_would_block) + " on full send buffers; " +
                    std::to_string(m.unmatched) + " arrived after their exchange ended");
  }
  if (failure_) {
    try {
      std::rethrow_exception(failure_);
    } catch (const std::exception& e) {
      return error{std::string("live engine: ") + e.what()};
    }
  }
  if (!interrupted()) now_ = end;
  return finish();
}

void live_run::stop() {
  done_ = true;
  io().stop();
}

asio::awaitable<void> live_run::watch_for_stop() {
  asio::steady_timer timer(io());
  while (!done_) {
    timer.expires_after(std::chrono::milliseconds(100));
    co_await timer.async_wait(asio::use_awaitable);
    if (done_) co_return;
    const char* reason = stop_reason();
    if (reason == nullptr) continue;
    // Past the timeline's end (serving on), stopping is the normal end.
    if (!timeline_done_) {
      advance();
      interrupt(reason);
    }
    stop();
  }
}

}  // namespace

result<run_result> run_live(const run_plan& plan, const run_options& options,
                            const live_options& live) {
  auto built = build_cluster(plan, options);
  if (!built) return built.err();
  live_run run(plan, options, live, *built->files, *built->cluster);
  if (auto s = run.setup(); !s) return s.err();
  return run.run();
}

}  // namespace itlfleet::engine
